/*
 * Unit tests of probe_complete (scanner/probe.h) and probe_transport_name.
 *
 * 1. Real server flights: the s2c bytes of tests/corpus/handshakes.jsonl (TLS 1.0-1.3, SSLv3,
 *    TLS 1.3 drafts, HelloRetryRequests, alerts), cut at every length (streams over 4 KiB:
 *    every length near the boundary and at record edges, and a stride elsewhere), in both
 *    modes. The boundary wanted comes from a walk of the records written here with plain
 *    offsets (no wire library), and whether the connection is TLS 1.3 or has a
 *    HelloRetryRequest comes from tshark ("version", "hello_retry_request" in "expect"):
 *      !full_flight: the end of the first handshake message (a ServerHello, or anything else);
 *      full_flight:  ServerHelloDone (TLS <= 1.2), the end of the first record after the
 *                    ServerHello's record (TLS 1.3), a HelloRetryRequest;
 *      both:         a fatal alert record, a non-handshake record before the end, an SSLv2
 *                    record, a header that cannot be TLS, a ServerHello whose structure
 *                    is broken (a ServerHello can be checked without the wire library).
 * 2. Hand-made answers from the specifications: garbage (HTTP, SSH), bad record headers, huge
 *    record lengths, alerts, an SSLv2 SERVER-HELLO and ERROR (RFC 6101 appendix E; SSL 2.0
 *    draft-hickman-netscape-ssl-00 §2.6 layouts), records that may not come first.
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

#include "scanner/probe.h"

#define CORPUS "tests/corpus/handshakes.jsonl"
#define ALL_LENGTHS_MAX 4096
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define HS_MAX (1u << 16)

/* ---- the independent boundary walk ------------------------------------------------------- */

/* The ServerHello body's structure (RFC 8446 §4.1.3, RFC 5246 §7.4.1.3): version, random,
 * session_id<0..32>, cipher_suite, compression_method, then an optional extensions block
 * that its entries fill exactly. TLS 1.3 drafts before 22 (legacy_version 0x7f00..0x7f15,
 * or 0x0304 in the earliest ones) had no session_id and no compression_method. */
static bool sh_wellformed(const uint8_t *p, size_t n)
{
	if (n < 2 + 32)
		return false;
	unsigned v = (unsigned)p[0] << 8 | p[1];
	bool draft = v == 0x0304 || ((v >> 8) == 0x7f && (v & 0xff) < 22);
	size_t i = 34;
	if (!draft) {
		if (i >= n || p[i] > 32 || i + 1 + p[i] > n)
			return false;
		i += 1 + p[i];
	}
	i += draft ? 2 : 3; /* cipher_suite [+ compression_method] */
	if (i > n)
		return false;
	if (i == n)
		return true;
	if (i + 2 > n)
		return false;
	size_t ext_end = i + 2 + ((size_t)p[i] << 8 | p[i + 1]);
	if (ext_end != n)
		return false;
	for (i += 2; i < ext_end;) {
		if (i + 4 > ext_end)
			return false;
		i += 4 + ((size_t)p[i + 2] << 8 | p[i + 3]);
	}
	return i == ext_end;
}

struct walk {
	size_t boundary;      /* 0 = not complete within the bytes */
	size_t records[512];  /* record ends, for the cut points */
	size_t n_records;
};

static void walk(const uint8_t *b, size_t n, bool full, bool tls13, bool hrr, struct walk *w)
{
	static uint8_t hs[HS_MAX];
	static size_t hs_wire[HS_MAX]; /* wire offset just after each handshake byte */
	size_t hs_len = 0, msg = 0, off = 0, rec_i = 0, sh_rec = 0;
	bool saw_sh = false, encrypted = false;

	memset(w, 0, sizeof(*w));
	if (n == 0)
		return;
	if (b[0] & 0x80) { /* SSLv2 record: 2-byte header, 15-bit length */
		size_t len = n >= 2 ? (((size_t)b[0] & 0x7f) << 8 | b[1]) : SIZE_MAX;
		w->boundary = len != SIZE_MAX && 2 + len <= n ? 2 + len : 0;
		return;
	}
	if (b[0] != 21 && b[0] != 22) {
		w->boundary = 1;
		return;
	}
	if (n >= 2 && b[1] != 3) {
		w->boundary = 2;
		return;
	}
	while (off + 5 <= n) {
		uint8_t type = b[off];
		size_t len = (size_t)b[off + 3] << 8 | b[off + 4];
		if (type < 20 || type > 24 || b[off + 1] != 3 || len > 16384 + 2048) {
			w->boundary = off + 5;
			return;
		}
		size_t body = off + 5, end = body + len, have = end <= n ? end : n;
		rec_i++;
		if (w->n_records < ARRAY_LEN(w->records))
			w->records[w->n_records++] = end;
		if (type == 22 && !encrypted) {
			for (size_t i = body; i < have && hs_len < HS_MAX; i++) {
				hs[hs_len] = b[i];
				hs_wire[hs_len++] = i + 1;
			}
			while (hs_len - msg >= 4) {
				size_t mlen = (size_t)hs[msg + 1] << 16 | (size_t)hs[msg + 2] << 8 |
					      hs[msg + 3];
				if (msg + 4 + mlen > hs_len)
					break;
				uint8_t mtype = hs[msg];
				size_t mend = hs_wire[msg + 4 + mlen - 1];
				msg += 4 + mlen;
				if (!saw_sh) {
					saw_sh = true;
					if (mtype != 2 || !full || hrr ||
					    !sh_wellformed(hs + msg - mlen, mlen)) {
						w->boundary = mend;
						return;
					}
					if (tls13) {
						sh_rec = rec_i;
						encrypted = true; /* from the next record */
					}
				} else if (!tls13 && mtype == 14) {
					w->boundary = mend;
					return;
				}
			}
		}
		if (end > n)
			return;
		bool clear_hs = type == 22 && !(encrypted && rec_i > sh_rec && sh_rec);
		if (type == 21 && !(encrypted && rec_i > sh_rec && sh_rec)) {
			if (len != 2 || b[body] != 1) {
				w->boundary = end;
				return;
			}
		} else if (!clear_hs) {
			/* CCS, application data, heartbeat, encrypted handshake or alert */
			if (!saw_sh || !tls13 || rec_i > sh_rec) {
				w->boundary = end;
				return;
			}
		}
		off = end;
	}
}

/* ---- 1. corpus --------------------------------------------------------------------------- */

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;
	assert_true(n <= cap);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

/* Checks probe_complete at length k. */
static void check_at(const uint8_t *b, size_t k, bool full, size_t boundary, const char *what)
{
	bool want = boundary != 0 && k >= boundary;
	bool got = probe_complete(b, k, full);
	if (got != want)
		fail_msg("%s full=%d: length %zu: complete=%d, want %d (boundary %zu)", what, full,
			 k, got, want, boundary);
}

static void test_corpus(void **state)
{
	(void)state;
	FILE *f = fopen(CORPUS, "r");
	assert_non_null(f);
	static uint8_t buf[1 << 16];
	char *line = NULL;
	size_t cap = 0, streams = 0, cuts = 0, found[2] = { 0, 0 }, tls13s = 0, hrrs = 0;
	while (getline(&line, &cap, f) > 0) {
		json_error_t jerr;
		json_t *o = json_loads(line, 0, &jerr);
		assert_non_null(o);
		const char *s2c = json_string_value(json_object_get(o, "s2c"));
		json_t *ex = json_object_get(o, "expect");
		const char *ver = json_string_value(json_object_get(ex, "version"));
		bool hrr = json_is_true(json_object_get(ex, "hello_retry_request"));
		bool tls13 = ver && (strcmp(ver, "TLSv1.3") == 0 || strncmp(ver, "0x7f", 4) == 0);
		char what[160];
		snprintf(what, sizeof(what), "%s stream %d",
			 json_string_value(json_object_get(o, "pcap")),
			 (int)json_integer_value(json_object_get(o, "stream")));
		size_t n = unhex(s2c ? s2c : "", buf, sizeof(buf));
		streams++;
		tls13s += tls13;
		hrrs += hrr;
		for (int full = 0; full < 2; full++) {
			struct walk w;
			walk(buf, n, full, tls13, hrr, &w);
			found[full] += w.boundary != 0;
			if (n <= ALL_LENGTHS_MAX) {
				for (size_t k = 0; k <= n; k++)
					check_at(buf, k, full, w.boundary, what);
				cuts += n + 1;
				continue;
			}
			size_t b = w.boundary;
			size_t lo = b > 600 ? b - 600 : 0;
			for (size_t k = lo; b && k <= b + 64 && k <= n; k++, cuts++)
				check_at(buf, k, full, b, what);
			for (size_t r = 0; r < w.n_records; r++)
				for (size_t k = w.records[r] - 1; k <= w.records[r] + 1 && k <= n;
				     k++, cuts++)
					check_at(buf, k, full, b, what);
			for (size_t k = 0; k <= n; k += 61, cuts++)
				check_at(buf, k, full, b, what);
			check_at(buf, n, full, b, what);
		}
		json_decref(o);
	}
	free(line);
	fclose(f);
	printf("probe_complete: %zu streams (%zu TLS 1.3, %zu HRR), %zu cuts; complete within "
	       "the bytes: %zu (ServerHello mode), %zu (full flight)\n",
	       streams, tls13s, hrrs, cuts, found[0], found[1]);
	assert_int_equal(streams, 995);
	assert_true(found[0] > 850); /* every stream with a server answer */
	assert_true(found[1] > 700);
}

/* ---- 2. hand-made answers ---------------------------------------------------------------- */

struct hand_case {
	const char *name;
	const char *hex;
	size_t boundary[2];  /* !full_flight, full_flight; 0 = never */
};

static const struct hand_case hand_cases[] = {
	/* "HTTP/1.1 400 Bad Request\r\n" */
	{ "http", "485454502f312e3120343030204261642052657175657374", { 1, 1 } },
	/* "SSH-2.0-OpenSSH_9.2\r\n" */
	{ "ssh", "5353482d322e302d4f70656e5353485f392e320d0a", { 1, 1 } },
	{ "nul bytes", "0000000000000000", { 1, 1 } },
	{ "record version 4.x", "1604030010", { 2, 2 } },
	{ "record version 0.x", "1500030002", { 2, 2 } },
	/* length 0xffff > 2^14 + 2048 (RFC 5246 §6.2.3) */
	{ "huge record length", "160303ffff0200", { 5, 5 } },
	{ "largest record length, body pending", "1603034800020000", { 0, 0 } },
	{ "record length max + 1", "1603034801", { 5, 5 } },
	/* fatal handshake_failure (RFC 8446 §6) */
	{ "fatal alert", "15030300020228", { 7, 7 } },
	{ "fatal alert, SSLv3 record", "15030000020228", { 7, 7 } },
	{ "fatal alert then more", "1503030002022816030300", { 7, 7 } },
	{ "warning alert only", "15030300020170", { 0, 0 } },
	{ "alert of 3 bytes", "1503030003020000", { 8, 8 } },
	{ "alert level 7", "15030300020728", { 7, 7 } },
	{ "application data first", "1703030001ff", { 1, 1 } },
	{ "ChangeCipherSpec first", "140303000101", { 1, 1 } },
	{ "heartbeat first", "1803030003010000", { 1, 1 } },
	/* a HelloRequest (type 0, empty) where a ServerHello belongs */
	{ "HelloRequest first", "160303000400000000", { 9, 9 } },
	/* SSLv2 SERVER-HELLO: type 4, hit 0, cert type 1, version 0002, cert len 0, specs len
	 * 3, conn id len 16, spec 0700c0, 16-byte connection id: 30 bytes */
	{ "SSLv2 SERVER-HELLO",
	  "801e04000100020000000300100700c0000102030405060708090a0b0c0d0e0f", { 32, 32 } },
	/* SSLv2 ERROR NO-CIPHER-ERROR (0x0001) */
	{ "SSLv2 ERROR", "8003000001", { 5, 5 } },
	{ "SSLv2 header only", "801e", { 0, 0 } },
	{ "empty", "", { 0, 0 } },
};

static void test_hand(void **state)
{
	(void)state;
	uint8_t buf[256];
	for (size_t i = 0; i < ARRAY_LEN(hand_cases); i++) {
		const struct hand_case *c = &hand_cases[i];
		size_t n = unhex(c->hex, buf, sizeof(buf));
		for (int full = 0; full < 2; full++)
			for (size_t k = 0; k <= n; k++)
				check_at(buf, k, full, c->boundary[full], c->name);
	}
}

/* The walk itself against the hand-made cases (they have no ServerHello, so TLS 1.3 and
 * HRR do not matter): the test's two sources agree. */
static void test_walk(void **state)
{
	(void)state;
	uint8_t buf[256];
	for (size_t i = 0; i < ARRAY_LEN(hand_cases); i++) {
		const struct hand_case *c = &hand_cases[i];
		size_t n = unhex(c->hex, buf, sizeof(buf));
		for (int full = 0; full < 2; full++) {
			struct walk w;
			walk(buf, n, full, false, false, &w);
			if (w.boundary != c->boundary[full])
				fail_msg("%s: walk %zu, want %zu", c->name, w.boundary,
					 c->boundary[full]);
		}
	}
}

static void test_names(void **state)
{
	(void)state;
	static const struct {
		enum probe_transport t;
		const char *name;
	} names[] = {
		{ PROBE_T_DONE, "done" },
		{ PROBE_T_CLOSED, "connection closed" },
		{ PROBE_T_RESET, "connection reset" },
		{ PROBE_T_REFUSED, "connection refused" },
		{ PROBE_T_TIMEOUT, "timeout" },
		{ PROBE_T_UNREACHABLE, "unreachable" },
		{ PROBE_T_STARTTLS, "starttls failed" },
		{ PROBE_T_TOO_LONG, "response too long" },
		{ PROBE_T_ERROR, "local error" },
	};
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		assert_string_equal(probe_transport_name(names[i].t), names[i].name);
	assert_string_equal(probe_transport_name((enum probe_transport)99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_hand),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
