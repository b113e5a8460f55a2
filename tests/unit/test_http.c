/*
 * http: response heads and Strict-Transport-Security values. The HSTS cases are RFC 6797's
 * own examples (§6.1.1, §6.2) and its grammar's corners (§6.1: directive names without case,
 * max-age as token or quoted-string, the first header only, §8.1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "scanner/http.h"

static void test_head(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int status;
		const char *hsts;     /* NULL: absent */
		const char *hpkp;
	} cases[] = {
		{ "HTTP/1.1 200 OK\r\nServer: x\r\nStrict-Transport-Security: max-age=31536000; "
		  "includeSubDomains\r\n\r\n", 200, "max-age=31536000; includeSubDomains", NULL },
		{ "HTTP/1.0 301 Moved\nstrict-transport-security:max-age=0  \n"
		  "Strict-Transport-Security: max-age=5\n\n", 301, "max-age=0", NULL },
		{ "HTTP/1.1 404\r\nPublic-Key-Pins: pin-sha256=\"x\"; max-age=10\r\n\r\n", 404,
		  NULL, "pin-sha256=\"x\"; max-age=10" },
		{ "HTTP/2 200\r\nStrict-Transport-Security: max-age=1\r\n", 0, "max-age=1", NULL },
		{ "garbage\r\n", 0, NULL, NULL },
		{ "HTTP/1.1 200 OK", 0, NULL, NULL },                 /* no line end yet */
		{ "HTTP/1.1 200 OK\r\nStrict-Transport-Security: max", 200, NULL, NULL },
		{ "HTTP/1.1 2000 OK\r\n\r\n", 0, NULL, NULL },
		{ "HTTP/1.1 200 OK\r\nStrict-Transport-Security: a\x01" "b\r\n", 200, "a?b", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_head h;
		http_parse_head(cases[i].text, strlen(cases[i].text), &h);
		assert_int_equal(h.status, cases[i].status);
		assert_int_equal(h.has_hsts, cases[i].hsts != NULL);
		if (cases[i].hsts)
			assert_string_equal(h.hsts, cases[i].hsts);
		assert_int_equal(h.has_hpkp, cases[i].hpkp != NULL);
		if (cases[i].hpkp)
			assert_string_equal(h.hpkp, cases[i].hpkp);
	}
	/* a value longer than HTTP_VALUE_MAX is cut */
	static char big[HTTP_VALUE_MAX * 2 + 100];
	size_t n = (size_t)snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\nStrict-Transport-Security: ");
	memset(big + n, 'a', HTTP_VALUE_MAX * 2);
	memcpy(big + n + HTTP_VALUE_MAX * 2, "\r\n", 2);
	struct http_head h;
	http_parse_head(big, n + HTTP_VALUE_MAX * 2 + 2, &h);
	assert_int_equal(strlen(h.hsts), HTTP_VALUE_MAX);
}

static void test_hsts(void **state)
{
	(void)state;
	static const struct {
		const char *v;
		long long max_age;
		bool sub, preload;
	} cases[] = {
		/* RFC 6797 §6.2 examples */
		{ "max-age=31536000", 31536000, false, false },
		{ "max-age=15768000 ; includeSubDomains", 15768000, true, false },
		{ "max-age=\"31536000\"", 31536000, false, false },
		{ "max-age=0", 0, false, false },
		{ "max-age=0; includeSubDomains", 0, true, false },
		/* grammar corners */
		{ "MAX-AGE=10;INCLUDESUBDOMAINS;Preload", 10, true, true },
		{ "includeSubDomains", -1, true, false },
		{ "max-age=", -1, false, false },
		{ "max-age=\"\"", -1, false, false },
		{ "max-age=\"12", -1, false, false },
		{ "max-age=12x", -1, false, false },
		{ "max-age = 7 ; foo=bar; preload", 7, false, true },
		{ ";;;", -1, false, false },
		{ "", -1, false, false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_hsts h;
		http_parse_hsts(cases[i].v, &h);
		if (h.max_age != cases[i].max_age)
			fail_msg("'%s': max_age %lld", cases[i].v, h.max_age);
		assert_int_equal(h.include_subdomains, cases[i].sub);
		assert_int_equal(h.preload, cases[i].preload);
	}
	/* an absurd max-age does not overflow: it stays positive */
	struct http_hsts h;
	http_parse_hsts("max-age=99999999999999999999999", &h);
	assert_true(h.max_age > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_head),
		cmocka_unit_test(test_hsts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
