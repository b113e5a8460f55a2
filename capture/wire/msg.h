/*
 * msg: parsers for TLS handshake messages and alerts, returning views.
 *
 * Each parser takes one complete message body (for handshake messages: the bytes after the
 * 4-byte handshake header, as delivered by rec.h) and fills a view struct whose pointers
 * borrow from that body: the body must outlive the view. Nothing is allocated; lists longer
 * than a view's fixed capacity are cut and flagged with an anomaly.
 *
 * Returns TLS_OK; TLS_NEED_MORE when the body ends inside a field (the message was cut by a
 * capture or a size limit, see rec.h); TLS_MALFORMED with *why set when the bytes contradict
 * the protocol. Non-fatal oddities (duplicate extension, trailing bytes inside an extension
 * that we decode) land in the view's 'anoms' and the parse still returns TLS_OK.
 *
 * References: RFC 5246 §7.4 (TLS 1.2), RFC 8446 §4 (TLS 1.3), RFC 6066 (extensions),
 * RFC 6101 appendix E / RFC 5246 appendix E.2 (SSLv2 and its compatible ClientHello).
 */
#ifndef TLSSCOPE_WIRE_MSG_H
#define TLSSCOPE_WIRE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/wire/anomaly.h"

/* Handshake message types (RFC 8446 §4, RFC 5246 §7.4, RFC 6066 §8). */
enum tls_hs_type {
	TLS_HS_HELLO_REQUEST = 0,
	TLS_HS_CLIENT_HELLO = 1,
	TLS_HS_SERVER_HELLO = 2,
	TLS_HS_NEW_SESSION_TICKET = 4,
	TLS_HS_END_OF_EARLY_DATA = 5,
	TLS_HS_ENCRYPTED_EXTENSIONS = 8,
	TLS_HS_CERTIFICATE = 11,
	TLS_HS_SERVER_KEY_EXCHANGE = 12,
	TLS_HS_CERTIFICATE_REQUEST = 13,
	TLS_HS_SERVER_HELLO_DONE = 14,
	TLS_HS_CERTIFICATE_VERIFY = 15,
	TLS_HS_CLIENT_KEY_EXCHANGE = 16,
	TLS_HS_FINISHED = 20,
	TLS_HS_CERTIFICATE_URL = 21,
	TLS_HS_CERTIFICATE_STATUS = 22,
	TLS_HS_KEY_UPDATE = 24,
	TLS_HS_COMPRESSED_CERTIFICATE = 25,
	TLS_HS_MESSAGE_HASH = 254,
};

/* Extension types this library decodes (IANA "TLS ExtensionType Values"). */
enum tls_ext_type {
	TLS_EXT_SERVER_NAME = 0,
	TLS_EXT_STATUS_REQUEST = 5,
	TLS_EXT_SUPPORTED_GROUPS = 10,
	TLS_EXT_EC_POINT_FORMATS = 11,
	TLS_EXT_SIGNATURE_ALGORITHMS = 13,
	TLS_EXT_HEARTBEAT = 15,
	TLS_EXT_ALPN = 16,
	TLS_EXT_SCT = 18,
	TLS_EXT_PADDING = 21,
	TLS_EXT_ENCRYPT_THEN_MAC = 22,
	TLS_EXT_EXTENDED_MASTER_SECRET = 23,
	TLS_EXT_COMPRESS_CERTIFICATE = 27,
	TLS_EXT_SESSION_TICKET = 35,
	TLS_EXT_PRE_SHARED_KEY = 41,
	TLS_EXT_EARLY_DATA = 42,
	TLS_EXT_SUPPORTED_VERSIONS = 43,
	TLS_EXT_PSK_KEY_EXCHANGE_MODES = 45,
	TLS_EXT_SIGNATURE_ALGORITHMS_CERT = 50,
	TLS_EXT_KEY_SHARE = 51,
	TLS_EXT_ENCRYPTED_CLIENT_HELLO = 0xfe0d,
	TLS_EXT_RENEGOTIATION_INFO = 0xff01,
};

/* Protocol version code points. */
enum tls_version {
	TLS_V_SSL2 = 0x0002,
	TLS_V_SSL3 = 0x0300,
	TLS_V_TLS10 = 0x0301,
	TLS_V_TLS11 = 0x0302,
	TLS_V_TLS12 = 0x0303,
	TLS_V_TLS13 = 0x0304,
};

#define TLS_MAX_EXTS 64     /* extensions kept per hello; real hellos carry < 30 */
#define TLS_MAX_CERTS 512   /* certificates kept per Certificate message */
#define TLS_RANDOM_LEN 32

/* A borrowed byte range. */
struct tls_bytes {
	const uint8_t *p;
	size_t len;
};

/* A borrowed array of n big-endian u16 values (2*n bytes at p). */
struct tls_u16s {
	const uint8_t *p;
	size_t n;
};

static inline uint16_t tls_u16s_at(struct tls_u16s l, size_t i)
{
	return (uint16_t)((l.p[2 * i] << 8) | l.p[2 * i + 1]);
}

/* One extension as sent: its type and its body (the bytes inside extension_data). */
struct tls_ext {
	uint16_t type;
	struct tls_bytes body;
};

/* True for the 16 GREASE values 0x0a0a, 0x1a1a, ..., 0xfafa (RFC 8701). */
static inline bool tls_is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 12) == ((v >> 4) & 0x0f);
}

/* A ClientHello: either the TLS form or the SSLv2-compatible form (sslv2 == true). */
struct tls_client_hello {
	bool sslv2;                   /* SSLv2 record form (msg_type 1 inside an SSLv2 record) */
	uint16_t legacy_version;      /* client_version */
	struct tls_bytes random;      /* 32 bytes; SSLv2 form: the challenge (16..32 bytes) */
	struct tls_bytes session_id;  /* 0..32 bytes */
	struct tls_bytes suites;      /* raw list: 2 bytes per suite, SSLv2 form 3 bytes */
	size_t n_suites;
	struct tls_bytes compression; /* compression methods, one byte each (empty for SSLv2) */
	bool has_ext_block;           /* an extensions block was present (may be empty) */
	struct tls_bytes ext_block;   /* the block's body: every extension, also those beyond
				       * TLS_MAX_EXTS (fingerprints list them all) */
	struct tls_ext exts[TLS_MAX_EXTS]; /* in wire order, GREASE included */
	size_t n_exts;
	/* Decoded extensions; empty views when absent. */
	struct tls_bytes sni;         /* first host_name entry */
	struct tls_bytes alpn;        /* ProtocolNameList body: a series of vec8 names */
	size_t n_alpn;
	struct tls_u16s groups;       /* supported_groups */
	struct tls_bytes point_formats;
	struct tls_u16s sig_algs;     /* signature_algorithms (not _cert) */
	struct tls_u16s versions;     /* supported_versions */
	struct tls_bytes key_shares;  /* key_share client_shares body: see tls_key_share_at() */
	size_t n_key_shares;
	struct tls_u16s cert_compression; /* compress_certificate algorithms */
	uint8_t heartbeat_mode;       /* 0 when absent, else 1 or 2 (RFC 6520) */
	struct tls_anoms anoms;
};

/* Suite i of a ClientHello (i < n_suites). In the SSLv2 form: the 3-byte cipher spec
 * (0x00XXXX for TLS suites carried in a v2 hello). */
uint32_t tls_ch_suite(const struct tls_client_hello *ch, size_t i);

/* The first extension of the given type in a list, or NULL. */
const struct tls_ext *tls_ext_find(const struct tls_ext *exts, size_t n, uint16_t type);

/* key_share: entry i of a client_shares list body (i < count): its group and key bytes.
 * Returns false when i is out of range. */
bool tls_key_share_at(struct tls_bytes list, size_t i, uint16_t *group, struct tls_bytes *kex);

/* ALPN: the name at index i of an RFC 7301 ProtocolNameList body (i < n). */
struct tls_bytes tls_alpn_at(struct tls_bytes list, size_t i);

/* RFC 8446 §4.1.4 / §4.1.3: HelloRetryRequest random and downgrade sentinel. */
enum tls_downgrade {
	TLS_DOWNGRADE_NONE = 0,
	TLS_DOWNGRADE_TLS12,  /* "DOWNGRD\x01": the server supports TLS 1.3, negotiated 1.2 */
	TLS_DOWNGRADE_TLS11,  /* "DOWNGRD\x00": negotiated TLS 1.1 or below */
};

struct tls_server_hello {
	uint16_t legacy_version;      /* TLS 1.3 drafts 0-21: the draft version (0x7fNN, 0x0304),
				       * and the message has no session_id / compression */
	struct tls_bytes random;
	struct tls_bytes session_id;
	uint16_t cipher;
	uint8_t compression;
	bool has_ext_block;
	struct tls_bytes ext_block;   /* as in struct tls_client_hello */
	struct tls_ext exts[TLS_MAX_EXTS];
	size_t n_exts;
	bool is_hrr;                  /* random is the HelloRetryRequest value */
	uint16_t selected_version;    /* supported_versions value, 0 when absent */
	uint16_t version;             /* negotiated: selected_version, else legacy_version */
	uint16_t key_share_group;     /* key_share (HRR: selected_group); 0 when absent */
	struct tls_bytes alpn;        /* selected protocol (TLS <= 1.2) */
	enum tls_downgrade downgrade;
	struct tls_anoms anoms;
};

/* SSLv2 SERVER-HELLO (RFC 6101 appendix E; draft-hickman-netscape-ssl-00). */
struct tls_sslv2_server_hello {
	uint8_t session_id_hit;
	uint8_t certificate_type;
	uint16_t version;
	struct tls_bytes certificate;
	struct tls_bytes specs;       /* 3 bytes per cipher spec */
	size_t n_specs;
	struct tls_bytes connection_id;
};

/* Certificate message. TLS 1.3 form: a request context and per-entry extensions. */
struct tls_certificate {
	struct tls_bytes context;     /* TLS 1.3 only */
	struct tls_bytes certs[TLS_MAX_CERTS]; /* DER, leaf first as sent */
	size_t n_certs;
	size_t n_total;               /* entries in the message, >= n_certs */
	struct tls_anoms anoms;
};

/* CertificateStatus (RFC 6066 §8): the OCSP response DER. Also the body of the TLS 1.3
 * status_request extension of a CertificateEntry. */
struct tls_cert_status {
	uint8_t status_type;          /* 1 = ocsp */
	struct tls_bytes response;
};

/* Key exchange of a suite, as the ServerKeyExchange parser needs it. */
enum tls_kx {
	TLS_KX_NONE = 0,    /* no ServerKeyExchange expected (RSA, static DH, TLS 1.3) */
	TLS_KX_ECDHE,       /* signed ECParameters + point */
	TLS_KX_ECDH_ANON,   /* unsigned */
	TLS_KX_ECDHE_PSK,   /* identity hint + ECParameters + point, unsigned */
	TLS_KX_DHE,         /* signed p, g, Ys */
	TLS_KX_DH_ANON,
	TLS_KX_DHE_PSK,
	TLS_KX_RSA_EXPORT,  /* signed modulus + exponent */
	TLS_KX_PSK,         /* identity hint only */
	TLS_KX_RSA_PSK,
	TLS_KX_OTHER,       /* SRP, GOST, ECCPWD, KRB5...: not decoded */
};

struct tls_server_key_exchange {
	enum tls_kx kx;
	struct tls_bytes psk_hint;
	uint16_t group;               /* ECDHE named curve */
	struct tls_bytes point;       /* ECDHE public point */
	struct tls_bytes dh_p, dh_g, dh_ys; /* DHE; RSA_EXPORT: dh_p = modulus, dh_g = exponent */
	unsigned dh_bits;             /* significant bits of p (DHE) or modulus (RSA_EXPORT) */
	uint16_t sig_alg;             /* TLS 1.2 signature scheme; 0 before TLS 1.2 or unsigned */
	struct tls_bytes sig;
};

struct tls_alert {
	uint8_t level;
	uint8_t desc;
};

enum tls_status tls_msg_client_hello(const uint8_t *body, size_t len,
				     struct tls_client_hello *ch, enum tls_anom *why)
	__attribute__((warn_unused_result));

/* The SSLv2-compatible ClientHello: msg is an SSLv2 record's body (starting with msg_type 1). */
enum tls_status tls_msg_sslv2_client_hello(const uint8_t *msg, size_t len,
					   struct tls_client_hello *ch, enum tls_anom *why)
	__attribute__((warn_unused_result));

enum tls_status tls_msg_server_hello(const uint8_t *body, size_t len,
				     struct tls_server_hello *sh, enum tls_anom *why)
	__attribute__((warn_unused_result));

/* msg is an SSLv2 record's body (starting with msg_type 4). */
enum tls_status tls_msg_sslv2_server_hello(const uint8_t *msg, size_t len,
					   struct tls_sslv2_server_hello *sh,
					   enum tls_anom *why) __attribute__((warn_unused_result));

/* tls13: parse the TLS 1.3 shape (context + entries with extensions). */
enum tls_status tls_msg_certificate(const uint8_t *body, size_t len, bool tls13,
				    struct tls_certificate *c, enum tls_anom *why)
	__attribute__((warn_unused_result));

enum tls_status tls_msg_cert_status(const uint8_t *body, size_t len,
				    struct tls_cert_status *cs, enum tls_anom *why)
	__attribute__((warn_unused_result));

/* kx: from the negotiated suite (see reg.h); tls12: the negotiated version is TLS 1.2, so a
 * signed exchange carries a SignatureScheme before the signature. */
enum tls_status tls_msg_server_key_exchange(const uint8_t *body, size_t len, enum tls_kx kx,
					    bool tls12, struct tls_server_key_exchange *ske,
					    enum tls_anom *why) __attribute__((warn_unused_result));

/* An alert record's body: one alert (2 bytes). */
enum tls_status tls_msg_alert(const uint8_t *body, size_t len, struct tls_alert *a,
			      enum tls_anom *why) __attribute__((warn_unused_result));

#endif
