/*
 * Unit tests of scan targets (scanner/target.h).
 *
 * 1. Syntax: a table of target words (INTERFACE.md's forms) with the parse wanted; addresses
 *    are compared with what inet_pton makes of their text, never with our own output.
 * 2. Lists: CIDR expansion (IPv4, IPv6, host bits set), default and STARTTLS ports, SNI rules,
 *    duplicates across forms, @FILE (comments, CRLF, BOM) and its errors naming file:line,
 *    the expansion cap.
 * 3. Sharding: the shard of fixed keys, from an independent Python implementation of the
 *    documented hash (FNV-1a 64 + splitmix64 finaliser):
 *        def h(s): x = 0xcbf29ce484222325; for b in s: x = ((x ^ b) * 0x100000001b3) % 2**64
 *                  x ^= x >> 30; x = x * 0xbf58476d1ce4e5b9 % 2**64; x ^= x >> 27
 *                  x = x * 0x94d049bb133111eb % 2**64; x ^= x >> 31
 *    and the partition property: the shards of a /20 are disjoint, cover it, and are balanced.
 * 4. Resolution: "localhost", against what libc's getaddrinfo says here (an endpoint with an
 *    error where it does not resolve). No name is looked up that would send a DNS query off
 *    the machine.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scanner/starttls.h"
#include "scanner/target.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- 1. syntax --------------------------------------------------------------------------- */

struct parse_case {
	const char *in;
	bool ok;
	enum tgt_kind kind;
	const char *text;   /* host name, or the address as inet_pton reads it */
	unsigned prefix;
	uint16_t port;
	const char *why;    /* substring of the error */
};

static const struct parse_case parse_cases[] = {
	{ "example.com", true, TGT_HOST, "example.com", 0, 0, NULL },
	{ "example.com:8443", true, TGT_HOST, "example.com", 0, 8443, NULL },
	{ "Mail.Example.COM.", true, TGT_HOST, "Mail.Example.COM.", 0, 0, NULL },
	{ "_dmarc-x.example", true, TGT_HOST, "_dmarc-x.example", 0, 0, NULL },
	{ "localhost:1", true, TGT_HOST, "localhost", 0, 1, NULL },
	{ "192.0.2.1", true, TGT_IPV4, "192.0.2.1", 32, 0, NULL },
	{ "192.0.2.1:443", true, TGT_IPV4, "192.0.2.1", 32, 443, NULL },
	{ "192.0.2.0/24", true, TGT_CIDR4, "192.0.2.0", 24, 0, NULL },
	{ "192.0.2.77/24:25", true, TGT_CIDR4, "192.0.2.0", 24, 25, NULL },
	{ "10.0.0.0/12", true, TGT_CIDR4, "10.0.0.0", 12, 0, NULL },
	{ "0.0.0.0/32", true, TGT_CIDR4, "0.0.0.0", 32, 0, NULL },
	{ "[2001:db8::1]:443", true, TGT_IPV6, "2001:db8::1", 128, 443, NULL },
	{ "[2001:db8::1]", true, TGT_IPV6, "2001:db8::1", 128, 0, NULL },
	{ "2001:db8::2", true, TGT_IPV6, "2001:db8::2", 128, 0, NULL },
	{ "::1", true, TGT_IPV6, "::1", 128, 0, NULL },
	{ "[2001:db8::ff/120]:8443", true, TGT_CIDR6, "2001:db8::", 120, 8443, NULL },
	{ "2001:db8::/108", true, TGT_CIDR6, "2001:db8::", 108, 0, NULL },
	{ "[::ffff:192.0.2.1]:443", true, TGT_IPV6, "::ffff:192.0.2.1", 128, 443, NULL },
	{ "", false, 0, NULL, 0, 0, "empty" },
	{ "example.com:0", false, 0, NULL, 0, 0, "bad port" },
	{ "example.com:65536", false, 0, NULL, 0, 0, "bad port" },
	{ "example.com:44x", false, 0, NULL, 0, 0, "bad port" },
	{ "example.com:", false, 0, NULL, 0, 0, "bad port" },
	{ ":443", false, 0, NULL, 0, 0, "missing host" },
	{ "300.1.1.1", false, 0, NULL, 0, 0, "not an IPv4" },
	{ "1.2.3", false, 0, NULL, 0, 0, "not an IPv4" },
	{ "10.0.0.0/33", false, 0, NULL, 0, 0, "prefix length" },
	{ "10.0.0.0/", false, 0, NULL, 0, 0, "prefix length" },
	{ "10.0.0.0/11", false, 0, NULL, 0, 0, "too large" },
	{ "0.0.0.0/0", false, 0, NULL, 0, 0, "too large" },
	{ "2001:db8::/107", false, 0, NULL, 0, 0, "too large" },
	{ "2001:db8::/129", false, 0, NULL, 0, 0, "prefix length" },
	{ "[::1", false, 0, NULL, 0, 0, "missing ']'" },
	{ "[::1]:x", false, 0, NULL, 0, 0, "bad port" },
	{ "[::1]443", false, 0, NULL, 0, 0, "bad port" },
	{ "[10.0.0.1]:443", false, 0, NULL, 0, 0, "not an IPv6" },
	{ "2001:db8::zz", false, 0, NULL, 0, 0, "not an IPv6" },
	{ "not a name", false, 0, NULL, 0, 0, "not a host name" },
	{ "exa..mple.com", false, 0, NULL, 0, 0, "not a host name" },
	{ "ex!ample.com", false, 0, NULL, 0, 0, "not a host name" },
	{ "123", false, 0, NULL, 0, 0, "not an IPv4" },
	{ "a.b/24", false, 0, NULL, 0, 0, "not an IPv4" },
};

static void test_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];
		struct tgt_spec s;
		const char *why = NULL;
		bool ok = tgt_parse(c->in, &s, &why);
		if (ok != c->ok)
			fail_msg("'%s': ok %d, want %d (%s)", c->in, ok, c->ok, why ? why : "");
		if (!ok) {
			assert_non_null(why);
			if (!strstr(why, c->why))
				fail_msg("'%s': why '%s', want '%s'", c->in, why, c->why);
			continue;
		}
		assert_int_equal(s.kind, c->kind);
		assert_int_equal(s.port, c->port);
		if (c->kind == TGT_HOST) {
			assert_string_equal(s.host, c->text);
			continue;
		}
		uint8_t want[16];
		int af = c->kind == TGT_IPV4 || c->kind == TGT_CIDR4 ? AF_INET : AF_INET6;
		assert_int_equal(inet_pton(af, c->text, want), 1);
		assert_memory_equal(s.addr, want, af == AF_INET ? 4 : 16);
		assert_int_equal(s.prefix, c->prefix);
	}
	/* a target of 513 characters */
	char long_t[TGT_TARGET_MAX + 2];
	memset(long_t, 'a', sizeof(long_t) - 1);
	long_t[sizeof(long_t) - 1] = '\0';
	struct tgt_spec s;
	const char *why = NULL;
	assert_false(tgt_parse(long_t, &s, &why));
	assert_non_null(strstr(why, "too long"));
}

static void test_hostname(void **state)
{
	(void)state;
	char label64[80], name254[260];
	memset(label64, 'a', 64);
	strcpy(label64 + 64, ".com");
	/* 4 labels of 62 + 3 dots = 251, plus ".ab" = 254 */
	name254[0] = '\0';
	for (int i = 0; i < 4; i++) {
		size_t n = strlen(name254);
		memset(name254 + n, 'b', 62);
		name254[n + 62] = '.';
		name254[n + 63] = '\0';
	}
	strcat(name254, "ab");
	assert_true(tgt_check_hostname("a"));
	assert_true(tgt_check_hostname("example.com."));
	assert_true(tgt_check_hostname("xn--bcher-kva.example"));
	assert_false(tgt_check_hostname(""));
	assert_false(tgt_check_hostname("."));
	assert_false(tgt_check_hostname("1.2.3.4"));
	assert_false(tgt_check_hostname(label64));
	memmove(label64, label64 + 1, strlen(label64)); /* now a 63-character label */
	assert_true(tgt_check_hostname(label64));
	assert_int_equal(strlen(name254), 254);
	assert_false(tgt_check_hostname(name254));
	name254[253] = '\0';
	assert_true(tgt_check_hostname(name254));
}

/* ---- 2. lists ---------------------------------------------------------------------------- */

/* Builds a list from words, resolves it; returns it (asserting success). */
static struct tgt_list *make_list(const struct tgt_opts *o, const char *const *words, size_t n)
{
	char err[512];
	struct tgt_list *l = tgt_list_new(o);
	assert_non_null(l);
	for (size_t i = 0; i < n; i++) {
		int rc = tgt_list_add(l, words[i], err, sizeof(err));
		if (rc != TGT_OK)
			fail_msg("add '%s': %s", words[i], err);
	}
	assert_int_equal(tgt_list_resolve(l, err, sizeof(err)), TGT_OK);
	return l;
}

/* "name" of each endpoint (tgt_endpoint_name), joined by spaces. */
static void names(const struct tgt_list *l, char *out, size_t cap)
{
	out[0] = '\0';
	for (size_t i = 0; i < tgt_list_count(l); i++) {
		char n[TGT_NAME_MAX];
		tgt_endpoint_name(tgt_list_at(l, i), n);
		if (i)
			strncat(out, " ", cap - strlen(out) - 1);
		strncat(out, n, cap - strlen(out) - 1);
	}
}

struct list_case {
	const char *words[6];
	uint16_t default_port;
	const char *want;      /* endpoint names in order */
};

static const struct list_case list_cases[] = {
	{ { "192.0.2.0/30" }, 443, "192.0.2.0:443 192.0.2.1:443 192.0.2.2:443 192.0.2.3:443" },
	{ { "10.0.0.5/30:8443" }, 443, "10.0.0.4:8443 10.0.0.5:8443 10.0.0.6:8443 10.0.0.7:8443" },
	{ { "10.0.0.255/31" }, 443, "10.0.0.254:443 10.0.0.255:443" },
	{ { "192.0.2.1", "192.0.2.0/30", "192.0.2.1:443" }, 443,
	  "192.0.2.1:443 192.0.2.0:443 192.0.2.2:443 192.0.2.3:443" },
	{ { "192.0.2.1", "192.0.2.1:993" }, 443, "192.0.2.1:443 192.0.2.1:993" },
	{ { "[2001:db8::/126]:443" }, 443,
	  "[2001:db8::]:443 [2001:db8::1]:443 [2001:db8::2]:443 [2001:db8::3]:443" },
	{ { "2001:db8::ff:fffe/127" }, 25, "[2001:db8::ff:fffe]:25 [2001:db8::ff:ffff]:25" },
	{ { "[2001:db8::1]", "2001:DB8:0::1", "[2001:db8::1]:443" }, 443, "[2001:db8::1]:443" },
	/* the /23 crosses a byte: 10.0.0.0 .. 10.0.1.255 */
	{ { "10.0.1.9/23", "10.0.0.255" }, 5432, NULL },
};

static void test_lists(void **state)
{
	(void)state;
	char got[2048];
	for (size_t i = 0; i < ARRAY_LEN(list_cases); i++) {
		const struct list_case *c = &list_cases[i];
		struct tgt_opts o = { .default_port = c->default_port };
		size_t n = 0;
		while (n < ARRAY_LEN(c->words) && c->words[n])
			n++;
		struct tgt_list *l = make_list(&o, c->words, n);
		if (c->want) {
			names(l, got, sizeof(got));
			if (strcmp(got, c->want) != 0)
				fail_msg("case %zu: got '%s', want '%s'", i, got, c->want);
		} else {
			assert_int_equal(tgt_list_count(l), 512);
			char ip[TGT_IP_MAX];
			tgt_endpoint_ip(tgt_list_at(l, 0), ip);
			assert_string_equal(ip, "10.0.0.0");
			tgt_endpoint_ip(tgt_list_at(l, 256), ip);
			assert_string_equal(ip, "10.0.1.0");
			tgt_endpoint_ip(tgt_list_at(l, 511), ip);
			assert_string_equal(ip, "10.0.1.255");
			assert_int_equal(tgt_list_at(l, 0)->port, 5432);
		}
		for (size_t k = 0; k < tgt_list_count(l); k++) {
			const struct tgt_endpoint *e = tgt_list_at(l, k);
			assert_null(e->host);
			assert_null(e->sni); /* IP literals: no SNI */
			assert_null(e->error);
			struct sockaddr_storage ss;
			assert_true(tgt_endpoint_sockaddr(e, &ss) > 0);
			assert_int_equal(ss.ss_family, e->family);
		}
		tgt_list_free(l);
	}
}

static void test_ports_and_sni(void **state)
{
	(void)state;
	/* the STARTTLS ports of INTERFACE.md's protocols (IANA service names registry) */
	static const struct {
		const char *name;
		uint16_t port;
	} ports[] = {
		{ "smtp", 25 }, { "imap", 143 }, { "pop3", 110 }, { "ftp", 21 },
		{ "xmpp", 5222 }, { "ldap", 389 }, { "postgres", 5432 },
	};
	for (size_t i = 0; i < ARRAY_LEN(ports); i++) {
		enum stls_proto p = stls_lookup(ports[i].name);
		assert_int_not_equal(p, STLS_NONE);
		assert_string_equal(stls_name(p), ports[i].name);
		assert_int_equal(stls_default_port(p), ports[i].port);
	}
	assert_int_equal(stls_lookup("http"), STLS_NONE);
	assert_int_equal(stls_default_port(STLS_NONE), 443);

	/* default SNI: the host name without its final dot; none for addresses */
	const char *w1[] = { "LOCALHOST.", "localhost:25", "127.0.0.1" };
	struct tgt_opts o = { .default_port = 25 };
	struct tgt_list *l = make_list(&o, w1, 3);
	assert_int_equal(tgt_list_count(l), 2); /* LOCALHOST. and localhost:25 are one */
	const struct tgt_endpoint *e = tgt_list_at(l, 0);
	assert_string_equal(e->host, "LOCALHOST.");
	assert_string_equal(e->sni, "LOCALHOST");
	assert_int_equal(e->port, 25);
	char name[TGT_NAME_MAX];
	tgt_endpoint_name(e, name);
	assert_string_equal(name, "LOCALHOST.:25");
	e = tgt_list_at(l, 1);
	assert_null(e->host);
	assert_null(e->sni);
	tgt_list_free(l);

	/* --sni: for every endpoint, addresses included */
	struct tgt_opts o2 = { .default_port = 443, .sni = "server.test" };
	l = make_list(&o2, w1, 3);
	for (size_t i = 0; i < tgt_list_count(l); i++)
		assert_string_equal(tgt_list_at(l, i)->sni, "server.test");
	tgt_list_free(l);
}

static const char *tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	return t && *t ? t : "/tmp";
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_files(void **state)
{
	(void)state;
	char path[512], arg[520], err[1024], got[1024];
	snprintf(path, sizeof(path), "%s/targets.txt", tmpdir());
	snprintf(arg, sizeof(arg), "@%s", path);
	write_file(path, "\xef\xbb\xbf# scan list\r\n"
			 "192.0.2.1\r\n"
			 "\n"
			 "   192.0.2.2:8443   # staging\n"
			 "\t[2001:db8::1]:443\n"
			 "# 192.0.2.3\n"
			 "192.0.2.1");
	assert_int_equal(tgt_check(arg, err, sizeof(err)), TGT_OK);
	struct tgt_opts o = { .default_port = 443 };
	const char *w[] = { arg };
	struct tgt_list *l = make_list(&o, w, 1);
	names(l, got, sizeof(got));
	assert_string_equal(got, "192.0.2.1:443 192.0.2.2:8443 [2001:db8::1]:443");
	tgt_list_free(l);

	static const struct {
		const char *text;
		const char *want; /* after "PATH:" */
	} bad[] = {
		{ "192.0.2.1\n#\n\n\n10.0.0.0/33\n", "5: bad target '10.0.0.0/33': bad CIDR" },
		{ "a.example b.example\n", "1: one target per line" },
		{ "ok.example\n@other\n", "2: bad target '@other': @FILE cannot be nested" },
		{ "x.example:0\n", "1: bad target 'x.example:0': bad port" },
		{ "10.0.0.0/8\n", "1: bad target '10.0.0.0/8': CIDR range too large" },
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char want[1024];
		write_file(path, bad[i].text);
		snprintf(want, sizeof(want), "%s:%s", path, bad[i].want);
		assert_int_equal(tgt_check(arg, err, sizeof(err)), TGT_EINPUT);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("check: '%s', want '%s'", err, want);
		l = tgt_list_new(&o);
		assert_non_null(l);
		assert_int_equal(tgt_list_add(l, arg, err, sizeof(err)), TGT_EINPUT);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("add: '%s', want '%s'", err, want);
		tgt_list_free(l);
	}
	snprintf(arg, sizeof(arg), "@%s/nonexistent", tmpdir());
	assert_int_equal(tgt_check(arg, err, sizeof(err)), TGT_EINPUT);
	assert_non_null(strstr(err, "cannot read target file"));
	assert_int_equal(tgt_check("10.0.0.0/33", err, sizeof(err)), TGT_EINPUT);
	assert_string_equal(err, "bad target '10.0.0.0/33': bad CIDR prefix length (0..32)");
}

static void test_cap(void **state)
{
	(void)state;
	char err[256];
	struct tgt_opts o = { .default_port = 443 };
	struct tgt_list *l = tgt_list_new(&o);
	assert_non_null(l);
	/* 2^20 addresses fit; one more does not */
	assert_int_equal(tgt_list_add(l, "10.0.0.0/12", err, sizeof(err)), TGT_OK);
	assert_int_equal(tgt_list_add(l, "10.0.0.0/12:443", err, sizeof(err)), TGT_OK); /* dups */
	assert_int_equal(tgt_list_add(l, "192.0.2.1", err, sizeof(err)), TGT_EINPUT);
	assert_non_null(strstr(err, "more than 1048576 targets"));
	tgt_list_free(l);
}

/* ---- 3. sharding ------------------------------------------------------------------------- */

static void test_shard(void **state)
{
	(void)state;
	static const struct {
		const char *key;
		uint32_t n, want;
	} keys[] = {
		/* from the Python implementation in the header comment */
		{ "example.com:443", 4, 1 },
		{ "192.0.2.1:443", 7, 4 },
		{ "[2001:db8::1]:443", 16, 3 },
		{ "localhost:25", 3, 2 },
		{ "10.1.2.3:8443", 1000, 827 },
		{ "anything", 1, 0 },
	};
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		assert_int_equal(tgt_shard_of(keys[i].key, keys[i].n), keys[i].want);

	/* the shards of a /20 partition it, each about a quarter */
	char err[256];
	size_t total = 0;
	static uint8_t seen[4096];
	memset(seen, 0, sizeof(seen));
	for (uint32_t s = 0; s < 4; s++) {
		struct tgt_opts o = { .default_port = 443, .shard_index = s, .shard_count = 4 };
		const char *w[] = { "10.1.0.0/20" };
		struct tgt_list *l = make_list(&o, w, 1);
		size_t n = tgt_list_count(l);
		assert_true(n > 4096 / 4 * 85 / 100 && n < 4096 / 4 * 115 / 100);
		for (size_t i = 0; i < n; i++) {
			const struct tgt_endpoint *e = tgt_list_at(l, i);
			char key[TGT_NAME_MAX];
			tgt_endpoint_name(e, key);
			assert_int_equal(tgt_shard_of(key, 4), s);
			unsigned idx = ((unsigned)(e->addr[2] & 0x0f) << 8) | e->addr[3];
			assert_int_equal(seen[idx], 0);
			seen[idx] = 1;
		}
		total += n;
		tgt_list_free(l);
	}
	assert_int_equal(total, 4096);
	/* a host name is sharded on its name: the same shard whatever it resolves to */
	uint32_t want = tgt_shard_of("localhost:443", 3);
	for (uint32_t s = 0; s < 3; s++) {
		struct tgt_opts o = { .default_port = 443, .shard_index = s, .shard_count = 3 };
		const char *w[] = { "LocalHost." };
		struct tgt_list *l = make_list(&o, w, 1);
		if (s == want)
			assert_true(tgt_list_count(l) >= 1);
		else
			assert_int_equal(tgt_list_count(l), 0);
		tgt_list_free(l);
	}
	(void)err;
}

/* ---- 4. resolution ----------------------------------------------------------------------- */

/*
 * The addresses this machine's resolver gives "localhost" (the independent truth for the
 * resolution tests: libc's getaddrinfo, called directly), deduplicated, in its order.
 * Returns how many; 0 when localhost does not resolve here (a chroot without /etc/hosts):
 * then every "localhost" target must come out as one endpoint with an error.
 * No test looks up a name that would leave the machine: DNS servers are not loopback.
 */
static size_t localhost_addrs(char out[8][TGT_IP_MAX])
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	size_t n = 0;
	if (getaddrinfo("localhost", NULL, &hints, &res) != 0)
		return 0;
	for (struct addrinfo *a = res; a && n < 8; a = a->ai_next) {
		char ip[TGT_IP_MAX];
		const void *src = a->ai_family == AF_INET
					  ? (const void *)&((struct sockaddr_in *)a->ai_addr)->sin_addr
					  : (const void *)&((struct sockaddr_in6 *)a->ai_addr)->sin6_addr;
		if (!inet_ntop(a->ai_family, src, ip, sizeof(ip)))
			continue;
		bool dup = false;
		for (size_t k = 0; k < n; k++)
			dup |= strcmp(out[k], ip) == 0;
		if (!dup)
			snprintf(out[n++], TGT_IP_MAX, "%s", ip);
	}
	freeaddrinfo(res);
	return n;
}

static void test_resolve(void **state)
{
	(void)state;
	char want[8][TGT_IP_MAX];
	size_t nwant = localhost_addrs(want);
	struct tgt_opts o = { .default_port = 443 };
	const char *w[] = { "192.0.2.9", "localhost", "localhost:444" };
	struct tgt_list *l = make_list(&o, w, 3);
	size_t per = nwant ? nwant : 1;
	assert_int_equal(tgt_list_count(l), 1 + 2 * per);
	/* order kept: the address, localhost's addresses, then localhost:444's */
	const struct tgt_endpoint *e = tgt_list_at(l, 0);
	assert_null(e->host);
	for (size_t t = 0; t < 2; t++) {
		for (size_t k = 0; k < per; k++) {
			e = tgt_list_at(l, 1 + t * per + k);
			assert_string_equal(e->host, "localhost");
			assert_string_equal(e->sni, "localhost");
			assert_int_equal(e->port, t == 0 ? 443 : 444);
			if (nwant == 0) {
				/* does not resolve: an endpoint with an error, not a crash */
				assert_non_null(e->error);
				assert_int_equal(e->family, 0);
				struct sockaddr_storage ss;
				assert_int_equal(tgt_endpoint_sockaddr(e, &ss), 0);
				char name[TGT_NAME_MAX];
				tgt_endpoint_name(e, name);
				assert_string_equal(name, t == 0 ? "localhost:443" : "localhost:444");
				continue;
			}
			assert_null(e->error);
			char ip[TGT_IP_MAX];
			tgt_endpoint_ip(e, ip);
			bool found = false;
			for (size_t j = 0; j < nwant; j++)
				found |= strcmp(ip, want[j]) == 0;
			assert_true(found);
		}
	}
	tgt_list_free(l);
}

/* More names than one batch of parallel lookups, between addresses: the order is kept. */
static void test_resolve_batches(void **state)
{
	(void)state;
	enum { N = 150 };
	char err[256], word[64], addrs[8][TGT_IP_MAX];
	bool resolvable = localhost_addrs(addrs) > 0;
	struct tgt_opts o = { .default_port = 443 };
	struct tgt_list *l = tgt_list_new(&o);
	assert_non_null(l);
	for (unsigned i = 1; i <= N; i++) {
		snprintf(word, sizeof(word), "localhost:%u", i);
		assert_int_equal(tgt_list_add(l, word, err, sizeof(err)), TGT_OK);
		snprintf(word, sizeof(word), "192.0.2.%u:%u", i, i);
		assert_int_equal(tgt_list_add(l, word, err, sizeof(err)), TGT_OK);
	}
	assert_int_equal(tgt_list_resolve(l, err, sizeof(err)), TGT_OK);
	size_t k = 0;
	for (unsigned i = 1; i <= N; i++) {
		/* localhost:i (its addresses), then 192.0.2.i:i */
		size_t first = k;
		while (k < tgt_list_count(l) && tgt_list_at(l, k)->host) {
			assert_int_equal(tgt_list_at(l, k)->port, i);
			/* an error only where this machine cannot resolve localhost */
			if (resolvable)
				assert_null(tgt_list_at(l, k)->error);
			else
				assert_non_null(tgt_list_at(l, k)->error);
			k++;
		}
		assert_true(k > first);
		assert_true(k < tgt_list_count(l));
		const struct tgt_endpoint *e = tgt_list_at(l, k++);
		char ip[TGT_IP_MAX], want[TGT_IP_MAX];
		tgt_endpoint_ip(e, ip);
		snprintf(want, sizeof(want), "192.0.2.%u", i);
		assert_string_equal(ip, want);
		assert_int_equal(e->port, i);
	}
	assert_int_equal(k, tgt_list_count(l));
	tgt_list_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_hostname),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_ports_and_sni),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_shard),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_resolve_batches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
