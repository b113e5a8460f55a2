/*
 * inventory: crt.sh issuer names to RFC 2253, crt.sh JSON records to entries, all-or-nothing.
 *
 * The issuer table's pairs both come from openssl, from one certificate each (made with
 * `openssl req -x509 -utf8 -multivalue-rdn -subj ...`): "crtsh" is what
 *   openssl x509 -noout -subject -nameopt esc_2253,esc_ctrl,utf8,dump_nostr,dump_der,\
 *     use_quote,sep_comma_plus_space,sname
 * prints (crt.sh's style: certificate order, ", ", quoted values, UTF-8 as is), "want" what
 *   openssl x509 -noout -subject -nameopt RFC2253
 * prints (certinfo's form). The one exception, an attribute type OpenSSL does not know, follows
 * RFC 2253 sections 2.1-2.4 by hand. The crt.sh records are in the shape crt.sh returns for
 * ?q=NAME&output=json (see tests/integration/inventory/crtsh.json).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyzer/inventory.h"

struct issuer_case {
	const char *crtsh;
	const char *want;   /* NULL: refused */
};

static const struct issuer_case issuer_cases[] = {
	{ "C=US, O=Let's Encrypt, CN=R3", "CN=R3,O=Let's Encrypt,C=US" },
	{ "C=US, O=\"Cloudflare, Inc.\", CN=Cloudflare Inc ECC CA-3",
	  "CN=Cloudflare Inc ECC CA-3,O=Cloudflare\\, Inc.,C=US" },
	{ "C=GB, ST=Greater Manchester, L=Salford, O=Sectigo Limited, CN=Sectigo RSA Domain"
	  " Validation Secure Server CA",
	  "CN=Sectigo RSA Domain Validation Secure Server CA,O=Sectigo Limited,L=Salford,"
	  "ST=Greater Manchester,C=GB" },
	{ "C=FR, O=Soci\xc3\xa9t\xc3\xa9 Exemple, CN=Exemple CA",
	  "CN=Exemple CA,O=Soci\\C3\\A9t\\C3\\A9 Exemple,C=FR" },
	{ "O=Quote \\\"Q\\\" Corp, CN=\"a\\\\b<c>;d\"",
	  "CN=a\\\\b\\<c\\>\\;d,O=Quote \\\"Q\\\" Corp" },
	{ "CN=\"#hash\"", "CN=\\#hash" },
	{ "CN=x + OU=y, O=Multi", "O=Multi,OU=y+CN=x" },
	{ "C=DE, O=\"M\xc3\xbcller + S\xc3\xb6hne; KG\", CN=CA 1",
	  "CN=CA 1,O=M\\C3\\BCller \\+ S\\C3\\B6hne\\; KG,C=DE" },
	{ "emailAddress=ca@example.test, CN=Mail CA", "CN=Mail CA,emailAddress=ca@example.test" },
	{ "CN=\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e CA",
	  "CN=\\E6\\97\\A5\\E6\\9C\\AC\\E8\\AA\\9E CA" },
	/* hex escapes in the input (RFC 2253 2.4 "\" hexpair) read as the bytes they name */
	{ "C=FR, O=Soci\\C3\\A9t\\C3\\A9 Exemple, CN=Exemple CA",
	  "CN=Exemple CA,O=Soci\\C3\\A9t\\C3\\A9 Exemple,C=FR" },
	/* a type OpenSSL does not know: kept as written, reversed, escaped by hand */
	{ "C=US, fooBarBaz=a;b, CN=y", "CN=y,fooBarBaz=a\\;b,C=US" },
	/* refused: no '=', unterminated quote or escape, empty type, dangling separator */
	{ "", NULL },
	{ "CN", NULL },
	{ "CN=\"open", NULL },
	{ "CN=a\\", NULL },
	{ "=x", NULL },
	{ "CN=a, ", NULL },
	{ "CN=\"a\"b", NULL },
};

static void test_issuer(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(issuer_cases) / sizeof(issuer_cases[0]); i++) {
		const struct issuer_case *c = &issuer_cases[i];
		char out[1024] = "";
		int rc = inventory_crtsh_issuer(c->crtsh, out, sizeof(out));
		if (!c->want) {
			if (rc != -1)
				fail_msg("case %zu '%s': want refused, got '%s'", i, c->crtsh, out);
			continue;
		}
		if (rc != 0 || strcmp(out, c->want) != 0)
			fail_msg("case %zu '%s': want '%s', got rc %d '%s'", i, c->crtsh, c->want, rc,
				 out);
	}
	char tiny[8];
	assert_int_equal(inventory_crtsh_issuer("C=US, CN=Long Name", tiny, sizeof(tiny)), -1);
}

#define LE_E1 "\"issuer_name\": \"C=US, O=Let's Encrypt, CN=E1\""

struct want_entry {
	const char *name, *issuer, *not_before, *not_after, *source;
};

struct buffer_case {
	const char *what;
	const char *json;
	const char *const *names;   /* caller names, NULL-terminated, or NULL */
	int rc;
	const char *err_has;        /* a part of the message when rc is -1 */
	struct want_entry want[4];  /* name NULL ends */
};

static const char *const caller_names[] = { "x.test", "y.test", NULL };

static const struct buffer_case buffer_cases[] = {
	{ .what = "names split at newlines, trimmed, empty lines skipped; times with Z; id, serial",
	  .json = "[{" LE_E1 ", \"common_name\": \"a.test\","
		  " \"name_value\": \" a.test \\n\\nb.test\\r\\n\", \"id\": 9242868555,"
		  " \"entry_timestamp\": \"2023-04-25T03:52:59.726\","
		  " \"not_before\": \"2023-04-25T02:52:59\", \"not_after\": \"2023-07-24T02:52:58\","
		  " \"serial_number\": \"034053cf144e8c796e087a5fdec2613f394c\", \"result_count\": 3}]",
	  .want = { { "a.test", "CN=E1,O=Let's Encrypt,C=US", "2023-04-25T02:52:59Z",
		      "2023-07-24T02:52:58Z",
		      "crt.sh id=9242868555 serial=034053cf144e8c796e087a5fdec2613f394c export.json" },
		    { "b.test", "CN=E1,O=Let's Encrypt,C=US", "2023-04-25T02:52:59Z",
		      "2023-07-24T02:52:58Z",
		      "crt.sh id=9242868555 serial=034053cf144e8c796e087a5fdec2613f394c export.json" } } },
	{ .what = "common_name when name_value is missing; no times, id or serial",
	  .json = "[{" LE_E1 ", \"common_name\": \"c.test\"}]",
	  .want = { { "c.test", "CN=E1,O=Let's Encrypt,C=US", NULL, NULL, "crt.sh export.json" } } },
	{ .what = "caller names replace name_value",
	  .json = "[{" LE_E1 ", \"name_value\": \"a.test\", \"id\": 1}]", .names = caller_names,
	  .want = { { "x.test", "CN=E1,O=Let's Encrypt,C=US", NULL, NULL, "crt.sh id=1 export.json" },
		    { "y.test", "CN=E1,O=Let's Encrypt,C=US", NULL, NULL,
		      "crt.sh id=1 export.json" } } },
	{ .what = "an empty array is no entry", .json = " [ ] " },
	{ .what = "a bad second element drops the first's entries too",
	  .json = "[{" LE_E1 ", \"name_value\": \"a.test\"}, {" LE_E1 ", \"name_value\": \"b.test\","
		  " \"not_after\": \"24/07/2023\"}]",
	  .rc = -1, .err_has = "element 2: \"not_after\" is not a time" },
	{ .what = "a name with a space", .json = "[{" LE_E1 ", \"name_value\": \"my host\"}]",
	  .rc = -1, .err_has = "not a name" },
	{ .what = "no name at all", .json = "[{" LE_E1 ", \"common_name\": null}]", .rc = -1,
	  .err_has = "has no name" },
	{ .what = "issuer missing", .json = "[{\"name_value\": \"a.test\"}]", .rc = -1,
	  .err_has = "\"issuer_name\" is missing" },
	{ .what = "issuer unreadable",
	  .json = "[{\"issuer_name\": \"CN=\\\"open\", \"name_value\": \"a.test\"}]", .rc = -1,
	  .err_has = "cannot read \"issuer_name\"" },
	{ .what = "id not an integer",
	  .json = "[{" LE_E1 ", \"name_value\": \"a.test\", \"id\": \"7\"}]", .rc = -1,
	  .err_has = "\"id\" is not an integer" },
	{ .what = "not an array", .json = "{" LE_E1 "}", .rc = -1, .err_has = "not an array" },
	{ .what = "element not an object", .json = "[1]", .rc = -1,
	  .err_has = "element 1 is not an object" },
	{ .what = "malformed JSON", .json = "[{" LE_E1 ",", .rc = -1,
	  .err_has = "crt.sh JSON: line 1" },
	{ .what = "neither PEM, DER nor JSON", .json = "hello", .rc = -1,
	  .err_has = "not a certificate" },
	{ .what = "a damaged PEM block",
	  .json = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n", .rc = -1,
	  .err_has = "PEM block 1" },
	{ .what = "PEM without a certificate",
	  .json = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", .rc = -1,
	  .err_has = "without a CERTIFICATE block" },
	{ .what = "DER that is not a certificate", .json = "\x30\x03\x02\x01\x01", .rc = -1,
	  .err_has = "not a DER certificate" },
	{ .what = "empty", .json = "  \n", .rc = -1, .err_has = "empty file" },
};

static void eq_or_null(size_t i, const char *what, const char *want, const char *got)
{
	if ((want == NULL) != (got == NULL) || (want && strcmp(want, got) != 0))
		fail_msg("case %zu %s: want '%s' got '%s'", i, what, want ? want : "(null)",
			 got ? got : "(null)");
}

static void test_buffer(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(buffer_cases) / sizeof(buffer_cases[0]); i++) {
		const struct buffer_case *c = &buffer_cases[i];
		struct inventory *inv = inventory_new();
		assert_non_null(inv);
		/* an entry already there stays whatever happens to the next file */
		static const char first[] = "[{" LE_E1 ", \"name_value\": \"first.test\"}]";
		char err[256];
		assert_int_equal(inventory_add_buffer(inv, (const uint8_t *)first, strlen(first),
						      "first.json", NULL, 0, NULL, err, sizeof(err)), 0);
		size_t n_names = 0;
		while (c->names && c->names[n_names])
			n_names++;
		struct inventory_file_stats st;
		int rc = inventory_add_buffer(inv, (const uint8_t *)c->json, strlen(c->json),
					      "export.json", c->names, n_names, &st, err, sizeof(err));
		if (rc != c->rc)
			fail_msg("case %zu (%s): rc %d, want %d (%s)", i, c->what, rc, c->rc, err);
		if (rc != 0) {
			if (!strstr(err, c->err_has))
				fail_msg("case %zu (%s): message '%s' lacks '%s'", i, c->what, err,
					 c->err_has);
			assert_int_equal(inventory_count(inv), 1);
			inventory_free(inv);
			continue;
		}
		size_t n = 0;
		while (c->want[n].name)
			n++;
		if (inventory_count(inv) != n + 1 || st.entries != n)
			fail_msg("case %zu (%s): %zu entries, want %zu", i, c->what,
				 inventory_count(inv) - 1, n);
		assert_int_equal(st.format, INVENTORY_CRTSH);
		for (size_t k = 0; k < n; k++) {
			const struct inventory_entry *e = inventory_at(inv, k + 1);
			const struct want_entry *w = &c->want[k];
			eq_or_null(i, "name", w->name, e->name);
			eq_or_null(i, "issuer", w->issuer, e->issuer);
			eq_or_null(i, "not_before", w->not_before, e->not_before);
			eq_or_null(i, "not_after", w->not_after, e->not_after);
			eq_or_null(i, "source", w->source, e->source);
			assert_null(e->cert_sha256);
			assert_null(e->spki_sha256);
		}
		inventory_free(inv);
	}
}

static void test_bad_names(void **state)
{
	(void)state;
	static const char doc[] = "[{" LE_E1 ", \"name_value\": \"a.test\"}]";
	static const char *const bad[][1] = { { "" }, { "a b" }, { "tab\there" } };
	char err[256];
	struct inventory *inv = inventory_new();
	assert_non_null(inv);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(inventory_add_buffer(inv, (const uint8_t *)doc, strlen(doc), "d",
						      bad[i], 1, NULL, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "not a name"));
	}
	assert_int_equal(inventory_count(inv), 0);
	assert_int_equal(inventory_add_file(inv, "tests/unit/no-such-file.json", NULL, 0, NULL,
					    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot read"));
	inventory_free(inv);
	inventory_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issuer),
		cmocka_unit_test(test_buffer),
		cmocka_unit_test(test_bad_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
