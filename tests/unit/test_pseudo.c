/*
 * Unit tests of the Crypto-PAn pseudonymizer (capture/pseudo.h).
 *
 * Expected values come from published sources, never from our own output:
 *  - IPv4, key "ref": the key of the sample in the authors' reference distribution
 *    (Crypto-PAn 1.0, Georgia Tech: sample.cpp with sample_trace_raw.dat and
 *    sample_trace_sanitized.dat); the (raw, sanitized) pairs are its 70 distinct addresses, as
 *    transcribed in Yawning Angel's Go cryptopan (cryptopan_test.go, TestCryptopanIPv4) and
 *    checked against the same files by yacryptopan's test.py.
 *  - key "boojah" ("boojahyoo3vaeToong0Eijee7Ahz3yee"), the key in pycryptopan's and
 *    CryptoPan.jl's examples: 192.0.2.1 -> 206.2.124.120.
 *  - key bytes 0..31 and key "32-char-str-for-AES-key-and-pad.": the outputs printed in
 *    yacryptopan.py's __main__ and README (IPv4 and IPv6).
 *  - IPv6, key "ref": Yawning Angel's cryptopan_test.go (TestCryptopanIPv6).
 * The properties (prefix preservation, one-to-one, determinism, key dependence) follow from
 * the definition in pseudo.h and are checked over pseudo-random addresses from a fixed seed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture/pseudo.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const uint8_t key_ref[PSEUDO_KEY_LEN] = {
	21, 34, 23, 141, 51, 164, 207, 128, 19, 10, 91, 22, 73, 144, 125, 16,
	216, 152, 143, 131, 121, 121, 101, 39, 98, 87, 76, 45, 42, 132, 34, 2,
};

struct vec {
	const char *in, *want;
};

/* sample_trace_raw.dat -> sample_trace_sanitized.dat (distinct addresses) */
static const struct vec ref_v4[] = {
	{ "128.11.68.132", "135.242.180.132" }, { "129.118.74.4", "134.136.186.123" },
	{ "130.132.252.244", "133.68.164.234" }, { "141.223.7.43", "141.167.8.160" },
	{ "141.233.145.108", "141.129.237.235" }, { "152.163.225.39", "151.140.114.167" },
	{ "156.29.3.236", "147.225.12.42" }, { "165.247.96.84", "162.9.99.234" },
	{ "166.107.77.190", "160.132.178.185" }, { "192.102.249.13", "252.138.62.131" },
	{ "192.215.32.125", "252.43.47.189" }, { "192.233.80.103", "252.25.108.8" },
	{ "192.41.57.43", "252.222.221.184" }, { "193.150.244.223", "253.169.52.216" },
	{ "195.205.63.100", "255.186.223.5" }, { "198.200.171.101", "249.199.68.213" },
	{ "198.26.132.101", "249.36.123.202" }, { "198.36.213.5", "249.7.21.132" },
	{ "198.51.77.238", "249.18.186.254" }, { "199.217.79.101", "248.38.184.213" },
	{ "202.49.198.20", "245.206.7.234" }, { "203.12.160.252", "244.248.163.4" },
	{ "204.184.162.189", "243.192.77.90" }, { "204.202.136.230", "243.178.4.198" },
	{ "204.29.20.4", "243.33.20.123" }, { "205.178.38.67", "242.108.198.51" },
	{ "205.188.147.153", "242.96.16.101" }, { "205.188.248.25", "242.96.88.27" },
	{ "205.245.121.43", "242.21.121.163" }, { "207.105.49.5", "241.118.205.138" },
	{ "207.135.65.238", "241.202.129.222" }, { "207.155.9.214", "241.220.250.22" },
	{ "207.188.7.45", "241.255.249.220" }, { "207.25.71.27", "241.33.119.156" },
	{ "207.33.151.131", "241.1.233.131" }, { "208.147.89.59", "227.237.98.191" },
	{ "208.234.120.210", "227.154.67.17" }, { "208.28.185.184", "227.39.94.90" },
	{ "208.52.56.122", "227.8.63.165" }, { "209.12.231.7", "226.243.167.8" },
	{ "209.238.72.3", "226.6.119.243" }, { "209.246.74.109", "226.22.124.76" },
	{ "209.68.60.238", "226.184.220.233" }, { "209.85.249.6", "226.170.70.6" },
	{ "212.120.124.31", "228.135.163.231" }, { "212.146.8.236", "228.19.4.234" },
	{ "212.186.227.154", "228.59.98.98" }, { "212.204.172.118", "228.71.195.169" },
	{ "212.206.130.201", "228.69.242.193" }, { "216.148.237.145", "235.84.194.111" },
	{ "216.157.30.252", "235.89.31.26" }, { "216.184.159.48", "235.96.225.78" },
	{ "216.227.10.221", "235.28.253.36" }, { "216.254.18.172", "235.7.16.162" },
	{ "216.32.132.250", "235.192.139.38" }, { "216.35.217.178", "235.195.157.81" },
	{ "24.0.250.221", "100.15.198.226" }, { "24.13.62.231", "100.2.192.247" },
	{ "24.14.213.138", "100.1.42.141" }, { "24.5.0.80", "100.9.15.210" },
	{ "24.7.198.88", "100.10.6.25" }, { "24.94.26.44", "100.88.228.35" },
	{ "38.15.67.68", "64.3.66.187" }, { "4.3.88.225", "124.60.155.63" },
	{ "63.14.55.111", "95.9.215.7" }, { "63.195.241.44", "95.179.238.44" },
	{ "63.97.7.140", "95.97.9.123" }, { "64.14.118.196", "0.255.183.58" },
	{ "64.34.154.117", "0.221.154.117" }, { "64.39.15.238", "0.219.7.41" },
};

static const struct vec ref_v6[] = {
	{ "::1", "78ff:f001:9fc0:20df:8380:b1f1:704:ed" },
	{ "::2", "78ff:f001:9fc0:20df:8380:b1f1:704:ef" },
	{ "::ffff", "78ff:f001:9fc0:20df:8380:b1f1:704:f838" },
	{ "2001:db8::1", "4401:2bc:603f:d91d:27f:ff8e:e6f1:dc1e" },
	{ "2001:db8::2", "4401:2bc:603f:d91d:27f:ff8e:e6f1:dc1c" },
};

/* Other keys, one or two published vectors each. */
static const struct {
	const char *key; /* 32 characters, or NULL: the bytes 0..31 */
	struct vec v4, v6;
} other[] = {
	{ "boojahyoo3vaeToong0Eijee7Ahz3yee", { "192.0.2.1", "206.2.124.120" }, { NULL, NULL } },
	{ NULL, { "192.0.2.1", "2.90.93.17" },
	  { "2001:db8::1", "dd92:2c44:3fc0:ff1e:7ff9:c7f0:8180:7e00" } },
	{ "32-char-str-for-AES-key-and-pad.", { "192.0.2.1", "192.0.125.244" },
	  { "2001:db8::1", "27fe:8bc7:fee:1e:1e1f:f0fe:f0e1:83fd" } },
};

/* ---- helpers ------------------------------------------------------------------------------ */

static void parse(int af, const char *s, uint8_t *out)
{
	if (inet_pton(af, s, out) != 1)
		fail_msg("bad address in the test table: %s", s);
}

static void check(struct pseudo *p, int af, const struct vec *v)
{
	uint8_t in[16], want[16], got[16];
	char txt[INET6_ADDRSTRLEN];
	size_t len = af == AF_INET ? 4 : 16;

	parse(af, v->in, in);
	parse(af, v->want, want);
	memset(got, 0xee, sizeof(got));
	assert_true(af == AF_INET ? pseudo_ipv4(p, in, got) : pseudo_ipv6(p, in, got));
	if (memcmp(got, want, len) != 0)
		fail_msg("%s -> %s, want %s", v->in, inet_ntop(af, got, txt, sizeof(txt)), v->want);
	/* in place, through pseudo_addr */
	assert_true(pseudo_addr(p, af == AF_INET ? 4 : 6, in));
	assert_memory_equal(in, want, len);
}

/* xorshift64*: a fixed pseudo-random sequence for the property tests */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1dull;
}

static void rnd_bytes(uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(rnd() >> 56);
}

/* Length of the common prefix of a and b, in bits (n bytes each). */
static unsigned common_prefix(const uint8_t *a, const uint8_t *b, size_t n)
{
	unsigned k = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t x = a[i] ^ b[i];
		if (!x) {
			k += 8;
			continue;
		}
		while (!(x & 0x80)) {
			x = (uint8_t)(x << 1);
			k++;
		}
		return k;
	}
	return k;
}

/* ---- the published vectors ------------------------------------------------------------------ */

static void test_reference_ipv4(void **state)
{
	struct pseudo *p = pseudo_new(key_ref);
	(void)state;
	assert_non_null(p);
	for (size_t i = 0; i < ARRAY_LEN(ref_v4); i++)
		check(p, AF_INET, &ref_v4[i]);
	pseudo_free(p);
}

static void test_reference_ipv6(void **state)
{
	struct pseudo *p = pseudo_new(key_ref);
	(void)state;
	assert_non_null(p);
	for (size_t i = 0; i < ARRAY_LEN(ref_v6); i++)
		check(p, AF_INET6, &ref_v6[i]);
	pseudo_free(p);
}

static void test_other_keys(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(other); i++) {
		uint8_t key[PSEUDO_KEY_LEN];
		struct pseudo *p;
		if (other[i].key) {
			assert_int_equal(strlen(other[i].key), PSEUDO_KEY_LEN);
			memcpy(key, other[i].key, PSEUDO_KEY_LEN);
		} else {
			for (int k = 0; k < PSEUDO_KEY_LEN; k++)
				key[k] = (uint8_t)k;
		}
		p = pseudo_new(key);
		assert_non_null(p);
		check(p, AF_INET, &other[i].v4);
		if (other[i].v6.in)
			check(p, AF_INET6, &other[i].v6);
		pseudo_free(p);
	}
}

/* ---- properties ------------------------------------------------------------------------------ */

/* Pairs of addresses sharing exactly k leading bits, for every k: their pseudonyms share
 * exactly k leading bits (the first differing bit keeps differing: same prefix, same pad bit). */
static void prefix_pairs(struct pseudo *p, size_t len)
{
	uint8_t a[16], b[16], pa[16], pb[16];
	unsigned nbits = (unsigned)len * 8;

	for (int round = 0; round < 4; round++)
		for (unsigned k = 0; k <= nbits; k++) {
			rnd_bytes(a, len);
			rnd_bytes(b, len);
			/* b: a's first k bits, then bit k flipped (when k < nbits), then random */
			for (unsigned i = 0; i < k; i++) {
				uint8_t m = (uint8_t)(0x80u >> (i % 8));
				b[i / 8] = (uint8_t)((b[i / 8] & ~m) | (a[i / 8] & m));
			}
			if (k < nbits) {
				uint8_t m = (uint8_t)(0x80u >> (k % 8));
				b[k / 8] = (uint8_t)((b[k / 8] & ~m) | (~a[k / 8] & m));
			}
			assert_int_equal(common_prefix(a, b, len), k);
			assert_true(len == 4 ? pseudo_ipv4(p, a, pa) : pseudo_ipv6(p, a, pa));
			assert_true(len == 4 ? pseudo_ipv4(p, b, pb) : pseudo_ipv6(p, b, pb));
			if (common_prefix(pa, pb, len) != k)
				fail_msg("len %zu: inputs share %u bits, pseudonyms %u", len, k,
					 common_prefix(pa, pb, len));
		}
}

static void test_prefix_preserving(void **state)
{
	uint8_t key[PSEUDO_KEY_LEN];
	(void)state;
	for (int r = 0; r < 3; r++) {
		struct pseudo *p;
		rnd_bytes(key, sizeof(key));
		p = pseudo_new(key);
		assert_non_null(p);
		prefix_pairs(p, 4);
		prefix_pairs(p, 16);
		pseudo_free(p);
	}
}

/* A /30 (two hosts of a veth pair, say) maps to one /30: the four addresses stay distinct and
 * share their first 30 bits. One-to-one over a whole /16 as well. */
static void test_subnets(void **state)
{
	static uint8_t seen[1 << 16 >> 3];
	struct pseudo *p = pseudo_new(key_ref);
	uint8_t a[4] = { 10, 200, 0, 0 }, o[4][4], first[4];
	(void)state;
	assert_non_null(p);
	for (int h = 0; h < 4; h++) {
		a[3] = (uint8_t)h;
		assert_true(pseudo_ipv4(p, a, o[h]));
		assert_true(common_prefix(o[0], o[h], 4) >= 30);
		for (int g = 0; g < h; g++)
			assert_memory_not_equal(o[g], o[h], 4);
	}
	memset(seen, 0, sizeof(seen));
	for (unsigned i = 0; i < (1u << 16); i++) {
		uint8_t in[4] = { 172, 16, (uint8_t)(i >> 8), (uint8_t)i }, out[4];
		unsigned idx;
		assert_true(pseudo_ipv4(p, in, out));
		if (i == 0)
			memcpy(first, out, 4);
		assert_true(common_prefix(first, out, 4) >= 16);
		idx = (unsigned)out[2] << 8 | out[3];
		assert_false(seen[idx >> 3] & (1u << (idx & 7)));
		seen[idx >> 3] |= (uint8_t)(1u << (idx & 7));
	}
	pseudo_free(p);
}

/* Same key, same pseudonym: across calls and across instances. */
static void test_deterministic(void **state)
{
	struct pseudo *p = pseudo_new(key_ref), *q = pseudo_new(key_ref);
	uint8_t a[16], x[16], y[16], z[16];
	(void)state;
	assert_non_null(p);
	assert_non_null(q);
	for (int i = 0; i < 200; i++) {
		rnd_bytes(a, sizeof(a));
		assert_true(pseudo_ipv6(p, a, x));
		assert_true(pseudo_ipv6(p, a, y));
		assert_true(pseudo_ipv6(q, a, z));
		assert_memory_equal(x, y, 16);
		assert_memory_equal(x, z, 16);
		assert_true(pseudo_ipv4(p, a, x));
		assert_true(pseudo_ipv4(q, a, z));
		assert_memory_equal(x, z, 4);
	}
	pseudo_free(p);
	pseudo_free(q);
}

/* A different key (one bit of the AES part, one bit of the pad part) gives different
 * pseudonyms (equal by chance with probability 2^-32 per IPv4 address). */
static void test_key_dependence(void **state)
{
	uint8_t k1[PSEUDO_KEY_LEN], k2[PSEUDO_KEY_LEN], a[16], x[16], y[16];
	(void)state;
	for (int flip = 0; flip < 2; flip++) {
		struct pseudo *p, *q;
		memcpy(k1, key_ref, sizeof(k1));
		memcpy(k2, key_ref, sizeof(k2));
		k2[flip ? 31 : 0] ^= 1;
		p = pseudo_new(k1);
		q = pseudo_new(k2);
		assert_non_null(p);
		assert_non_null(q);
		for (int i = 0; i < 500; i++) {
			rnd_bytes(a, sizeof(a));
			assert_true(pseudo_ipv4(p, a, x));
			assert_true(pseudo_ipv4(q, a, y));
			assert_memory_not_equal(x, y, 4);
			assert_true(pseudo_ipv6(p, a, x));
			assert_true(pseudo_ipv6(q, a, y));
			assert_memory_not_equal(x, y, 16);
		}
		pseudo_free(p);
		pseudo_free(q);
	}
}

static void test_bad_family(void **state)
{
	struct pseudo *p = pseudo_new(key_ref);
	uint8_t a[16], zero[16] = { 0 };
	(void)state;
	assert_non_null(p);
	memset(a, 0x5a, sizeof(a));
	assert_false(pseudo_addr(p, 5, a));
	assert_memory_equal(a, zero, 16);
	pseudo_free(p);
	pseudo_free(NULL);
}

/* ---- key files ------------------------------------------------------------------------------- */

static void write_key(const char *path, const void *b, size_t n, mode_t mode)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	if (n)
		assert_int_equal(fwrite(b, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void test_keyfile(void **state)
{
	static const struct {
		size_t len;
		mode_t mode;
		const char *err; /* NULL: accepted */
	} cases[] = {
		{ 32, 0600, NULL },
		{ 32, 0400, NULL },
		{ 31, 0600, "holds 31 bytes" },
		{ 33, 0600, "holds more than 32 bytes" },
		{ 0, 0600, "holds 0 bytes" },
		{ 64, 0600, "holds more than 32 bytes" },
		{ 32, 0640, "group or others" },
		{ 32, 0604, "group or others" },
		{ 32, 0660, "group or others" },
	};
	const char *tmp = getenv("TMPDIR");
	char path[4096], err[256];
	uint8_t buf[64];
	(void)state;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	snprintf(path, sizeof(path), "%s/test_pseudo.%ld.key", tmp, (long)getpid());
	memcpy(buf, key_ref, 32);
	memcpy(buf + 32, key_ref, 32);
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct pseudo *p;
		unlink(path);
		write_key(path, buf, cases[i].len, cases[i].mode);
		p = pseudo_new_keyfile(path, err, sizeof(err));
		if (!cases[i].err) {
			if (!p)
				fail_msg("case %zu refused: %s", i, err);
			check(p, AF_INET, &ref_v4[0]); /* the file's key is the key */
			pseudo_free(p);
		} else {
			assert_null(p);
			if (!strstr(err, cases[i].err) || !strstr(err, path))
				fail_msg("case %zu: '%s' lacks '%s' or the path", i, err,
					 cases[i].err);
		}
	}
	unlink(path);
	assert_null(pseudo_new_keyfile(path, err, sizeof(err)));
	assert_non_null(strstr(err, "cannot open"));
	assert_null(pseudo_new_keyfile(tmp, err, sizeof(err)));
	assert_true(strstr(err, "not a regular file") || strstr(err, "group or others"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_ipv4),
		cmocka_unit_test(test_reference_ipv6),
		cmocka_unit_test(test_other_keys),
		cmocka_unit_test(test_prefix_preserving),
		cmocka_unit_test(test_subnets),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_key_dependence),
		cmocka_unit_test(test_bad_family),
		cmocka_unit_test(test_keyfile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
