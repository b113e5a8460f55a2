/*
 * fp: TLS client and server fingerprints (JA3, JA3S, JA4) as pure functions of parsed views.
 *
 * Inputs are the views of msg.h (struct tls_client_hello / struct tls_server_hello); nothing
 * here parses bytes or keeps state, and hashing goes only through digest.h. Outputs are
 * NUL-terminated strings written into the caller's buffers.
 *
 * Definitions (see /work/shared/research/fingerprints.md):
 *   JA3  (salesforce) "SSLVersion,Ciphers,Extensions,EllipticCurves,ECPointFormats": decimal
 *        values, '-' inside a field, ',' between fields, empty field when absent; GREASE
 *        (RFC 8701) removed from ciphers, extensions and groups; version = legacy_version
 *        (771 even for TLS 1.3); JA3 = MD5 hex of that string.
 *   JA3S "SSLVersion,Cipher,Extensions" of a ServerHello (legacy_version, GREASE removed),
 *        MD5 hex.
 *   JA4  (FoxIO, BSD-3) "a_b_c": a = transport + version + d/i + cipher count + extension
 *        count + ALPN first/last character; b = hash12 of the sorted cipher list; c = hash12
 *        of the sorted extension list without SNI/ALPN, then '_' + the signature algorithms in
 *        wire order. hash12 = first 12 hex chars of SHA-256, "000000000000" for an empty list.
 *        The ALPN rule is the specification's newest one: when the first or last byte of the
 *        first ALPN value is not [0-9A-Za-z], the first and last hex digits of the value's
 *        hex string are used (0xba 0xad -> "bd"); a one-character value gives that character
 *        twice; no ALPN, an empty list or an empty first value give "00".
 *
 * Extension lists come from the view's ext_block (every extension, also beyond the
 * TLS_MAX_EXTS that exts[] keeps); a hand-built view without ext_block uses exts[]. JA3 / JA3S /
 * JA4 keep duplicate extensions as sent. signature_algorithms, supported_groups, ALPN and
 * supported_versions are the view's decoded ones (the first such extension).
 *
 * SSLv2-form ClientHellos (ch->sslv2): no JA3 and no JA4, as in tshark (which computes
 * neither), Suricata and the FoxIO tools. The string functions then write "" and return
 * false; fp_ja3 and fp_ja4 write "". Callers can test ch->sslv2 to tell this apart.
 *
 * Memory: ordinary hellos are fingerprinted on the stack. A hello whose lists are very long
 * (hundreds of suites) needs one temporary heap buffer; should that allocation fail, the
 * output is "" (the string functions return false). No pointer is kept after a call.
 */
#ifndef TLSSCOPE_WIRE_FP_H
#define TLSSCOPE_WIRE_FP_H

#include <stdbool.h>
#include <stddef.h>

#include "capture/wire/msg.h"

#define FP_MD5_HEX 33 /* 32 lowercase hex digits + NUL */
#define FP_JA4_LEN 37 /* "t13d1516h2_8daaf6152771_e5627efa2ab1" + NUL */

/* JA4 transport letters. */
#define FP_JA4_TCP 't'
#define FP_JA4_QUIC 'q'
#define FP_JA4_DTLS 'd'

/*
 * Writes the JA3 string of ch ("771,4865-4866-...,0-23-...,29-23-24,0") into out[0..cap).
 * Returns true when it fits with its NUL; false when it does not fit (out then holds a cut,
 * NUL-terminated prefix when cap > 0) or when ch is an SSLv2-form hello (out = "").
 */
bool fp_ja3_string(const struct tls_client_hello *ch, char *out, size_t cap)
	__attribute__((warn_unused_result));

/* Writes the JA3 (MD5 hex of the JA3 string, 32 chars + NUL) into out; "" for an SSLv2-form
 * hello. */
void fp_ja3(const struct tls_client_hello *ch, char out[FP_MD5_HEX]);

/* Writes the JA3S string of sh ("771,4866,43-51") into out[0..cap). Returns false when it
 * does not fit (out holds a cut, NUL-terminated prefix when cap > 0). */
bool fp_ja3s_string(const struct tls_server_hello *sh, char *out, size_t cap)
	__attribute__((warn_unused_result));

/* Writes the JA3S (MD5 hex of the JA3S string) into out. */
void fp_ja3s(const struct tls_server_hello *sh, char out[FP_MD5_HEX]);

/*
 * Writes the JA4 of ch ("t13d1516h2_8daaf6152771_e5627efa2ab1", 36 chars + NUL) into out.
 * transport: FP_JA4_TCP, FP_JA4_QUIC or FP_JA4_DTLS (written as given). "" for an SSLv2-form
 * hello.
 */
void fp_ja4(const struct tls_client_hello *ch, char transport, char out[FP_JA4_LEN]);

/*
 * Writes ja4_r, the raw form of JA4 with the lists unhashed, into out[0..cap):
 * "t13d1516h2_002f,0035,..._0005,000a,..._0403,0804,..." (a, sorted ciphers, sorted
 * extensions without SNI/ALPN, and '_' + signature algorithms only when there are any).
 * Returns false when it does not fit (out holds a cut prefix when cap > 0) or for an
 * SSLv2-form hello (out = "").
 */
bool fp_ja4_r(const struct tls_client_hello *ch, char transport, char *out, size_t cap)
	__attribute__((warn_unused_result));

#endif
