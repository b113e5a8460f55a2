/*
 * plan_dh: names of well-known finite-field Diffie-Hellman primes, so that a DHE
 * ServerKeyExchange's p can be reported as "ffdhe2048" (RFC 7919, a TLS group) or
 * "modp2048" (RFC 3526 / RFC 2409, the IKE groups many servers use) rather than as a bare
 * size. The primes come from the libraries, not from our own tables: GnuTLS exports the
 * RFC 7919 ones as data, OpenSSL builds the RFC 2409/3526 ones (BN_get_rfc*_prime_*).
 * See plan_int.h.
 */
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <openssl/bn.h>

#include "capture/wire/cur.h"
#include "scanner/plan_int.h"

/* p without its leading zero bytes, as a cursor. */
static struct cur strip(const uint8_t *p, size_t len)
{
	struct cur c = cur_make(p, len);
	uint8_t b;
	while (cur_left(&c) > 0 && c.p[0] == 0)
		if (!cur_u8(&c, &b))
			break;
	return c;
}

static bool same(struct cur a, const uint8_t *p, size_t len)
{
	struct cur b = strip(p, len);
	return cur_left(&a) == cur_left(&b) && memcmp(a.p, b.p, cur_left(&a)) == 0;
}

static bool same_bn(struct cur a, BIGNUM *(*get)(BIGNUM *))
{
	uint8_t buf[1024];
	BIGNUM *bn = get(NULL);
	bool eq = false;
	if (bn && (size_t)BN_num_bytes(bn) == cur_left(&a) && BN_num_bytes(bn) <= (int)sizeof(buf)) {
		int n = BN_bn2bin(bn, buf);
		eq = n > 0 && memcmp(buf, a.p, (size_t)n) == 0;
	}
	BN_free(bn);
	return eq;
}

const char *plan_dh_prime_name(const uint8_t *p, size_t len, uint16_t *ffdhe)
{
	static const struct {
		uint16_t group;
		const char *name;
		const gnutls_datum_t *prime;
	} rfc7919[] = {
		{ 0x0100, "ffdhe2048", &gnutls_ffdhe_2048_group_prime },
		{ 0x0101, "ffdhe3072", &gnutls_ffdhe_3072_group_prime },
		{ 0x0102, "ffdhe4096", &gnutls_ffdhe_4096_group_prime },
		{ 0x0103, "ffdhe6144", &gnutls_ffdhe_6144_group_prime },
		{ 0x0104, "ffdhe8192", &gnutls_ffdhe_8192_group_prime },
	};
	static const struct {
		const char *name;
		BIGNUM *(*get)(BIGNUM *);
	} modp[] = {
		{ "modp768", BN_get_rfc2409_prime_768 },
		{ "modp1024", BN_get_rfc2409_prime_1024 },
		{ "modp1536", BN_get_rfc3526_prime_1536 },
		{ "modp2048", BN_get_rfc3526_prime_2048 },
		{ "modp3072", BN_get_rfc3526_prime_3072 },
		{ "modp4096", BN_get_rfc3526_prime_4096 },
		{ "modp6144", BN_get_rfc3526_prime_6144 },
		{ "modp8192", BN_get_rfc3526_prime_8192 },
	};
	struct cur c = strip(p, len);
	*ffdhe = 0;
	for (size_t i = 0; i < sizeof(rfc7919) / sizeof(rfc7919[0]); i++)
		if (same(c, rfc7919[i].prime->data, rfc7919[i].prime->size)) {
			*ffdhe = rfc7919[i].group;
			return rfc7919[i].name;
		}
	for (size_t i = 0; i < sizeof(modp) / sizeof(modp[0]); i++)
		if (same_bn(c, modp[i].get))
			return modp[i].name;
	return NULL;
}
