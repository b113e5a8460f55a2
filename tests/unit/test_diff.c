/*
 * Unit tests of the scan diff (analyzer/diff.h).
 *
 * 1. diff_check_time: a table of RFC 3339 texts (RFC 3339 section 5.6 grammar and its
 *    examples in section 5.8) and of texts it must refuse.
 * 2. diff_scans: a table of two "scan" objects (written here in the INTERFACE.md shape, each
 *    differing from a base in the one fact the row is about) with the changes wanted: the
 *    want column is the row's own construction (what was added to or taken from the base),
 *    never our output.
 * 3. diff_build over an in-memory store with two scans of one endpoint and one of another:
 *    the baseline choice (previous scan, --before), the scope, the certificate facts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "analyzer/diff.h"
#include "analyzer/store/store.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- 1. times ----------------------------------------------------------------------------- */

static void test_check_time(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		bool want;
	} cases[] = {
		{ "1985-04-12T23:20:50.52Z", true },       /* RFC 3339 5.8 */
		{ "1996-12-19T16:39:57-08:00", true },     /* RFC 3339 5.8 */
		{ "1990-12-31T23:59:60Z", true },          /* leap second, RFC 3339 5.8 */
		{ "1937-01-01T12:00:27.87+00:20", true },  /* RFC 3339 5.8 */
		{ "2026-11-22T05:00:00.123456Z", true },
		{ "2026-11-22t05:00:00z", true },          /* 5.6 NOTE: lower case allowed */
		{ "2026-11-22 05:00:00Z", true },          /* 5.6 NOTE: space for T */
		{ "2026-11-22", false },                   /* no time */
		{ "2026-11-22T05:00:00", false },          /* no offset */
		{ "2026-13-22T05:00:00Z", false },
		{ "2026-11-22T24:00:00Z", false },
		{ "2026-11-22T05:00:00.Z", false },        /* empty fraction */
		{ "2026-11-22T05:00:00+0100", false },     /* offset without colon */
		{ "2026-11-22T05:00:00Z'", false },        /* trailing byte (SQL quote) */
		{ "yesterday", false },
		{ "", false },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		if (diff_check_time(cases[i].in) != cases[i].want)
			fail_msg("diff_check_time(\"%s\") != %d", cases[i].in, cases[i].want);
	}
	assert_false(diff_check_time(NULL));
}

/* ---- 2. two scan objects ----------------------------------------------------------------- */

static const char base_scan[] =
	"{\"type\":\"scan\",\"error\":null,"
	"\"protocols\":{\"SSLv2\":false,\"SSLv3\":false,\"TLSv1.0\":false,\"TLSv1.1\":false,"
	"\"TLSv1.2\":true,\"TLSv1.3\":true},"
	"\"ciphers\":{\"TLSv1.2\":[\"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\","
	"\"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\"],\"TLSv1.3\":[\"TLS_AES_128_GCM_SHA256\"]},"
	"\"groups\":[\"x25519\",\"secp256r1\"],"
	"\"chain_trusted\":true,\"verify_error\":null,"
	"\"ocsp\":{\"stapled\":true},"
	"\"http\":{\"status\":200,\"hsts\":{\"max_age\":31536000,\"include_subdomains\":false,"
	"\"preload\":false}},"
	"\"chains\":[{\"leaf_sha256\":\"aa\"},{\"leaf_sha256\":\"bb\"}]}";

/* A JSON patch applied to the base: each member replaces the base's member. */
struct diff_case {
	const char *name;
	const char *patch;        /* members of the "after" scan that differ from the base */
	const char *want;         /* members of diff_scans()'s object that must be equal */
	int changes;
};

static const struct diff_case cases[] = {
	{ "identical", "{}",
	  "{\"changed\":false,\"versions\":{\"added\":[],\"removed\":[]},"
	  "\"suites\":{\"added\":{},\"removed\":{}},\"groups\":{\"added\":[],\"removed\":[]},"
	  "\"certificates\":{\"added\":[],\"removed\":[]}}", 0 },
	{ "TLS 1.0 added, TLS 1.3 removed",
	  "{\"protocols\":{\"SSLv2\":false,\"SSLv3\":false,\"TLSv1.0\":true,\"TLSv1.1\":false,"
	  "\"TLSv1.2\":true,\"TLSv1.3\":false},\"ciphers\":{\"TLSv1.0\":[\"TLS_RSA_WITH_AES_128_CBC_SHA\"],"
	  "\"TLSv1.2\":[\"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\","
	  "\"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\"]}}",
	  "{\"versions\":{\"added\":[\"TLSv1.0\"],\"removed\":[\"TLSv1.3\"]},"
	  "\"suites\":{\"added\":{\"TLSv1.0\":[\"TLS_RSA_WITH_AES_128_CBC_SHA\"]},"
	  "\"removed\":{\"TLSv1.3\":[\"TLS_AES_128_GCM_SHA256\"]}}}", 4 },
	{ "one TLS 1.2 suite swapped",
	  "{\"ciphers\":{\"TLSv1.2\":[\"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\","
	  "\"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256\"],\"TLSv1.3\":[\"TLS_AES_128_GCM_SHA256\"]}}",
	  "{\"suites\":{\"added\":{\"TLSv1.2\":[\"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256\"]},"
	  "\"removed\":{\"TLSv1.2\":[\"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\"]}}}", 2 },
	{ "order only: no change",
	  "{\"ciphers\":{\"TLSv1.2\":[\"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\","
	  "\"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\"],\"TLSv1.3\":[\"TLS_AES_128_GCM_SHA256\"]},"
	  "\"groups\":[\"secp256r1\",\"x25519\"]}",
	  "{\"changed\":false}", 0 },
	{ "group added",
	  "{\"groups\":[\"x25519\",\"secp256r1\",\"X25519MLKEM768\"]}",
	  "{\"groups\":{\"added\":[\"X25519MLKEM768\"],\"removed\":[]}}", 1 },
	{ "second chain's leaf replaced",
	  "{\"chains\":[{\"leaf_sha256\":\"aa\"},{\"leaf_sha256\":\"cc\"}]}",
	  "{\"certificates\":{\"added\":[{\"chain\":1,\"sha256\":\"cc\"}],"
	  "\"removed\":[{\"chain\":1,\"sha256\":\"bb\"}]}}", 2 },
	{ "chains swapped: same certificates",
	  "{\"chains\":[{\"leaf_sha256\":\"bb\"},{\"leaf_sha256\":\"aa\"}]}",
	  "{\"certificates\":{\"added\":[],\"removed\":[]}}", 0 },
	{ "trust lost",
	  "{\"chain_trusted\":false,\"verify_error\":\"certificate has expired\"}",
	  "{\"trust\":{\"changed\":true,\"before\":{\"trusted\":true,\"verify_error\":null},"
	  "\"after\":{\"trusted\":false,\"verify_error\":\"certificate has expired\"}}}", 1 },
	{ "stapling stopped", "{\"ocsp\":{\"stapled\":false}}",
	  "{\"ocsp_stapling\":{\"changed\":true,\"before\":true,\"after\":false}}", 1 },
	{ "HSTS removed", "{\"http\":{\"status\":200,\"hsts\":null}}",
	  "{\"hsts\":{\"changed\":true,\"before\":{\"max_age\":31536000,"
	  "\"include_subdomains\":false,\"preload\":false},\"after\":null}}", 1 },
	{ "HSTS raw text only differs: no change",
	  "{\"http\":{\"status\":200,\"hsts\":{\"max_age\":31536000,\"include_subdomains\":false,"
	  "\"preload\":false,\"raw\":\"max-age=31536000 \"}}}",
	  "{\"hsts\":{\"changed\":false}}", 0 },
	{ "server down: only the error", "{\"error\":\"connection refused\",\"protocols\":{},"
	  "\"ciphers\":{},\"groups\":[],\"chains\":[]}",
	  "{\"error\":{\"changed\":true,\"before\":null,\"after\":\"connection refused\"},"
	  "\"versions\":{\"added\":[],\"removed\":[]},\"certificates\":{\"added\":[],"
	  "\"removed\":[]}}", 1 },
};

/* Every member of want is in got with an equal value (recursively for objects). */
static bool subset(const json_t *want, const json_t *got)
{
	const char *k;
	json_t *v;
	if (!json_is_object(want))
		return json_equal(want, got);
	if (!json_is_object(got))
		return false;
	json_object_foreach((json_t *)want, k, v)
		if (!subset(v, json_object_get(got, k)))
			return false;
	return true;
}

static void test_diff_scans(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		json_t *before = json_loads(base_scan, 0, NULL), *after = json_loads(base_scan, 0, NULL);
		json_t *patch = json_loads(cases[i].patch, 0, NULL);
		json_t *want = json_loads(cases[i].want, 0, NULL);
		assert_non_null(before);
		assert_non_null(patch);
		assert_non_null(want);
		assert_int_equal(json_object_update(after, patch), 0);
		json_t *d = diff_scans(before, after);
		assert_non_null(d);
		char *txt = json_dumps(d, JSON_COMPACT);
		if (!subset(want, d))
			fail_msg("%s: want %s in %s", cases[i].name, cases[i].want, txt);
		if (json_integer_value(json_object_get(d, "changes")) != cases[i].changes ||
		    json_is_true(json_object_get(d, "changed")) != (cases[i].changes > 0))
			fail_msg("%s: want %d changes: %s", cases[i].name, cases[i].changes, txt);
		free(txt);
		json_decref(d);
		json_decref(before);
		json_decref(after);
		json_decref(patch);
		json_decref(want);
	}
	/* no baseline: nothing changed, before values null */
	json_t *after = json_loads(base_scan, 0, NULL);
	json_t *d = diff_scans(NULL, after);
	assert_non_null(d);
	assert_true(json_is_false(json_object_get(d, "changed")));
	assert_true(json_is_null(json_object_get(json_object_get(d, "trust"), "before")));
	assert_int_equal(json_array_size(json_object_get(json_object_get(d, "versions"), "added")),
			 0);
	json_decref(d);
	json_decref(after);
}

/* ---- 3. over a store ----------------------------------------------------------------------- */

static void add_scan(struct store *st, uint16_t port, const char *started, const char *finished,
		     const char *json)
{
	int64_t ep, scan;
	assert_int_equal(store_endpoint_id(st, NULL, "192.0.2.1", port, "a.test", &ep), STORE_OK);
	assert_int_equal(store_scan_begin(st, ep, started, "test", &scan), STORE_OK);
	assert_int_equal(store_scan_end(st, scan, finished, NULL, json), STORE_OK);
}

static json_t *build(struct store *st, const char *before, const struct diff_scope *sc, size_t n)
{
	struct diff_opts o = { .before = before, .scope = sc, .n_scope = n };
	json_t *out = NULL;
	char err[256];
	assert_int_equal(diff_build(st, &o, &out, err, sizeof(err)), DIFF_OK);
	assert_non_null(out);
	return out;
}

static void test_build(void **state)
{
	(void)state;
	struct store *st = store_open(":memory:", NULL, NULL);
	assert_non_null(st);
	json_t *base = json_loads(base_scan, 0, NULL);
	json_t *v2 = json_deep_copy(base);
	json_t *v3 = json_deep_copy(base);
	json_object_set_new(v2, "groups", json_pack("[s]", "x25519"));
	json_object_set_new(v3, "groups", json_pack("[s]", "secp256r1"));
	char *s1 = json_dumps(base, 0), *s2 = json_dumps(v2, 0), *s3 = json_dumps(v3, 0);
	add_scan(st, 443, "2026-01-01T00:00:00Z", "2026-01-01T00:01:00.5Z", s1);
	add_scan(st, 443, "2026-02-01T00:00:00Z", "2026-02-01T00:01:00Z", s2);
	add_scan(st, 443, "2026-03-01T00:00:00Z", "2026-03-01T00:01:00Z", s3);
	add_scan(st, 8443, "2026-03-01T00:00:00Z", "2026-03-01T00:02:00Z", s1);

	/* the latest against the previous: secp256r1 for x25519 */
	json_t *out = build(st, NULL, NULL, 0);
	assert_int_equal(json_array_size(out), 2);
	json_t *d = json_array_get(out, 0);
	assert_string_equal(json_string_value(json_object_get(d, "resource")),
			    "192.0.2.1:443 a.test");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "before"),
							    "scan_id")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "after"),
							    "scan_id")), 3);
	json_t *want = json_pack("{s[s]s[s]}", "added", "secp256r1", "removed", "x25519");
	assert_true(json_equal(json_object_get(d, "groups"), want));
	json_decref(want);
	/* the second endpoint has one scan: no baseline */
	assert_true(json_is_null(json_object_get(json_array_get(out, 1), "before")));
	json_decref(out);

	/* --before between the first and the second scan (an offset, a fraction on the stored
	 * side): the baseline is scan 1 */
	out = build(st, "2026-01-01T01:01:00.6+01:00", NULL, 0);
	d = json_array_get(out, 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "before"),
							    "scan_id")), 1);
	want = json_pack("{s[]s[s]}", "added", "removed", "x25519");
	assert_true(json_equal(json_object_get(d, "groups"), want));
	json_decref(want);
	json_decref(out);
	/* the same instant as scan 1's end: not before it */
	out = build(st, "2026-01-01T01:01:00.5+01:00", NULL, 0);
	assert_true(json_is_null(json_object_get(json_array_get(out, 0), "before")));
	json_decref(out);

	/* scope: by address and port; by host name (none stored here: no match) */
	struct diff_scope sc[] = { { NULL, "192.0.2.1", 8443 }, { "a.test", NULL, 443 } };
	out = build(st, NULL, sc, 2);
	assert_int_equal(json_array_size(out), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(out, 0), "port")), 8443);
	json_decref(out);

	/* a bad time is an input error */
	struct diff_opts o = { .before = "2026-01-01T00:00:00Z' OR 1=1 --" };
	json_t *bad = NULL;
	char err[256];
	assert_int_equal(diff_build(st, &o, &bad, err, sizeof(err)), DIFF_EINPUT);
	assert_null(bad);

	free(s1);
	free(s2);
	free(s3);
	json_decref(base);
	json_decref(v2);
	json_decref(v3);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_time),
		cmocka_unit_test(test_diff_scans),
		cmocka_unit_test(test_build),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
