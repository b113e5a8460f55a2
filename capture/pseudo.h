/*
 * pseudo: keyed, prefix-preserving pseudonymization of IP addresses (Crypto-PAn).
 *
 * The sensor replaces each client address with its pseudonym before a record leaves the
 * sensor (sensor.h, opts.pseudo), so neither the JSON output nor the store ever sees the real
 * client address; server addresses are kept (the analyzer correlates them with scans).
 *
 * Scheme: Crypto-PAn (J. Xu, J. Fan, M. Ammar, S. Moon, "Prefix-Preserving IP Address
 * Anonymization", ICNP 2002), as in the authors' reference implementation and tcpdpriv's
 * successors. The 32-byte key is an AES-128 key (bytes 0-15) and a pad seed (bytes 16-31);
 * pad = AES_K(seed). Bit i of the pseudonym (most significant first) is
 *
 *     a[i] XOR msb( AES_K( a[0..i-1] || pad[i..127] ) )
 *
 * where a is the address: the first i bits of the address followed by the remaining bits of
 * the pad form one 128-bit block, encrypted with AES-128 in ECB mode. IPv4 uses bits 0-31
 * (the reference implementation's exact output: the unit test checks its published vectors);
 * IPv6 uses the natural extension to bits 0-127 (the same as Yawning Angel's Go cryptopan and
 * yacryptopan, whose published IPv6 outputs the unit test also checks).
 *
 * Properties: one pseudonym per address and key (deterministic, one-to-one), and two
 * addresses that share exactly their first k bits have pseudonyms that share exactly their
 * first k bits (a /30 stays a /30, a subnet's hosts stay in one pseudonymous subnet).
 * Without the key the mapping cannot be computed or inverted; note that any prefix-preserving
 * scheme leaks the subnet structure by design, and a known (address, pseudonym) pair reveals
 * the pseudonyms of the prefixes it shares with others.
 *
 * Cost: 32 (IPv4) or 128 (IPv6) AES blocks per address, encrypted in one call.
 * Threads: a struct pseudo holds an OpenSSL cipher context: use it from one thread at a time.
 */
#ifndef TLSSCOPE_CAPTURE_PSEUDO_H
#define TLSSCOPE_CAPTURE_PSEUDO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PSEUDO_KEY_LEN 32 /* 16 bytes of AES-128 key, then 16 bytes of pad seed */

struct pseudo;

/* A pseudonymizer with this key (copied; the caller may wipe its copy). Returns NULL when
 * out of memory or when OpenSSL cannot set up AES-128-ECB. */
struct pseudo *pseudo_new(const uint8_t key[PSEUDO_KEY_LEN]) __attribute__((warn_unused_result));

/*
 * A pseudonymizer whose key is the content of the file at path: exactly PSEUDO_KEY_LEN bytes
 * (e.g. `head -c 32 /dev/urandom > KEYFILE; chmod 600 KEYFILE`). Like a private key, the file
 * must be a regular file that neither group nor others may access (mode & 077 == 0).
 * Returns NULL with a message in err (errlen bytes, always NUL-terminated) naming the path:
 * cannot open, not a regular file, group/world-accessible, wrong size, out of memory.
 * The key bytes read are wiped from the stack before returning.
 */
struct pseudo *pseudo_new_keyfile(const char *path, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Wipes the key material and frees p (NULL-safe). */
void pseudo_free(struct pseudo *p);

/*
 * The pseudonym of the IPv4 address in[0..3] (network byte order) into out[0..3], or of the
 * IPv6 address in[0..15] into out[0..15]; in and out may be the same buffer. Returns true.
 * On an OpenSSL failure (not expected once pseudo_new succeeded) out is all zeros (the real
 * address never passes through) and false is returned.
 */
bool pseudo_ipv4(struct pseudo *p, const uint8_t in[4], uint8_t out[4]);
bool pseudo_ipv6(struct pseudo *p, const uint8_t in[16], uint8_t out[16]);

/* pseudo_ipv4 when family is 4, pseudo_ipv6 when 6, on addr in place; any other family:
 * addr is zeroed and false returned. */
bool pseudo_addr(struct pseudo *p, uint8_t family, uint8_t addr[16]);

#endif
