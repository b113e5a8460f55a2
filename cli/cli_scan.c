/*
 * tlsscope scan: option parsing and validation, then the scan (scanner/scan.h) of every
 * endpoint, each result printed and stored as it arrives (cli_scan_out.h).
 * --ca-file and --pins feed the certificate handshakes (scanner/certs.h); a pins file or a
 * CA file that cannot be read is an input error (exit 2).
 * --fail-on SEVERITY [--profile NAME]: after the scan, the analyzer (analyzer/analysis.h, the
 * bundled rules) runs over the store (--db, else a temporary store in $TMPDIR removed at the
 * end); an alarm at or above SEVERITY without a valid analyst verdict whose resource is one of
 * this run's endpoints is printed on stderr and makes the exit status 1 (INTERFACE.md).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/analysis.h"
#include "analyzer/rules.h"
#include "analyzer/store/store.h"
#include "cli/cli.h"
#include "cli/cli_scan_out.h"
#include "cli/cli_target.h"
#include "scanner/certs.h"
#include "scanner/pins.h"
#include "scanner/result.h"
#include "scanner/scan.h"
#include "scanner/starttls.h"
#include "scanner/target.h"

#define CMD "scan"

static const char help[] =
	"Usage: tlsscope scan [OPTIONS] TARGET...\n"
	"Active scan of TLS endpoints: protocol versions, cipher suites and their order, groups,\n"
	"certificate chain, OCSP stapling, pins, downgrade protection.\n"
	"\n"
	"TARGET is host[:port], IPv4[:port], [IPv6]:port, CIDR[:port] or @FILE (one target per\n"
	"line, # comments). The default port is 443.\n"
	"\n"
	"Options:\n"
	"  --json              NDJSON on stdout, one \"scan\" object per endpoint\n"
	"  --db PATH           also store results in this SQLite file\n"
	"  --sni NAME          server name to send (default: the host name, none for IP literals)\n"
	"  --starttls PROTO    smtp, imap, pop3, ftp, xmpp, ldap, postgres\n"
	"  --ca-file PEM       trust anchors (default: the system store)\n"
	"  --pins FILE         lines \"HOST:PORT pin-sha256=BASE64[ pin-sha256=...]\"\n"
	"  --concurrency N     connections in flight (1..65535, default 64)\n"
	"  --rate N            new connections per second (1..1000000, default: no limit)\n"
	"  --timeout MS        per-connection timeout in milliseconds (1..3600000, default 5000)\n"
	"  --shard I/N         scan only share I of N of the targets (0 <= I < N)\n"
	"  --fail-on SEVERITY  after the scan, run the analyzer (the bundled rules) and exit 1\n"
	"                      when an alarm at or above SEVERITY (info, low, medium, high,\n"
	"                      critical) concerns an endpoint of this scan; findings an\n"
	"                      analyst acknowledged or marked a false positive do not count.\n"
	"                      The alarms are printed on stderr, one line each. The findings\n"
	"                      go to the --db store; without --db to a temporary store in\n"
	"                      $TMPDIR that is removed at the end\n"
	"  --profile NAME      with --fail-on: only the rules of that profile (pci-dss-4.0.1,\n"
	"                      mozilla-6.0-intermediate, nist-800-52r2, ...; default: every\n"
	"                      rule)\n"
	"  -h, --help          show this help and exit\n"
	"\n"
	"Exit status: 0 success, 1 an alarm at or above --fail-on for a scanned endpoint,\n"
	"2 usage or input error (also a --profile without rules), 3 runtime failure (also\n"
	"when a rule failed and no alarm decided the status). An unreachable target is a\n"
	"result (\"error\" set), not a failure.\n"
	"\n"
	"Example (CI): tlsscope scan --profile pci-dss-4.0.1 --fail-on high @targets.txt\n";

static const char *const starttls_protos[] = { "smtp", "imap", "pop3", "ftp", "xmpp",
					       "ldap", "postgres", NULL };

enum {
	OPT_JSON = 256,
	OPT_DB,
	OPT_SNI,
	OPT_STARTTLS,
	OPT_CA_FILE,
	OPT_PINS,
	OPT_CONCURRENCY,
	OPT_RATE,
	OPT_TIMEOUT,
	OPT_SHARD,
	OPT_FAIL_ON,
	OPT_PROFILE,
};

static const struct option longopts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "db", required_argument, NULL, OPT_DB },
	{ "sni", required_argument, NULL, OPT_SNI },
	{ "starttls", required_argument, NULL, OPT_STARTTLS },
	{ "ca-file", required_argument, NULL, OPT_CA_FILE },
	{ "pins", required_argument, NULL, OPT_PINS },
	{ "concurrency", required_argument, NULL, OPT_CONCURRENCY },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The resources (rules/README.md: "IP:PORT" or "[IPv6]:PORT", then " SNI") of this run's
 * endpoints, as the store's views name them, for --fail-on. */
struct resources {
	char **v;
	size_t n, cap;
	bool oom;
};

static void resources_add(struct resources *rs, const struct scan_result *r)
{
	const char *addr = r->ip[0] ? r->ip : r->host;
	bool v6 = strchr(addr, ':') != NULL;
	char buf[SCANRES_HOST_MAX * 2 + 64];
	if (!addr[0])
		return;
	snprintf(buf, sizeof(buf), "%s%s%s:%u%s%s", v6 ? "[" : "", addr, v6 ? "]" : "",
		 (unsigned)r->port, r->sni[0] ? " " : "", r->sni);
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 16;
		char **p = realloc(rs->v, cap * sizeof(*p));
		if (!p) {
			rs->oom = true;
			return;
		}
		rs->v = p;
		rs->cap = cap;
	}
	if (!(rs->v[rs->n] = strdup(buf)))
		rs->oom = true;
	else
		rs->n++;
}

static void resources_free(struct resources *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		free(rs->v[i]);
	free(rs->v);
}

static bool resources_has(const struct resources *rs, const char *resource)
{
	for (size_t i = 0; i < rs->n; i++)
		if (strcmp(rs->v[i], resource) == 0)
			return true;
	return false;
}

struct scan_ctx {
	struct cli_scan_out out;
	struct resources res;   /* filled only with --fail-on */
	bool want_res;
};

static void on_result(void *ctx, const struct tgt_endpoint *ep, const struct scan_result *r)
{
	struct scan_ctx *sc = ctx;
	(void)ep;
	if (sc->want_res)
		resources_add(&sc->res, r);
	if (!cli_scan_out_emit(&sc->out, r)) {
		/* recorded in the cli_scan_out (store_rc, oom, ferror): reported at the end */
	}
}

/* --fail-on: what the analyzer found about this run's endpoints. */
struct gate {
	const struct resources *res;
	int fail_on;
	size_t alarms;      /* at or above fail_on, no valid verdict, this run's endpoints */
};

static void on_gate_finding(void *ctx, const struct analysis_finding *f)
{
	struct gate *g = ctx;
	const struct rule_row *row = f->row;
	if (strcmp(row->status, "alarm") != 0 || f->triage ||
	    rules_severity_rank(row->severity) < g->fail_on || !resources_has(g->res, row->resource))
		return;
	g->alarms++;
	fprintf(stderr, "tlsscope scan: alarm %s %s %s: %s\n", row->severity, row->resource,
		f->rule->id, row->reason ? row->reason : f->rule->title);
}

static void on_gate_refused(void *ctx, const struct rule *r)
{
	(void)ctx;
	fprintf(stderr, "tlsscope scan: rule %s refused: %s\n", r->file, r->error);
}

/* True when the bundled rules hold at least one rule of profile. */
static int check_profile(const char *profile)
{
	char err[RULES_ERR_MAX];
	struct rules *rs = rules_load_bundled(err, sizeof(err));
	size_t n = 0;
	if (!rs)
		return cli_fail(CLI_RUNTIME, CMD, "rules: %s", err);
	for (size_t i = 0; i < rules_count(rs); i++) {
		const struct rule *r = rules_at(rs, i);
		if (!r->is_view && !r->refused && rules_in_profile(r, profile))
			n++;
	}
	rules_free(rs);
	if (n == 0)
		return cli_usage_error(CMD, "--profile: no rule belongs to '%s'", profile);
	return CLI_OK;
}

/* Runs the analyzer over st for --fail-on; returns the exit status. */
static int gate_run(struct store *st, const char *db, const char *profile, int fail_on,
		    const struct resources *res)
{
	char err[512];
	struct gate g = { .res = res, .fail_on = fail_on };
	struct analysis_opts ao = { .profile = profile, .tool = "tlsscope " TLSSCOPE_VERSION };
	struct analysis_cb cb = { .on_finding = on_gate_finding, .on_refused = on_gate_refused,
				  .ctx = &g };
	struct analysis_stats stats;
	if (analysis_run(st, &ao, &cb, &stats, err, sizeof(err)) != 0)
		return cli_fail(CLI_RUNTIME, CMD, "--fail-on: analysis of '%s': %s", db, err);
	static const char *const sev[] = { "info", "low", "medium", "high", "critical" };
	fprintf(stderr, "tlsscope scan: --fail-on %s: %zu rules run, %zu alarm%s at or above it "
		"for the %zu endpoint%s scanned\n", sev[fail_on], stats.rules - stats.refused -
		stats.failed, g.alarms, g.alarms == 1 ? "" : "s", res->n, res->n == 1 ? "" : "s");
	if (g.alarms)
		return CLI_FINDINGS;
	if (stats.refused || stats.failed)
		return cli_fail(CLI_RUNTIME, CMD, "--fail-on: %zu rules could not run, so the "
				"verdict is incomplete", stats.refused + stats.failed);
	return CLI_OK;
}

/* A temporary store for --fail-on without --db: an empty file in $TMPDIR (store_open
 * gives a zero-length file the schema). Its name goes to path (cap bytes). */
static bool temp_store_path(char *path, size_t cap)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	if ((size_t)snprintf(path, cap, "%s/tlsscope-scan.XXXXXX", dir) >= cap)
		return false;
	int fd = mkstemp(path);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static void temp_store_remove(const char *path)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	char p[4200];
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, suffixes[i]);
		unlink(p);
	}
}

/* Resolves the targets, scans them, prints and stores the results; with fail_on >= 0 runs
 * the analyzer afterwards (gate_run). */
static int run_scan(char **targets, int n, const struct tgt_opts *to,
		    const struct scan_opts *so, bool json, const char *db, int fail_on,
		    const char *profile)
{
	char err[512], tmp_db[4096] = "";
	int ret = CLI_OK;
	struct tgt_list *l = tgt_list_new(to);
	struct store *st = NULL;
	if (!l)
		return cli_fail(CLI_RUNTIME, CMD, "out of memory");
	/* targets first: their errors are the likelier ones */
	for (int i = 0; i < n; i++) {
		int rc = tgt_list_add(l, targets[i], err, sizeof(err));
		if (rc != TGT_OK) {
			tgt_list_free(l);
			return rc == TGT_EINPUT ? cli_usage_error(CMD, "%s", err)
						: cli_fail(CLI_RUNTIME, CMD, "%s", err);
		}
	}
	int rc = tgt_list_resolve(l, err, sizeof(err));
	if (rc != TGT_OK) {
		tgt_list_free(l);
		return rc == TGT_EINPUT ? cli_usage_error(CMD, "%s", err)
					: cli_fail(CLI_RUNTIME, CMD, "%s", err);
	}
	if (!db && fail_on >= 0) {
		if (!temp_store_path(tmp_db, sizeof(tmp_db))) {
			tgt_list_free(l);
			return cli_fail(CLI_RUNTIME, CMD, "--fail-on: cannot create a temporary "
					"store in $TMPDIR: %s", strerror(errno));
		}
		db = tmp_db;
	}
	if (db) {
		struct store_error serr = { 0, "" };
		struct store_options sopts = { 0, 0, "tlsscope " TLSSCOPE_VERSION };
		st = store_open(db, &sopts, &serr);
		if (!st) {
			tgt_list_free(l);
			if (tmp_db[0])
				temp_store_remove(tmp_db);
			return cli_fail(CLI_RUNTIME, CMD, "database '%s': %s", db, serr.msg);
		}
	}
	struct scan_ctx sc = { .out = { .json = json, .out = stdout, .st = st,
					.tool = "tlsscope " TLSSCOPE_VERSION },
			       .want_res = fail_on >= 0 };
	struct cli_scan_out *out = &sc.out;
	if (scan_run(so, l, on_result, &sc) != 0)
		ret = cli_fail(CLI_RUNTIME, CMD, "scan failed: %s", strerror(errno));
	if (st) {
		int frc = out->store_rc ? out->store_rc : store_flush(st);
		if (frc != STORE_OK && ret == CLI_OK)
			ret = cli_fail(CLI_RUNTIME, CMD, "database '%s': %s", db,
				       out->store_rc ? out->store_err : store_errmsg(st));
	}
	fflush(stdout);
	if (ret == CLI_OK && (out->oom || sc.res.oom || ferror(stdout)))
		ret = cli_fail(CLI_RUNTIME, CMD, out->oom || sc.res.oom ? "out of memory"
							     : "cannot write output");
	if (ret == CLI_OK && fail_on >= 0)
		ret = gate_run(st, tmp_db[0] ? "the temporary store" : db, profile, fail_on,
			       &sc.res);
	if (st && store_close(st) != STORE_OK && ret == CLI_OK)
		ret = cli_fail(CLI_RUNTIME, CMD, "database '%s': cannot commit", db);
	if (tmp_db[0])
		temp_store_remove(tmp_db);
	resources_free(&sc.res);
	tgt_list_free(l);
	return ret;
}

int cli_scan(int argc, char **argv)
{
	const char *db = NULL, *sni = NULL, *ca_file = NULL, *pins = NULL, *profile = NULL;
	unsigned long concurrency = 64, rate = 0, timeout_ms = 5000, shard_i = 0, shard_n = 1;
	int fail_on = -1, starttls = -1, c;
	bool json = false;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(help, stdout);
			return CLI_OK;
		case OPT_JSON:
			json = true;
			break;
		case OPT_DB:
			db = optarg;
			if (!cli_check_creatable(CMD, "--db", db))
				return CLI_USAGE;
			break;
		case OPT_SNI:
			sni = optarg;
			if (!tgt_check_hostname(sni)) {
				return cli_usage_error(CMD, "--sni: not a DNS host name: '%s'", sni);
			}
			break;
		case OPT_STARTTLS:
			starttls = cli_lookup(starttls_protos, optarg);
			if (starttls < 0)
				return cli_usage_error(CMD, "--starttls: unknown protocol '%s' (smtp, "
						       "imap, pop3, ftp, xmpp, ldap, postgres)", optarg);
			break;
		case OPT_CA_FILE:
			ca_file = optarg;
			if (!cli_check_readable(CMD, "--ca-file", ca_file))
				return CLI_USAGE;
			break;
		case OPT_PINS:
			pins = optarg;
			if (!cli_check_readable(CMD, "--pins", pins))
				return CLI_USAGE;
			break;
		case OPT_CONCURRENCY:
			if (!cli_parse_ulong(CMD, "--concurrency", optarg, 1, 65535, &concurrency))
				return CLI_USAGE;
			break;
		case OPT_RATE:
			if (!cli_parse_ulong(CMD, "--rate", optarg, 1, 1000000, &rate))
				return CLI_USAGE;
			break;
		case OPT_TIMEOUT:
			if (!cli_parse_ulong(CMD, "--timeout", optarg, 1, 3600000, &timeout_ms))
				return CLI_USAGE;
			break;
		case OPT_SHARD:
			if (!cli_parse_shard(CMD, optarg, &shard_i, &shard_n))
				return CLI_USAGE;
			break;
		case OPT_FAIL_ON:
			if (!cli_parse_severity(CMD, optarg, &fail_on))
				return CLI_USAGE;
			break;
		case OPT_PROFILE:
			profile = optarg;
			break;
		default:
			return cli_getopt_error(CMD, c, argv);
		}
	}
	if (optind >= argc)
		return cli_usage_error(CMD, "no TARGET given");
	for (int i = optind; i < argc; i++)
		if (!cli_check_target(CMD, argv[i]))
			return CLI_USAGE;

	if (profile && fail_on < 0)
		return cli_usage_error(CMD, "--profile needs --fail-on SEVERITY");
	if (profile) {
		int prc = check_profile(profile);
		if (prc != CLI_OK)
			return prc;
	}
	char err[512];
	struct pins *pin_set = NULL;
	if (pins && !(pin_set = pins_load(pins, err, sizeof(err))))
		return cli_usage_error(CMD, "--pins: %s", err);
	struct certs_env *env = certs_env_new(ca_file, pin_set, "tlsscope/" TLSSCOPE_VERSION, err,
					      sizeof(err));
	if (!env) {
		pins_free(pin_set);
		return ca_file ? cli_usage_error(CMD, "--ca-file: %s", err)
			       : cli_fail(CLI_RUNTIME, CMD, "trust store: %s", err);
	}
	enum stls_proto proto = starttls < 0 ? STLS_NONE : stls_lookup(starttls_protos[starttls]);
	struct tgt_opts to = {
		.sni = sni,
		.default_port = stls_default_port(proto),
		.shard_index = (uint32_t)shard_i,
		.shard_count = (uint32_t)shard_n,
	};
	struct scan_opts so = {
		.concurrency = (unsigned)concurrency,
		.rate = (unsigned)rate,
		.timeout_ms = (unsigned)timeout_ms,
		.starttls = proto,
		.progress = scan_progress_stderr,
		.certs = env,
	};
	int ret = run_scan(argv + optind, argc - optind, &to, &so, json, db, fail_on, profile);
	certs_env_free(env);
	pins_free(pin_set);
	return ret;
}
