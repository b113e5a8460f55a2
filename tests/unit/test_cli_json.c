/*
 * Unit tests of the JSON writer (cli/cli_json.h).
 *
 * The reference is jansson itself, an independent implementation: for each input, the text of
 * cli_json_dumps (and of the writer driven value by value) must be byte for byte what
 * json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) gives, and cli_utf8_valid must accept exactly
 * the strings json_stringn accepts. The cli/ directory is not a library, so its one source
 * file is compiled into this test.
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

#include "cli/cli_json.c"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* JSON texts (decoded with JSON_DECODE_ANY | JSON_ALLOW_NUL) whose re-encoding is compared. */
static const char *const texts[] = {
	"null",
	"true",
	"false",
	"0",
	"-1",
	"9223372036854775807",
	"-9223372036854775808",
	"1.5",
	"-0.0",
	"1e300",
	"\"\"",
	"\"plain ascii\"",
	"\"quote \\\" backslash \\\\ slash /\"",
	"\"\\b\\f\\n\\r\\t\"",
	"\"\\u0000 NUL inside\"",
	"\"\\u0001\\u001f\\u007f\"",
	"\"caf\\u00e9 \\u20ac \\ud83d\\ude00\"",
	"\"\\u2028\\u2029\"",
	"[]",
	"{}",
	"[[],{},[[]],{\"a\":{}}]",
	"[1,\"two\",3.0,null,true,false]",
	"{\"b\":1,\"a\":2,\"c\":[3,4]}",
	"{\"key \\\"quoted\\\"\":\"v\",\"\\u0001k\":0,\"\\n\":[]}",
	"{\"type\":\"tls\",\"ts\":\"2023-11-14T22:13:28.630000Z\",\"client_ip\":\"10.0.0.1\","
	"\"client_port\":40005,\"sni\":null,\"alpn_offered\":[\"h2\",\"http/1.1\"],"
	"\"alerts\":[{\"from\":\"server\",\"level\":2,\"desc\":40}],\"fallback_scsv\":false}",
};

static void test_dumps_matches_jansson(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(texts); i++) {
		json_error_t err;
		json_t *v = json_loads(texts[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
		if (!v)
			fail_msg("case %zu: jansson cannot read %s: %s", i, texts[i], err.text);
		char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		size_t len = 0;
		char *got = cli_json_dumps(v, &len);
		assert_non_null(want);
		assert_non_null(got);
		if (strcmp(got, want) != 0)
			fail_msg("case %zu: got %s, want %s", i, got, want);
		assert_int_equal(len, strlen(want));
		free(want);
		free(got);
		json_decref(v);
	}
}

/* Every single byte as a one-character string: the escaping of each. */
static void test_every_byte(void **state)
{
	(void)state;
	for (unsigned c = 0; c < 0x80; c++) {
		char s[1] = { (char)c };
		json_t *v = json_stringn(s, 1);
		assert_non_null(v);
		char *want = json_dumps(v, JSON_ENCODE_ANY);
		struct cli_jw w;
		cli_jw_init(&w);
		cli_jw_str(&w, s, 1);
		char *got = cli_jw_take(&w, NULL);
		assert_non_null(got);
		if (strcmp(got, want) != 0)
			fail_msg("byte 0x%02x: got %s, want %s", c, got, want);
		free(want);
		free(got);
		json_decref(v);
	}
}

/* The writer driven call by call gives what jansson gives for the same values. */
static void test_writer_calls(void **state)
{
	(void)state;
	struct cli_jw w;
	cli_jw_init(&w);
	cli_jw_obj(&w);
	cli_jw_key(&w, "s");
	cli_jw_cstr(&w, "x\"y");
	cli_jw_key(&w, "n");
	cli_jw_cstr(&w, NULL);
	cli_jw_key(&w, "i");
	cli_jw_int(&w, -42);
	cli_jw_key(&w, "a");
	cli_jw_arr(&w);
	cli_jw_bool(&w, true);
	cli_jw_obj(&w);
	cli_jw_end(&w);
	cli_jw_arr(&w);
	cli_jw_null(&w);
	cli_jw_end(&w);
	cli_jw_end(&w);
	cli_jw_key(&w, "e");
	cli_jw_arr(&w);
	cli_jw_end(&w);
	cli_jw_end(&w);
	size_t len;
	char *got = cli_jw_take(&w, &len);

	json_t *o = json_pack("{s:s, s:n, s:i, s:[b, {}, [n]], s:[]}", "s", "x\"y", "n", "i",
			      -42, "a", 1, "e");
	assert_non_null(o);
	char *want = json_dumps(o, JSON_COMPACT);
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_int_equal(len, strlen(want));
	free(got);
	free(want);
	json_decref(o);
}

/* Misuse leaves the writer bad: take returns NULL (and frees). */
static void test_writer_misuse(void **state)
{
	(void)state;
	struct cli_jw w;
	char *p;

	cli_jw_init(&w); /* unclosed object */
	cli_jw_obj(&w);
	assert_null(cli_jw_take(&w, NULL));

	cli_jw_init(&w); /* end without open */
	cli_jw_end(&w);
	assert_null(cli_jw_take(&w, NULL));

	cli_jw_init(&w); /* key in an array */
	cli_jw_arr(&w);
	cli_jw_key(&w, "k");
	cli_jw_end(&w);
	assert_null(cli_jw_take(&w, NULL));

	cli_jw_init(&w); /* key without value */
	cli_jw_obj(&w);
	cli_jw_key(&w, "k");
	cli_jw_end(&w);
	assert_null(cli_jw_take(&w, NULL));

	cli_jw_init(&w); /* too deep */
	for (int i = 0; i <= CLI_JW_MAX_DEPTH; i++)
		cli_jw_arr(&w);
	for (int i = 0; i <= CLI_JW_MAX_DEPTH; i++)
		cli_jw_end(&w);
	assert_null(cli_jw_take(&w, NULL));

	cli_jw_init(&w); /* the deepest allowed */
	for (int i = 0; i < CLI_JW_MAX_DEPTH; i++)
		cli_jw_arr(&w);
	for (int i = 0; i < CLI_JW_MAX_DEPTH; i++)
		cli_jw_end(&w);
	p = cli_jw_take(&w, NULL);
	assert_non_null(p);
	assert_int_equal(strlen(p), 2 * CLI_JW_MAX_DEPTH);
	free(p);

	cli_jw_init(&w); /* fail: the caller could not make a value */
	cli_jw_arr(&w);
	cli_jw_fail(&w);
	cli_jw_end(&w);
	assert_null(cli_jw_take(&w, NULL));

	json_t *deep = json_array(), *cur = deep; /* cli_json_dumps: too deep */
	for (int i = 0; i < CLI_JW_MAX_DEPTH + 2; i++) {
		json_t *a = json_array();
		json_array_append_new(cur, a);
		cur = a;
	}
	assert_null(cli_json_dumps(deep, NULL));
	json_decref(deep);
	assert_null(cli_json_dumps(NULL, NULL));
}

/* Byte strings at the edges of UTF-8 (RFC 3629 section 4); json_stringn is the reference. */
static const char *const utf8_cases[] = {
	"", "a", "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xef\xbf\xbf", "\xf0\x90\x80\x80",
	"\xf4\x8f\xbf\xbf", "\xed\x9f\xbf", "\xee\x80\x80",
	/* invalid */
	"\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80", "\xe0\x9f\xbf", "\xed\xa0\x80",
	"\xed\xbf\xbf", "\xf0\x80\x80\x80", "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
	"\xff", "\xc2", "\xe2\x82", "\xf0\x9f\x98", "\xc2\x41", "\xe2\x28\xa1", "a\xc3", "\xc3\xa9\xa9",
};

static void test_utf8_matches_jansson(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(utf8_cases); i++) {
		const char *s = utf8_cases[i];
		json_t *v = json_stringn(s, strlen(s));
		bool want = v != NULL;
		json_decref(v);
		if (cli_utf8_valid((const uint8_t *)s, strlen(s)) != want)
			fail_msg("case %zu: cli_utf8_valid says %d, jansson %d", i, !want, want);
	}
	/* every string of up to 3 bytes over an alphabet of boundary bytes */
	static const uint8_t alpha[] = { 0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf,
					 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4,
					 0xf5, 0xff };
	size_t k = ARRAY_LEN(alpha);
	for (size_t n = 1; n <= 4; n++) {
		size_t total = 1;
		for (size_t j = 0; j < n; j++)
			total *= k;
		for (size_t idx = 0; idx < total; idx++) {
			uint8_t b[4];
			size_t x = idx;
			for (size_t j = 0; j < n; j++) {
				b[j] = alpha[x % k];
				x /= k;
			}
			json_t *v = json_stringn((const char *)b, n);
			bool want = v != NULL;
			json_decref(v);
			if (cli_utf8_valid(b, n) != want)
				fail_msg("%zu bytes %02x %02x %02x %02x: cli_utf8_valid %d, jansson %d",
					 n, b[0], n > 1 ? b[1] : 0, n > 2 ? b[2] : 0,
					 n > 3 ? b[3] : 0, !want, want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dumps_matches_jansson),
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_writer_calls),
		cmocka_unit_test(test_writer_misuse),
		cmocka_unit_test(test_utf8_matches_jansson),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
