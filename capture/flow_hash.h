/*
 * flow_hash: SipHash-1-3 over 64-bit words, the keyed hash of the flow table (private to
 * capture/flow.c and its unit test).
 *
 * SipHash (Aumasson and Bernstein, 2012; https://github.com/veorq/SipHash) is a PRF: without
 * the 128-bit key an attacker cannot choose 5-tuples that collide, so a flood of crafted
 * tuples cannot degrade the table into long probe chains. 1 compression and 3 finalization
 * rounds are the hash-table variant (as in Python and Rust). The message is n words, each
 * the little-endian reading of 8 message bytes, so flow_sip13(k0, k1, w, n) equals the
 * reference siphash of the 8n bytes those words encode under the key bytes (k0, k1) read
 * the same way.
 */
#ifndef TLSSCOPE_CAPTURE_FLOW_HASH_H
#define TLSSCOPE_CAPTURE_FLOW_HASH_H

#include <stddef.h>
#include <stdint.h>

#define FLOW_SIP_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define FLOW_SIP_ROUND(v0, v1, v2, v3)                                          \
	do {                                                                    \
		v0 += v1; v1 = FLOW_SIP_ROTL(v1, 13); v1 ^= v0;                 \
		v0 = FLOW_SIP_ROTL(v0, 32);                                     \
		v2 += v3; v3 = FLOW_SIP_ROTL(v3, 16); v3 ^= v2;                 \
		v0 += v3; v3 = FLOW_SIP_ROTL(v3, 21); v3 ^= v0;                 \
		v2 += v1; v1 = FLOW_SIP_ROTL(v1, 17); v1 ^= v2;                 \
		v2 = FLOW_SIP_ROTL(v2, 32);                                     \
	} while (0)

static inline uint64_t flow_sip13(uint64_t k0, uint64_t k1, const uint64_t *w, size_t n)
{
	uint64_t v0 = k0 ^ 0x736f6d6570736575ull;
	uint64_t v1 = k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ull;
	uint64_t v3 = k1 ^ 0x7465646279746573ull;
	for (size_t i = 0; i < n; i++) {
		v3 ^= w[i];
		FLOW_SIP_ROUND(v0, v1, v2, v3);
		v0 ^= w[i];
	}
	uint64_t b = (uint64_t)(n * 8) << 56; /* length byte, no tail bytes */
	v3 ^= b;
	FLOW_SIP_ROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	FLOW_SIP_ROUND(v0, v1, v2, v3);
	FLOW_SIP_ROUND(v0, v1, v2, v3);
	FLOW_SIP_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

#endif
