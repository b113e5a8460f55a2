/*
 * tlsscope demo: the end-to-end demonstration, limited to what has landed.
 *
 * Today that is the wire library and the store. The demo takes the real TLS handshakes
 * bundled in data/demo/handshakes.jsonl (both directions of each connection, cut from public
 * captures), parses them with capture/wire (record layer, ClientHello, ServerHello,
 * Certificate, alerts; JA3, JA3S, JA4), prints one `sniff --json` "tls" object per connection
 * on stdout, stores the connections and certificates with the store's writer, and says on
 * stderr where the database is and which parts of the full demo have not landed yet.
 *
 * The bundled file also carries tshark's expected values ("expect"); the demo never reads
 * them: tests/integration/cli_test.sh compares them with what the demo prints.
 *
 * Per connection:
 *
 *   c2s hex ──▶ bytes ──▶ tls_rec_feed ──▶ ClientHello (first one), alerts, anomalies
 *   s2c hex ──▶ bytes ──▶ tls_rec_feed ──▶ ServerHello (HRR noted), Certificate (TLS <= 1.2),
 *                                          ServerHelloDone, CCS, alerts, anomalies
 *   ──▶ JSON line (jansson) ──▶ store_put_cert / store_add_connection / store_add_anomaly
 *
 * View pointers given to the record-layer callbacks live only during the call, so everything
 * the output needs is copied out inside the callbacks.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/store/store.h"
#include "capture/wire/anomaly.h"
#include "capture/wire/digest.h"
#include "capture/wire/fp.h"
#include "capture/wire/msg.h"
#include "capture/wire/rec.h"
#include "capture/wire/registry.h"
#include "cli/cli.h"
#include "cli/cli_demo.h"

#define CMD "demo"
#define DEMO_DB_DEFAULT "tlsscope-demo.db"
#define DEMO_HEX_MAX (1u << 20) /* longest hex stream accepted from the bundled file */
#define DEMO_NAME_MAX 256       /* SNI and ALPN values kept (RFC 6066: host names <= 255) */

static const char help[] =
	"Usage: tlsscope demo [--db PATH]\n"
	"The bundled end-to-end demonstration. What it does today: parses the real TLS\n"
	"handshakes bundled with tlsscope (public captures) with the wire library, prints one\n"
	"`sniff --json` object per connection on stdout, stores them in a SQLite database and\n"
	"tells on stderr where it is. Parts of the full demonstration that have not landed yet\n"
	"(local TLS servers, scan, sniff of a pcap, analyze, HTML report) are listed, not faked.\n"
	"\n"
	"Options:\n"
	"  --db PATH           write the database here (default: ./" DEMO_DB_DEFAULT ", which\n"
	"                      is replaced on each run; PATH must not exist yet)\n"
	"  -h, --help          show this help and exit\n"
	"\n"
	"Exit status: 0 success, 2 usage or input error, 3 runtime failure.\n";

struct demo_cert {
	unsigned char *der;
	size_t len;
	char sha256[DIGEST_SHA256_LEN * 2 + 1];
};

/* What one connection showed, copied out of the parser's views. */
struct demo_conn {
	/* client */
	unsigned n_client_hellos;
	bool ch_ok;
	bool has_sni;
	char sni[DEMO_NAME_MAX];
	json_t *alpn_offered;
	char ja3[FP_MD5_HEX];
	char ja4[FP_JA4_LEN];
	bool fallback_scsv;
	/* server */
	bool sh_ok;
	bool sh_sslv2;
	uint16_t version;
	uint16_t cipher;
	bool has_alpn_selected;
	char alpn_selected[DEMO_NAME_MAX];
	char ja3s[FP_MD5_HEX];
	enum tls_downgrade downgrade;
	bool hrr;
	bool psk;                 /* TLS 1.3 ServerHello with pre_shared_key */
	bool server_ccs;
	bool server_hello_done;
	bool server_cert;
	struct demo_cert certs[STORE_CHAIN_MAX];
	size_t n_certs;
	/* both */
	json_t *alerts;
	json_t *anomalies;
	/* parsing state */
	const char *from;         /* "client" or "server": the direction being fed */
	struct tls_rec *rec;      /* that direction's record layer */
	bool oom;
};

static void add_anomaly(struct demo_conn *c, enum tls_anom a)
{
	const char *name = tls_anom_name(a);
	size_t i;
	json_t *v;
	json_array_foreach(c->anomalies, i, v)
		if (strcmp(json_string_value(v), name) == 0)
			return;
	if (json_array_append_new(c->anomalies, json_string(name)) != 0)
		c->oom = true;
}

static void add_anoms(struct demo_conn *c, const struct tls_anoms *s)
{
	for (unsigned i = 0; i < s->n; i++)
		add_anomaly(c, s->list[i]);
}

/* Copies wire bytes into a NUL-terminated string (cut at cap - 1 bytes). */
static void copy_str(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(dst, p, n);
	dst[n] = '\0';
}

/* A JSON string of wire bytes: as UTF-8 when they are valid UTF-8 without NULs, else each
 * byte as a Latin-1 character (what tshark prints), so output never fails on odd input. */
static json_t *json_wire_string(const uint8_t *p, size_t n)
{
	if (!memchr(p, 0, n)) {
		json_t *s = json_stringn((const char *)p, n);
		if (s)
			return s;
	}
	char *u = malloc(2 * n + 1);
	if (!u)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < 0x80 && p[i] != 0) {
			u[k++] = (char)p[i];
		} else if (p[i] == 0) {
			u[k++] = '?';
		} else {
			u[k++] = (char)(0xc0 | (p[i] >> 6));
			u[k++] = (char)(0x80 | (p[i] & 0x3f));
		}
	}
	json_t *s = json_stringn(u, k);
	free(u);
	return s;
}

static void on_client_hello(struct demo_conn *c, const struct tls_client_hello *ch)
{
	c->ch_ok = true;
	add_anoms(c, &ch->anoms);
	c->has_sni = ch->sni.len > 0;
	copy_str(c->sni, sizeof(c->sni), ch->sni.p, ch->sni.len);
	for (size_t i = 0; i < ch->n_alpn; i++) {
		struct tls_bytes a = tls_alpn_at(ch->alpn, i);
		if (json_array_append_new(c->alpn_offered, json_wire_string(a.p, a.len)) != 0)
			c->oom = true;
	}
	fp_ja3(ch, c->ja3);
	fp_ja4(ch, FP_JA4_TCP, c->ja4);
	for (size_t i = 0; i < ch->n_suites; i++)
		if (tls_ch_suite(ch, i) == 0x5600) /* TLS_FALLBACK_SCSV, RFC 7507 */
			c->fallback_scsv = true;
}

static void on_server_hello(struct demo_conn *c, const struct tls_server_hello *sh)
{
	add_anoms(c, &sh->anoms);
	if (sh->is_hrr) {
		c->hrr = true;
		return;
	}
	if (c->sh_ok)
		return; /* only the first ServerHello counts */
	c->sh_ok = true;
	c->version = sh->version;
	c->cipher = sh->cipher;
	c->has_alpn_selected = sh->alpn.len > 0;
	copy_str(c->alpn_selected, sizeof(c->alpn_selected), sh->alpn.p, sh->alpn.len);
	fp_ja3s(sh, c->ja3s);
	c->downgrade = sh->downgrade;
	if (sh->version == TLS_V_TLS13) {
		c->psk = tls_ext_find(sh->exts, sh->n_exts, TLS_EXT_PRE_SHARED_KEY) != NULL;
		tls_rec_set_encrypted(c->rec); /* RFC 8446 §2: all later handshake is encrypted */
	}
}

static void keep_cert(struct demo_conn *c, struct tls_bytes der)
{
	uint8_t md[DIGEST_SHA256_LEN];
	struct demo_cert *k;
	if (c->n_certs == STORE_CHAIN_MAX || der.len == 0)
		return;
	k = &c->certs[c->n_certs];
	k->der = malloc(der.len);
	if (!k->der) {
		c->oom = true;
		return;
	}
	memcpy(k->der, der.p, der.len);
	k->len = der.len;
	digest_sha256(der.p, der.len, md);
	digest_hex(md, sizeof(md), k->sha256);
	c->n_certs++;
}

static void on_handshake(void *ctx, uint8_t type, const uint8_t *body, size_t len,
			 size_t full_len, uint16_t rec_version)
{
	struct demo_conn *c = ctx;
	bool client = strcmp(c->from, "client") == 0;
	enum tls_anom why = TLS_ANOM_NONE;
	enum tls_status st = TLS_OK;
	(void)full_len, (void)rec_version;

	if (client && type == TLS_HS_CLIENT_HELLO) {
		if (c->n_client_hellos++ > 0)
			return; /* INTERFACE.md: the first hello's fingerprints */
		struct tls_client_hello ch;
		st = tls_msg_client_hello(body, len, &ch, &why);
		if (st == TLS_OK)
			on_client_hello(c, &ch);
	} else if (!client && type == TLS_HS_SERVER_HELLO) {
		struct tls_server_hello sh;
		st = tls_msg_server_hello(body, len, &sh, &why);
		if (st == TLS_OK)
			on_server_hello(c, &sh);
	} else if (!client && type == TLS_HS_CERTIFICATE && c->sh_ok && !c->server_cert) {
		struct tls_certificate cert;
		c->server_cert = true;
		st = tls_msg_certificate(body, len, false, &cert, &why);
		if (st == TLS_OK) {
			add_anoms(c, &cert.anoms);
			for (size_t i = 0; i < cert.n_certs; i++)
				keep_cert(c, cert.certs[i]);
		}
	} else if (!client && type == TLS_HS_SERVER_HELLO_DONE) {
		c->server_hello_done = true;
	}
	if (st == TLS_MALFORMED)
		add_anomaly(c, why);
}

static void on_sslv2(void *ctx, const uint8_t *msg, size_t len)
{
	struct demo_conn *c = ctx;
	enum tls_anom why = TLS_ANOM_NONE;
	enum tls_status st = TLS_OK;

	if (strcmp(c->from, "client") == 0 && len > 0 && msg[0] == 1) {
		if (c->n_client_hellos++ > 0)
			return;
		struct tls_client_hello ch;
		st = tls_msg_sslv2_client_hello(msg, len, &ch, &why);
		if (st == TLS_OK)
			on_client_hello(c, &ch);
	} else if (strcmp(c->from, "server") == 0 && len > 0 && msg[0] == 4 && !c->sh_ok) {
		struct tls_sslv2_server_hello sh;
		st = tls_msg_sslv2_server_hello(msg, len, &sh, &why);
		if (st == TLS_OK) {
			c->sh_ok = true;
			c->sh_sslv2 = true;
			c->version = TLS_V_SSL2;
			keep_cert(c, sh.certificate);
		}
	}
	if (st == TLS_MALFORMED)
		add_anomaly(c, why);
}

static void on_alert(void *ctx, const uint8_t *body, size_t len)
{
	struct demo_conn *c = ctx;
	struct tls_alert a;
	enum tls_anom why = TLS_ANOM_NONE;
	if (tls_msg_alert(body, len, &a, &why) != TLS_OK) {
		add_anomaly(c, why);
		return;
	}
	json_t *o = json_pack("{s:s, s:i, s:i}", "from", c->from, "level", (int)a.level, "desc",
			      (int)a.desc);
	if (!o || json_array_append_new(c->alerts, o) != 0)
		c->oom = true;
}

static void on_ccs(void *ctx)
{
	struct demo_conn *c = ctx;
	if (strcmp(c->from, "server") == 0)
		c->server_ccs = true;
}

static void on_anomaly(void *ctx, enum tls_anom a) { add_anomaly(ctx, a); }

static const struct tls_rec_sink sink = {
	.handshake = on_handshake,
	.sslv2 = on_sslv2,
	.alert = on_alert,
	.ccs = on_ccs,
	.anomaly = on_anomaly,
};

/* Hex text to bytes (malloc'd into *out). Returns false on bad hex or no memory. */
static bool unhex(const char *hex, uint8_t **out, size_t *n)
{
	size_t len = strlen(hex);
	if (len % 2 || len > DEMO_HEX_MAX)
		return false;
	uint8_t *b = malloc(len / 2 + 1);
	if (!b)
		return false;
	for (size_t i = 0; i < len / 2; i++) {
		unsigned v = 0;
		for (int k = 0; k < 2; k++) {
			char ch = hex[2 * i + (size_t)k];
			unsigned d;
			if (ch >= '0' && ch <= '9')
				d = (unsigned)(ch - '0');
			else if (ch >= 'a' && ch <= 'f')
				d = (unsigned)(ch - 'a' + 10);
			else if (ch >= 'A' && ch <= 'F')
				d = (unsigned)(ch - 'A' + 10);
			else {
				free(b);
				return false;
			}
			v = v * 16 + d;
		}
		b[i] = (uint8_t)v;
	}
	*out = b;
	*n = len / 2;
	return true;
}

/* Feeds one direction's bytes through its own record layer. */
static void feed(struct demo_conn *c, const char *from, const uint8_t *p, size_t n,
		 uint8_t *msgbuf)
{
	struct tls_rec rec;
	tls_rec_init(&rec, msgbuf, HS_MAX_MSG);
	c->from = from;
	c->rec = &rec;
	if (tls_rec_feed(&rec, p, n, &sink, c) != TLS_OK)
		add_anomaly(c, tls_rec_error(&rec));
	c->rec = NULL;
}

static void conn_free(struct demo_conn *c)
{
	json_decref(c->alpn_offered);
	json_decref(c->alerts);
	json_decref(c->anomalies);
	for (size_t i = 0; i < c->n_certs; i++)
		free(c->certs[i].der);
}

/* The bundled connection's metadata (from the capture, not from the TLS bytes). */
struct demo_meta {
	const char *name, *note, *corpus, *pcap;
	const char *client_ip, *server_ip;
	int client_port, server_port;
	const char *c2s, *s2c;
};

static bool read_meta(json_t *line, struct demo_meta *m)
{
	return json_unpack(line, "{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:i, s:s, s:s}",
			   "name", &m->name, "note", &m->note, "corpus", &m->corpus, "pcap",
			   &m->pcap, "client_ip", &m->client_ip, "client_port", &m->client_port,
			   "server_ip", &m->server_ip, "server_port", &m->server_port, "c2s",
			   &m->c2s, "s2c", &m->s2c) == 0 &&
	       m->client_port >= 0 && m->client_port <= 65535 && m->server_port >= 0 &&
	       m->server_port <= 65535;
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

/* The `sniff --json` object of INTERFACE.md, as far as the demo knows it. */
static json_t *conn_json(const struct demo_meta *m, const struct demo_conn *c, bool resumed)
{
	char vbuf[7], cbuf[7];
	json_t *o = json_object(), *chain = json_array();
	if (!o || !chain) {
		json_decref(o);
		json_decref(chain);
		return NULL;
	}
	for (size_t i = 0; i < c->n_certs; i++)
		json_array_append_new(chain, json_string(c->certs[i].sha256));
	int bad = 0;
	bad |= json_object_set_new(o, "type", json_string("tls"));
	bad |= json_object_set_new(o, "ts", json_null()); /* no packet times in the bundle */
	bad |= json_object_set_new(o, "client_ip", json_string(m->client_ip));
	bad |= json_object_set_new(o, "client_port", json_integer(m->client_port));
	bad |= json_object_set_new(o, "server_ip", json_string(m->server_ip));
	bad |= json_object_set_new(o, "server_port", json_integer(m->server_port));
	bad |= json_object_set_new(o, "sni", c->has_sni ? json_wire_string((const uint8_t *)c->sni,
									  strlen(c->sni))
						     : json_null());
	bad |= json_object_set_new(o, "version",
				   c->sh_ok ? json_string(version_name(c->version, vbuf))
					    : json_null());
	bad |= json_object_set_new(o, "cipher",
				   c->sh_ok && !c->sh_sslv2
					   ? json_string(tls_reg_suite_name(c->cipher, cbuf))
					   : json_null());
	bad |= json_object_set(o, "alpn_offered", c->alpn_offered);
	bad |= json_object_set_new(o, "alpn_selected",
				   c->has_alpn_selected
					   ? json_wire_string((const uint8_t *)c->alpn_selected,
							      strlen(c->alpn_selected))
					   : json_null());
	bad |= json_object_set_new(o, "ja3", str_or_null(c->ja3));
	bad |= json_object_set_new(o, "ja3s", c->sh_ok ? str_or_null(c->ja3s) : json_null());
	bad |= json_object_set_new(o, "ja4", str_or_null(c->ja4));
	bad |= json_object_set_new(o, "server_cert_sha256",
				   c->n_certs ? json_string(c->certs[0].sha256) : json_null());
	bad |= json_object_set_new(o, "server_chain_sha256", chain);
	bad |= json_object_set_new(o, "fallback_scsv", json_boolean(c->fallback_scsv));
	bad |= json_object_set_new(o, "downgrade_sentinel", str_or_null(downgrade_name(c->downgrade)));
	bad |= json_object_set_new(o, "resumed", json_boolean(resumed));
	bad |= json_object_set_new(o, "hello_retry_request", json_boolean(c->hrr));
	bad |= json_object_set(o, "alerts", c->alerts);
	bad |= json_object_set(o, "anomalies", c->anomalies);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Stores the certificates, the connection and its anomalies. Returns a store status. */
static int store_conn(struct store *st, const struct demo_meta *m, json_t *o,
		      const struct demo_conn *c, char *source)
{
	const char *chain[STORE_CHAIN_MAX];
	int rc = STORE_OK;
	char *alpn = NULL, *alerts = NULL, *anoms = NULL;
	int64_t id;

	for (size_t i = 0; i < c->n_certs; i++) {
		rc = store_put_cert(st, c->certs[i].der, c->certs[i].len, NULL);
		if (rc != STORE_OK)
			return rc;
		chain[i] = c->certs[i].sha256;
	}
	alpn = json_dumps(c->alpn_offered, JSON_COMPACT);
	alerts = json_dumps(c->alerts, JSON_COMPACT);
	anoms = json_dumps(c->anomalies, JSON_COMPACT);
	if (!alpn || !alerts || !anoms) {
		rc = STORE_EIO;
		goto out;
	}
	struct store_conn sc = {
		.ts = NULL,
		.client_ip = m->client_ip,
		.client_port = (uint16_t)m->client_port,
		.server_ip = m->server_ip,
		.server_port = (uint16_t)m->server_port,
		.sni = json_string_value(json_object_get(o, "sni")),
		.version = json_string_value(json_object_get(o, "version")),
		.cipher = json_string_value(json_object_get(o, "cipher")),
		.alpn_offered_json = alpn,
		.alpn_selected = json_string_value(json_object_get(o, "alpn_selected")),
		.ja3 = json_string_value(json_object_get(o, "ja3")),
		.ja3s = json_string_value(json_object_get(o, "ja3s")),
		.ja4 = json_string_value(json_object_get(o, "ja4")),
		.server_cert_sha256 = json_string_value(json_object_get(o, "server_cert_sha256")),
		.fallback_scsv = json_is_true(json_object_get(o, "fallback_scsv")),
		.downgrade_sentinel = json_string_value(json_object_get(o, "downgrade_sentinel")),
		.resumed = json_is_true(json_object_get(o, "resumed")),
		.hello_retry_request = json_is_true(json_object_get(o, "hello_retry_request")),
		.alerts_json = alerts,
		.anomalies_json = anoms,
		.source = source,
		.chain_sha256 = chain,
		.chain_len = c->n_certs,
	};
	rc = store_add_connection(st, &sc, &id);
	if (rc != STORE_OK)
		goto out;
	size_t i;
	json_t *v;
	json_array_foreach(c->anomalies, i, v) {
		struct store_anomaly a = { STORE_REF_CONNECTION, id, json_string_value(v),
					   "tlsscope demo", NULL };
		rc = store_add_anomaly(st, &a, NULL);
		if (rc != STORE_OK)
			goto out;
	}
out:
	free(alpn);
	free(alerts);
	free(anoms);
	return rc;
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

/* One bundled connection: parse, print, store. Returns an enum cli_exit. */
static int demo_one(struct store *st, const char *line, uint8_t *msgbuf, size_t *n_certs)
{
	json_error_t jerr;
	json_t *j = json_loads(line, 0, &jerr), *o = NULL;
	struct demo_meta m;
	struct demo_conn c;
	uint8_t *c2s = NULL, *s2c = NULL;
	size_t n_c2s = 0, n_s2c = 0;
	int ret = CLI_RUNTIME;
	char source[512];

	memset(&c, 0, sizeof(c));
	c.alpn_offered = json_array();
	c.alerts = json_array();
	c.anomalies = json_array();
	if (!j || !read_meta(j, &m) || !unhex(m.c2s, &c2s, &n_c2s) ||
	    !unhex(m.s2c, &s2c, &n_s2c)) {
		cli_fail(CLI_RUNTIME, CMD, "bundled handshake data is damaged: %s",
			 j ? "bad fields" : jerr.text);
		goto out;
	}
	if (!c.alpn_offered || !c.alerts || !c.anomalies)
		goto oom;
	feed(&c, "client", c2s, n_c2s, msgbuf);
	feed(&c, "server", s2c, n_s2c, msgbuf);
	if (c.oom)
		goto oom;
	/* Resumption: TLS 1.3 pre_shared_key accepted; TLS <= 1.2 abbreviated handshake (the
	 * server's ChangeCipherSpec came without Certificate or ServerHelloDone, RFC 5246 §7.3). */
	bool resumed = c.sh_ok && (c.version == TLS_V_TLS13
					   ? c.psk
					   : c.server_ccs && !c.server_cert && !c.server_hello_done);
	o = conn_json(&m, &c, resumed);
	if (!o)
		goto oom;
	char *text = json_dumps(o, JSON_COMPACT);
	if (!text)
		goto oom;
	puts(text);
	free(text);

	snprintf(source, sizeof(source), "demo:%s/%s", m.corpus, m.pcap);
	int rc = store_conn(st, &m, o, &c, source);
	if (rc != STORE_OK) {
		cli_fail(CLI_RUNTIME, CMD, "storing '%s': %s", m.name,
			 rc == STORE_EIO && !store_errcode(st) ? "out of memory" : store_errmsg(st));
		goto out;
	}
	char vbuf[7];
	fprintf(stderr, "  %-20s %-8s %-40s %s\n", m.name,
		c.sh_ok ? version_name(c.version, vbuf) : "-",
		json_string_value(json_object_get(o, "cipher")) ?
			json_string_value(json_object_get(o, "cipher")) : "-",
		c.has_sni ? c.sni : "(no SNI)");
	*n_certs += c.n_certs;
	ret = CLI_OK;
	goto out;
oom:
	cli_fail(CLI_RUNTIME, CMD, "out of memory");
out:
	json_decref(o);
	json_decref(j);
	conn_free(&c);
	free(c2s);
	free(s2c);
	return ret;
}

static const struct option longopts[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cli_demo(int argc, char **argv)
{
	const char *db = NULL;
	int c;

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

	struct store_error serr = { 0, "" };
	struct store_options sopts = { 0, 0, "tlsscope " TLSSCOPE_VERSION };
	struct store *st = store_open(db, &sopts, &serr);
	if (!st)
		return cli_fail(CLI_RUNTIME, CMD, "cannot create the database '%s': %s", db,
				serr.msg);
	uint8_t *msgbuf = malloc(HS_MAX_MSG);
	if (!msgbuf) {
		store_close(st);
		return cli_fail(CLI_RUNTIME, CMD, "out of memory");
	}

	fprintf(stderr, "tlsscope demo: %zu real TLS handshakes from public captures "
		"(data/demo/handshakes.jsonl),\nparsed with the wire library (capture/wire); one "
		"`sniff --json` object each on stdout:\n", cli_demo_n_lines);
	int ret = CLI_OK;
	size_t n_certs = 0;
	for (size_t i = 0; i < cli_demo_n_lines && ret == CLI_OK; i++)
		ret = demo_one(st, cli_demo_lines[i], msgbuf, &n_certs);
	free(msgbuf);

	int64_t n_conns = 0, n_stored_certs = 0;
	if (ret == CLI_OK) {
		int rc = store_flush(st);
		if (rc == STORE_OK)
			rc = store_count(st, STORE_T_CONNECTIONS, &n_conns);
		if (rc == STORE_OK)
			rc = store_count(st, STORE_T_CERTIFICATES, &n_stored_certs);
		if (rc != STORE_OK)
			ret = cli_fail(CLI_RUNTIME, CMD, "database '%s': %s", db, store_errmsg(st));
	}
	if (store_close(st) != STORE_OK && ret == CLI_OK)
		ret = cli_fail(CLI_RUNTIME, CMD, "database '%s': the last commit failed", db);
	if (ret != CLI_OK)
		return ret;

	fprintf(stderr,
		"\ntlsscope demo: stored %lld connections and %lld distinct certificates "
		"(%zu seen) in %s\n"
		"  look inside:  sqlite3 %s 'select sni, version, cipher, ja4 from connections'\n"
		"\n"
		"Not part of this demo yet, because it has not landed:\n"
		"  - local TLS servers (OpenSSL, GnuTLS) on loopback and `tlsscope scan` of them "
		"(active scanner)\n"
		"  - `tlsscope sniff -r` of a bundled pcap (passive sensor: issue 3)\n"
		"  - `tlsscope analyze`: rules and model over the database (analyzer)\n"
		"  - `tlsscope report --format html`: the HTML compliance report (report writers)\n",
		(long long)n_conns, (long long)n_stored_certs, n_certs, db, db);
	return CLI_OK;
}
