/*
 * Unit tests of the record layer (rec.h).
 *
 * Each scenario is a byte stream assembled with bld (records and handshake messages with
 * back-patched lengths) and the exact list of events the record layer must report, written
 * from the scenario's construction: {kind, type, len, full_len, record version, hash of the
 * bytes}. Every scenario is fed (a) whole, (b) one byte at a time and (c) split in two at
 * every possible point, each chunk in an exact-size heap copy, and must give the same events
 * and the same final status every time (STYLE rule 24, picotls test_fragmented_message).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture/wire/bld.h"
#include "capture/wire/rec.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- events -------------------------------------------------------------------------- */

enum ev_kind { EV_HS = 1, EV_V2, EV_ALERT, EV_CCS, EV_OPAQUE, EV_ANOM };

struct ev {
	enum ev_kind kind;
	unsigned type;      /* handshake type, content type (opaque) or anomaly */
	size_t len;         /* bytes delivered */
	size_t full_len;    /* handshake: the message's true length */
	uint16_t version;   /* handshake: version of the record that started it */
	uint32_t hash;      /* FNV-1a of the bytes delivered */
};

#define MAX_EV 64
struct log {
	struct ev ev[MAX_EV];
	size_t n;
	struct tls_rec *rec;
	int encrypt_after;  /* handshake type after which the sink calls set_encrypted, or -1 */
};

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static void push(struct log *l, struct ev e)
{
	assert_true(l->n < MAX_EV);
	l->ev[l->n++] = e;
}

static void on_handshake(void *ctx, uint8_t type, const uint8_t *body, size_t len,
			 size_t full_len, uint16_t rec_version)
{
	struct log *l = ctx;
	struct ev e = { EV_HS, type, len, full_len, rec_version, fnv1a(body, len) };
	push(l, e);
	if (l->encrypt_after == type)
		tls_rec_set_encrypted(l->rec);
}

static void on_sslv2(void *ctx, const uint8_t *msg, size_t len)
{
	struct ev e = { EV_V2, 0, len, 0, 0, fnv1a(msg, len) };
	push(ctx, e);
}

static void on_alert(void *ctx, const uint8_t *body, size_t len)
{
	struct ev e = { EV_ALERT, 0, len, 0, 0, fnv1a(body, len) };
	push(ctx, e);
}

static void on_ccs(void *ctx)
{
	struct ev e = { EV_CCS, 0, 0, 0, 0, 0 };
	push(ctx, e);
}

static void on_opaque(void *ctx, uint8_t type, size_t len)
{
	struct ev e = { EV_OPAQUE, type, len, 0, 0, 0 };
	push(ctx, e);
}

static void on_anomaly(void *ctx, enum tls_anom a)
{
	struct ev e = { EV_ANOM, a, 0, 0, 0, 0 };
	push(ctx, e);
}

static const struct tls_rec_sink sink = { on_handshake, on_sslv2, on_alert,
					  on_ccs, on_opaque, on_anomaly };

/* ---- stream builders ----------------------------------------------------------------- */

/* n bytes of pattern seed, seed+1, ... */
static void pattern(struct bld *b, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		bld_u8(b, (uint8_t)(seed + i));
}

static uint32_t pattern_hash(size_t n, uint8_t seed)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)(seed + i)) * 16777619u;
	return h;
}

/* A handshake message (header + pattern body) into a scratch buffer; returns its size. */
static size_t hs_msg(uint8_t *out, size_t cap, uint8_t type, size_t len, uint8_t seed)
{
	struct bld b;
	bld_init(&b, out, cap);
	bld_u8(&b, type);
	bld_open(&b, 3);
	pattern(&b, len, seed);
	bld_close(&b);
	assert_true(bld_ok(&b));
	return b.len;
}

/* A record of the given type carrying data[0..n). */
static void record(struct bld *b, uint8_t type, uint16_t version, const uint8_t *data, size_t n)
{
	bld_u8(b, type);
	bld_u16(b, version);
	bld_open(b, 2);
	bld_bytes(b, data, n);
	bld_close(b);
}

/* A record whose body is a pattern. */
static void record_pattern(struct bld *b, uint8_t type, uint16_t version, size_t n,
			   uint8_t seed)
{
	bld_u8(b, type);
	bld_u16(b, version);
	bld_open(b, 2);
	pattern(b, n, seed);
	bld_close(b);
}

/* data[0..n) split over handshake records of the given sizes (the last takes the rest). */
static void hs_records(struct bld *b, uint16_t version, const uint8_t *data, size_t n,
		       const size_t *sizes, size_t n_sizes)
{
	size_t off = 0;
	for (size_t i = 0; i < n_sizes && off < n; i++) {
		size_t k = i + 1 == n_sizes || sizes[i] > n - off ? n - off : sizes[i];
		record(b, TLS_CT_HANDSHAKE, version, data + off, k);
		off += k;
	}
}

static uint8_t scratch[70000];
static uint8_t scratch2[70000];

/* ---- scenarios ----------------------------------------------------------------------- */

static void s_one_msg_three_records(struct bld *b)
{
	static const size_t sizes[] = { 100, 150, 0 };
	size_t n = hs_msg(scratch, sizeof(scratch), 1, 300, 0x10);
	hs_records(b, 0x0301, scratch, n, sizes, 3);
}

static void s_three_msgs_one_record(struct bld *b)
{
	size_t n = hs_msg(scratch, sizeof(scratch), 2, 80, 0x20);
	n += hs_msg(scratch + n, sizeof(scratch) - n, 11, 500, 0x30);
	n += hs_msg(scratch + n, sizeof(scratch) - n, 14, 0, 0);
	record(b, TLS_CT_HANDSHAKE, 0x0303, scratch, n);
}

static void s_alert_ccs_encrypted(struct bld *b)
{
	record_pattern(b, TLS_CT_ALERT, 0x0303, 2, 0x01);
	record_pattern(b, TLS_CT_CCS, 0x0303, 1, 0x01);
	record_pattern(b, TLS_CT_HANDSHAKE, 0x0303, 40, 0x99); /* encrypted Finished */
	record_pattern(b, TLS_CT_APPDATA, 0x0303, 100, 0x42);
	record_pattern(b, TLS_CT_ALERT, 0x0303, 26, 0x07);     /* encrypted alert */
}

static void s_sslv2_then_tls(struct bld *b)
{
	/* SSLv2 header: high bit set, 15-bit length (RFC 6101 E.1.1); body starts with 1 */
	bld_u16(b, 0x8000 | 50);
	pattern(b, 50, 0x01);
	size_t n = hs_msg(scratch, sizeof(scratch), 16, 130, 0x50); /* ClientKeyExchange */
	record(b, TLS_CT_HANDSHAKE, 0x0301, scratch, n);
	record_pattern(b, TLS_CT_CCS, 0x0301, 1, 0x01);
}

static void s_two_sslv2_records(struct bld *b)
{
	bld_u16(b, 0x8000 | 300);
	pattern(b, 300, 0x04);
	bld_u16(b, 0x8000 | 20);
	pattern(b, 20, 0x02);
}

static void s_bad_type(struct bld *b)
{
	size_t n = hs_msg(scratch, sizeof(scratch), 2, 60, 0x20);
	record(b, TLS_CT_HANDSHAKE, 0x0303, scratch, n);
	record_pattern(b, 0x30, 0x0303, 10, 0); /* content type 48 */
	record_pattern(b, TLS_CT_ALERT, 0x0303, 2, 0x01);
}

static void s_bad_version(struct bld *b)
{
	record_pattern(b, TLS_CT_ALERT, 0x0303, 2, 0x01);
	record_pattern(b, TLS_CT_HANDSHAKE, 0x0203, 10, 0);
}

static void s_too_long(struct bld *b)
{
	bld_u8(b, TLS_CT_APPDATA);
	bld_u16(b, 0x0303);
	bld_u16(b, TLS_REC_MAX_LEN + 1); /* one byte over the ceiling */
	pattern(b, 10, 0);
}

static void s_longest_record(struct bld *b)
{
	record_pattern(b, TLS_CT_APPDATA, 0x0303, TLS_REC_MAX_LEN, 0);
}

static void s_http(struct bld *b) { bld_bytes(b, "GET / HTTP/1.1\r\n\r\n", 18); }

static void s_high_bit_after_tls(struct bld *b)
{
	record_pattern(b, TLS_CT_ALERT, 0x0301, 2, 0x01);
	bld_u16(b, 0x8000 | 20);
	pattern(b, 20, 0x01);
}

static void s_sslv2_empty(struct bld *b)
{
	bld_u16(b, 0x8000);
	pattern(b, 4, 0);
}

static void s_too_long_for_buffer(struct bld *b)
{
	static const size_t sizes[] = { 2000, 0 };
	size_t n = hs_msg(scratch, sizeof(scratch), 11, 3000, 0x60);
	hs_records(b, 0x0303, scratch, n, sizes, 2);
	n = hs_msg(scratch, sizeof(scratch), 14, 0, 0);
	record(b, TLS_CT_HANDSHAKE, 0x0303, scratch, n);
}

static void s_interleaved_alert(struct bld *b)
{
	size_t n = hs_msg(scratch, sizeof(scratch), 11, 200, 0x70);
	record(b, TLS_CT_HANDSHAKE, 0x0303, scratch, 54);
	record_pattern(b, TLS_CT_ALERT, 0x0303, 2, 0x01);
	record(b, TLS_CT_HANDSHAKE, 0x0303, scratch + 54, n - 54);
}

static void s_interleaved_in_header(struct bld *b)
{
	size_t n = hs_msg(scratch, sizeof(scratch), 12, 30, 0x70);
	record(b, TLS_CT_HANDSHAKE, 0x0303, scratch, 2); /* half a handshake header */
	record_pattern(b, TLS_CT_APPDATA, 0x0303, 5, 0);
	record(b, TLS_CT_HANDSHAKE, 0x0303, scratch + 2, n - 2);
}

static void s_encrypt_after_server_hello(struct bld *b)
{
	size_t n = hs_msg(scratch, sizeof(scratch), 2, 70, 0x20);
	record(b, TLS_CT_HANDSHAKE, 0x0303, scratch, n);
	record_pattern(b, TLS_CT_HANDSHAKE, 0x0303, 50, 0x99);
	record_pattern(b, TLS_CT_ALERT, 0x0303, 19, 0x99);
}

static void s_empty_records(struct bld *b)
{
	record(b, TLS_CT_HANDSHAKE, 0x0303, NULL, 0);
	record(b, TLS_CT_APPDATA, 0x0303, NULL, 0);
	size_t n = hs_msg(scratch, sizeof(scratch), 0, 0, 0); /* HelloRequest */
	record(b, TLS_CT_HANDSHAKE, 0x0303, scratch, n);
	record_pattern(b, TLS_CT_CCS, 0x0303, 1, 0x02); /* body 02: not a valid CCS */
}

static void s_heartbeat(struct bld *b)
{
	record_pattern(b, TLS_CT_HEARTBEAT, 0x0302, 40, 0x01);
	size_t n = hs_msg(scratch, sizeof(scratch), 1, 10, 0);
	record(b, TLS_CT_HANDSHAKE, 0x0302, scratch, n);
}

/* A TLS 1.2 server flight: ServerHello + the start of Certificate in record 1, Certificate
 * goes on over records 2 and 3, record 3 ends 2 bytes into ServerKeyExchange's header,
 * record 4 has the rest and ServerHelloDone; then CCS and an encrypted Finished. */
static void s_server_flight(struct bld *b)
{
	static const size_t sizes[] = { 1000, 3000, 600, 0 };
	size_t n = hs_msg(scratch, sizeof(scratch), 2, 90, 0x20);
	n += hs_msg(scratch + n, sizeof(scratch) - n, 11, 4500, 0x30);
	n += hs_msg(scratch + n, sizeof(scratch) - n, 12, 329, 0x40);
	n += hs_msg(scratch + n, sizeof(scratch) - n, 14, 0, 0);
	hs_records(b, 0x0303, scratch, n, sizes, ARRAY_LEN(sizes));
	record_pattern(b, TLS_CT_CCS, 0x0303, 1, 0x01);
	record_pattern(b, TLS_CT_HANDSHAKE, 0x0303, 40, 0x99);
}

/* A ClientHello over 16384 bytes in two records with different versions. */
static void s_big_hello(struct bld *b)
{
	size_t n = hs_msg(scratch2, sizeof(scratch2), 1, 20000, 0x11);
	record(b, TLS_CT_HANDSHAKE, 0x0301, scratch2, TLS_REC_MAX_PLAIN);
	record(b, TLS_CT_HANDSHAKE, 0x0303, scratch2 + TLS_REC_MAX_PLAIN, n - TLS_REC_MAX_PLAIN);
}

/* ---- the table ----------------------------------------------------------------------- */

/* An expected event: bytes given as a pattern (len, seed); alerts and sslv2 the same. */
struct want_ev {
	enum ev_kind kind;
	unsigned type;
	size_t len;
	size_t full_len;
	uint16_t version;
	uint8_t seed;
};

#define MAX_WANT 16
struct rec_case {
	const char *name;
	void (*build)(struct bld *b);
	size_t cap;                  /* message buffer; 0 = HS_MAX_MSG */
	int encrypt_after;           /* -1: never */
	struct want_ev want[MAX_WANT];
	size_t n_want;
	enum tls_status want_status;
	enum tls_anom want_error;
	bool want_pending;
};

#define HS(t, n, full, v, s) { EV_HS, t, n, full, v, s }
#define V2(n, s) { EV_V2, 0, n, 0, 0, s }
#define ALERT(n, s) { EV_ALERT, 0, n, 0, 0, s }
#define CCS() { EV_CCS, 0, 0, 0, 0, 0 }
#define OPAQUE(t, n) { EV_OPAQUE, t, n, 0, 0, 0 }
#define ANOM(a) { EV_ANOM, TLS_ANOM_##a, 0, 0, 0, 0 }

static const struct rec_case cases[] = {
	{ "one message over three records", s_one_msg_three_records, 0, -1,
	  { HS(1, 300, 300, 0x0301, 0x10) }, 1, TLS_OK, TLS_ANOM_NONE, false },
	{ "three messages in one record", s_three_msgs_one_record, 0, -1,
	  { HS(2, 80, 80, 0x0303, 0x20), HS(11, 500, 500, 0x0303, 0x30),
	    HS(14, 0, 0, 0x0303, 0) },
	  3, TLS_OK, TLS_ANOM_NONE, false },
	{ "alert, ccs, then encrypted records", s_alert_ccs_encrypted, 0, -1,
	  { ALERT(2, 0x01), CCS(), OPAQUE(22, 40), OPAQUE(23, 100), OPAQUE(21, 26) },
	  5, TLS_OK, TLS_ANOM_NONE, false },
	{ "sslv2 record then tls records", s_sslv2_then_tls, 0, -1,
	  { V2(50, 0x01), HS(16, 130, 130, 0x0301, 0x50), CCS() },
	  3, TLS_OK, TLS_ANOM_NONE, false },
	{ "two sslv2 records", s_two_sslv2_records, 0, -1, { V2(300, 0x04), V2(20, 0x02) }, 2,
	  TLS_OK, TLS_ANOM_NONE, false },
	{ "sslv2 record longer than the buffer", s_two_sslv2_records, 100, -1,
	  { V2(100, 0x04), V2(20, 0x02) }, 2, TLS_OK, TLS_ANOM_NONE, false },
	{ "bad content type", s_bad_type, 0, -1, { HS(2, 60, 60, 0x0303, 0x20) }, 1,
	  TLS_MALFORMED, TLS_ANOM_RECORD_BAD_TYPE, true },
	{ "bad version", s_bad_version, 0, -1, { ALERT(2, 0x01) }, 1, TLS_MALFORMED,
	  TLS_ANOM_RECORD_BAD_VERSION, true },
	{ "record too long", s_too_long, 0, -1, { { 0 } }, 0, TLS_MALFORMED,
	  TLS_ANOM_RECORD_TOO_LONG, true },
	{ "longest record", s_longest_record, 0, -1, { OPAQUE(23, TLS_REC_MAX_LEN) }, 1,
	  TLS_OK, TLS_ANOM_NONE, false },
	{ "http", s_http, 0, -1, { { 0 } }, 0, TLS_MALFORMED, TLS_ANOM_RECORD_BAD_TYPE, true },
	{ "sslv2 header after a tls record", s_high_bit_after_tls, 0, -1, { ALERT(2, 0x01) }, 1,
	  TLS_MALFORMED, TLS_ANOM_RECORD_BAD_TYPE, true },
	{ "empty sslv2 record", s_sslv2_empty, 0, -1, { { 0 } }, 0, TLS_MALFORMED,
	  TLS_ANOM_SSLV2_BAD_LENGTH, true },
	{ "message longer than the buffer", s_too_long_for_buffer, 1000, -1,
	  { ANOM(HS_TOO_LONG), HS(11, 1000, 3000, 0x0303, 0x60), HS(14, 0, 0, 0x0303, 0) },
	  3, TLS_OK, TLS_ANOM_NONE, false },
	{ "alert inside a fragmented message", s_interleaved_alert, 0, -1,
	  { ANOM(HS_INTERLEAVED), ALERT(2, 0x01), HS(11, 200, 200, 0x0303, 0x70) },
	  3, TLS_OK, TLS_ANOM_NONE, false },
	{ "app data inside a handshake header", s_interleaved_in_header, 0, -1,
	  { ANOM(HS_INTERLEAVED), OPAQUE(23, 5), HS(12, 30, 30, 0x0303, 0x70) },
	  3, TLS_OK, TLS_ANOM_NONE, false },
	{ "set_encrypted from the ServerHello callback", s_encrypt_after_server_hello, 0, 2,
	  { HS(2, 70, 70, 0x0303, 0x20), OPAQUE(22, 50), OPAQUE(21, 19) },
	  3, TLS_OK, TLS_ANOM_NONE, false },
	{ "empty records, HelloRequest, bad ccs", s_empty_records, 0, -1,
	  { ANOM(RECORD_EMPTY), OPAQUE(23, 0), HS(0, 0, 0, 0x0303, 0), ANOM(CCS_BAD), CCS() },
	  5, TLS_OK, TLS_ANOM_NONE, false },
	{ "heartbeat record", s_heartbeat, 0, -1,
	  { OPAQUE(24, 40), HS(1, 10, 10, 0x0302, 0) }, 2, TLS_OK, TLS_ANOM_NONE, false },
	{ "tls 1.2 server flight", s_server_flight, 0, -1,
	  { HS(2, 90, 90, 0x0303, 0x20), HS(11, 4500, 4500, 0x0303, 0x30),
	    HS(12, 329, 329, 0x0303, 0x40), HS(14, 0, 0, 0x0303, 0), CCS(), OPAQUE(22, 40) },
	  6, TLS_OK, TLS_ANOM_NONE, false },
	{ "hello over two records", s_big_hello, 0, -1,
	  { HS(1, 20000, 20000, 0x0301, 0x11) }, 1, TLS_OK, TLS_ANOM_NONE, false },
};

/* ---- running ------------------------------------------------------------------------- */

struct run {
	struct log log;
	enum tls_status status;   /* the first MALFORMED, else TLS_OK */
	enum tls_anom error;
	bool pending;
	uint64_t records;
};

static uint8_t msgbuf[HS_MAX_MSG];

/* Feeds stream[0..len) cut at the given points (ascending), each chunk an exact-size heap
 * copy. After the stream dies, every further feed must also fail. */
static void run_stream(const struct rec_case *tc, const uint8_t *stream, size_t len,
		       const size_t *cuts, size_t n_cuts, struct run *out)
{
	struct tls_rec r;
	size_t at = 0;

	memset(out, 0, sizeof(*out));
	tls_rec_init(&r, msgbuf, tc->cap ? tc->cap : sizeof(msgbuf));
	out->log.rec = &r;
	out->log.encrypt_after = tc->encrypt_after;
	out->status = TLS_OK;
	for (size_t i = 0; i <= n_cuts; i++) {
		size_t end = i < n_cuts ? cuts[i] : len;
		size_t n = end - at;
		uint8_t *chunk = malloc(n ? n : 1);
		enum tls_status st;
		assert_non_null(chunk);
		if (n)
			memcpy(chunk, stream + at, n);
		st = tls_rec_feed(&r, chunk, n, &sink, &out->log);
		free(chunk);
		if (out->status == TLS_MALFORMED)
			assert_int_equal(st, TLS_MALFORMED); /* sticky */
		else
			out->status = st;
		at = end;
	}
	out->error = tls_rec_error(&r);
	out->pending = tls_rec_pending(&r);
	out->records = r.records;
	if (out->status == TLS_MALFORMED) {
		size_t before = out->log.n;
		assert_int_equal(tls_rec_feed(&r, stream, len, &sink, &out->log), TLS_MALFORMED);
		assert_int_equal(tls_rec_error(&r), out->error);
		assert_int_equal(out->log.n, before);
	}
}

static void assert_events(const struct rec_case *tc, const struct run *got)
{
	if (got->log.n != tc->n_want) {
		for (size_t i = 0; i < got->log.n; i++)
			print_error("got event %zu: kind %d type %u len %zu\n", i,
				    got->log.ev[i].kind, got->log.ev[i].type, got->log.ev[i].len);
	}
	assert_int_equal(got->log.n, tc->n_want);
	for (size_t i = 0; i < tc->n_want; i++) {
		const struct want_ev *w = &tc->want[i];
		const struct ev *e = &got->log.ev[i];
		assert_int_equal(e->kind, w->kind);
		assert_int_equal(e->type, w->type);
		assert_int_equal(e->len, w->len);
		assert_int_equal(e->full_len, w->full_len);
		assert_int_equal(e->version, w->version);
		if (w->kind == EV_HS || w->kind == EV_V2 || w->kind == EV_ALERT)
			assert_int_equal(e->hash, pattern_hash(w->len, w->seed));
	}
	assert_int_equal(got->status, tc->want_status);
	assert_int_equal(got->error, tc->want_error);
	assert_int_equal(got->pending, tc->want_pending);
}

static void assert_same_run(const struct run *a, const struct run *b)
{
	assert_int_equal(a->log.n, b->log.n);
	for (size_t i = 0; i < a->log.n; i++) {
		const struct ev *x = &a->log.ev[i], *y = &b->log.ev[i];
		assert_int_equal(x->kind, y->kind);
		assert_int_equal(x->type, y->type);
		assert_int_equal(x->len, y->len);
		assert_int_equal(x->full_len, y->full_len);
		assert_int_equal(x->version, y->version);
		assert_int_equal(x->hash, y->hash);
	}
	assert_int_equal(a->status, b->status);
	assert_int_equal(a->error, b->error);
	assert_int_equal(a->pending, b->pending);
	assert_int_equal(a->records, b->records);
}

static uint8_t stream_buf[80000];

static size_t build_stream(const struct rec_case *tc)
{
	struct bld b;
	bld_init(&b, stream_buf, sizeof(stream_buf));
	tc->build(&b);
	assert_true(bld_ok(&b));
	return b.len;
}

static void test_rec_whole(void **state)
{
	static struct run whole;
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		size_t len = build_stream(&cases[i]);
		print_message("case %s (%zu bytes)\n", cases[i].name, len);
		run_stream(&cases[i], stream_buf, len, NULL, 0, &whole);
		assert_events(&cases[i], &whole);
	}
}

/* (b) one byte at a time */
static void test_rec_bytewise(void **state)
{
	static struct run whole, bytewise;
	static size_t cuts[80000];
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		size_t len = build_stream(&cases[i]);
		run_stream(&cases[i], stream_buf, len, NULL, 0, &whole);
		for (size_t k = 1; k < len; k++)
			cuts[k - 1] = k;
		run_stream(&cases[i], stream_buf, len, cuts, len ? len - 1 : 0, &bytewise);
		assert_same_run(&whole, &bytewise);
		assert_events(&cases[i], &bytewise);
	}
}

/* (c) split in two at every point, including empty first and last chunks */
static void test_rec_every_split(void **state)
{
	static struct run whole, split;
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		size_t len = build_stream(&cases[i]);
		/* the big streams: every 7th point keeps the run short, both ends included */
		size_t step = len > 20000 ? 7 : 1;
		run_stream(&cases[i], stream_buf, len, NULL, 0, &whole);
		for (size_t k = 0; k <= len; k += step) {
			run_stream(&cases[i], stream_buf, len, &k, 1, &split);
			assert_same_run(&whole, &split);
		}
		run_stream(&cases[i], stream_buf, len, &len, 1, &split);
		assert_same_run(&whole, &split);
	}
}

/* A stream that ends inside a record, inside a header, inside a message. */
static void test_rec_pending(void **state)
{
	static const uint8_t hdr3[] = { 22, 3, 3 };
	uint8_t rec[5 + 4 + 10];
	struct tls_rec r;
	struct log l = { .encrypt_after = -1 };
	struct bld b;
	(void)state;
	tls_rec_init(&r, msgbuf, sizeof(msgbuf));
	assert_false(tls_rec_pending(&r));
	assert_int_equal(tls_rec_feed(&r, hdr3, sizeof(hdr3), &sink, &l), TLS_OK);
	assert_true(tls_rec_pending(&r));

	/* one whole record carrying only the first 4+10 bytes of a 20-byte message */
	bld_init(&b, rec, sizeof(rec));
	bld_u8(&b, 22);
	bld_u16(&b, 0x0303);
	bld_open(&b, 2);
	bld_u8(&b, 11);
	bld_u24(&b, 20); /* the message goes on in a record that never comes */
	pattern(&b, 10, 0);
	bld_close(&b);
	assert_true(bld_ok(&b));
	tls_rec_init(&r, msgbuf, sizeof(msgbuf));
	assert_int_equal(tls_rec_feed(&r, rec, b.len, &sink, &l), TLS_OK);
	assert_true(tls_rec_pending(&r));
	assert_int_equal(l.n, 0);
	assert_int_equal(tls_rec_feed(&r, NULL, 0, NULL, NULL), TLS_OK);
	assert_int_equal(r.records, 1);
	assert_int_equal(r.bytes, b.len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rec_whole),
		cmocka_unit_test(test_rec_bytewise),
		cmocka_unit_test(test_rec_every_split),
		cmocka_unit_test(test_rec_pending),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
