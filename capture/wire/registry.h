/*
 * registry: the TLS code point registries (cipher suites, supported groups, signature
 * schemes, extension types, SSLv2 cipher specs) and the protocol version names.
 *
 * The tables are generated at build time by capture/wire/gen_registry.py from the CSV
 * files in data/ (IANA registries and our cipher suite table; origins in data/README.md)
 * into registry_tables.c, sorted by code point: lookups are binary searches, iteration
 * with *_at() is in ascending code order.
 *
 * Every returned pointer points into static constant tables and stays valid for the life of
 * the program; nothing is allocated, all functions are thread-safe. The one exception is the
 * *_name() functions for a code point the registry does not list: they write "0x" and four
 * lowercase hex digits ("0x1a2b", INTERFACE.md) into the caller's 7-byte buffer and return
 * it (NULL when buf is NULL). GREASE values (RFC 8701) and IANA ranges marked Unassigned or
 * Reserved are not in the registries, so they come out in that "0xXXXX" form.
 *
 * Names are IANA's, with two normalisations done by the generator: a parenthesised
 * "(renamed from ...)" is dropped ("supported_groups"), "connection_id (deprecated)" becomes
 * "connection_id_deprecated" and "X25519Kyber768Draft00 (OBSOLETE)" becomes
 * "X25519Kyber768Draft00" with obsolete set.
 */
#ifndef TLSSCOPE_WIRE_REGISTRY_H
#define TLSSCOPE_WIRE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/wire/msg.h"

/* A cipher suite (IANA "TLS Cipher Suites") or signalling value (SCSV). Strings are the
 * spellings of data/tls-cipher-suites.csv; "" when the column is empty (SCSVs). */
struct tls_suite_info {
	uint16_t code;
	const char *name;          /* IANA name, e.g. "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" */
	const char *openssl_name;  /* e.g. "ECDHE-RSA-AES128-GCM-SHA256"; NULL if none */
	const char *kx;            /* "ECDHE", "DHE", "DH", "RSA", "PSK", "SRP", "KRB5",
				      "any(ECDHE/DHE/PSK)" (TLS 1.3), "SCSV", ... */
	const char *auth;          /* "RSA", "ECDSA", "DSS", "PSK", "anon", "any", ... */
	const char *enc;           /* "AES_128_GCM", "3DES_EDE_CBC", "RC4_128", "NULL", ... */
	const char *mac;           /* "SHA", "SHA256", "MD5", "AEAD", ... */
	unsigned enc_bits;         /* cipher key bits (3DES: 168; NULL cipher: 0) */
	unsigned enc_strength;     /* effective bits (3DES: 112; export: 40) */
	bool aead;
	bool export_;              /* export-grade suite */
	bool tls13_only;           /* TLS 1.3 suite (no key exchange in the suite) */
	bool scsv;                 /* signalling value, not a suite: TLS_EMPTY_RENEGOTIATION_INFO_SCSV
				      (RFC 5746), TLS_FALLBACK_SCSV (RFC 7507) */
	bool pfs;                  /* ephemeral key exchange (TLS 1.3: unless psk_ke) */
	enum tls_kx ske_kx;        /* what a TLS <= 1.2 ServerKeyExchange carries with this suite:
				      TLS_KX_NONE when none is sent (RSA, static (EC)DH, TLS 1.3,
				      SCSV), TLS_KX_OTHER for SRP/GOST/ECCPWD/KRB5 */
	const char *min_version;   /* oldest protocol version able to negotiate the suite:
				      "SSLv3", "TLSv1.0", "TLSv1.2" or "TLSv1.3"; NULL for SCSVs */
	bool min_version_derived;  /* min_version is OpenSSL's when OpenSSL implements the suite;
				      otherwise (true here) derived: TLS 1.3 suites -> TLSv1.3;
				      AEAD, SHA-2 or other non-SHA1/MD5 MAC, or own PRF -> TLSv1.2;
				      codes <= 0x001b (RFC 6101) -> SSLv3; else TLSv1.0 */
	char iana_recommended;     /* 'Y', 'N', 'D' (discouraged, RFC 8447bis) or 0 */
};

/* A supported group (IANA "TLS Supported Groups"). */
struct tls_group_info {
	uint16_t code;
	const char *name;          /* "x25519", "secp256r1", "ffdhe2048", "X25519MLKEM768", ... */
	char iana_recommended;     /* 'Y', 'N', 'D' or 0 */
	bool pq;                   /* post-quantum KEM inside: ML-KEM or (obsolete) Kyber */
	bool pq_hybrid;            /* pq combined with a classical ECDH group */
	bool obsolete;             /* IANA marks the entry OBSOLETE (pre-standard Kyber drafts) */
};

/* A signature scheme (IANA "TLS SignatureScheme"). TLS 1.2 (hash, signature) pairs that IANA
 * lists as "Reserved for backward compatibility" (e.g. 0x0202 dsa_sha1) are not included. */
struct tls_sigscheme_info {
	uint16_t code;
	const char *name;          /* "rsa_pss_rsae_sha256", "ecdsa_secp256r1_sha256", ... */
	char iana_recommended;     /* 'Y', 'N', 'D' or 0 */
};

/* An extension type (IANA "TLS ExtensionType Values"). */
struct tls_ext_info {
	uint16_t code;
	const char *name;          /* "server_name", "supported_versions", "renegotiation_info" */
	const char *tls13;         /* IANA "TLS 1.3" column: messages that may carry it in TLS 1.3
				      ("CH, SH, HRR"), "-" when not used in TLS 1.3; NULL if the
				      column is empty in our data */
	bool dtls_only;
	char iana_recommended;     /* 'Y', 'N', 'D' or 0 */
	bool deprecated;           /* IANA marks the entry "(deprecated)" */
};

/* An SSLv2 cipher spec (SSL 2.0 draft, appendix "Cipher kind values"). */
struct tls_sslv2_info {
	uint32_t spec;             /* 3-byte CIPHER-KIND, e.g. 0x0700c0 */
	const char *name;          /* "SSL_CK_DES_192_EDE3_CBC_WITH_MD5" */
	unsigned key_bits;         /* secret key bits: 128, 40 (export), 56 (DES), 168 (3DES) */
	bool export_;
};

/* Cipher suites, including the two SCSVs. tls_reg_suite: the entry for code, NULL if IANA
 * lists no suite there. tls_reg_suite_at(i): entry i in ascending code order, i <
 * tls_reg_suite_count(), NULL beyond. tls_reg_suite_name: the IANA name, or "0xXXXX" in buf
 * for unknown codes (see the top of this file). */
const struct tls_suite_info *tls_reg_suite(uint16_t code);
size_t tls_reg_suite_count(void);
const struct tls_suite_info *tls_reg_suite_at(size_t i);
const char *tls_reg_suite_name(uint16_t code, char buf[7]);

/* The suite whose IANA name or OpenSSL name equals name (case-sensitive), or NULL (also for
 * name == NULL). Linear search: for configuration, not for packet paths. */
const struct tls_suite_info *tls_reg_suite_by_name(const char *name);

/* Supported groups: same shape as the cipher suite functions. */
const struct tls_group_info *tls_reg_group(uint16_t code);
size_t tls_reg_group_count(void);
const struct tls_group_info *tls_reg_group_at(size_t i);
const char *tls_reg_group_name(uint16_t code, char buf[7]);

/* Signature schemes: same shape. */
const struct tls_sigscheme_info *tls_reg_sigscheme(uint16_t code);
size_t tls_reg_sigscheme_count(void);
const struct tls_sigscheme_info *tls_reg_sigscheme_at(size_t i);
const char *tls_reg_sigscheme_name(uint16_t code, char buf[7]);

/* Extension types: same shape. */
const struct tls_ext_info *tls_reg_ext(uint16_t code);
size_t tls_reg_ext_count(void);
const struct tls_ext_info *tls_reg_ext_at(size_t i);
const char *tls_reg_ext_name(uint16_t code, char buf[7]);

/* SSLv2 cipher specs (spec = the 3-byte value as an integer). tls_reg_sslv2_name returns
 * NULL for specs that are not one of the seven SSL 2.0 ones (for example TLS suites 0x00XXXX
 * carried in an SSLv2-format ClientHello: look those up with tls_reg_suite). */
const struct tls_sslv2_info *tls_reg_sslv2(uint32_t spec);
size_t tls_reg_sslv2_count(void);
const struct tls_sslv2_info *tls_reg_sslv2_at(size_t i);
const char *tls_reg_sslv2_name(uint32_t spec);

/* "SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3" for the version code points
 * of enum tls_version (msg.h); NULL for anything else (DTLS, TLS 1.3 drafts, GREASE). */
const char *tls_reg_version_name(uint16_t v);

#endif
