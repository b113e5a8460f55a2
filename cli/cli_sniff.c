/*
 * tlsscope sniff: the passive sensor (capture/sensor.h) on a capture file or a live interface.
 *
 *   options ──▶ sensor_open(-r | -i, BPF) ──▶ sensor_run ──record──▶ --json: one "tls" object
 *                    ▲ SIGINT/SIGTERM: sensor_break            │      per line on stdout
 *                    │                                          ├──▶ --db: certificates once,
 *   every second: flush the store; live: drop counters          │      connection + chain +
 *   every STATS_EVERY seconds on stderr                         │      anomalies
 *                                                               └──▶ neither: one text line
 * At the end (end of file, signal, error) every pending connection is flushed, then the store,
 * then a summary with the drop counters goes to stderr.
 *
 * Privacy. --pseudonymize KEYFILE: the sensor replaces each client address with its
 * Crypto-PAn pseudonym (capture/pseudo.h) before the record reaches this file, so the JSON,
 * the text lines and the store only ever see pseudonyms; server addresses stay real. The key
 * is read before the capture is opened (and privileges dropped). --retain DAYS: connections
 * whose ts is more than DAYS days before now (wall clock) are deleted from the --db store
 * with their chain links, anomalies and the certificates nothing references any more
 * (store_prune_connections): once before the capture starts, every PRUNE_EVERY seconds
 * while it runs, and once at the end (so rows from an old capture file do not stay).
 *
 * GeoIP. --geoip FILE (repeatable; analyzer/geo.h): the databases are opened and checked
 * before anything else (a corrupt one is a usage error); then the server and client address of
 * each connection are looked up: with --db, what is known goes to the store's geo table
 * (store_put_geo; once per address and run, as far as a small direct-mapped cache
 * remembers), and with --json the line gets an additive "geo" object
 * {"server":{"country","city","asn","as_org"}|null,"client":...|null} when either is known.
 * Pseudonymized client addresses are not looked up (their location would be fiction).
 *
 * Live analysis. --analyze[=SECONDS] (with --db): every SECONDS (default 5) of wall-clock
 * time, when connections were stored since the last time, and once at the end, the analyzer
 * (analyzer/analysis.h: the model, then every bundled rule) runs over the store on this
 * process's connection; each alarm not reported before in this run and not covered by an
 * analyst's verdict is printed as it appears: a "finding" object (INTERFACE.md) with --json,
 * else a line "ALARM severity resource rule: reason". A refused rule is named once on stderr.
 *
 * The "tls" object, its text line and its rows in the store: cli_sniff_out.h (shared with
 * `tlsscope demo`).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <jansson.h>

#include "analyzer/analysis.h"
#include "analyzer/geo.h"
#include "analyzer/store/store.h"
#include "capture/pseudo.h"
#include "capture/sensor.h"
#include "capture/tconn.h"
#include "cli/cli.h"
#include "cli/cli_finding.h"
#include "cli/cli_sniff_out.h"

#define CMD "sniff"
#define GEOIP_MAX GEO_FILES_MAX /* --geoip files: City, Country, ASN and a few more */
#define GEO_SEEN_SLOTS 4096    /* --geoip --db: addresses remembered as already stored */
#define BPF_MAX 4096     /* bytes of the joined BPF expression */
#define STATS_EVERY 10   /* live: seconds between drop counter lines */
#define PRUNE_EVERY 3600 /* --retain: seconds between prunes while running */
#define RETAIN_MAX 36500 /* --retain: days (100 years) */
#define ANALYZE_EVERY 5  /* --analyze: default seconds between runs */
#define ANALYZE_MAX 86400

static const char help[] =
	"Usage: tlsscope sniff [OPTIONS] (-r FILE | -i IFACE) [BPF expression]\n"
	"Passive TLS sensor: reports every TLS handshake seen in a capture file or on an\n"
	"interface (versions, suites, SNI, ALPN, JA3/JA3S/JA4, certificate chain, alerts,\n"
	"parser anomalies). TLS is recognised by content on any port, also after a STARTTLS,\n"
	"SOCKS or HTTP CONNECT prelude.\n"
	"\n"
	"Options:\n"
	"  -r FILE             read packets from a pcap or pcapng file ('-' = stdin)\n"
	"  -i IFACE            capture live on this interface\n"
	"  --json              NDJSON on stdout, one \"tls\" object per TLS connection\n"
	"  --db PATH           also store observations in this SQLite file\n"
	"  --geoip FILE        a MaxMind DB (City, Country, ASN or ISP); may repeat (up to\n"
	"                      8): the country, city and AS of the server and client\n"
	"                      addresses go to the --db store (table geo) and, with --json,\n"
	"                      into a \"geo\" object {\"server\":...,\"client\":...} when known;\n"
	"                      pseudonymized client addresses are not looked up\n"
	"  --pseudonymize KEYFILE\n"
	"                      replace client addresses with keyed, prefix-preserving\n"
	"                      pseudonyms (Crypto-PAn) before anything is printed or stored;\n"
	"                      KEYFILE holds exactly 32 random bytes and must not be\n"
	"                      accessible by group or others (head -c 32 /dev/urandom)\n"
	"  --analyze[=SECONDS] with --db: run the analyzer (model and rules) every SECONDS\n"
	"                      (default 5) while connections arrive, and at the end; print\n"
	"                      each new alarm as it appears (a \"finding\" object with --json)\n"
	"  --rules DIR         --analyze: the rules of DIR instead of the bundled ones\n"
	"  --retain DAYS       with --db: delete stored connections older than DAYS days\n"
	"                      (with their anomalies and unreferenced certificates) at\n"
	"                      start, hourly and at the end\n"
	"  -Z, --user USER     switch to USER right after opening the capture\n"
	"  -h, --help          show this help and exit\n"
	"\n"
	"The words after the options form a BPF filter expression, e.g. 'tcp port 443'.\n"
	"Without --json, one line of text per connection. Live capture prints the kernel and\n"
	"interface drop counters on stderr every 10 seconds and at exit; SIGINT or SIGTERM\n"
	"stops it cleanly, reporting every pending connection.\n"
	"\n"
	"Exit status: 0 success, 2 usage or input error (unreadable, corrupt or truncated\n"
	"capture, bad filter, unknown interface, unreadable or corrupt --geoip file), 3 runtime\n"
	"failure (database, memory).\n";

enum {
	OPT_JSON = 256,
	OPT_DB,
	OPT_GEOIP,
	OPT_PSEUDO,
	OPT_RETAIN,
	OPT_ANALYZE,
	OPT_RULES,
};

static const struct option longopts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "db", required_argument, NULL, OPT_DB },
	{ "geoip", required_argument, NULL, OPT_GEOIP },
	{ "pseudonymize", required_argument, NULL, OPT_PSEUDO },
	{ "retain", required_argument, NULL, OPT_RETAIN },
	{ "analyze", optional_argument, NULL, OPT_ANALYZE },
	{ "rules", required_argument, NULL, OPT_RULES },
	{ "user", required_argument, NULL, 'Z' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct sniff {
	bool json;
	bool live;
	struct store *st;
	const char *source;       /* file name or interface, stored with each connection */
	int db_error;             /* the first fatal store error, STORE_OK if none */
	bool oom;
	unsigned ticks;
	unsigned long retain_days; /* 0 = keep everything */
	struct sensor *sensor;
	struct geo *geo;           /* --geoip, or NULL */
	bool geo_clients;          /* look up client addresses (not with --pseudonymize) */
	bool geo_warned;           /* a lookup error was reported */
	char (*geo_seen)[INET6_ADDRSTRLEN]; /* --db: GEO_SEEN_SLOTS addresses already stored */
	unsigned long analyze_every; /* --analyze: seconds, 0 = off */
	const char *rules_dir;       /* --rules, NULL = the bundled rules */
	unsigned long stored_since;  /* connections stored since the last analysis */
	char **alarms_seen;          /* "rule\x1fresource" of the alarms reported */
	size_t n_alarms_seen, cap_alarms_seen;
	bool refusal_reported;
};

static struct sensor *volatile g_sensor;

static void on_signal(int sig)
{
	(void)sig;
	if (g_sensor)
		sensor_break(g_sensor);
}

/* ---- the store ---------------------------------------------------------------------------- */

static bool store_fatal(int rc) { return rc == STORE_ENOTDB || rc == STORE_EIO; }

/* --retain: deletes what is older than retain_days before now and commits. Returns the store
 * code, after printing its message; a fatal one is also recorded in s->db_error. STORE_EBUSY
 * (another writer held the lock) is only a warning: the next prune tries again. */
static int prune(struct sniff *s)
{
	char cutoff[CLI_SNIFF_OUT_TS_SIZE];
	struct timespec now;
	struct store_pruned n;
	int64_t sec;
	int rc;

	clock_gettime(CLOCK_REALTIME, &now);
	sec = (int64_t)now.tv_sec - (int64_t)s->retain_days * 86400;
	cli_sniff_out_ts(sec > 0 ? (uint64_t)sec * 1000000u + (uint64_t)now.tv_nsec / 1000u : 0,
			 cutoff);
	rc = store_prune_connections(s->st, cutoff, &n);
	if (rc == STORE_OK)
		rc = store_flush(s->st);
	if (rc == STORE_OK && n.connections + n.anomalies + n.certificates > 0)
		fprintf(stderr,
			"tlsscope %s: --retain %lu: deleted %lld connections, %lld anomalies, "
			"%lld certificates from before %s\n",
			CMD, s->retain_days, (long long)n.connections, (long long)n.anomalies,
			(long long)n.certificates, cutoff);
	if (rc != STORE_OK) {
		fprintf(stderr, "tlsscope %s: --retain: %s\n", CMD, store_errmsg(s->st));
		if (store_fatal(rc))
			s->db_error = rc;
	}
	return rc;
}

/* ---- --geoip ----------------------------------------------------------------------------- */

static size_t addr_slot(const char *ip)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)ip; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h % GEO_SEEN_SLOTS;
}

/* Looks up one address of r; stores what is known (--db, once per address as far as the
 * cache remembers). Returns its "geo" object for --json (new reference), or NULL when
 * nothing is known, without --json, or out of memory (*oom then set). */
static json_t *geo_side(struct sniff *s, const struct tconn_record *r, const uint8_t *addr,
			bool *oom)
{
	char ip[INET6_ADDRSTRLEN];
	struct store_geo g;
	int rc;

	if (!inet_ntop(r->family == 6 ? AF_INET6 : AF_INET, addr, ip, sizeof(ip)))
		return NULL;
	rc = geo_lookup(s->geo, ip, &g);
	if (rc == GEO_EDB && !s->geo_warned) {
		fprintf(stderr, "tlsscope %s: --geoip: %s (reported once)\n", CMD,
			geo_errmsg(s->geo));
		s->geo_warned = true;
	}
	if (rc != GEO_OK)
		return NULL;
	if (s->st && !s->db_error && s->geo_seen) {
		char *seen = s->geo_seen[addr_slot(ip)];
		if (strcmp(seen, ip) != 0) {
			int src = store_put_geo(s->st, &g);
			if (src == STORE_OK) {
				snprintf(seen, INET6_ADDRSTRLEN, "%s", ip);
			} else {
				fprintf(stderr, "tlsscope %s: --db: %s\n", CMD, store_errmsg(s->st));
				if (store_fatal(src)) {
					s->db_error = src;
					sensor_break(s->sensor);
				}
			}
		}
	}
	if (!s->json)
		return NULL;
	json_t *o = json_pack("{s:s?, s:s?, s:o?, s:s?}", "country", g.country, "city", g.city,
			      "asn", g.asn ? json_integer(g.asn) : NULL, "as_org", g.as_org);
	if (!o)
		*oom = true;
	return o;
}

/* --geoip: looks up both addresses of r (storing them with --db) and, with --json, appends
 * the "geo" object to the line *line of *n bytes when either is known (the line is
 * reallocated). false when out of memory. */
static bool geo_record(struct sniff *s, const struct tconn_record *r, char **line, size_t *n)
{
	bool oom = false;
	json_t *server = geo_side(s, r, r->server_ip, &oom);
	json_t *client = s->geo_clients ? geo_side(s, r, r->client_ip, &oom) : NULL;
	char *frag = NULL, *out;
	size_t k;

	if (oom || (!server && !client) || !*line) {
		json_decref(server);
		json_decref(client);
		return !oom;
	}
	json_t *geo = json_pack("{s:o, s:o}", "server", server ? server : json_null(), "client",
				client ? client : json_null());
	frag = geo ? json_dumps(geo, JSON_COMPACT) : NULL;
	json_decref(geo);
	if (!frag || *n == 0 || (*line)[*n - 1] != '}') {
		free(frag);
		return frag != NULL;
	}
	k = strlen(frag);
	out = realloc(*line, *n + k + sizeof(",\"geo\":"));
	if (!out) {
		free(frag);
		return false;
	}
	/* {...} -> {...,"geo":FRAG} */
	memcpy(out + *n - 1, ",\"geo\":", 7);
	memcpy(out + *n - 1 + 7, frag, k);
	out[*n + 6 + k] = '}';
	out[*n + 7 + k] = '\0';
	*n += 7 + k;
	*line = out;
	free(frag);
	return true;
}

/* ---- callbacks ---------------------------------------------------------------------------- */

static void on_record(void *ctx, const struct tconn_record *r)
{
	struct sniff *s = ctx;
	size_t n = 0;
	/* --json alone needs only the line (the fast path); text and --db read the object */
	char *line = s->json ? cli_sniff_out_line(r, &n) : NULL;
	json_t *o = s->st || !s->json ? cli_sniff_out_json(r) : NULL;

	if ((s->json && !line) || ((s->st || !s->json) && !o) ||
	    (s->geo && (s->json || s->st) && !geo_record(s, r, &line, &n))) {
		if (!s->oom)
			fprintf(stderr, "tlsscope %s: out of memory; stopping\n", CMD);
		s->oom = true;
		sensor_break(s->sensor);
		free(line);
		json_decref(o);
		return;
	}
	if (s->json) {
		fwrite(line, 1, n, stdout);
		fputc('\n', stdout);
		free(line);
	} else if (!s->st) {
		cli_sniff_out_text(stdout, r, o);
	}
	if (s->live)
		fflush(stdout);
	if (s->st && !s->db_error) {
		int rc = cli_sniff_out_store(s->st, s->source, r, o, &s->oom);
		if (rc == STORE_OK)
			s->stored_since++;
		if (rc != STORE_OK) {
			fprintf(stderr, "tlsscope %s: --db: %s\n", CMD, store_errmsg(s->st));
			if (store_fatal(rc) || s->oom) {
				s->db_error = rc;
				sensor_break(s->sensor);
			}
		}
	}
	json_decref(o);
}

static void print_drops(const struct sensor_stats *st, const char *when)
{
	if (st->src.live)
		fprintf(stderr,
			"tlsscope %s: %s%llu frames, %llu TLS connections, %llu dropped by the "
			"kernel, %llu by the interface\n",
			CMD, when, (unsigned long long)st->frames, (unsigned long long)st->records,
			(unsigned long long)st->src.kernel_drops,
			(unsigned long long)st->src.iface_drops);
	else
		fprintf(stderr, "tlsscope %s: %s%llu frames, %llu TLS connections\n", CMD, when,
			(unsigned long long)st->frames, (unsigned long long)st->records);
}

/* ---- --analyze ---------------------------------------------------------------------------- */

/* Whether the alarm was reported before in this run; remembers it when not. */
static bool alarm_seen(struct sniff *s, const char *rule, const char *resource)
{
	size_t n = strlen(rule) + strlen(resource) + 2;
	for (size_t i = 0; i < s->n_alarms_seen; i++) {
		const char *k = s->alarms_seen[i];
		size_t rl = strlen(rule);
		if (strncmp(k, rule, rl) == 0 && k[rl] == '\x1f' && strcmp(k + rl + 1, resource) == 0)
			return true;
	}
	if (s->n_alarms_seen == s->cap_alarms_seen) {
		size_t cap = s->cap_alarms_seen ? 2 * s->cap_alarms_seen : 64;
		char **p = realloc(s->alarms_seen, cap * sizeof(*p));
		if (!p)
			return false; /* reported again next time: better than never */
		s->alarms_seen = p;
		s->cap_alarms_seen = cap;
	}
	char *k = malloc(n);
	if (!k)
		return false;
	snprintf(k, n, "%s\x1f%s", rule, resource);
	s->alarms_seen[s->n_alarms_seen++] = k;
	return false;
}

static void on_alarm(void *ctx, const struct analysis_finding *f)
{
	struct sniff *s = ctx;
	if (strcmp(f->row->status, "alarm") != 0 || f->triage ||
	    alarm_seen(s, f->rule->id, f->row->resource))
		return;
	if (!s->json) {
		printf("ALARM %s %s %s: %s\n", f->row->severity, f->row->resource, f->rule->id,
		       f->row->reason ? f->row->reason : f->rule->title);
	} else {
		char *line = cli_finding_line(f);
		if (!line) {
			s->oom = true;
			return;
		}
		puts(line);
		free(line);
	}
	if (s->live)
		fflush(stdout);
}

static void on_refused(void *ctx, const struct rule *r)
{
	struct sniff *s = ctx;
	if (!s->refusal_reported)
		fprintf(stderr, "tlsscope %s: --analyze: rule %s refused: %s\n", CMD, r->file,
			r->error);
}

/* Runs the analyzer over the store. A failure is reported and ends --analyze for the run
 * (the capture goes on); it is not fatal to the sensor. */
static void analyze_now(struct sniff *s)
{
	struct analysis_opts ao = { .rules_dir = s->rules_dir,
				    .tool = "tlsscope " TLSSCOPE_VERSION " (sniff --analyze)" };
	struct analysis_cb cb = { on_alarm, on_refused, s };
	struct analysis_stats st;
	char err[512];
	s->stored_since = 0;
	if (analysis_run(s->st, &ao, &cb, &st, err, sizeof(err)) != 0) {
		fprintf(stderr, "tlsscope %s: --analyze: %s (analysis stopped)\n", CMD, err);
		s->analyze_every = 0;
		return;
	}
	if (st.refused || st.failed)
		s->refusal_reported = true;
}

/* Every second: commit the store's batch (so other readers see it); live, every STATS_EVERY
 * seconds: drop counters. */
static void on_stats(void *ctx, const struct sensor_stats *st)
{
	struct sniff *s = ctx;
	s->ticks++;
	if (s->st && !s->db_error) {
		int rc = store_flush(s->st);
		if (rc != STORE_OK) {
			fprintf(stderr, "tlsscope %s: --db: %s\n", CMD, store_errmsg(s->st));
			if (store_fatal(rc)) {
				s->db_error = rc;
				sensor_break(s->sensor);
			}
		}
	}
	if (s->retain_days && s->st && !s->db_error && s->ticks % PRUNE_EVERY == 0 &&
	    prune(s) != STORE_OK && s->db_error)
		sensor_break(s->sensor);
	if (s->analyze_every && s->st && !s->db_error && s->stored_since &&
	    s->ticks % s->analyze_every == 0)
		analyze_now(s);
	if (s->live && s->ticks % STATS_EVERY == 0)
		print_drops(st, "");
}

/* ---- main --------------------------------------------------------------------------------- */

static bool join_bpf(int argc, char **argv, int first, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
	for (int i = first; i < argc; i++) {
		int k = snprintf(out + n, cap - n, "%s%s", n ? " " : "", argv[i]);
		if (k < 0 || (size_t)k >= cap - n)
			return false;
		n += (size_t)k;
	}
	return true;
}

static int run(struct sniff *s, struct sensor_opts *o, const char *db)
{
	char err[512];
	struct sigaction sa;
	struct sensor_stats st;
	enum sensor_end end;
	int code = CLI_OK;

	if (db) {
		struct store_options so = { .tool_version = "tlsscope " TLSSCOPE_VERSION };
		struct store_error se;
		s->st = store_open(db, &so, &se);
		if (!s->st)
			return cli_fail(se.code == STORE_EIO ? CLI_RUNTIME : CLI_USAGE, CMD,
					"--db: %s", se.msg);
		if (s->retain_days && prune(s) != STORE_OK && s->db_error) {
			store_close(s->st);
			return CLI_RUNTIME;
		}
	}
	s->sensor = sensor_open(o, err, sizeof(err));
	if (!s->sensor) {
		store_close(s->st);
		return cli_fail(strcmp(err, "out of memory") == 0 ? CLI_RUNTIME : CLI_USAGE, CMD,
				"%s", err);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	g_sensor = s->sensor;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	end = sensor_run(s->sensor);

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	g_sensor = NULL;
	fflush(stdout);
	if (end == SENSOR_ERROR) {
		fprintf(stderr, "tlsscope %s: %s (the connections before it were reported)\n", CMD,
			sensor_error(s->sensor));
		code = s->live ? CLI_RUNTIME : CLI_USAGE;
	}
	if (s->st && !s->db_error && s->retain_days)
		(void)prune(s);
	if (s->analyze_every && s->st && !s->db_error && !s->oom)
		analyze_now(s);
	fflush(stdout);
	if (s->st && !s->db_error) {
		int rc = store_flush(s->st);
		if (rc != STORE_OK) {
			fprintf(stderr, "tlsscope %s: --db: %s\n", CMD, store_errmsg(s->st));
			s->db_error = rc;
		}
	}
	if (s->db_error || s->oom)
		code = CLI_RUNTIME;
	if (ferror(stdout)) {
		fprintf(stderr, "tlsscope %s: write error on stdout\n", CMD);
		code = CLI_RUNTIME;
	}
	sensor_stats(s->sensor, &st);
	print_drops(&st, end == SENSOR_BREAK ? "stopped: " : "");
	sensor_close(s->sensor);
	store_close(s->st);
	return code;
}

int cli_sniff(int argc, char **argv)
{
	const char *file = NULL, *iface = NULL, *db = NULL, *user = NULL, *keyfile = NULL;
	const char *rules = NULL;
	unsigned long retain = 0, analyze = 0;
	const char *geoip[GEOIP_MAX];
	size_t n_geoip = 0;
	bool json = false;
	char bpf[BPF_MAX];
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hr:i:Z:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(help, stdout);
			return CLI_OK;
		case 'r':
			if (file)
				return cli_usage_error(CMD, "-r given twice");
			file = optarg;
			break;
		case 'i':
			if (iface)
				return cli_usage_error(CMD, "-i given twice");
			iface = optarg;
			if (*iface == '\0')
				return cli_usage_error(CMD, "-i: empty interface name");
			break;
		case 'Z':
			user = optarg;
			if (*user == '\0')
				return cli_usage_error(CMD, "--user: empty user name");
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_DB:
			db = optarg;
			if (!cli_check_creatable(CMD, "--db", db))
				return CLI_USAGE;
			break;
		case OPT_PSEUDO:
			keyfile = optarg;
			break;
		case OPT_RETAIN:
			if (!cli_parse_ulong(CMD, "--retain", optarg, 1, RETAIN_MAX, &retain))
				return CLI_USAGE;
			break;
		case OPT_ANALYZE:
			analyze = ANALYZE_EVERY;
			if (optarg && !cli_parse_ulong(CMD, "--analyze", optarg, 1, ANALYZE_MAX,
						       &analyze))
				return CLI_USAGE;
			break;
		case OPT_RULES:
			rules = optarg;
			if (!cli_check_dir(CMD, "--rules", rules))
				return CLI_USAGE;
			break;
		case OPT_GEOIP:
			if (n_geoip == GEOIP_MAX)
				return cli_usage_error(CMD, "--geoip: at most %d files", GEOIP_MAX);
			if (!cli_check_readable(CMD, "--geoip", optarg))
				return CLI_USAGE;
			geoip[n_geoip++] = optarg;
			break;
		default:
			return cli_getopt_error(CMD, c, argv);
		}
	}
	if (file && iface)
		return cli_usage_error(CMD, "-r and -i exclude each other");
	if (!file && !iface)
		return cli_usage_error(CMD, "one of -r FILE or -i IFACE is required");
	if (file && strcmp(file, "-") != 0 && !cli_check_readable(CMD, "-r", file))
		return CLI_USAGE;
	if (!join_bpf(argc, argv, optind, bpf, sizeof(bpf)))
		return cli_usage_error(CMD, "BPF expression longer than %d bytes", BPF_MAX - 1);
	if (retain && !db)
		return cli_usage_error(CMD, "--retain applies to the --db store: give --db PATH");
	if (analyze && !db)
		return cli_usage_error(CMD, "--analyze runs over the --db store: give --db PATH");
	if (rules && !analyze)
		return cli_usage_error(CMD, "--rules applies to --analyze");

	struct sniff s = { .json = json, .live = iface != NULL, .source = file ? file : iface,
			   .retain_days = retain, .geo_clients = keyfile == NULL,
			   .analyze_every = analyze, .rules_dir = rules };
	struct sensor_opts o;
	char err[512];
	int code;
	memset(&o, 0, sizeof(o));
	if (n_geoip) {
		s.geo = geo_open(geoip, n_geoip, err, sizeof(err));
		if (!s.geo)
			return cli_fail(strstr(err, "out of memory") ? CLI_RUNTIME : CLI_USAGE, CMD,
					"--geoip: %s", err);
		if (db && !(s.geo_seen = calloc(GEO_SEEN_SLOTS, sizeof(*s.geo_seen)))) {
			geo_close(s.geo);
			return cli_fail(CLI_RUNTIME, CMD, "out of memory");
		}
	}
	if (keyfile) {
		o.pseudo = pseudo_new_keyfile(keyfile, err, sizeof(err));
		if (!o.pseudo) {
			geo_close(s.geo);
			free(s.geo_seen);
			return cli_fail(strstr(err, "out of memory") ? CLI_RUNTIME : CLI_USAGE, CMD,
					"--pseudonymize: %s", err);
		}
	}
	o.src.file = file;
	o.src.iface = iface;
	o.src.bpf = bpf[0] ? bpf : NULL;
	o.src.promisc = true;
	o.src.drop_user = user;
	o.on_record = on_record;
	o.on_stats = on_stats;
	o.stats_ms = 1000;
	o.ctx = &s;
	code = run(&s, &o, db);
	for (size_t i = 0; i < s.n_alarms_seen; i++)
		free(s.alarms_seen[i]);
	free(s.alarms_seen);
	pseudo_free(o.pseudo);
	geo_close(s.geo);
	free(s.geo_seen);
	return code;
}
