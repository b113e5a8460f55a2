/*
 * anomaly: what the wire parsers can say is wrong with their input, as enum events.
 *
 * Parsers never print. A parse returns a status; when it is TLS_MALFORMED the anomaly that
 * stopped it is set, and non-fatal oddities are collected in the view (struct tls_anoms).
 * The sensor stores anomalies as facts so that the SQL rules in rules/ can match them by name.
 * Names are stable identifiers: add new ones at the end, never rename.
 */
#ifndef TLSSCOPE_WIRE_ANOMALY_H
#define TLSSCOPE_WIRE_ANOMALY_H

/* The outcome of a parse. TLS_NEED_MORE: the input ended early (a capture that stopped, or a
 * stream that has not delivered the rest yet): not the peer's fault. TLS_MALFORMED: the bytes
 * present contradict the protocol: the peer's fault, named by an anomaly. */
enum tls_status {
	TLS_OK = 0,
	TLS_NEED_MORE,
	TLS_MALFORMED,
};

#define TLS_ANOMALIES(X)                                                                  \
	X(NONE, "none")                                                                   \
	X(RECORD_BAD_TYPE, "record_bad_content_type")                                     \
	X(RECORD_BAD_VERSION, "record_bad_version")                                       \
	X(RECORD_TOO_LONG, "record_too_long")                                             \
	X(RECORD_EMPTY, "record_empty")                                                   \
	X(HS_TOO_LONG, "handshake_message_too_long")                                      \
	X(HS_INTERLEAVED, "handshake_fragment_interleaved")                               \
	X(HS_TRAILING, "handshake_trailing_bytes")                                        \
	X(HS_SHORT, "handshake_message_short")                                            \
	X(HS_UNKNOWN_TYPE, "handshake_unknown_type")                                      \
	X(SESSION_ID_TOO_LONG, "session_id_too_long")                                     \
	X(SUITES_BAD_LENGTH, "cipher_suites_bad_length")                                  \
	X(SUITES_EMPTY, "cipher_suites_empty")                                            \
	X(SUITES_TOO_MANY, "cipher_suites_too_many")                                      \
	X(COMPRESSION_BAD, "compression_methods_bad")                                     \
	X(EXT_BAD_LENGTH, "extension_bad_length")                                         \
	X(EXT_DUPLICATE, "extension_duplicate")                                           \
	X(EXT_TOO_MANY, "extensions_too_many")                                            \
	X(EXT_TRAILING, "extensions_trailing_bytes")                                      \
	X(SNI_BAD, "server_name_bad")                                                     \
	X(ALPN_BAD, "alpn_bad")                                                           \
	X(ALPN_EMPTY_VALUE, "alpn_empty_value")                                           \
	X(LIST_BAD_LENGTH, "extension_list_bad_length")                                   \
	X(KEY_SHARE_BAD, "key_share_bad")                                                 \
	X(SSLV2_BAD_LENGTH, "sslv2_bad_length")                                           \
	X(SSLV2_BAD_TYPE, "sslv2_bad_message_type")                                       \
	X(CERT_BAD_LENGTH, "certificate_bad_length")                                      \
	X(CERT_TOO_MANY, "certificate_chain_too_long")                                    \
	X(CERT_EMPTY_ENTRY, "certificate_empty_entry")                                    \
	X(CERT_STATUS_BAD, "certificate_status_bad")                                      \
	X(SKE_BAD, "server_key_exchange_bad")                                             \
	X(SKE_CURVE_TYPE, "server_key_exchange_curve_type")                               \
	X(ALERT_BAD_LENGTH, "alert_bad_length")                                           \
	X(CCS_BAD, "change_cipher_spec_bad")                                              \
	X(SH_BAD_VERSION, "server_hello_bad_version")                                     \
	X(HRR_BAD, "hello_retry_request_bad")                                             \
	X(GREASE_IN_SERVER, "grease_from_server")                                         \
	X(DATA_BEFORE_HANDSHAKE, "data_before_handshake")                                 \
	X(NOT_TLS, "not_tls")

enum tls_anom {
#define TLS_ANOM_ENUM(id, name) TLS_ANOM_##id,
	TLS_ANOMALIES(TLS_ANOM_ENUM)
#undef TLS_ANOM_ENUM
	TLS_ANOM_COUNT
};

/* The stable name of an anomaly ("extension_duplicate"); "unknown" when out of range.
 * Returns a static string. */
const char *tls_anom_name(enum tls_anom a);

/* Non-fatal anomalies seen while parsing one message, in order, at most TLS_ANOMS_MAX
 * (further ones are counted in 'dropped'). */
#define TLS_ANOMS_MAX 8
struct tls_anoms {
	enum tls_anom list[TLS_ANOMS_MAX];
	unsigned n;
	unsigned dropped;
};

/* Appends a to the set (no duplicates kept). */
void tls_anoms_add(struct tls_anoms *s, enum tls_anom a);

#endif
