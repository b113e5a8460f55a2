/*
 * geo: GeoIP / ASN lookups in MaxMind's test databases (tests/data/mmdb/README.md).
 *
 * The expected values come from the JSON MaxMind built each test database from
 * (GeoIP2-City-Test.source.json, GeoLite2-ASN-Test.source.json), read here with jansson and
 * matched by longest prefix, independently of libmaxminddb: every network of the sources
 * is looked up at its first and last address, plus a table of chosen addresses (IPv6,
 * IPv4-mapped, private and unknown ones). The corrupt databases are MaxMind's own
 * bad-data files; each must be refused at open with its name and a reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>
#include <jansson.h>

#include "analyzer/geo.h"
#include "analyzer/store/store.h"

#define DIR "tests/data/mmdb/"
#define CITY DIR "GeoIP2-City-Test.mmdb"
#define CITY_SRC DIR "GeoIP2-City-Test.source.json"
#define ASN DIR "GeoLite2-ASN-Test.mmdb"
#define ASN_SRC DIR "GeoLite2-ASN-Test.source.json"

/* ---- the source JSON: [{"NETWORK/PREFIX": {record}}, ...] -------------------------------- */

struct net {
	uint8_t a[16];     /* IPv4 as ::a.b.c.d (IPv4-compatible), as MaxMind's trees hold it */
	unsigned plen;     /* 0..128 */
	bool v4;           /* the network lies in ::/96, i.e. is IPv4 space */
	const json_t *rec; /* borrowed from the loaded document */
};

struct source {
	json_t *doc;
	struct net *nets;
	size_t n;
};

/* Text address into 16 bytes, IPv4 (and IPv4-mapped ::ffff:a.b.c.d) as ::a.b.c.d. */
static bool addr16(const char *s, uint8_t a[16])
{
	memset(a, 0, 16);
	if (inet_pton(AF_INET, s, a + 12) == 1)
		return true;
	if (inet_pton(AF_INET6, s, a) != 1)
		return false;
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (memcmp(a, mapped, 12) == 0)
		memset(a, 0, 12);
	return true;
}

static void load_source(const char *path, struct source *src)
{
	json_error_t jerr;
	src->doc = json_load_file(path, 0, &jerr);
	if (!src->doc)
		fail_msg("%s: %s", path, jerr.text);
	assert_true(json_is_array(src->doc));
	src->n = json_array_size(src->doc);
	src->nets = calloc(src->n, sizeof(*src->nets));
	assert_non_null(src->nets);
	for (size_t i = 0; i < src->n; i++) {
		const json_t *e = json_array_get(src->doc, i);
		const char *key = NULL;
		json_t *rec = NULL;
		char buf[64];
		void *it = json_object_iter((json_t *)e);
		assert_non_null(it);
		key = json_object_iter_key(it);
		rec = json_object_iter_value(it);
		const char *slash = strchr(key, '/');
		assert_non_null(slash);
		assert_true((size_t)(slash - key) < sizeof(buf));
		memcpy(buf, key, (size_t)(slash - key));
		buf[slash - key] = '\0';
		struct net *n = &src->nets[i];
		n->plen = (unsigned)atoi(slash + 1);
		if (strchr(buf, ':') == NULL)
			n->plen += 96;
		assert_true(addr16(buf, n->a));
		assert_true(n->plen <= 128);
		n->v4 = n->plen >= 96 && memcmp(n->a, (const uint8_t[12]){ 0 }, 12) == 0;
		n->rec = rec;
	}
}

static void free_source(struct source *src)
{
	json_decref(src->doc);
	free(src->nets);
}

static bool in_net(const uint8_t a[16], const struct net *n)
{
	unsigned full = n->plen / 8, rest = n->plen % 8;
	if (memcmp(a, n->a, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (n->a[full] & mask);
}

/* The record of the most specific network holding ip, or NULL. */
static const json_t *source_find(const struct source *src, const char *ip)
{
	uint8_t a[16];
	const struct net *best = NULL;
	if (!addr16(ip, a))
		return NULL;
	for (size_t i = 0; i < src->n; i++)
		if (in_net(a, &src->nets[i]) && (!best || src->nets[i].plen > best->plen))
			best = &src->nets[i];
	return best ? best->rec : NULL;
}

/* A network's first or last address as text (IPv4 networks as dotted quads). */
static void net_addr(const struct net *n, bool last, char *out, size_t cap)
{
	uint8_t a[16];
	memcpy(a, n->a, 16);
	if (last)
		for (unsigned bit = n->plen; bit < 128; bit++)
			a[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	if (n->v4)
		assert_non_null(inet_ntop(AF_INET, a + 12, out, (socklen_t)cap));
	else
		assert_non_null(inet_ntop(AF_INET6, a, out, (socklen_t)cap));
}

static const char *jstr(const json_t *rec, const char *k1, const char *k2, const char *k3)
{
	const json_t *v = json_object_get(rec, k1);
	if (v && k2)
		v = json_object_get(v, k2);
	if (v && k3)
		v = json_object_get(v, k3);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* ---- what the lookup must give ------------------------------------------------------------ */

struct want {
	const char *country, *city, *as_org;
	int64_t asn;
};

static bool want_any(const struct want *w)
{
	return w->country || w->city || w->as_org || w->asn;
}

static void want_city(const struct source *src, const char *ip, struct want *w)
{
	const json_t *rec = source_find(src, ip);
	w->country = rec ? jstr(rec, "country", "iso_code", NULL) : NULL;
	w->city = rec ? jstr(rec, "city", "names", "en") : NULL;
}

static void want_asn(const struct source *src, const char *ip, struct want *w)
{
	const json_t *rec = source_find(src, ip);
	const json_t *n = rec ? json_object_get(rec, "autonomous_system_number") : NULL;
	w->asn = json_is_integer(n) ? json_integer_value(n) : 0;
	w->as_org = rec ? jstr(rec, "autonomous_system_organization", NULL, NULL) : NULL;
}

static void assert_str_or_null(const char *ip, const char *what, const char *got,
			       const char *want)
{
	if (!want && !got)
		return;
	if (!want || !got || strcmp(want, got) != 0)
		fail_msg("%s: %s: got '%s', want '%s'", ip, what, got ? got : "(null)",
			 want ? want : "(null)");
}

static void check(struct geo *g, const char *ip, const struct want *w, const char *source_prefix)
{
	struct store_geo sg;
	int rc = geo_lookup(g, ip, &sg);
	if (!want_any(w)) {
		if (rc != GEO_NODATA)
			fail_msg("%s: got %d (country %s), want no data", ip, rc,
				 sg.country ? sg.country : "-");
		assert_null(sg.country);
		assert_null(sg.city);
		assert_int_equal(sg.asn, 0);
		return;
	}
	if (rc != GEO_OK)
		fail_msg("%s: got %d, want data: %s", ip, rc, geo_errmsg(g));
	assert_string_equal(sg.ip, ip);
	assert_str_or_null(ip, "country", sg.country, w->country);
	assert_str_or_null(ip, "city", sg.city, w->city);
	assert_str_or_null(ip, "as_org", sg.as_org, w->as_org);
	if (sg.asn != w->asn)
		fail_msg("%s: asn %lld, want %lld", ip, (long long)sg.asn, (long long)w->asn);
	assert_non_null(sg.source);
	if (source_prefix && strncmp(sg.source, source_prefix, strlen(source_prefix)) != 0)
		fail_msg("%s: source '%s', want '%s...'", ip, sg.source, source_prefix);
}

/* "<database_type> YYYY-MM-DD" */
static void assert_label(const char *label, const char *type)
{
	size_t n = strlen(type);
	assert_int_equal(strncmp(label, type, n), 0);
	const char *d = label + n;
	assert_true(strlen(d) >= 11);
	assert_true(d[0] == ' ' && d[5] == '-' && d[8] == '-');
	for (int i = 1; i <= 10; i++)
		if (i != 5 && i != 8)
			assert_true(d[i] >= '0' && d[i] <= '9');
}

static struct geo *open1(const char *path)
{
	char err[GEO_ERRMSG_SIZE];
	const char *paths[] = { path };
	struct geo *g = geo_open(paths, 1, err, sizeof(err));
	if (!g)
		fail_msg("%s", err);
	return g;
}

/* Chosen addresses: IPv4, IPv6, IPv4-mapped, records without a country or city, private,
 * loopback, link-local, documentation and unknown public ones. */
static const char *const chosen[] = {
	"81.2.69.160", "81.2.69.142", "::ffff:81.2.69.160", "2.125.160.216", "89.160.20.112",
	"216.160.83.56", "214.78.120.5", "214.1.1.1", "2.3.3.1", "149.101.100.1",
	"175.16.199.1", "2001:218::1", "2a02:cf40::1", "1.128.0.0", "1.0.0.1", "12.81.92.5",
	"12.81.96.1", "2600:6000::1", "2001:1700::1",
	"10.0.0.1", "127.0.0.1", "192.168.1.1", "169.254.1.1", "192.0.2.1", "0.0.0.0",
	"255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "2001:db8::1", "8.8.8.8",
};

/* ---- tests -------------------------------------------------------------------------------- */

static void test_city(void **state)
{
	(void)state;
	struct source src;
	struct geo *g = open1(CITY);
	char ip[INET6_ADDRSTRLEN];
	size_t found = 0;

	load_source(CITY_SRC, &src);
	for (size_t i = 0; i < src.n; i++) {
		for (int last = 0; last < 2; last++) {
			struct want w = { 0 };
			net_addr(&src.nets[i], last, ip, sizeof(ip));
			want_city(&src, ip, &w);
			check(g, ip, &w, "GeoIP2-City ");
			found += want_any(&w);
		}
	}
	for (size_t i = 0; i < sizeof(chosen) / sizeof(chosen[0]); i++) {
		struct want w = { 0 };
		want_city(&src, chosen[i], &w);
		check(g, chosen[i], &w, "GeoIP2-City ");
	}
	assert_true(found > 400); /* the sources mostly have data: the test compared values */

	/* the table and the matcher agree with what MaxMind documents for its test data */
	struct store_geo sg;
	assert_int_equal(geo_lookup(g, "81.2.69.160", &sg), GEO_OK);
	assert_string_equal(sg.country, "GB");
	assert_string_equal(sg.city, "London");
	assert_label(sg.source, "GeoIP2-City");
	assert_int_equal(geo_lookup(g, "2001:218::1", &sg), GEO_OK);
	assert_string_equal(sg.country, "JP");
	assert_null(sg.city);
	free_source(&src);
	geo_close(g);
}

static void test_asn(void **state)
{
	(void)state;
	struct source src;
	struct geo *g = open1(ASN);
	char ip[INET6_ADDRSTRLEN];
	size_t found = 0;

	load_source(ASN_SRC, &src);
	for (size_t i = 0; i < src.n; i++) {
		for (int last = 0; last < 2; last++) {
			struct want w = { 0 };
			net_addr(&src.nets[i], last, ip, sizeof(ip));
			want_asn(&src, ip, &w);
			check(g, ip, &w, "GeoLite2-ASN ");
			found += want_any(&w);
		}
	}
	for (size_t i = 0; i < sizeof(chosen) / sizeof(chosen[0]); i++) {
		struct want w = { 0 };
		want_asn(&src, chosen[i], &w);
		check(g, chosen[i], &w, "GeoLite2-ASN ");
	}
	assert_true(found > 1000);

	struct store_geo sg; /* tests/data/mmdb/README.md's mmdblookup example */
	assert_int_equal(geo_lookup(g, "1.128.0.0", &sg), GEO_OK);
	assert_int_equal(sg.asn, 1221);
	assert_string_equal(sg.as_org, "Telstra Pty Ltd");
	assert_null(sg.country);
	assert_label(sg.source, "GeoLite2-ASN");
	free_source(&src);
	geo_close(g);
}

/* City and ASN together: each group from its database; source names both when both gave. */
static void test_merge(void **state)
{
	(void)state;
	struct source city, asn;
	char err[GEO_ERRMSG_SIZE];
	const char *paths[] = { CITY, ASN };
	struct geo *g = geo_open(paths, 2, err, sizeof(err));
	if (!g)
		fail_msg("%s", err);
	load_source(CITY_SRC, &city);
	load_source(ASN_SRC, &asn);
	size_t both = 0;
	for (size_t i = 0; i < sizeof(chosen) / sizeof(chosen[0]); i++) {
		struct want w = { 0 }, wa = { 0 };
		want_city(&city, chosen[i], &w);
		want_asn(&asn, chosen[i], &wa);
		w.asn = wa.asn;
		w.as_org = wa.as_org;
		check(g, chosen[i], &w, NULL);
		if ((w.country || w.city) && (w.asn || w.as_org)) {
			struct store_geo sg;
			assert_int_equal(geo_lookup(g, chosen[i], &sg), GEO_OK);
			const char *comma = strstr(sg.source, ", ");
			assert_non_null(comma);
			assert_label(comma + 2, "GeoLite2-ASN");
			both++;
		}
	}
	assert_true(both >= 2); /* 89.160.20.112 and 216.160.83.56 are in both sources */
	free_source(&city);
	free_source(&asn);
	geo_close(g);
}

/* Not addresses: refused without any name resolution. */
static void test_not_addresses(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "localhost", "example.com", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4/24",
		"fe80::1%lo", "[::1]", " 1.2.3.4", "::g",
	};
	struct geo *g = open1(CITY);
	struct store_geo sg;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(geo_lookup(g, bad[i], &sg), GEO_EINVAL);
	assert_int_equal(geo_lookup(g, NULL, &sg), GEO_EINVAL);
	geo_close(g);
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static char *read_all(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long len = ftell(f);
	assert_true(len > 0);
	rewind(f);
	char *p = malloc((size_t)len);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return p;
}

/* Corrupt and foreign files: geo_open fails with the file's name and a reason. */
static void test_bad_files(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char empty[512], half[512];
	size_t n;
	char *city = read_all(CITY, &n);
	snprintf(empty, sizeof(empty), "%s/empty.mmdb", tmp);
	snprintf(half, sizeof(half), "%s/half.mmdb", tmp);
	write_file(empty, "", 0);
	write_file(half, city, n / 2);
	free(city);

	const struct {
		const char *path;
		const char *reason; /* libmaxminddb's words (MMDB_strerror) */
	} bad[] = {
		{ DIR "bad-libmaxminddb-corrupt-search-tree.mmdb", "search tree is corrupt" },
		{ DIR "bad-libmaxminddb-deep-nesting.mmdb", "contains bad data" },
		{ DIR "bad-libmaxminddb-offset-integer-overflow.mmdb", "contains bad data" },
		{ DIR "README.md", "invalid metadata" },
		{ CITY_SRC, "invalid metadata" },
		{ empty, "empty file" },
		{ half, "invalid metadata" },
		{ DIR "no-such-file.mmdb", "No such file" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[GEO_ERRMSG_SIZE] = "";
		const char *paths[] = { CITY, bad[i].path };
		struct geo *g = geo_open(paths, 2, err, sizeof(err));
		if (g)
			fail_msg("%s: opened", bad[i].path);
		char quoted[600];
		snprintf(quoted, sizeof(quoted), "'%s': ", bad[i].path);
		if (strncmp(err, quoted, strlen(quoted)) != 0 || !strstr(err, bad[i].reason) ||
		    strlen(err) <= strlen(quoted))
			fail_msg("%s: message '%s'", bad[i].path, err);
	}
	char err[GEO_ERRMSG_SIZE];
	assert_null(geo_open(NULL, 0, err, sizeof(err)));
	const char *nine[GEO_FILES_MAX + 1];
	for (size_t i = 0; i < GEO_FILES_MAX + 1; i++)
		nine[i] = CITY;
	assert_null(geo_open(nine, GEO_FILES_MAX + 1, err, sizeof(err)));
	struct geo *g = geo_open(nine, GEO_FILES_MAX, err, sizeof(err));
	assert_non_null(g);
	geo_close(g);
	geo_close(NULL);
}

/* Damaged copies of the City database, one byte changed at a time over the search tree and
 * the data section: each opens with an error, or opens and answers every lookup with data,
 * no data or GEO_EDB (with the file's name): never a crash (run under ASan) or a hang. */
static void test_mutations(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char path[512];
	size_t n, refused = 0, opened = 0;
	char *orig = read_all(CITY, &n);
	char *buf = malloc(n);
	assert_non_null(buf);
	snprintf(path, sizeof(path), "%s/mutant.mmdb", tmp);
	/* the metadata is the last ~1 KiB (after "\xab\xcd\xefMaxMind.com"): leave it */
	for (size_t pos = 0; pos + 1200 < n; pos += 37) {
		memcpy(buf, orig, n);
		buf[pos] = (char)(buf[pos] ^ (pos % 2 ? 0xff : 0x5a));
		write_file(path, buf, n);
		char err[GEO_ERRMSG_SIZE];
		const char *paths[] = { path };
		struct geo *g = geo_open(paths, 1, err, sizeof(err));
		if (!g) {
			assert_non_null(strstr(err, path));
			refused++;
			continue;
		}
		opened++;
		for (size_t i = 0; i < sizeof(chosen) / sizeof(chosen[0]); i++) {
			struct store_geo sg;
			int rc = geo_lookup(g, chosen[i], &sg);
			assert_true(rc == GEO_OK || rc == GEO_NODATA || rc == GEO_EDB);
			if (rc == GEO_EDB)
				assert_non_null(strstr(geo_errmsg(g), path));
		}
		geo_close(g);
	}
	assert_true(refused > 0);
	assert_true(refused + opened > 500);
	free(buf);
	free(orig);
}

static int put_addr(struct store *st, const char *ip, const char *client, uint16_t port)
{
	struct store_conn c = { 0 };
	c.client_ip = client;
	c.client_port = 50000;
	c.server_ip = ip;
	c.server_port = port;
	return store_add_connection(st, &c, NULL);
}

struct rows {
	size_t n;
	char text[8][200];
};

static int on_row(void *ctx, int ncol, const char *const *names, const char *const *values)
{
	struct rows *r = ctx;
	(void)names;
	if (r->n < 8) {
		size_t off = 0;
		for (int i = 0; i < ncol; i++)
			off += (size_t)snprintf(r->text[r->n] + off, sizeof(r->text[0]) - off, "%s%s",
						i ? "|" : "", values[i] ? values[i] : "NULL");
	}
	r->n++;
	return 0;
}

/* geo_enrich_store: endpoints and both ends of connections, distinct, known ones only. */
static void test_enrich_store(void **state)
{
	(void)state;
	struct store_error se;
	struct store *st = store_open(":memory:", NULL, &se);
	if (!st)
		fail_msg("%s", se.msg);
	int64_t id;
	assert_int_equal(store_endpoint_id(st, "a.test", "81.2.69.160", 443, NULL, &id), STORE_OK);
	assert_int_equal(store_endpoint_id(st, "b.test", NULL, 443, NULL, &id), STORE_OK);
	assert_int_equal(store_endpoint_id(st, NULL, "10.1.1.1", 443, NULL, &id), STORE_OK);
	assert_int_equal(put_addr(st, "2001:218::1", "1.128.0.0", 443), STORE_OK);
	assert_int_equal(put_addr(st, "81.2.69.160", "192.168.1.1", 8443), STORE_OK);

	char err[GEO_ERRMSG_SIZE];
	const char *paths[] = { CITY, ASN };
	struct geo *g = geo_open(paths, 2, err, sizeof(err));
	if (!g)
		fail_msg("%s", err);
	struct geo_enrich_stats stats;
	assert_int_equal(geo_enrich_store(g, st, &stats), GEO_OK);
	/* 81.2.69.160, 10.1.1.1, 2001:218::1, 1.128.0.0, 192.168.1.1 */
	assert_int_equal(stats.addresses, 5);
	assert_int_equal(stats.found, 3);
	struct rows r = { 0 };
	assert_int_equal(store_query(st, "SELECT ip, country, city, asn, as_org FROM geo"
					 " ORDER BY ip", on_row, &r), STORE_OK);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.text[0], "1.128.0.0|NULL|NULL|1221|Telstra Pty Ltd");
	assert_string_equal(r.text[1], "2001:218::1|JP|NULL|NULL|NULL");
	assert_string_equal(r.text[2], "81.2.69.160|GB|London|NULL|NULL");
	/* again: replaced, not duplicated */
	assert_int_equal(geo_enrich_store(g, st, NULL), GEO_OK);
	int64_t count;
	assert_int_equal(store_count(st, STORE_T_GEO, &count), STORE_OK);
	assert_int_equal(count, 3);
	geo_close(g);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_city),
		cmocka_unit_test(test_asn),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_not_addresses),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_enrich_store),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
