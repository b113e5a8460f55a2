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
 * The "tls" object is INTERFACE.md's, in its order, with two additions: "starttls" (the
 * plaintext prelude before TLS: "smtp", ..., "http-connect", "other", or null) and
 * "n_client_hellos". "alerts" holds {"from","level","desc"} objects (as the demo prints them),
 * "anomalies" {"name","from"} objects (from: "client", "server" or "tcp").
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <jansson.h>

#include "analyzer/store/store.h"
#include "capture/pseudo.h"
#include "capture/sensor.h"
#include "capture/wire/digest.h"
#include "capture/wire/registry.h"
#include "cli/cli.h"

#define CMD "sniff"
#define GEOIP_MAX 8      /* --geoip files: City, Country, ASN and a few more */
#define BPF_MAX 4096     /* bytes of the joined BPF expression */
#define STATS_EVERY 10   /* live: seconds between drop counter lines */
#define PRUNE_EVERY 3600 /* --retain: seconds between prunes while running */
#define RETAIN_MAX 36500 /* --retain: days (100 years) */

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
	"  --geoip FILE        a MaxMind DB (City, Country or ASN); may repeat (up to 8);\n"
	"                      accepted, not used yet\n"
	"  --pseudonymize KEYFILE\n"
	"                      replace client addresses with keyed, prefix-preserving\n"
	"                      pseudonyms (Crypto-PAn) before anything is printed or stored;\n"
	"                      KEYFILE holds exactly 32 random bytes and must not be\n"
	"                      accessible by group or others (head -c 32 /dev/urandom)\n"
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
	"capture, bad filter, unknown interface), 3 runtime failure (database, memory).\n";

enum {
	OPT_JSON = 256,
	OPT_DB,
	OPT_GEOIP,
	OPT_PSEUDO,
	OPT_RETAIN,
};

static const struct option longopts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "db", required_argument, NULL, OPT_DB },
	{ "geoip", required_argument, NULL, OPT_GEOIP },
	{ "pseudonymize", required_argument, NULL, OPT_PSEUDO },
	{ "retain", required_argument, NULL, OPT_RETAIN },
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
};

static struct sensor *volatile g_sensor;

static void on_signal(int sig)
{
	(void)sig;
	if (g_sensor)
		sensor_break(g_sensor);
}

/* ---- formatting --------------------------------------------------------------------------- */

/* RFC 3339 UTC with microseconds (INTERFACE.md): 2026-11-22T05:00:00.123456Z. */
static void fmt_ts(uint64_t us, char out[32])
{
	time_t s = (time_t)(us / 1000000);
	struct tm tm;
	char day[24];
	if (!gmtime_r(&s, &tm) || !strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm)) {
		snprintf(out, 32, "1970-01-01T00:00:00.000000Z");
		return;
	}
	snprintf(out, 32, "%s.%06uZ", day, (unsigned)(us % 1000000));
}

static void fmt_ip(const struct tconn_record *r, const uint8_t *a, char out[INET6_ADDRSTRLEN])
{
	if (!inet_ntop(r->family == 6 ? AF_INET6 : AF_INET, a, out, INET6_ADDRSTRLEN))
		snprintf(out, INET6_ADDRSTRLEN, "?");
}

/* Bytes from the wire as a JSON string: as they are when valid UTF-8 without NUL, else each
 * byte as the Latin-1 character (NUL as '?'), which is also how tshark shows them. */
static json_t *wire_string(const uint8_t *p, size_t n)
{
	json_t *s = NULL;
	char *u;
	size_t k = 0;

	if (!memchr(p, 0, n) && (s = json_stringn((const char *)p, n)))
		return s;
	u = malloc(2 * n + 1);
	if (!u)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == 0) {
			u[k++] = '?';
		} else if (p[i] < 0x80) {
			u[k++] = (char)p[i];
		} else {
			u[k++] = (char)(0xc0 | (p[i] >> 6));
			u[k++] = (char)(0x80 | (p[i] & 0x3f));
		}
	}
	s = json_stringn(u, k);
	free(u);
	return s;
}

static const char *version_name(uint16_t v, char buf[7])
{
	const char *n = tls_reg_version_name(v);
	if (n)
		return n;
	snprintf(buf, 7, "0x%04x", v);
	return buf;
}

static const char *downgrade_name(enum tls_downgrade d)
{
	switch (d) {
	case TLS_DOWNGRADE_TLS12: return "TLSv1.2";
	case TLS_DOWNGRADE_TLS11: return "TLSv1.1";
	default: return NULL;
	}
}

static json_t *str_or_null(const char *s) { return s && *s ? json_string(s) : json_null(); }

static json_t *alpn_offered(const struct tconn_record *r)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < r->n_alpn; i++)
		if (json_array_append_new(a, wire_string(r->alpn_bytes + r->alpn_off[i],
							 r->alpn_len[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *alerts(const struct tconn_record *r)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < r->n_alerts; i++) {
		const struct tconn_alert *x = &r->alerts[i];
		if (json_array_append_new(a, json_pack("{s:s, s:i, s:i}", "from",
						       tconn_side_name((enum tconn_side)x->side),
						       "level", (int)x->level, "desc",
						       (int)x->desc)) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *anomalies(const struct tconn_record *r)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < r->n_anoms; i++) {
		const struct tconn_anom *x = &r->anoms[i];
		if (json_array_append_new(a, json_pack("{s:s, s:s}", "name", tconn_anom_name(x),
						       "from",
						       tconn_side_name((enum tconn_side)x->side))) !=
		    0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* The "tls" object of INTERFACE.md. NULL when out of memory. */
static json_t *record_json(const struct tconn_record *r)
{
	char ts[32], cip[INET6_ADDRSTRLEN], sip[INET6_ADDRSTRLEN], vb[7], cb[7];
	char hex[2 * DIGEST_SHA256_LEN + 1];
	json_t *o = json_object(), *chain = json_array();
	const char *pre = tconn_prelude_name(r->prelude);
	int bad = !o || !chain;

	fmt_ts(r->ts_us, ts);
	fmt_ip(r, r->client_ip, cip);
	fmt_ip(r, r->server_ip, sip);
	for (size_t i = 0; chain && i < r->n_certs; i++)
		bad |= json_array_append_new(chain, json_string(digest_hex(r->certs[i].sha256,
									    DIGEST_SHA256_LEN,
									    hex)));
	if (bad) {
		json_decref(o);
		json_decref(chain);
		return NULL;
	}
	bad |= json_object_set_new(o, "type", json_string("tls"));
	bad |= json_object_set_new(o, "ts", json_string(ts));
	bad |= json_object_set_new(o, "client_ip", json_string(cip));
	bad |= json_object_set_new(o, "client_port", json_integer(r->client_port));
	bad |= json_object_set_new(o, "server_ip", json_string(sip));
	bad |= json_object_set_new(o, "server_port", json_integer(r->server_port));
	bad |= json_object_set_new(o, "sni", r->has_sni ? wire_string(r->sni, r->sni_len)
						       : json_null());
	bad |= json_object_set_new(o, "version", r->have_sh ? json_string(version_name(r->version,
										      vb))
							   : json_null());
	bad |= json_object_set_new(o, "cipher", r->have_sh && !r->sh_sslv2
							? json_string(tls_reg_suite_name(r->cipher, cb))
							: json_null());
	bad |= json_object_set_new(o, "alpn_offered", alpn_offered(r));
	bad |= json_object_set_new(o, "alpn_selected",
				   r->has_alpn_selected
					   ? wire_string(r->alpn_selected, r->alpn_selected_len)
					   : json_null());
	bad |= json_object_set_new(o, "ja3", str_or_null(r->ja3));
	bad |= json_object_set_new(o, "ja3s", str_or_null(r->ja3s));
	bad |= json_object_set_new(o, "ja4", str_or_null(r->ja4));
	bad |= json_object_set_new(o, "server_cert_sha256",
				   r->n_certs ? json_string(digest_hex(r->certs[0].sha256,
								       DIGEST_SHA256_LEN, hex))
					      : json_null());
	bad |= json_object_set_new(o, "server_chain_sha256", chain);
	bad |= json_object_set_new(o, "fallback_scsv", json_boolean(r->fallback_scsv));
	bad |= json_object_set_new(o, "downgrade_sentinel", str_or_null(downgrade_name(r->downgrade)));
	bad |= json_object_set_new(o, "resumed", json_boolean(r->resumed));
	bad |= json_object_set_new(o, "hello_retry_request", json_boolean(r->hello_retry_request));
	bad |= json_object_set_new(o, "alerts", alerts(r));
	bad |= json_object_set_new(o, "anomalies", anomalies(r));
	bad |= json_object_set_new(o, "starttls", pre ? json_string(pre) : json_null());
	bad |= json_object_set_new(o, "n_client_hellos", json_integer(r->n_client_hellos));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- the store ---------------------------------------------------------------------------- */

static bool store_fatal(int rc) { return rc == STORE_ENOTDB || rc == STORE_EIO; }

/* Stores the certificates (once each), the connection with its chain, and its anomalies. */
static int store_record(struct sniff *s, const struct tconn_record *r, json_t *o)
{
	char hexes[STORE_CHAIN_MAX][STORE_SHA256_HEX_SIZE];
	const char *chain[STORE_CHAIN_MAX];
	size_t n_chain = 0;
	char *alpn = NULL, *al = NULL, *an = NULL;
	int64_t id;
	int rc = STORE_OK;

	/* the chain as sent, as far as its DER was kept (the store links stored certs only) */
	for (size_t i = 0; i < r->n_certs && i < STORE_CHAIN_MAX && r->certs[i].der; i++) {
		rc = store_put_cert(s->st, r->certs[i].der, r->certs[i].len, hexes[n_chain]);
		if (rc != STORE_OK)
			return rc;
		chain[n_chain] = hexes[n_chain];
		n_chain++;
	}
	alpn = json_dumps(json_object_get(o, "alpn_offered"), JSON_COMPACT);
	al = json_dumps(json_object_get(o, "alerts"), JSON_COMPACT);
	an = json_dumps(json_object_get(o, "anomalies"), JSON_COMPACT);
	if (!alpn || !al || !an) {
		rc = STORE_EIO;
		s->oom = true;
		goto out;
	}
	struct store_conn c = {
		.ts = json_string_value(json_object_get(o, "ts")),
		.client_ip = json_string_value(json_object_get(o, "client_ip")),
		.client_port = r->client_port,
		.server_ip = json_string_value(json_object_get(o, "server_ip")),
		.server_port = r->server_port,
		.sni = json_string_value(json_object_get(o, "sni")),
		.version = json_string_value(json_object_get(o, "version")),
		.cipher = json_string_value(json_object_get(o, "cipher")),
		.alpn_offered_json = alpn,
		.alpn_selected = json_string_value(json_object_get(o, "alpn_selected")),
		.ja3 = json_string_value(json_object_get(o, "ja3")),
		.ja3s = json_string_value(json_object_get(o, "ja3s")),
		.ja4 = json_string_value(json_object_get(o, "ja4")),
		.server_cert_sha256 = json_string_value(json_object_get(o, "server_cert_sha256")),
		.fallback_scsv = r->fallback_scsv,
		.downgrade_sentinel = downgrade_name(r->downgrade),
		.resumed = r->resumed,
		.hello_retry_request = r->hello_retry_request,
		.alerts_json = al,
		.anomalies_json = an,
		.source = s->source,
		.chain_sha256 = chain,
		.chain_len = n_chain,
	};
	rc = store_add_connection(s->st, &c, &id);
	for (size_t i = 0; rc == STORE_OK && i < r->n_anoms; i++) {
		struct store_anomaly a = {
			.ref_kind = STORE_REF_CONNECTION,
			.ref_id = id,
			.name = tconn_anom_name(&r->anoms[i]),
			.detail = tconn_side_name((enum tconn_side)r->anoms[i].side),
			.ts = c.ts,
		};
		rc = store_add_anomaly(s->st, &a, NULL);
	}
out:
	free(alpn);
	free(al);
	free(an);
	return rc;
}

/* --retain: deletes what is older than retain_days before now. Returns the store code (a
 * fatal one is also recorded in s->db_error). when: "" or a prefix for the message. */
static int prune(struct sniff *s)
{
	char cutoff[32];
	struct timespec now;
	struct store_pruned n;
	int rc;

	clock_gettime(CLOCK_REALTIME, &now);
	fmt_ts((uint64_t)(now.tv_sec - (time_t)(s->retain_days * 86400)) * 1000000u +
		       (uint64_t)now.tv_nsec / 1000u,
	       cutoff);
	rc = store_prune_connections(s->st, cutoff, &n);
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

/* ---- callbacks ---------------------------------------------------------------------------- */

static void print_text(const struct tconn_record *r, json_t *o)
{
	const char *v = json_string_value(json_object_get(o, "version"));
	const char *c = json_string_value(json_object_get(o, "cipher"));
	const char *sni = json_string_value(json_object_get(o, "sni"));
	const char *pre = tconn_prelude_name(r->prelude);
	printf("%s %s:%u -> %s:%u %s %s sni=%s ja3=%s ja4=%s%s%s\n",
	       json_string_value(json_object_get(o, "ts")),
	       json_string_value(json_object_get(o, "client_ip")), r->client_port,
	       json_string_value(json_object_get(o, "server_ip")), r->server_port, v ? v : "-",
	       c ? c : "-", sni ? sni : "-", *r->ja3 ? r->ja3 : "-", *r->ja4 ? r->ja4 : "-",
	       pre ? " starttls=" : "", pre ? pre : "");
}

static void on_record(void *ctx, const struct tconn_record *r)
{
	struct sniff *s = ctx;
	json_t *o = record_json(r);

	if (!o) {
		if (!s->oom)
			fprintf(stderr, "tlsscope %s: out of memory; stopping\n", CMD);
		s->oom = true;
		sensor_break(s->sensor);
		return;
	}
	if (s->json) {
		char *line = json_dumps(o, JSON_COMPACT);
		if (line) {
			fputs(line, stdout);
			fputc('\n', stdout);
			free(line);
		} else {
			s->oom = true;
		}
	} else if (!s->st) {
		print_text(r, o);
	}
	if (s->live)
		fflush(stdout);
	if (s->st && !s->db_error) {
		int rc = store_record(s, r, o);
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
		if (s->retain_days && (prune(s) != STORE_OK || store_flush(s->st) != STORE_OK)) {
			if (!s->db_error)
				fprintf(stderr, "tlsscope %s: --db: %s\n", CMD,
					store_errmsg(s->st));
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
	unsigned long retain = 0;
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
		case OPT_GEOIP:
			if (n_geoip == GEOIP_MAX)
				return cli_usage_error(CMD, "--geoip: at most %d files", GEOIP_MAX);
			if (!cli_check_readable(CMD, "--geoip", optarg))
				return CLI_USAGE;
			n_geoip++;
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
	if (n_geoip)
		fprintf(stderr, "tlsscope %s: --geoip: GeoIP enrichment is not implemented yet "
				"(analyzer issue); nothing is looked up or stored\n",
			CMD);

	struct sniff s = { .json = json, .live = iface != NULL, .source = file ? file : iface,
			   .retain_days = retain };
	struct sensor_opts o;
	char err[512];
	int code;
	memset(&o, 0, sizeof(o));
	if (keyfile) {
		o.pseudo = pseudo_new_keyfile(keyfile, err, sizeof(err));
		if (!o.pseudo)
			return cli_fail(strstr(err, "out of memory") ? CLI_RUNTIME : CLI_USAGE, CMD,
					"--pseudonymize: %s", err);
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
	pseudo_free(o.pseudo);
	return code;
}
