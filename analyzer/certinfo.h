/*
 * certinfo: facts about one X.509 certificate, read from its DER with OpenSSL's X509 API
 * (never a hand-written DER parser). Facts only, no judgement: a rule decides whether a
 * 1024-bit key, a SHA-1 signature or 400 days of validity is bad.
 *
 * The input is hostile (any server's Certificate message): d2i_X509 accepts odd certificates,
 * so every getter may find nothing and every string is bounded and made valid UTF-8 before it
 * reaches JSON:
 *   - strings (subject, issuer, names, URLs, CN) are cut at CERTINFO_STR_MAX bytes on a UTF-8
 *     boundary; bytes that are not UTF-8 (and NUL) become '?';
 *   - "san" holds at most CERTINFO_SAN_MAX entries ("san_dns" and "san_ip" too),
 *     "san_count" counts every GeneralName, "san_truncated" says when entries were dropped;
 *   - URL, policy and EKU arrays hold at most CERTINFO_LIST_MAX entries each.
 *
 * JSON object of a certificate (contract fields first, see INTERFACE.md):
 *   "sha256"        hex of the DER given to certinfo_from_der
 *   "spki_sha256"   base64 of SHA-256 of the SubjectPublicKeyInfo DER (pin-sha256) | null
 *   "subject", "issuer"  RFC 2253 (X509_NAME_print_ex, XN_FLAG_RFC2253: non-ASCII escaped)
 *   "not_before", "not_after"  RFC 3339 UTC "2026-11-22T05:00:00Z" | null (unreadable time)
 *   "key_type"      "RSA" "RSA-PSS" "ECDSA" "Ed25519" "Ed448" "DSA", else OpenSSL's name of the
 *                   key (or of the algorithm OID when OpenSSL cannot decode the key)
 *   "key_bits"      EVP_PKEY_get_bits (RSA modulus, EC group size, Ed25519 256) | null
 *   "sig_alg"       signature algorithm, OpenSSL's long name as `openssl x509 -text` prints
 *                   it ("sha256WithRSAEncryption", "ecdsa-with-SHA256", "ED25519"), or the
 *                   dotted OID | null
 *   "san"           DNS names and IP addresses as text (IPv6 as inet_ntop), certificate order
 * extras:
 *   "version" (X509_get_version + 1: 1..3, null when out of range), "serial" (lowercase
 *   hex of the INTEGER's magnitude as `openssl x509 -serial` prints it, "00" for zero,
 *   "-" prefix if negative), "curve" ("secp256r1", "secp384r1", "secp521r1", else
 *   OpenSSL's group name, "explicit" for unnamed explicit parameters; null when not EC),
 *   "sig_hash" ("sha256", "sha1", ...; null for Ed25519/Ed448 or unknown),
 *   "security_bits" (of the public key, EVP_PKEY_get_security_bits | null), "san_count"
 *   (every GeneralName), "san_dns", "san_ip", "san_truncated",
 *   "cn" (last CN of the subject, UTF-8 | null), "cn_in_san" (null when no CN),
 *   "self_issued" (subject == issuer), "self_signed" (self-issued and the signature verifies
 *   with the certificate's own key), "basic_constraints" (null | {"critical", "ca",
 *   "path_len": n | null}), "key_usage" (null | RFC 5280 names), "key_usage_critical"
 *   (null when no key usage), "extended_key_usage" (null | names or dotted OIDs),
 *   "ocsp_urls", "ca_issuers_urls", "crl_urls", "must_staple", "sct_count", "policies"
 *   (dotted OIDs), "subject_key_id", "authority_key_id" (hex | null), "validity_seconds"
 *   (notAfter - notBefore + 1), "validity_days" (seconds / 86400 rounded up),
 *   "cabf_max_days" (by notBefore: 398, 200 from 2026-03-15, 100 from 2027-03-15, 47 from
 *   2029-03-15), "cabf_validity_ok"; the last four are null when a time is unreadable.
 *
 * Thread safety: distinct objects are independent; one object may be read from several
 * threads (OpenSSL locks its own caches).
 */
#ifndef TLSSCOPE_ANALYZER_CERTINFO_H
#define TLSSCOPE_ANALYZER_CERTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define CERTINFO_SAN_MAX 4096  /* entries of "san", "san_dns", "san_ip" */
#define CERTINFO_LIST_MAX 256  /* entries of URL, policy and EKU arrays */
#define CERTINFO_STR_MAX 1024  /* bytes of one string (subject, a name, a URL) */
#define CERTINFO_DER_MAX (16u * 1024 * 1024)  /* larger input is refused */

struct certinfo;

/*
 * Parses one DER certificate (exactly len bytes: trailing bytes are refused). der is only
 * read during the call. Returns a new object to free with certinfo_free, or NULL with a
 * NUL-terminated message in err (when errcap > 0), e.g. "not a DER certificate: wrong tag",
 * "trailing data after the certificate", "out of memory". Clears OpenSSL's error queue of
 * the calling thread (before and after the call).
 */
struct certinfo *certinfo_from_der(const uint8_t *der, size_t len, char *err, size_t errcap)
	__attribute__((warn_unused_result));

/* Frees ci and everything it owns. NULL is a no-op. */
void certinfo_free(struct certinfo *ci);

/*
 * The JSON object of the certificate (fields above), a new reference owned by the caller.
 * Returns NULL only when out of memory.
 */
json_t *certinfo_json(const struct certinfo *ci) __attribute__((warn_unused_result));

/* Lowercase hex SHA-256 of the DER (64 characters), valid while ci lives. */
const char *certinfo_sha256_hex(const struct certinfo *ci);

/* The 32-byte SHA-256 of the SubjectPublicKeyInfo DER, valid while ci lives; NULL when
 * OpenSSL could not re-encode the SubjectPublicKeyInfo. */
const uint8_t *certinfo_spki_sha256(const struct certinfo *ci);

/* The same digest in base64 (44 characters, as in an HPKP pin-sha256), valid while ci
 * lives; NULL when certinfo_spki_sha256 is NULL. */
const char *certinfo_spki_b64(const struct certinfo *ci);

/* true when the Authority Information Access extension names an OCSP URI. */
bool certinfo_has_ocsp_url(const struct certinfo *ci);

/* true when the TLS feature extension (RFC 7633) lists status_request (5). */
bool certinfo_must_staple(const struct certinfo *ci);

/* The number of SCTs in the embedded SCT list extension (RFC 6962 3.3); 0 when absent or
 * unreadable. */
int certinfo_sct_count(const struct certinfo *ci);

#endif
