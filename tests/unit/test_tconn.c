/*
 * Unit tests of the TLS connection tracker (capture/tconn.h), driven through its flow_ops
 * callbacks as the flow table would drive it.
 *
 *  1. Real handshakes: every line of tests/corpus/handshakes.jsonl (995 TCP connections from
 *     five public corpora, tshark 4.0.17's values in "expect"). The client's bytes up to the
 *     end of its first ClientHello, then the server's bytes, then the rest of the client's
 *     (the order of a real exchange: the server's hello, or HelloRetryRequest, comes before
 *     the client's ChangeCipherSpec), then the flow ends. Each connection must give exactly
 *     one record; its fields are compared with tshark's, with the agreement bar and the
 *     verified exceptions of tests/corpus/exceptions.tsv (see test_corpus.c). Every line is
 *     fed in three chunkings (whole directions, one record per chunk, and a sample one byte
 *     per chunk); the records must be identical.
 *  2. STARTTLS and proxies: prelude transcripts written from the RFCs (SMTP RFC 3207, IMAP
 *     RFC 9051 §6.2.1, POP3 RFC 2595 §4, FTP RFC 4217 §4, XMPP RFC 6120 §5.4, LDAP RFC 4511
 *     §4.14, PostgreSQL protocol §53.2.10 SSLRequest, SOCKS5 RFC 1928, HTTP CONNECT RFC 9110
 *     §9.3.6) in front of real handshakes: same record, the prelude named, its size counted.
 *  3. No false records: captures that start inside the first record of each direction, and
 *     plaintext protocols, give no record; the responder may be the client; a server that
 *     answers a ClientHello in plaintext is an anomaly; memory is all returned.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "capture/tconn.h"
#include "capture/wire/bld.h"
#include "capture/wire/digest.h"
#include "capture/wire/registry.h"
#include "tests/unit/corpus_util.h"

#define CORPUS "tests/corpus/handshakes.jsonl"
#define EXCEPTIONS "tests/corpus/exceptions.tsv"
#define MIN_AGREEMENT 99.5
#define VAL_MAX 4096
#define BYTE_SAMPLE 40   /* connections also fed one byte per chunk */
#define MAX_RECS 4

/* ---- a flow driven by hand ---------------------------------------------------------------- */

struct got {
	size_t n;
	struct tconn_record rec[MAX_RECS];
	bool before_close[MAX_RECS]; /* emitted by a data call, not by close */
};

struct drive {
	struct tconn *tc;
	void *user;
	struct got got;
	bool closing;
	bool stopped[2];
};

static void on_emit(void *ctx, const struct tconn_record *r)
{
	struct drive *d = ctx;
	assert_true(d->got.n < MAX_RECS);
	d->got.before_close[d->got.n] = !d->closing;
	d->got.rec[d->got.n] = *r;
	/* the DER pointers die with the callback */
	for (size_t i = 0; i < r->n_certs; i++)
		d->got.rec[d->got.n].certs[i].der = NULL;
	d->got.n++;
}

static void drive_open(struct drive *d, bool client_is_initiator)
{
	struct flow_info fi;
	memset(d, 0, sizeof(*d));
	d->tc = tconn_new(on_emit, d);
	assert_non_null(d->tc);
	memset(&fi, 0, sizeof(fi));
	fi.family = 4;
	/* 192.0.2.1:50000 client, 198.51.100.7:443 server (RFC 5737) */
	uint8_t c[4] = { 192, 0, 2, 1 }, s[4] = { 198, 51, 100, 7 };
	memcpy(fi.addr[client_is_initiator ? 0 : 1], c, 4);
	memcpy(fi.addr[client_is_initiator ? 1 : 0], s, 4);
	fi.port[client_is_initiator ? 0 : 1] = 50000;
	fi.port[client_is_initiator ? 1 : 0] = 443;
	fi.saw_syn = true;
	fi.first_ts_us = 1700000000123456ull;
	d->user = tconn_flow_ops.open(d->tc, &fi);
	assert_non_null(d->user);
}

/* One data call with an exact-size heap copy (ASan catches reads past the chunk). */
static void drive_data(struct drive *d, int dir, const uint8_t *p, size_t n)
{
	if (n == 0 || d->stopped[dir])
		return;
	uint8_t *copy = malloc(n);
	assert_non_null(copy);
	memcpy(copy, p, n);
	if (!tconn_flow_ops.data(d->tc, d->user, dir, copy, n, 1700000001000000ull))
		d->stopped[dir] = true;
	free(copy);
}

/* Closes the flow and checks that the tracker gave all its memory back. */
static void drive_close(struct drive *d)
{
	struct tconn_stats st;
	d->closing = true;
	tconn_flow_ops.close(d->tc, d->user, FLOW_END_FLUSH, 1700000002000000ull);
	tconn_stats(d->tc, &st);
	assert_int_equal(st.mem_now, 0);
	assert_int_equal(st.flows_now, 0);
	assert_int_equal(st.tls_now, 0);
	tconn_free(d->tc);
	d->tc = NULL;
}

/* ---- TLS streams ---------------------------------------------------------------------------- */

/* Length of the record at p (TLS, or SSLv2 when it is the first one), or 0 when cut. */
static size_t record_len(const uint8_t *p, size_t n, bool first)
{
	if (first && n >= 2 && (p[0] & 0x80)) {
		size_t l = 2 + ((size_t)(p[0] & 0x7f) << 8 | p[1]);
		return l <= n ? l : 0;
	}
	if (n < 5)
		return 0;
	size_t l = 5 + ((size_t)p[3] << 8 | p[4]);
	return l <= n ? l : 0;
}

/* Bytes of the client stream up to the end of the record that completes the first
 * ClientHello (all of it when cut or not found). */
static size_t first_hello_end(const uint8_t *p, size_t n)
{
	size_t off = 0, hs = 0, need = 0;
	bool first = true;
	while (off < n) {
		size_t l = record_len(p + off, n - off, first);
		if (!l)
			return n;
		if (first && (p[off] & 0x80))
			return l; /* SSLv2 CLIENT-HELLO: one record */
		if (p[off] == 22) {
			for (size_t i = off + 5; i < off + l; i++, hs++)
				if (hs == 3)
					need = 4 + ((size_t)p[i - 2] << 16 | (size_t)p[i - 1] << 8 | p[i]);
			if (need && hs >= need)
				return off + l;
		}
		first = false;
		off += l;
	}
	return n;
}

enum chunking { CH_WHOLE, CH_RECORDS, CH_BYTES };

/* Feeds p[0..n) of dir in the chunking asked for. */
static void feed(struct drive *d, int dir, const uint8_t *p, size_t n, enum chunking c,
		 bool stream_start)
{
	size_t off = 0;
	switch (c) {
	case CH_WHOLE:
		drive_data(d, dir, p, n);
		return;
	case CH_BYTES:
		for (size_t i = 0; i < n; i++)
			drive_data(d, dir, p + i, 1);
		return;
	case CH_RECORDS:
		while (off < n) {
			size_t l = record_len(p + off, n - off, stream_start && off == 0);
			if (!l)
				l = n - off;
			drive_data(d, dir, p + off, l);
			off += l;
		}
		return;
	}
}

/* ---- corpus lines -------------------------------------------------------------------------- */

/* The TLS part of a connection, in the order of a real exchange. */
static void feed_tls(struct drive *d, const struct cu_conn *k, int cdir, enum chunking c)
{
	size_t h = first_hello_end(k->c2s, k->c2s_len);
	feed(d, cdir, k->c2s, h, c, true);
	feed(d, 1 - cdir, k->s2c, k->s2c_len, c, true);
	feed(d, cdir, k->c2s + h, k->c2s_len - h, c, false);
}

/* ---- fields ------------------------------------------------------------------------------- */

#define FIELDS(X)                                                                          \
	X(JA3, "ja3")                                                                      \
	X(JA4, "ja4")                                                                      \
	X(SNI, "sni")                                                                      \
	X(ALPN_OFFERED, "alpn_offered")                                                    \
	X(FALLBACK_SCSV, "fallback_scsv")                                                  \
	X(N_CLIENT_HELLOS, "n_client_hellos")                                              \
	X(HRR, "hello_retry_request")                                                      \
	X(JA3S, "ja3s")                                                                    \
	X(VERSION, "version")                                                              \
	X(CIPHER, "cipher")                                                                \
	X(ALPN_SELECTED, "alpn_selected")                                                  \
	X(DOWNGRADE, "downgrade_sentinel")                                                 \
	X(CERT, "server_cert_sha256")                                                      \
	X(CHAIN, "server_chain_sha256")                                                    \
	X(ALERTS, "alerts")

enum field {
#define F_ENUM(id, name) F_##id,
	FIELDS(F_ENUM)
#undef F_ENUM
	NF
};

static const char *const field_name[NF] = {
#define F_NAME(id, name) name,
	FIELDS(F_NAME)
#undef F_NAME
};

struct vals {
	bool has[NF];
	char v[NF][VAL_MAX];
};

static void set_val(struct vals *x, enum field f, const char *s)
{
	x->has[f] = s && *s;
	snprintf(x->v[f], VAL_MAX, "%s", s ? s : "");
}

/* Our record's fields in the corpus's spelling (cipher as hex, downgrade as tls12...). */
static void record_vals(const struct tconn_record *r, struct vals *x)
{
	static char tmp[VAL_MAX];
	char vb[8], leaf[2 * DIGEST_SHA256_LEN + 1];

	memset(x->has, 0, sizeof(x->has));
	set_val(x, F_JA3, r->ja3);
	set_val(x, F_JA4, r->ja4);
	if (r->has_sni) {
		cu_latin1_utf8(r->sni, r->sni_len, tmp, sizeof(tmp));
		set_val(x, F_SNI, tmp);
	} else {
		set_val(x, F_SNI, NULL);
	}
	cu_record_alpn(r, tmp, sizeof(tmp));
	set_val(x, F_ALPN_OFFERED, tmp);
	set_val(x, F_FALLBACK_SCSV, r->have_ch ? (r->fallback_scsv ? "true" : "false") : NULL);
	snprintf(tmp, sizeof(tmp), "%u", r->n_client_hellos);
	set_val(x, F_N_CLIENT_HELLOS, tmp);
	set_val(x, F_HRR, r->hello_retry_request ? "true" : "false");
	set_val(x, F_JA3S, r->ja3s);
	set_val(x, F_VERSION, r->have_sh ? cu_version_name(r->version, vb) : NULL);
	snprintf(tmp, sizeof(tmp), "0x%04x", r->cipher);
	set_val(x, F_CIPHER, r->have_sh && !r->sh_sslv2 ? tmp : NULL);
	if (r->has_alpn_selected) {
		cu_latin1_utf8(r->alpn_selected, r->alpn_selected_len, tmp, sizeof(tmp));
		set_val(x, F_ALPN_SELECTED, tmp);
	} else {
		set_val(x, F_ALPN_SELECTED, NULL);
	}
	set_val(x, F_DOWNGRADE, r->downgrade == TLS_DOWNGRADE_TLS12   ? "tls12"
				: r->downgrade == TLS_DOWNGRADE_TLS11 ? "tls11_or_below"
								      : NULL);
	cu_record_chain(r, leaf, tmp, sizeof(tmp));
	set_val(x, F_CERT, leaf);
	set_val(x, F_CHAIN, tmp);
	cu_record_alerts(r, tmp, sizeof(tmp));
	set_val(x, F_ALERTS, tmp);
}

/* ---- 1. real handshakes --------------------------------------------------------------------- */

/* Runs one connection; returns its single record in *out. */
static void run_conn(const struct cu_conn *k, int cdir, enum chunking c, struct tconn_record *out,
		     bool *before_close)
{
	struct drive d;
	drive_open(&d, cdir == 0);
	feed_tls(&d, k, cdir, c);
	drive_close(&d);
	if (d.got.n != 1) {
		print_error("%s %s stream %lld: %zu records, want 1\n", k->corpus, k->pcap,
			    k->stream, d.got.n);
		fail();
	}
	*out = d.got.rec[0];
	if (before_close)
		*before_close = d.got.before_close[0];
}

static void assert_same_record(const struct cu_conn *k, const char *how,
			       const struct tconn_record *a, const struct tconn_record *b)
{
	static struct vals va, vb;
	record_vals(a, &va);
	record_vals(b, &vb);
	for (int f = 0; f < NF; f++) {
		if (va.has[f] != vb.has[f] || strcmp(va.v[f], vb.v[f]) != 0) {
			print_error("%s stream %lld: %s differs when fed %s: '%s' vs '%s'\n",
				    k->pcap, k->stream, field_name[f], how, va.v[f], vb.v[f]);
			fail();
		}
	}
	if (a->n_anoms != b->n_anoms || a->resumed != b->resumed || a->end != b->end) {
		print_error("%s stream %lld: anomalies/resumed/end differ when fed %s\n",
			    k->pcap, k->stream, how);
		fail();
	}
}

static void test_corpus_handshakes(void **state)
{
	json_t *all = cu_load_jsonl(CORPUS), *j;
	size_t i, n_lines = json_array_size(all), n_unexcused = 0, n_excused = 0;
	size_t n_early = 0, n_bytes = 0;
	unsigned long matches[NF] = { 0 }, compared[NF] = { 0 }, excused_n[NF] = { 0 };
	static struct vals ours;
	static char want[VAL_MAX];
	struct cu_excs exc;
	bool failed;
	size_t every = n_lines / BYTE_SAMPLE ? n_lines / BYTE_SAMPLE : 1;
	(void)state;

	cu_excs_load(EXCEPTIONS, &exc);
	printf("mismatches (pcap, stream, field, ours, tshark's):\n");
	json_array_foreach(all, i, j) {
		struct cu_conn k;
		struct tconn_record r, r2;
		bool early;

		cu_conn_load(j, &k);
		run_conn(&k, 0, CH_WHOLE, &r, &early);
		n_early += early;
		/* the same with one record per chunk, and with the client as the responder */
		run_conn(&k, 1, CH_RECORDS, &r2, NULL);
		assert_same_record(&k, "one record per chunk, client = responder", &r, &r2);
		assert_int_equal(r2.client_port, 50000);
		assert_false(r2.client_initiated);
		if (i % every == 0) {
			run_conn(&k, 0, CH_BYTES, &r2, NULL);
			assert_same_record(&k, "one byte per chunk", &r, &r2);
			n_bytes++;
		}
		assert_int_equal(r.prelude, TCONN_PRE_NONE);
		assert_true(r.client_initiated);
		assert_int_equal(r.client_port, 50000);
		assert_int_equal(r.server_port, 443);
		assert_int_equal(r.ts_us, 1700000000123456ull);

		record_vals(&r, &ours);
		for (int fi = 0; fi < NF; fi++) {
			bool has;
			if (!cu_expected(k.expect, field_name[fi], CU_LIST_MAX, &has, want, VAL_MAX))
				continue;
			if (!has && !ours.has[fi])
				continue;
			compared[fi]++;
			if (has == ours.has[fi] && strcmp(want, ours.v[fi]) == 0) {
				matches[fi]++;
				continue;
			}
			bool ok = cu_excs_find_stream(&exc, k.pcap, k.stream, field_name[fi]) != NULL;
			ok ? (n_excused++, excused_n[fi]++) : n_unexcused++;
			printf("  %s%s\t%lld\t%s\tours=%s\ttshark=%s\n", ok ? "" : "NOT EXCUSED: ",
			       k.pcap, k.stream, field_name[fi], ours.has[fi] ? ours.v[fi] : "null",
			       has ? want : "null");
		}
		cu_conn_free(&k);
	}
	failed = !cu_agreement_table(field_name, NF, matches, compared, excused_n, NULL,
				     MIN_AGREEMENT);
	printf("\n%zu connections, one record each in every chunking (%zu also one byte per "
	       "chunk); %zu emitted at the handshake's end, the others when the flow ended; "
	       "%zu mismatches excused by %s, %zu not excused\n",
	       n_lines, n_bytes, n_early, n_excused, EXCEPTIONS, n_unexcused);
	fflush(stdout);
	json_decref(all);
	cu_excs_free(&exc);
	assert_false(failed);
	assert_int_equal(n_unexcused, 0);
}

/* ---- 2. preludes ------------------------------------------------------------------------- */

/* A prelude message: who sends it and its bytes. */
struct msg {
	int from;             /* 0 client, 1 server */
	const char *text;     /* NUL-terminated, or NULL: use bin/bin_len */
	const uint8_t *bin;
	size_t bin_len;
};

struct prelude {
	const char *name;
	enum tconn_prelude want;
	struct msg msgs[8];
	size_t n;
};

/* LDAP StartTLS (RFC 4511 §4.14.1, §4.12): ExtendedRequest { messageID 1, requestName
 * [0] "1.3.6.1.4.1.1466.20037" } and ExtendedResponse { messageID 1, success, "", "" },
 * built with BER short-form lengths. */
static size_t ldap_request(uint8_t *buf, size_t cap)
{
	static const char oid[] = "1.3.6.1.4.1.1466.20037";
	struct bld b;
	bld_init(&b, buf, cap);
	bld_u8(&b, 0x30); /* LDAPMessage SEQUENCE */
	bld_open(&b, 1);
	bld_u8(&b, 0x02); /* messageID INTEGER 1 */
	bld_u8(&b, 1);
	bld_u8(&b, 1);
	bld_u8(&b, 0x77); /* [APPLICATION 23] ExtendedRequest */
	bld_open(&b, 1);
	bld_u8(&b, 0x80); /* [0] requestName */
	bld_open(&b, 1);
	bld_bytes(&b, oid, sizeof(oid) - 1);
	bld_close(&b);
	bld_close(&b);
	bld_close(&b);
	assert_true(bld_ok(&b));
	return b.len;
}

static size_t ldap_response(uint8_t *buf, size_t cap)
{
	struct bld b;
	bld_init(&b, buf, cap);
	bld_u8(&b, 0x30);
	bld_open(&b, 1);
	bld_u8(&b, 0x02);
	bld_u8(&b, 1);
	bld_u8(&b, 1);
	bld_u8(&b, 0x78); /* [APPLICATION 24] ExtendedResponse */
	bld_open(&b, 1);
	bld_u8(&b, 0x0a); /* resultCode ENUMERATED success (0) */
	bld_u8(&b, 1);
	bld_u8(&b, 0);
	bld_u8(&b, 0x04); /* matchedDN "" */
	bld_u8(&b, 0);
	bld_u8(&b, 0x04); /* diagnosticMessage "" */
	bld_u8(&b, 0);
	bld_close(&b);
	bld_close(&b);
	assert_true(bld_ok(&b));
	return b.len;
}

static uint8_t ldap_req[64], ldap_resp[64];
static size_t ldap_req_len, ldap_resp_len;
/* PostgreSQL SSLRequest: Int32 length 8, Int32 code 80877103 (1234 << 16 | 5679). */
static const uint8_t pg_ssl_request[8] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f };
/* SOCKS5 (RFC 1928): no-auth greeting, method reply, CONNECT to 198.51.100.7:443, reply. */
static const uint8_t socks_hello[] = { 5, 1, 0 }, socks_method[] = { 5, 0 };
static const uint8_t socks_connect[] = { 5, 1, 0, 1, 198, 51, 100, 7, 0x01, 0xbb };
static const uint8_t socks_reply[] = { 5, 0, 0, 1, 192, 0, 2, 1, 0xc3, 0x50 };

static const struct prelude *preludes(size_t *n)
{
	static struct prelude p[10];
	ldap_req_len = ldap_request(ldap_req, sizeof(ldap_req));
	ldap_resp_len = ldap_response(ldap_resp, sizeof(ldap_resp));
	struct prelude list[] = {
		{ "smtp", TCONN_PRE_SMTP,
		  { { 1, "220 mail.example.net ESMTP ready\r\n", NULL, 0 },
		    { 0, "EHLO client.example.org\r\n", NULL, 0 },
		    { 1, "250-mail.example.net\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n",
		      NULL, 0 },
		    { 0, "STARTTLS\r\n", NULL, 0 },
		    { 1, "220 Go ahead\r\n", NULL, 0 } },
		  5 },
		{ "imap", TCONN_PRE_IMAP,
		  { { 1, "* OK [CAPABILITY IMAP4rev2 STARTTLS LOGINDISABLED] IMAP4rev2 Service "
			 "Ready\r\n", NULL, 0 },
		    { 0, "a001 CAPABILITY\r\n", NULL, 0 },
		    { 1, "* CAPABILITY IMAP4rev2 STARTTLS LOGINDISABLED\r\na001 OK CAPABILITY "
			 "completed\r\n", NULL, 0 },
		    { 0, "a002 STARTTLS\r\n", NULL, 0 },
		    { 1, "a002 OK Begin TLS negotiation now\r\n", NULL, 0 } },
		  5 },
		{ "pop3", TCONN_PRE_POP3,
		  { { 1, "+OK POP3 server ready\r\n", NULL, 0 },
		    { 0, "CAPA\r\n", NULL, 0 },
		    { 1, "+OK Capability list follows\r\nTOP\r\nUSER\r\nSTLS\r\n.\r\n", NULL, 0 },
		    { 0, "STLS\r\n", NULL, 0 },
		    { 1, "+OK Begin TLS negotiation\r\n", NULL, 0 } },
		  5 },
		{ "ftp", TCONN_PRE_FTP,
		  { { 1, "220 Service ready for new user.\r\n", NULL, 0 },
		    { 0, "AUTH TLS\r\n", NULL, 0 },
		    { 1, "234 Security environment established\r\n", NULL, 0 } },
		  3 },
		{ "xmpp", TCONN_PRE_XMPP,
		  { { 0, "<?xml version='1.0'?><stream:stream to='im.example.com' version='1.0' "
			 "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
		      NULL, 0 },
		    { 1, "<?xml version='1.0'?><stream:stream from='im.example.com' "
			 "id='t7AMCin9zjMNwQKDnplntZPIDEI=' version='1.0' xmlns='jabber:client' "
			 "xmlns:stream='http://etherx.jabber.org/streams'>", NULL, 0 },
		    { 1, "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>"
			 "<required/></starttls></stream:features>", NULL, 0 },
		    { 0, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", NULL, 0 },
		    { 1, "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", NULL, 0 } },
		  5 },
		{ "ldap", TCONN_PRE_LDAP,
		  { { 0, NULL, ldap_req, 0 }, { 1, NULL, ldap_resp, 0 } }, 2 },
		{ "postgres", TCONN_PRE_POSTGRES,
		  { { 0, NULL, pg_ssl_request, sizeof(pg_ssl_request) },
		    { 1, "S", NULL, 0 } },
		  2 },
		{ "socks", TCONN_PRE_SOCKS,
		  { { 0, NULL, socks_hello, sizeof(socks_hello) },
		    { 1, NULL, socks_method, sizeof(socks_method) },
		    { 0, NULL, socks_connect, sizeof(socks_connect) },
		    { 1, NULL, socks_reply, sizeof(socks_reply) } },
		  4 },
		{ "http-connect", TCONN_PRE_HTTP_CONNECT,
		  { { 0, "CONNECT server.example.com:443 HTTP/1.1\r\nHost: server.example.com:443"
			 "\r\n\r\n", NULL, 0 },
		    { 1, "HTTP/1.1 200 Connection established\r\n\r\n", NULL, 0 } },
		  2 },
		{ "other: a banner, then TLS without a command", TCONN_PRE_OTHER,
		  { { 1, "SSH-2.0-not-really\r\n", NULL, 0 } }, 1 },
	};
	list[5].msgs[0].bin_len = ldap_req_len;
	list[5].msgs[1].bin_len = ldap_resp_len;
	memcpy(p, list, sizeof(list));
	*n = sizeof(list) / sizeof(list[0]);
	return p;
}

static size_t msg_len(const struct msg *m) { return m->text ? strlen(m->text) : m->bin_len; }

static const uint8_t *msg_bytes(const struct msg *m)
{
	return m->text ? (const uint8_t *)m->text : m->bin;
}

static void test_preludes(void **state)
{
	json_t *all = cu_load_jsonl(CORPUS), *j;
	size_t n_pre, i, n_runs = 0;
	const struct prelude *pre = preludes(&n_pre);
	/* a sample of connections: TLS 1.2 with a chain, TLS 1.3, HRR, SSLv2 hello, ... */
	size_t every = json_array_size(all) / 25;
	(void)state;

	for (size_t p = 0; p < n_pre; p++) {
		json_array_foreach(all, i, j) {
			struct cu_conn k;
			struct tconn_record plain, r;
			struct drive d;
			size_t bytes[2] = { 0, 0 };
			const char *note = NULL;

			if (i % every != 0)
				continue;
			cu_conn_load(j, &k);
			run_conn(&k, 0, CH_WHOLE, &plain, NULL);
			for (int cdir = 0; cdir < 2; cdir++) {
				drive_open(&d, cdir == 0);
				for (size_t m = 0; m < pre[p].n; m++) {
					const struct msg *x = &pre[p].msgs[m];
					int dir = x->from == 0 ? cdir : 1 - cdir;
					drive_data(&d, dir, msg_bytes(x), msg_len(x));
					bytes[x->from] += cdir == 0 ? msg_len(x) : 0;
				}
				feed_tls(&d, &k, cdir, CH_RECORDS);
				drive_close(&d);
				if (d.got.n != 1) {
					print_error("%s before %s stream %lld: %zu records\n",
						    pre[p].name, k.pcap, k.stream, d.got.n);
					fail();
				}
				r = d.got.rec[0];
				assert_same_record(&k, pre[p].name, &plain, &r);
				if (r.prelude != pre[p].want) {
					note = tconn_prelude_name(r.prelude);
					print_error("%s: prelude named %s\n", pre[p].name,
						    note ? note : "none");
					fail();
				}
				assert_int_equal(r.prelude_bytes[TCONN_CLIENT], bytes[0]);
				assert_int_equal(r.prelude_bytes[TCONN_SERVER], bytes[1]);
				n_runs++;
			}
			cu_conn_free(&k);
		}
	}
	printf("%zu preludes x sample of connections x client as initiator/responder: %zu "
	       "runs, same records as without a prelude, prelude named and counted\n",
	       n_pre, n_runs);
	json_decref(all);
}

/* A ClientHello pipelined after a command in the same segment (found after the line end). */
static void test_pipelined_hello(void **state)
{
	json_t *all = cu_load_jsonl(CORPUS);
	struct cu_conn k;
	struct tconn_record plain;
	struct drive d;
	static const char cmd[] = "STARTTLS\r\n";
	(void)state;

	cu_conn_load(json_array_get(all, 0), &k);
	run_conn(&k, 0, CH_WHOLE, &plain, NULL);
	size_t h = first_hello_end(k.c2s, k.c2s_len);
	uint8_t *seg = malloc(sizeof(cmd) - 1 + h);
	assert_non_null(seg);
	memcpy(seg, cmd, sizeof(cmd) - 1);
	memcpy(seg + sizeof(cmd) - 1, k.c2s, h);
	drive_open(&d, true);
	drive_data(&d, 1, (const uint8_t *)"220 hi\r\n", 8);
	drive_data(&d, 0, seg, sizeof(cmd) - 1 + h);
	drive_data(&d, 1, (const uint8_t *)"220 go ahead\r\n", 14);
	feed(&d, 1, k.s2c, k.s2c_len, CH_WHOLE, true);
	feed(&d, 0, k.c2s + h, k.c2s_len - h, CH_WHOLE, false);
	drive_close(&d);
	assert_int_equal(d.got.n, 1);
	assert_same_record(&k, "after a pipelined STARTTLS", &plain, &d.got.rec[0]);
	assert_int_equal(d.got.rec[0].prelude, TCONN_PRE_SMTP);
	free(seg);
	cu_conn_free(&k);
	json_decref(all);
}

/* ---- 3. no false records ------------------------------------------------------------------ */

static void test_midstream(void **state)
{
	json_t *all = cu_load_jsonl(CORPUS), *j;
	size_t i, n_runs = 0;
	(void)state;

	json_array_foreach(all, i, j) {
		struct cu_conn k;
		cu_conn_load(j, &k);
		size_t c1 = record_len(k.c2s, k.c2s_len, true);
		size_t s1 = record_len(k.s2c, k.s2c_len, true);
		/* offsets inside the first record of each direction */
		size_t offs[] = { 1, 3, 5, 9, 40 };
		for (size_t o = 0; o < sizeof(offs) / sizeof(offs[0]); o++) {
			struct drive d;
			size_t co = offs[o], so = offs[o];
			if (!c1 || co >= c1)
				continue;
			drive_open(&d, true);
			drive_data(&d, 0, k.c2s + co, k.c2s_len - co);
			if (s1 && so < s1)
				drive_data(&d, 1, k.s2c + so, k.s2c_len - so);
			drive_close(&d);
			if (d.got.n != 0) {
				print_error("%s stream %lld from offset %zu: a record from a stream "
					    "that starts mid-record\n",
					    k.pcap, k.stream, co);
				fail();
			}
			n_runs++;
		}
		cu_conn_free(&k);
	}
	printf("%zu mid-stream starts (offsets 1, 3, 5, 9, 40 in the first record): no record\n",
	       n_runs);
	json_decref(all);
}

static void test_plaintext_flows(void **state)
{
	static const struct {
		const char *name;
		const char *c, *s;
	} cases[] = {
		{ "http", "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
		  "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello" },
		{ "smtp without STARTTLS", "EHLO a\r\nMAIL FROM:<a@b>\r\n", "220 x\r\n250 ok\r\n" },
		{ "STARTTLS refused", "STARTTLS\r\n", "454 TLS not available\r\n" },
		{ "binary", "\x16\x03\x01\x00\x05hello", "\x17\x03\x03\x00\x02hi" },
		{ "handshake record, not a hello", "\x16\x03\x03\x00\x30\x0b\x00\x00\x2c\x03\x03",
		  "" },
		{ "hello too short", "\x16\x03\x01\x00\x30\x01\x00\x00\x04\x03\x03\x00\x00", "" },
	};
	struct tconn_stats st;
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct drive d;
		drive_open(&d, true);
		for (int rep = 0; rep < 3; rep++) {
			drive_data(&d, 0, (const uint8_t *)cases[i].c, strlen(cases[i].c));
			drive_data(&d, 1, (const uint8_t *)cases[i].s, strlen(cases[i].s));
		}
		drive_close(&d);
		if (d.got.n) {
			print_error("%s: a record from plaintext\n", cases[i].name);
			fail();
		}
	}

	/* a long plaintext flow is given up after TCONN_PRELUDE_MAX bytes: data returns false */
	struct drive d;
	uint8_t line[100];
	bool more = true;
	size_t sent = 0;
	memset(line, 'a', sizeof(line));
	line[sizeof(line) - 1] = '\n';
	drive_open(&d, true);
	while (more && sent < 4 * TCONN_PRELUDE_MAX) {
		more = tconn_flow_ops.data(d.tc, d.user, 0, line, sizeof(line), 1);
		sent += sizeof(line);
	}
	assert_false(more);
	assert_true(sent > TCONN_PRELUDE_MAX && sent <= TCONN_PRELUDE_MAX + sizeof(line));
	assert_false(tconn_flow_ops.data(d.tc, d.user, 1, line, sizeof(line), 1));
	tconn_stats(d.tc, &st);
	assert_int_equal(st.given_up, 1);
	assert_int_equal(st.tls, 0);
	/* a flow without TLS holds only its small struct */
	assert_true(st.mem_now > 0 && st.mem_now < 512);
	drive_close(&d);
}

/* A server that answers a ClientHello in plaintext: one record, anomaly not_tls (server). */
static void test_server_not_tls(void **state)
{
	json_t *all = cu_load_jsonl(CORPUS);
	struct cu_conn k;
	struct drive d;
	static const char resp[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
	(void)state;

	cu_conn_load(json_array_get(all, 0), &k);
	drive_open(&d, true);
	drive_data(&d, 0, k.c2s, first_hello_end(k.c2s, k.c2s_len));
	drive_data(&d, 1, (const uint8_t *)resp, sizeof(resp) - 1);
	drive_close(&d);
	assert_int_equal(d.got.n, 1);
	const struct tconn_record *r = &d.got.rec[0];
	assert_true(r->have_ch);
	assert_false(r->have_sh);
	bool found = false;
	for (size_t i = 0; i < r->n_anoms; i++)
		if (r->anoms[i].side == TCONN_SERVER &&
		    strcmp(tconn_anom_name(&r->anoms[i]), "not_tls") == 0)
			found = true;
	assert_true(found);
	cu_conn_free(&k);
	json_decref(all);
}

/* A fatal alert ends the record at once (before the flow ends); a gap ends a side. */
static void test_alert_and_gap(void **state)
{
	json_t *all = cu_load_jsonl(CORPUS), *j;
	size_t i, n_alert = 0;
	(void)state;

	json_array_foreach(all, i, j) {
		struct cu_conn k;
		json_t *al = json_object_get(json_object_get(j, "expect"), "alerts");
		size_t a;
		json_t *x;
		bool fatal = false;
		json_array_foreach(al, a, x) fatal |= json_integer_value(json_object_get(x, "level")) == 2;
		if (!fatal)
			continue;
		cu_conn_load(j, &k);
		struct tconn_record r;
		bool early;
		run_conn(&k, 0, CH_WHOLE, &r, &early);
		assert_true(early);
		assert_int_equal(r.end, TCONN_END_ALERT);
		n_alert++;
		cu_conn_free(&k);
	}
	assert_true(n_alert > 0);

	/* a gap in the client's stream right after its hello: the record still comes, with
	 * the anomaly tcp_gap from the client */
	struct cu_conn k;
	struct drive d;
	cu_conn_load(json_array_get(all, 0), &k);
	drive_open(&d, true);
	drive_data(&d, 0, k.c2s, first_hello_end(k.c2s, k.c2s_len));
	tconn_flow_ops.gap(d.tc, d.user, 0, 100);
	drive_data(&d, 1, k.s2c, k.s2c_len);
	drive_close(&d);
	assert_int_equal(d.got.n, 1);
	assert_true(d.got.rec[0].have_ch);
	bool found = false;
	for (size_t n = 0; n < d.got.rec[0].n_anoms; n++)
		found |= strcmp(tconn_anom_name(&d.got.rec[0].anoms[n]), "tcp_gap") == 0 &&
			 d.got.rec[0].anoms[n].side == TCONN_CLIENT;
	assert_true(found);
	cu_conn_free(&k);
	json_decref(all);
}

/* Names are stable identifiers. */
static void test_names(void **state)
{
	static const struct {
		enum tconn_prelude p;
		const char *want;
	} pre[] = {
		{ TCONN_PRE_NONE, NULL },	   { TCONN_PRE_SMTP, "smtp" },
		{ TCONN_PRE_IMAP, "imap" },	   { TCONN_PRE_POP3, "pop3" },
		{ TCONN_PRE_FTP, "ftp" },	   { TCONN_PRE_XMPP, "xmpp" },
		{ TCONN_PRE_LDAP, "ldap" },	   { TCONN_PRE_POSTGRES, "postgres" },
		{ TCONN_PRE_SOCKS, "socks" },	   { TCONN_PRE_HTTP_CONNECT, "http-connect" },
		{ TCONN_PRE_OTHER, "other" },
	};
	struct tconn_anom a = { TCONN_ANOM_FLOW, TCONN_NOSIDE, FLOW_ANOM_OVERLAP_CHANGED };
	(void)state;

	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
		const char *n = tconn_prelude_name(pre[i].p);
		if (!pre[i].want)
			assert_null(n);
		else
			assert_string_equal(n, pre[i].want);
	}
	assert_string_equal(tconn_anom_name(&a), "tcp_overlap_changed");
	a.kind = TCONN_ANOM_TLS;
	a.code = TLS_ANOM_EXT_DUPLICATE;
	assert_string_equal(tconn_anom_name(&a), "extension_duplicate");
	assert_string_equal(tconn_side_name(TCONN_CLIENT), "client");
	assert_string_equal(tconn_side_name(TCONN_SERVER), "server");
	assert_string_equal(tconn_end_name(TCONN_END_ALERT), "alert");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_plaintext_flows),
		cmocka_unit_test(test_server_not_tls),
		cmocka_unit_test(test_alert_and_gap),
		cmocka_unit_test(test_pipelined_hello),
		cmocka_unit_test(test_midstream),
		cmocka_unit_test(test_preludes),
		cmocka_unit_test(test_corpus_handshakes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
