/*
 * tlsscope demo: the end-to-end demonstration, as far as it has landed.
 *
 *   1. local TLS servers on 127.0.0.1 (cli_demo_lab.h): modern, legacy, bad-cert
 *   2. the active scanner (scanner/scan.h) on each, in process, under its own SNI name;
 *      every result printed in one line and stored exactly as `tlsscope scan --db` does
 *      (cli_scan_out.h); then the servers are stopped and their directory removed
 *   3. the passive sensor (capture/sensor.h) on the captures bundled in the program
 *      (cli_demo.h, data/demo/), read from memory (fmemopen + src_fopen_take); every TLS
 *      connection printed in one line and stored exactly as `tlsscope sniff --db` does
 *      (cli_sniff_out.h)
 *   4. where the database is, what it holds, and the parts of the full demonstration that
 *      have not landed yet (certificate checks, the analyzer, the report): named, not faked
 *
 * Everything goes to stdout; errors to stderr. SIGINT, SIGTERM and SIGHUP stop the servers
 * at once (cli_demo_lab_kill) and the sensor (sensor_break); the demo then reaps the
 * servers, removes their directory, closes the database and exits 3.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "analyzer/analysis.h"
#include "analyzer/store/store.h"
#include "capture/sensor.h"
#include "cli/cli.h"
#include "cli/cli_demo.h"
#include "cli/cli_demo_lab.h"
#include "cli/cli_report.h"
#include "cli/cli_scan_out.h"
#include "cli/cli_sniff_out.h"
#include "scanner/certs.h"
#include "scanner/scan.h"
#include "scanner/target.h"

#define CMD "demo"
#define DEMO_DB_DEFAULT "tlsscope-demo.db"
#define DEMO_TOOL "tlsscope " TLSSCOPE_VERSION
#define DEMO_SCAN_TIMEOUT_MS 5000

static const char help[] =
	"Usage: tlsscope demo [--db PATH]\n"
	"The bundled end-to-end demonstration, as far as tlsscope has landed. It starts three\n"
	"local TLS servers on 127.0.0.1 (modern, legacy, and one with an expired self-signed\n"
	"certificate; certificates are made on the spot in a temporary directory), scans them\n"
	"with the active scanner, stops them, runs the passive sensor on the real captures\n"
	"bundled with tlsscope, writes everything to a SQLite database, analyzes it (every\n"
	"bundled rule and the model) and writes the HTML report of every profile next to the\n"
	"database (PATH with .html for .db). It prints one line per scanned endpoint and per\n"
	"sniffed connection, each server's most severe alarms, and where the database and the\n"
	"report are. No network: loopback only. Needs the openssl program (Debian package\n"
	"openssl).\n"
	"\n"
	"Options:\n"
	"  --db PATH           write the database here (default: ./" DEMO_DB_DEFAULT ", which\n"
	"                      is replaced on each run; PATH must not exist yet)\n"
	"  -h, --help          show this help and exit\n"
	"\n"
	"Exit status: 0 success, 2 usage error, 3 runtime failure (also: the openssl program\n"
	"is missing, a server did not start, interrupted).\n";

static volatile sig_atomic_t g_stop;
static struct sensor *volatile g_sensor;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
	cli_demo_lab_kill();
	if (g_sensor)
		sensor_break(g_sensor);
}

/* Removes path and its SQLite companions (-wal, -shm, -journal); false on failure. */
static bool remove_db(const char *path)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	char buf[4096];
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		if ((size_t)snprintf(buf, sizeof(buf), "%s%s", path, sfx[i]) >= sizeof(buf))
			return false;
		if (unlink(buf) != 0 && errno != ENOENT)
			return false;
	}
	return true;
}

/* ---- 2. scan ------------------------------------------------------------------------------ */

static void on_scan_result(void *ctx, const struct tgt_endpoint *ep, const struct scan_result *r)
{
	(void)ep;
	if (!cli_scan_out_emit(ctx, r)) {
		/* recorded in the cli_scan_out (store_rc, oom, ferror): reported by the caller */
	}
}

/* Scans each server under its SNI name, one endpoint per run. Returns an enum cli_exit. */
static int demo_scan(const struct cli_demo_lab *lab, struct store *st, const char *db)
{
	struct cli_scan_out out = { .one_line = true, .out = stdout, .st = st, .tool = DEMO_TOOL };
	char err[512], target[32], ca[PATH_MAX + 8];

	/* trust: the demo's own CA, which signed the modern server's certificate */
	snprintf(ca, sizeof(ca), "%s/ca.pem", lab->dir);
	struct certs_env *env = certs_env_new(ca, NULL, "tlsscope/" TLSSCOPE_VERSION " (demo)",
					      err, sizeof(err));
	if (!env)
		return cli_fail(CLI_RUNTIME, CMD, "trust store: %s", err);
	int ret = CLI_OK;

	for (int i = 0; i < CLI_DEMO_NROLES && !g_stop; i++) {
		const struct cli_demo_server *s = &lab->srv[i];
		struct tgt_opts to = { .sni = s->sni, .default_port = 443, .shard_count = 1 };
		struct scan_opts so = { .timeout_ms = DEMO_SCAN_TIMEOUT_MS, .certs = env };
		struct tgt_list *l = tgt_list_new(&to);
		int rc = TGT_ENOMEM;

		snprintf(target, sizeof(target), "127.0.0.1:%u", s->port);
		fputs("  ", stdout);
		if (l && (rc = tgt_list_add(l, target, err, sizeof(err))) == TGT_OK)
			rc = tgt_list_resolve(l, err, sizeof(err));
		if (rc != TGT_OK) {
			tgt_list_free(l);
			fputc('\n', stdout);
			ret = cli_fail(CLI_RUNTIME, CMD, "%s", l ? err : "out of memory");
			break;
		}
		if (scan_run(&so, l, on_scan_result, &out) != 0) {
			int e = errno;
			tgt_list_free(l);
			fputc('\n', stdout);
			ret = cli_fail(CLI_RUNTIME, CMD, "scan failed: %s", strerror(e));
			break;
		}
		tgt_list_free(l);
		if (out.store_rc) {
			ret = cli_fail(CLI_RUNTIME, CMD, "database '%s': %s", db, out.store_err);
			break;
		}
		if (out.oom) {
			ret = cli_fail(CLI_RUNTIME, CMD, "out of memory");
			break;
		}
	}
	certs_env_free(env);
	return ret;
}

/* ---- 3. sniff ----------------------------------------------------------------------------- */

struct demo_sniff {
	struct store *st;
	char source[128];     /* stored with each connection */
	struct sensor *sensor;
	int store_rc;         /* the first store error */
	bool oom;
};

static void on_record(void *ctx, const struct tconn_record *r)
{
	struct demo_sniff *d = ctx;
	json_t *o = cli_sniff_out_json(r);

	if (!o) {
		d->oom = true;
		sensor_break(d->sensor);
		return;
	}
	fputs("    ", stdout);
	cli_sniff_out_text(stdout, r, o);
	if (!d->store_rc && !d->oom) {
		int rc = cli_sniff_out_store(d->st, d->source, r, o, &d->oom);
		if (rc != STORE_OK) {
			d->store_rc = rc;
			sensor_break(d->sensor);
		}
	}
	json_decref(o);
}

/* Runs the sensor on each bundled capture, from memory. Returns an enum cli_exit. */
static int demo_sniff(struct store *st, const char *db)
{
	struct demo_sniff d = { .st = st };
	char err[512];

	for (size_t i = 0; i < cli_demo_n_pcaps && !g_stop; i++) {
		const struct cli_demo_pcap *p = &cli_demo_pcaps[i];
		struct sensor_opts o;
		struct sensor_stats stats;
		struct src *src;
		enum sensor_end end;
		FILE *fp;

		snprintf(d.source, sizeof(d.source), "tlsscope demo: data/demo/%s", p->name);
		printf("  data/demo/%s (%zu bytes):\n", p->name, p->len);
		fp = fmemopen((void *)p->bytes, p->len, "rb");
		if (!fp)
			return cli_fail(CLI_RUNTIME, CMD, "%s: %s", p->name, strerror(errno));
		src = src_fopen_take(fp, err, sizeof(err));
		if (!src)
			return cli_fail(CLI_RUNTIME, CMD, "bundled capture %s: %s", p->name, err);
		memset(&o, 0, sizeof(o));
		o.on_record = on_record;
		o.ctx = &d;
		d.sensor = sensor_open_src_take(src, &o, err, sizeof(err));
		if (!d.sensor)
			return cli_fail(CLI_RUNTIME, CMD, "bundled capture %s: %s", p->name, err);
		g_sensor = d.sensor;
		end = sensor_run(d.sensor);
		g_sensor = NULL;
		sensor_stats(d.sensor, &stats);
		if (end == SENSOR_ERROR) {
			cli_fail(CLI_RUNTIME, CMD, "bundled capture %s: %s", p->name,
				 sensor_error(d.sensor));
			sensor_close(d.sensor);
			return CLI_RUNTIME;
		}
		sensor_close(d.sensor);
		d.sensor = NULL;
		printf("    (%llu frames, %llu TLS connections)\n", (unsigned long long)stats.frames,
		       (unsigned long long)stats.records);
		if (d.oom)
			return cli_fail(CLI_RUNTIME, CMD, "out of memory");
		if (d.store_rc)
			return cli_fail(CLI_RUNTIME, CMD, "database '%s': %s", db, store_errmsg(st));
	}
	return CLI_OK;
}

/* ---- main --------------------------------------------------------------------------------- */

static const struct option longopts[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* What the database holds, and how to look inside. */
static int print_summary(struct store *st, const char *db)
{
	static const struct {
		enum store_table t;
		const char *what;
	} rows[] = {
		{ STORE_T_ENDPOINTS, "endpoints" },
		{ STORE_T_SCANS, "scans" },
		{ STORE_T_PROBE_EVIDENCE, "probe transcripts (request and response bytes)" },
		{ STORE_T_CONNECTIONS, "sniffed TLS connections" },
		{ STORE_T_CERTIFICATES, "distinct certificates (DER)" },
		{ STORE_T_ANOMALIES, "parser anomalies" },
		{ STORE_T_FINDINGS, "findings (rule verdicts per server)" },
		{ STORE_T_SCORES, "model scores" },
	};
	char abs[PATH_MAX];
	const char *shown = db;

	if (db[0] != '/' && getcwd(abs, sizeof(abs)) &&
	    strlen(abs) + 1 + strlen(db) < sizeof(abs)) {
		strcat(abs, "/");
		strcat(abs, db);
		shown = abs;
	}
	printf("\n6. The database: %s\n", shown);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int64_t n = 0;
		if (store_count(st, rows[i].t, &n) != STORE_OK)
			return cli_fail(CLI_RUNTIME, CMD, "database '%s': %s", db, store_errmsg(st));
		printf("  %6lld %s\n", (long long)n, rows[i].what);
	}
	printf("  look inside:\n"
	       "    sqlite3 %s 'select sni, version, cipher, ja4 from connections'\n"
	       "    sqlite3 %s \"select e.sni, s.result from scans s join endpoints e on "
	       "e.id = s.endpoint_id\"\n",
	       db, db);
	return CLI_OK;
}


/* ---- 4. analyze ---------------------------------------------------------------------------- */

#define DEMO_SHOW 3 /* alarms shown per resource */

struct demo_alarms {
	struct {
		char resource[96];
		unsigned n;
		int worst;
		char top[DEMO_SHOW][240];
		int top_rank[DEMO_SHOW];
	} r[16];
	size_t n;
};

static void demo_on_finding(void *ctx, const struct analysis_finding *f)
{
	struct demo_alarms *a = ctx;
	if (strcmp(f->row->status, "alarm") != 0)
		return;
	size_t i = 0;
	while (i < a->n && strcmp(a->r[i].resource, f->row->resource) != 0)
		i++;
	if (i == a->n) {
		if (a->n == sizeof(a->r) / sizeof(a->r[0]))
			return;
		memset(&a->r[i], 0, sizeof(a->r[i]));
		snprintf(a->r[i].resource, sizeof(a->r[i].resource), "%s", f->row->resource);
		a->r[i].worst = -1;
		a->n++;
	}
	int rank = rules_severity_rank(f->row->severity);
	a->r[i].n++;
	if (rank > a->r[i].worst)
		a->r[i].worst = rank;
	/* keep the DEMO_SHOW most severe, first come first kept among equals */
	for (int k = 0; k < DEMO_SHOW; k++) {
		if (a->r[i].top[k][0] && a->r[i].top_rank[k] >= rank)
			continue;
		for (int m = DEMO_SHOW - 1; m > k; m--) {
			memcpy(a->r[i].top[m], a->r[i].top[m - 1], sizeof(a->r[i].top[m]));
			a->r[i].top_rank[m] = a->r[i].top_rank[m - 1];
		}
		snprintf(a->r[i].top[k], sizeof(a->r[i].top[k]), "%-8s %s: %.90s%s",
			 f->row->severity, f->rule->id, f->row->reason ? f->row->reason : f->rule->title,
			 f->row->reason && strlen(f->row->reason) > 90 ? "..." : "");
		a->r[i].top_rank[k] = rank;
		break;
	}
}

static void demo_on_refused(void *ctx, const struct rule *r)
{
	(void)ctx;
	fprintf(stderr, "tlsscope demo: rule %s refused: %s\n", r->file, r->error);
}

/* Runs every bundled rule over the database and shows the alarms per server. */
static int demo_analyze(struct store *st, const char *db)
{
	static struct demo_alarms a;
	struct analysis_opts ao = { .tool = DEMO_TOOL };
	struct analysis_cb cb = { demo_on_finding, demo_on_refused, &a };
	struct analysis_stats stats;
	char err[512];
	memset(&a, 0, sizeof(a));
	printf("\n4. Analysis (tlsscope analyze, in process: the bundled SQL rules of rules/ and "
	       "the model):\n");
	if (analysis_run(st, &ao, &cb, &stats, err, sizeof(err)) != 0)
		return cli_fail(CLI_RUNTIME, CMD, "database '%s': %s", db, err);
	printf("  %zu rules, %zu findings, %zu alarms\n", stats.rules - stats.refused,
	       stats.findings, stats.alarms);
	for (size_t i = 0; i < a.n; i++) {
		printf("  %s: %u alarm%s, e.g.\n", a.r[i].resource, a.r[i].n,
		       a.r[i].n == 1 ? "" : "s");
		for (int k = 0; k < DEMO_SHOW && a.r[i].top[k][0]; k++)
			printf("    %s\n", a.r[i].top[k]);
	}
	printf("  all findings: tlsscope analyze --db %s --json\n", db);
	return stats.refused || stats.failed ? cli_fail(CLI_RUNTIME, CMD, "a bundled rule was "
							"refused (see above)")
					     : CLI_OK;
}

/* The report's path: the database's with .html for .db (or .html added). */
static void report_path(const char *db, char *out, size_t cap)
{
	size_t n = strlen(db);
	if (n > 3 && strcmp(db + n - 3, ".db") == 0)
		snprintf(out, cap, "%.*s.html", (int)(n - 3), db);
	else
		snprintf(out, cap, "%s.html", db);
}

/* Step 5: the HTML report of every profile (tlsscope report --profile all). */
static int demo_report(struct store *st, const char *db)
{
	char path[PATH_MAX + 8], abs[PATH_MAX];
	report_path(db, path, sizeof(path));
	if (store_flush(st) != STORE_OK)
		return cli_fail(CLI_RUNTIME, CMD, "database '%s': %s", db, store_errmsg(st));
	int ret = cli_report_html(st, db, "all", path);
	if (ret != CLI_OK)
		return ret;
	const char *shown = path;
	if (path[0] != '/' && getcwd(abs, sizeof(abs)) &&
	    strlen(abs) + 1 + strlen(path) < sizeof(abs)) {
		strcat(abs, "/");
		strcat(abs, path);
		shown = abs;
	}
	printf("\n5. The report (tlsscope report --profile all --format html): %s\n"
	       "  one self-contained file: open it in a browser, or print it\n", shown);
	return CLI_OK;
}

/* Steps 1 to 6 once the database is chosen. Returns an enum cli_exit. */
static int demo_run(const char *db)
{
	struct cli_demo_lab lab;
	struct store_error serr = { 0, "" };
	struct store_options sopts = { 0, 0, DEMO_TOOL };
	struct store *st = NULL;
	char err[1024];
	int ret;

	printf("tlsscope demo: scan local TLS servers, sniff bundled captures, store and analyze.\n"
	       "\n1. Local TLS servers on 127.0.0.1 (certificates made now):\n");
	fflush(stdout);
	if (cli_demo_lab_start(&lab, err, sizeof(err)) != 0)
		return cli_fail(CLI_RUNTIME, CMD, "%s",
				g_stop ? "interrupted; servers stopped, temporary files removed" : err);
	for (int i = 0; i < CLI_DEMO_NROLES; i++)
		printf("  %-9s 127.0.0.1:%-5u  %s\n", lab.srv[i].name, lab.srv[i].port,
		       lab.srv[i].config);

	st = store_open(db, &sopts, &serr);
	if (!st) {
		cli_demo_lab_stop(&lab);
		return cli_fail(CLI_RUNTIME, CMD, "cannot create the database '%s': %s", db,
				serr.msg);
	}
	printf("\n2. Active scan of each (tlsscope scan, in process; stored with every probe's "
	       "bytes):\n");
	fflush(stdout);
	ret = demo_scan(&lab, st, db);
	cli_demo_lab_stop(&lab);
	if (ret == CLI_OK && !g_stop) {
		printf("  (servers stopped, their temporary directory removed)\n"
		       "\n3. Passive sensor on the captures bundled with tlsscope "
		       "(tlsscope sniff, in process;\n   origins and licences: data/README.md):\n");
		ret = demo_sniff(st, db);
	}
	if (ret == CLI_OK && g_stop)
		ret = cli_fail(CLI_RUNTIME, CMD, "interrupted; servers stopped, temporary files "
			       "removed");
	if (ret == CLI_OK && store_flush(st) != STORE_OK)
		ret = cli_fail(CLI_RUNTIME, CMD, "database '%s': %s", db, store_errmsg(st));
	if (ret == CLI_OK)
		ret = demo_analyze(st, db);
	if (ret == CLI_OK)
		ret = demo_report(st, db);
	if (ret == CLI_OK)
		ret = print_summary(st, db);
	if (store_close(st) != STORE_OK && ret == CLI_OK)
		ret = cli_fail(CLI_RUNTIME, CMD, "database '%s': the last commit failed", db);
	fflush(stdout);
	if (ret == CLI_OK && ferror(stdout))
		ret = cli_fail(CLI_RUNTIME, CMD, "cannot write output");
	return ret;
}

int cli_demo(int argc, char **argv)
{
	const char *db = NULL;
	struct sigaction sa, old_int, old_term, old_hup;
	int c, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(help, stdout);
			return CLI_OK;
		case 'd':
			db = optarg;
			break;
		default:
			return cli_getopt_error(CMD, c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
	if (db) {
		struct stat sb;
		if (!cli_check_creatable(CMD, "--db", db))
			return CLI_USAGE;
		if (stat(db, &sb) == 0)
			return cli_usage_error(CMD, "--db: '%s' exists; the demo writes a new "
					       "database (remove it or choose another name)", db);
	} else {
		db = DEMO_DB_DEFAULT;
		if (!remove_db(db))
			return cli_fail(CLI_RUNTIME, CMD, "cannot replace '%s': %s", db,
					strerror(errno));
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	g_stop = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	ret = demo_run(db);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	return ret;
}
