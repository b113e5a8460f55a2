/*
 * chb: the ClientHello builder of the active scanner.
 *
 * A pure encoder: a plain config struct in, the bytes a client would send out. It can say
 * anything from an SSLv2 CLIENT-HELLO to a TLS 1.3 ClientHello, with any lists of suites,
 * groups, signature schemes and extensions (GREASE and unknown code points included): the
 * scanner probes servers with hellos no TLS library would send. It checks only what the wire
 * format needs (lengths that fit their fields) and a few header rules listed below; it never
 * adds, drops or reorders anything on its own. Built only through struct bld (STYLE rule 9),
 * round-tripped through rec.h + msg.h in tests/unit/test_chb.c (rule 10).
 *
 * Layout (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2):
 *   legacy_version, random[32], session_id<0..32>, cipher_suites<2..2^16-2>,
 *   compression_methods<1..2^8-1>, extensions<0..2^16-1> (absent when no_extensions).
 *
 * Extension order (fixed, so that a config always gives the same bytes; it follows NSS, whose
 * order RFC 8448 shows). Each one is written only when its field asks for it:
 *    1. server_name (0)             sni != NULL: one host_name entry
 *    2. extended_master_secret (23) ems: empty
 *    3. renegotiation_info (0xff01) reneg_info: empty renegotiated_connection (body 00)
 *    4. supported_groups (10)       n_groups > 0
 *    5. ec_point_formats (11)       n_point_formats > 0
 *    6. session_ticket (35)         session_ticket: empty
 *    7. ALPN (16)                   n_alpn > 0
 *    8. status_request (5)          status_request: OCSP, no responder ids, no extensions
 *    9. signed_certificate_timestamp (18)  sct: empty
 *   10. encrypt_then_mac (22)       etm: empty
 *   11. heartbeat (15)              heartbeat: mode 1 (peer_allowed_to_send)
 *   12. key_share (51)              n_key_shares > 0 (an empty client_shares list: use extra)
 *   13. early_data (42)             early_data: empty
 *   14. supported_versions (43)     n_versions > 0
 *   15. signature_algorithms (13)   n_sig_algs > 0
 *   16. psk_key_exchange_modes (45) psk_modes: psk_dhe_ke (1)
 *   17. padding (21)                pad_to > 0: see below
 *   18. extra[0..n_extra)           raw, in the given order (so a pre_shared_key given as
 *                                   the last extra stays last, RFC 8446 §4.2.11)
 *
 * Padding (RFC 7685): when the handshake message (4-byte header + ClientHello body) would be
 * shorter than pad_to, a padding extension of zero bytes makes it exactly pad_to long; when
 * it is 1..3 bytes short (less than an extension header), an empty padding extension makes it
 * 1..3 bytes longer than pad_to; when it is already long enough, no padding is added.
 *
 * Records: the handshake message goes into TLS records of type handshake (22) with version
 * record_version, split into fragments of at most 16384 bytes (RFC 8446 §5.1), each with its
 * own record header. SSLv2 form (sslv2_format): one SSLv2 record, 2-byte header (high bit set,
 * 15-bit length), body = CLIENT-HELLO (RFC 6101 appendix E.1, RFC 5246 appendix E.2):
 *   msg_type 1, version = legacy_version, cipher_spec_length, session_id_length,
 *   challenge_length, cipher_specs (3 bytes each: sslv2_specs, then suites as 0x00XXXX),
 *   session_id, challenge (= random).
 */
#ifndef TLSSCOPE_WIRE_CHB_H
#define TLSSCOPE_WIRE_CHB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/wire/msg.h"

#define TLS_CHB_MAX_FRAGMENT 16384 /* RFC 8446 §5.1 */
#define TLS_CHB_MAX_SSLV2 32767    /* 15-bit SSLv2 record length */

/* One key_share entry (RFC 8446 §4.2.8): the group and its public key bytes (borrowed). */
struct tls_chb_key_share {
	uint16_t group;
	const uint8_t *key;
	size_t key_len;
};

/*
 * What to send. Every pointer is borrowed and only read during tls_chb_build; a pointer may
 * be NULL when its count is 0. Zero-initialise and fill in what you want: a zero count or a
 * false flag leaves the field out.
 */
struct tls_chb {
	uint16_t record_version;          /* TLS record header version, e.g. 0x0301 (raw) */
	uint16_t legacy_version;          /* client_version; SSLv2 form: 0x0002 or 0x03XX */
	bool sslv2_format;                /* SSLv2 record + CLIENT-HELLO */
	const uint8_t *random;            /* 32 bytes; SSLv2 form: the challenge, 16..32 */
	size_t random_len;
	const uint8_t *session_id;        /* 0..32 bytes; SSLv2 form: 0 or 16 */
	size_t session_id_len;
	const uint16_t *suites;           /* cipher suites, wire order, GREASE/SCSV as given */
	size_t n_suites;
	const uint32_t *sslv2_specs;      /* SSLv2 form only: 3-byte cipher specs (< 2^24) */
	size_t n_sslv2_specs;
	const uint8_t *compression;       /* compression methods; n_compression 0 means {0} */
	size_t n_compression;
	/* extensions */
	const char *sni;                  /* host name (NUL-terminated), NULL = omit */
	const char *const *alpn;          /* protocol names (NUL-terminated, 0..255 bytes) */
	size_t n_alpn;
	const uint16_t *groups;
	size_t n_groups;
	const uint8_t *point_formats;
	size_t n_point_formats;
	const uint16_t *sig_algs;
	size_t n_sig_algs;
	const uint16_t *versions;         /* supported_versions */
	size_t n_versions;
	const struct tls_chb_key_share *key_shares;
	size_t n_key_shares;
	bool ems, reneg_info, session_ticket, status_request, sct, etm, heartbeat, early_data,
		psk_modes;
	const struct tls_ext *extra;      /* raw extensions (type + body), appended last */
	size_t n_extra;
	size_t pad_to;                    /* padding extension target size, 0 = none */
	bool no_extensions;               /* omit the extensions block entirely (SSLv3 style) */
};

/*
 * Writes the complete record(s) carrying the ClientHello described by cfg into out[0..cap)
 * and returns their total length. Returns 0 (out's contents then unspecified) when the
 * result does not fit in cap, or when cfg is invalid:
 *   - TLS form: random_len != 32, session_id_len > 32, n_suites == 0, n_sslv2_specs > 0,
 *     or no_extensions together with any extension field set (including pad_to);
 *   - SSLv2 form: random_len not in 16..32, session_id_len not 0 or 16, no cipher spec at
 *     all, a spec >= 2^24, n_compression > 0, any extension field set (no_extensions is
 *     ignored), or a record longer than 32767 bytes;
 *   - any vector longer than its length field can say (e.g. more than 32767 suites, an
 *     ALPN name over 255 bytes, an extensions block over 65535 bytes);
 *   - a NULL pointer with a non-zero count.
 */
size_t tls_chb_build(const struct tls_chb *cfg, uint8_t *out, size_t cap)
	__attribute__((warn_unused_result));

#endif
