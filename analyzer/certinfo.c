/*
 * certinfo: certificate facts through OpenSSL 3.0's X509 API.
 *
 * certinfo_from_der parses once (d2i_X509) and computes what needs a non-const X509 or is
 * costly (digests, the self-signature check, signature info); certinfo_json reads the rest
 * through const getters each time it is called. Every extension is decoded with
 * X509_get_ext_d2i, which returns NULL when the extension is absent, appears twice or does
 * not decode: each is then reported as absent (null / empty), never guessed.
 *
 * Strings go through put_text(): valid UTF-8 only, at most CERTINFO_STR_MAX bytes, so
 * json_string cannot fail for any reason but memory; a failed allocation anywhere makes
 * certinfo_json return NULL.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ct.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "analyzer/certinfo.h"
#include "capture/wire/digest.h"

struct certinfo {
	X509 *x;
	char sha256_hex[2 * DIGEST_SHA256_LEN + 1];
	uint8_t spki_sha256[DIGEST_SHA256_LEN];
	char spki_b64[48];  /* EVP_EncodeBlock of 32 bytes: 44 characters + NUL */
	bool have_spki;
	bool has_ocsp;
	bool must_staple;
	bool self_issued;
	bool self_signed;
	int sct_count;
	int sig_md_nid;     /* NID_undef: none (EdDSA) or unknown */
};

/* ---- strings ------------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 when p does not start one
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF). NUL counts as
 * invalid so that a C string never ends early. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/* Copies n bytes at in into out (cap > 0 bytes) as valid UTF-8: invalid bytes become '?',
 * the copy stops at cap - 1 bytes on a character boundary. NUL-terminates. */
static void utf8_clean(const void *in, size_t n, char *out, size_t cap)
{
	const unsigned char *p = in;
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		size_t len = utf8_seq(p + i, n - i);
		if (len == 0) {
			if (o + 1 > cap - 1)
				break;
			out[o++] = '?';
			i++;
			continue;
		}
		if (o + len > cap - 1)
			break;
		memcpy(out + o, p + i, len);
		o += len;
		i += len;
	}
	out[o] = '\0';
}

/* A JSON string of n bytes at p, cleaned and capped at CERTINFO_STR_MAX bytes; NULL only
 * when out of memory. */
static json_t *text_json(const void *p, size_t n)
{
	char *buf = malloc(CERTINFO_STR_MAX + 1);
	if (!buf)
		return NULL;
	utf8_clean(p, n, buf, CERTINFO_STR_MAX + 1);
	json_t *j = json_string(buf);
	free(buf);
	return j;
}

static json_t *asn1_text_json(const ASN1_STRING *s)
{
	if (!s)
		return json_null();
	return text_json(ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
}

/* Lowercase hex of up to CERTINFO_STR_MAX / 2 bytes. */
static json_t *hex_json(const unsigned char *p, size_t n)
{
	char buf[CERTINFO_STR_MAX + 1];
	static const char hexd[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < n && o + 2 <= CERTINFO_STR_MAX; i++) {
		buf[o++] = hexd[p[i] >> 4];
		buf[o++] = hexd[p[i] & 15];
	}
	buf[o] = '\0';
	return json_string(buf);
}

/* An OID as text: OpenSSL's long name (no_name 0) or the dotted form (no_name 1). */
static json_t *oid_json(const ASN1_OBJECT *o, int no_name)
{
	char buf[256];
	if (!o)
		return json_null();
	int n = OBJ_obj2txt(buf, sizeof(buf), o, no_name);
	if (n <= 0)
		return json_null();
	return text_json(buf, strnlen(buf, sizeof(buf)));
}

/* ---- JSON plumbing ------------------------------------------------------------------ */

/* Sets o[k] = v (stealing v); false when v is NULL (out of memory) or the set fails. */
static bool put(json_t *o, const char *k, json_t *v)
{
	return v && json_object_set_new(o, k, v) == 0;
}

static bool append(json_t *a, json_t *v)
{
	return v && json_array_append_new(a, v) == 0;
}

/* ---- names and times ---------------------------------------------------------------- */

static json_t *name_json(const X509_NAME *nm)
{
	if (!nm)
		return json_null();
	BIO *b = BIO_new(BIO_s_mem());
	if (!b)
		return NULL;
	json_t *j;
	if (X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253) < 0) {
		j = json_null();
	} else {
		char *data = NULL;
		long n = BIO_get_mem_data(b, &data);
		j = text_json(data ? data : "", n > 0 ? (size_t)n : 0);
	}
	BIO_free(b);
	return j;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

/* Seconds since the epoch of an ASN1_TIME; false when it is absent or unreadable. */
static bool asn1_time_epoch(const ASN1_TIME *t, long long *out, struct tm *tm)
{
	if (!t || !ASN1_TIME_to_tm(t, tm))
		return false;
	if (tm->tm_mon < 0 || tm->tm_mon > 11 || tm->tm_mday < 1 || tm->tm_mday > 31)
		return false;
	*out = days_from_civil((long long)tm->tm_year + 1900, (unsigned)tm->tm_mon + 1,
			       (unsigned)tm->tm_mday) * 86400 +
	       tm->tm_hour * 3600LL + tm->tm_min * 60LL + tm->tm_sec;
	return true;
}

static json_t *time_json(bool ok, const struct tm *tm)
{
	char buf[64];
	if (!ok)
		return json_null();
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm->tm_year + 1900,
		 tm->tm_mon + 1, tm->tm_mday, tm->tm_hour, tm->tm_min, tm->tm_sec);
	return json_string(buf);
}

/* The CA/Browser Forum's maximum validity (TLS BR 6.3.2, ballot SC-081) by notBefore. */
static int cabf_max_days(long long not_before)
{
	if (not_before >= days_from_civil(2029, 3, 15) * 86400)
		return 47;
	if (not_before >= days_from_civil(2027, 3, 15) * 86400)
		return 100;
	if (not_before >= days_from_civil(2026, 3, 15) * 86400)
		return 200;
	return 398;
}

/* ---- key and signature -------------------------------------------------------------- */

static const char *key_type_name(EVP_PKEY *k)
{
	static const struct {
		const char *is_a, *name;
	} types[] = {
		{"RSA", "RSA"}, {"RSA-PSS", "RSA-PSS"}, {"EC", "ECDSA"},
		{"ED25519", "Ed25519"}, {"ED448", "Ed448"}, {"DSA", "DSA"},
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (EVP_PKEY_is_a(k, types[i].is_a))
			return types[i].name;
	return EVP_PKEY_get0_type_name(k);
}

/* key_type, key_bits, curve, security_bits (each set, or false when out of memory). */
static bool put_key(json_t *o, const X509 *x)
{
	EVP_PKEY *k = X509_get0_pubkey(x);
	json_t *type = NULL, *bits = NULL, *curve = NULL, *sec = NULL;

	if (k) {
		const char *t = key_type_name(k);
		type = t ? text_json(t, strlen(t)) : json_null();
		int b = EVP_PKEY_get_bits(k);
		bits = b > 0 ? json_integer(b) : json_null();
		int s = EVP_PKEY_get_security_bits(k);
		sec = s > 0 ? json_integer(s) : json_null();
		if (EVP_PKEY_is_a(k, "EC")) {
			char g[80];
			size_t glen = 0;
			if (EVP_PKEY_get_group_name(k, g, sizeof(g), &glen) == 1 && glen > 0) {
				const char *name = strcmp(g, "prime256v1") == 0 ? "secp256r1" : g;
				curve = text_json(name, strlen(name));
			} else {
				curve = json_string("explicit");
			}
		} else {
			curve = json_null();
		}
	} else {
		/* OpenSSL could not decode the key: name its algorithm OID. */
		ASN1_OBJECT *alg = NULL;
		X509_PUBKEY *pub = X509_get_X509_PUBKEY(x);
		if (pub && X509_PUBKEY_get0_param(&alg, NULL, NULL, NULL, pub) == 1 && alg) {
			int nid = OBJ_obj2nid(alg);
			const char *sn = nid == NID_rsaEncryption ? "RSA"
					 : nid == NID_X9_62_id_ecPublicKey ? "ECDSA"
					 : nid == NID_ED25519 ? "Ed25519"
					 : nid == NID_ED448 ? "Ed448"
					 : nid == NID_rsassaPss ? "RSA-PSS"
					 : nid == NID_dsa ? "DSA"
					 : nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
			type = sn ? json_string(sn) : oid_json(alg, 1);
		} else {
			type = json_null();
		}
		bits = json_null();
		curve = json_null();
		sec = json_null();
	}
	bool ok = put(o, "key_type", type);
	ok = put(o, "key_bits", bits) && ok;
	ok = put(o, "curve", curve) && ok;
	ok = put(o, "security_bits", sec) && ok;
	return ok;
}

/* ---- extensions --------------------------------------------------------------------- */

/* The text of one GeneralName of type DNS or IP into buf; false for other types and for IP
 * addresses that are neither 4 nor 16 bytes. */
static bool gn_text(const GENERAL_NAME *gn, char *buf, size_t cap, bool *is_ip)
{
	if (gn->type == GEN_DNS) {
		const ASN1_IA5STRING *s = gn->d.dNSName;
		*is_ip = false;
		if (!s)
			return false;
		utf8_clean(ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s), buf, cap);
		return true;
	}
	if (gn->type == GEN_IPADD) {
		const ASN1_OCTET_STRING *s = gn->d.iPAddress;
		*is_ip = true;
		if (!s)
			return false;
		int n = ASN1_STRING_length(s);
		const unsigned char *p = ASN1_STRING_get0_data(s);
		if (n == 4)
			return inet_ntop(AF_INET, p, buf, (socklen_t)cap) != NULL;
		if (n == 16)
			return inet_ntop(AF_INET6, p, buf, (socklen_t)cap) != NULL;
	}
	return false;
}

/* ASCII case-insensitive equality (DNS names compare so; IP texts are canonical). */
static bool same_name(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

/* san, san_count, san_dns, san_ip, san_truncated, cn, cn_in_san. */
static bool put_san(json_t *o, const X509 *x)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	json_t *san = json_array(), *dns = json_array(), *ips = json_array();
	char *buf = malloc(CERTINFO_STR_MAX + 1);
	char *cn = NULL;
	bool ok = san && dns && ips && buf, truncated = false, cn_in_san = false;
	int count = gens ? sk_GENERAL_NAME_num(gens) : 0;

	/* The subject's last CN, as UTF-8. */
	const X509_NAME *subj = X509_get_subject_name(x);
	int last = -1;
	for (int i = -1; subj && (i = X509_NAME_get_index_by_NID(subj, NID_commonName, i)) >= 0;)
		last = i;
	if (ok && last >= 0) {
		const ASN1_STRING *d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, last));
		unsigned char *u = NULL;
		int n = d ? ASN1_STRING_to_UTF8(&u, d) : -1;
		cn = malloc(CERTINFO_STR_MAX + 1);
		ok = cn != NULL;
		if (ok && n >= 0)
			utf8_clean(u, (size_t)n, cn, CERTINFO_STR_MAX + 1);
		else if (ok && d) /* not convertible: the raw bytes, cleaned */
			utf8_clean(ASN1_STRING_get0_data(d), (size_t)ASN1_STRING_length(d), cn,
				   CERTINFO_STR_MAX + 1);
		else if (ok)
			cn[0] = '\0';
		OPENSSL_free(u);
	}

	for (int i = 0; ok && i < count; i++) {
		bool is_ip;
		if (!gn_text(sk_GENERAL_NAME_value(gens, i), buf, CERTINFO_STR_MAX + 1, &is_ip))
			continue;
		if (cn && !cn_in_san && same_name(cn, buf))
			cn_in_san = true;
		if (json_array_size(san) < CERTINFO_SAN_MAX)
			ok = append(san, json_string(buf));
		else
			truncated = true;
		json_t *one = is_ip ? ips : dns;
		if (ok && json_array_size(one) < CERTINFO_SAN_MAX)
			ok = append(one, json_string(buf));
		else
			truncated = true;
	}
	GENERAL_NAMES_free(gens);
	free(buf);

	if (ok) {
		ok = put(o, "san", san);
		san = NULL;
	}
	if (ok) {
		ok = put(o, "san_dns", dns);
		dns = NULL;
	}
	if (ok) {
		ok = put(o, "san_ip", ips);
		ips = NULL;
	}
	ok = ok && put(o, "san_count", json_integer(count)) &&
	     put(o, "san_truncated", json_boolean(truncated)) &&
	     put(o, "cn", cn ? json_string(cn) : json_null()) &&
	     put(o, "cn_in_san", cn ? json_boolean(cn_in_san) : json_null());
	json_decref(san);
	json_decref(dns);
	json_decref(ips);
	free(cn);
	return ok;
}

static json_t *basic_constraints_json(const X509 *x)
{
	int crit = -1;
	BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);
	if (!bc)
		return json_null();
	json_t *o = json_object();
	json_t *pl = json_null();
	int64_t v;
	if (bc->pathlen && ASN1_INTEGER_get_int64(&v, bc->pathlen) == 1)
		pl = json_integer((json_int_t)v);
	bool ok = put(o, "critical", json_boolean(crit == 1)) &&
		  put(o, "ca", json_boolean(bc->ca != 0));
	if (ok)
		ok = put(o, "path_len", pl);
	else
		json_decref(pl);
	BASIC_CONSTRAINTS_free(bc);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* key_usage and key_usage_critical. */
static bool put_key_usage(json_t *o, const X509 *x)
{
	static const char *const bits[] = {
		"digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment",
		"keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly",
	};
	int crit = -1;
	ASN1_BIT_STRING *ku = X509_get_ext_d2i(x, NID_key_usage, &crit, NULL);
	if (!ku)
		return put(o, "key_usage", json_null()) &&
		       put(o, "key_usage_critical", json_null());
	json_t *a = json_array();
	bool ok = a != NULL;
	for (int i = 0; ok && i < (int)(sizeof(bits) / sizeof(bits[0])); i++)
		if (ASN1_BIT_STRING_get_bit(ku, i))
			ok = append(a, json_string(bits[i]));
	ASN1_BIT_STRING_free(ku);
	if (!ok) {
		json_decref(a);
		return false;
	}
	return put(o, "key_usage", a) && put(o, "key_usage_critical", json_boolean(crit == 1));
}

static json_t *eku_json(const X509 *x)
{
	static const struct {
		int nid;
		const char *name;
	} known[] = {
		{NID_server_auth, "serverAuth"}, {NID_client_auth, "clientAuth"},
		{NID_code_sign, "codeSigning"}, {NID_email_protect, "emailProtection"},
		{NID_time_stamp, "timeStamping"}, {NID_OCSP_sign, "OCSPSigning"},
		{NID_anyExtendedKeyUsage, "anyExtendedKeyUsage"},
	};
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	if (!eku)
		return json_null();
	json_t *a = json_array();
	bool ok = a != NULL;
	int n = sk_ASN1_OBJECT_num(eku);
	for (int i = 0; ok && i < n && i < CERTINFO_LIST_MAX; i++) {
		const ASN1_OBJECT *obj = sk_ASN1_OBJECT_value(eku, i);
		int nid = OBJ_obj2nid(obj);
		const char *name = NULL;
		for (size_t k = 0; nid != NID_undef && k < sizeof(known) / sizeof(known[0]); k++)
			if (known[k].nid == nid)
				name = known[k].name;
		ok = append(a, name ? json_string(name) : oid_json(obj, 1));
	}
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	if (!ok) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* ocsp_urls and ca_issuers_urls from Authority Information Access. */
static bool put_aia(json_t *o, const X509 *x)
{
	AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
	json_t *ocsp = json_array(), *ca = json_array();
	bool ok = ocsp && ca;
	int n = aia ? sk_ACCESS_DESCRIPTION_num(aia) : 0;
	for (int i = 0; ok && i < n; i++) {
		const ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
		if (!ad || !ad->location || ad->location->type != GEN_URI)
			continue;
		int m = OBJ_obj2nid(ad->method);
		json_t *dst = m == NID_ad_OCSP ? ocsp : m == NID_ad_ca_issuers ? ca : NULL;
		if (dst && json_array_size(dst) < CERTINFO_LIST_MAX)
			ok = append(dst, asn1_text_json(ad->location->d.uniformResourceIdentifier));
	}
	AUTHORITY_INFO_ACCESS_free(aia);
	if (!ok) {
		json_decref(ocsp);
		json_decref(ca);
		return false;
	}
	return put(o, "ocsp_urls", ocsp) && put(o, "ca_issuers_urls", ca);
}

static json_t *crl_json(const X509 *x)
{
	CRL_DIST_POINTS *dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
	json_t *a = json_array();
	bool ok = a != NULL;
	int n = dps ? sk_DIST_POINT_num(dps) : 0;
	for (int i = 0; ok && i < n; i++) {
		const DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
		if (!dp || !dp->distpoint || dp->distpoint->type != 0)
			continue;
		const GENERAL_NAMES *full = dp->distpoint->name.fullname;
		int m = full ? sk_GENERAL_NAME_num(full) : 0;
		for (int k = 0; ok && k < m; k++) {
			const GENERAL_NAME *gn = sk_GENERAL_NAME_value(full, k);
			if (gn && gn->type == GEN_URI && json_array_size(a) < CERTINFO_LIST_MAX)
				ok = append(a, asn1_text_json(gn->d.uniformResourceIdentifier));
		}
	}
	CRL_DIST_POINTS_free(dps);
	if (!ok) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static json_t *policies_json(const X509 *x)
{
	CERTIFICATEPOLICIES *pol = X509_get_ext_d2i(x, NID_certificate_policies, NULL, NULL);
	json_t *a = json_array();
	bool ok = a != NULL;
	int n = pol ? sk_POLICYINFO_num(pol) : 0;
	for (int i = 0; ok && i < n && i < CERTINFO_LIST_MAX; i++) {
		const POLICYINFO *pi = sk_POLICYINFO_value(pol, i);
		if (pi && pi->policyid)
			ok = append(a, oid_json(pi->policyid, 1));
	}
	CERTIFICATEPOLICIES_free(pol);
	if (!ok) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static json_t *skid_json(const X509 *x)
{
	ASN1_OCTET_STRING *s = X509_get_ext_d2i(x, NID_subject_key_identifier, NULL, NULL);
	if (!s)
		return json_null();
	json_t *j = hex_json(ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
	ASN1_OCTET_STRING_free(s);
	return j;
}

static json_t *akid_json(const X509 *x)
{
	AUTHORITY_KEYID *a = X509_get_ext_d2i(x, NID_authority_key_identifier, NULL, NULL);
	json_t *j = json_null();
	if (a && a->keyid)
		j = hex_json(ASN1_STRING_get0_data(a->keyid), (size_t)ASN1_STRING_length(a->keyid));
	AUTHORITY_KEYID_free(a);
	return j;
}

/* "serial": the INTEGER's magnitude in lowercase hex, as i2a_ASN1_INTEGER prints it. */
static json_t *serial_json(const X509 *x)
{
	const ASN1_INTEGER *s = X509_get0_serialNumber(x);
	if (!s)
		return json_null();
	int n = ASN1_STRING_length(s);
	if (n <= 0)
		return json_string("00");
	char buf[CERTINFO_STR_MAX + 1];
	static const char hexd[] = "0123456789abcdef";
	const unsigned char *p = ASN1_STRING_get0_data(s);
	size_t o = 0;
	if (ASN1_STRING_type(s) == V_ASN1_NEG_INTEGER)
		buf[o++] = '-';
	for (int i = 0; i < n && o + 2 <= CERTINFO_STR_MAX; i++) {
		buf[o++] = hexd[p[i] >> 4];
		buf[o++] = hexd[p[i] & 15];
	}
	buf[o] = '\0';
	return json_string(buf);
}

/* ---- public ------------------------------------------------------------------------- */

static void set_err(char *err, size_t errcap, const char *msg, const char *detail)
{
	if (err && errcap)
		snprintf(err, errcap, "%s%s%s", msg, detail ? ": " : "", detail ? detail : "");
}

/* Facts that need a non-const X509 (OpenSSL caches) or are costly: computed once. */
static bool compute_fixed(struct certinfo *ci, const uint8_t *der, size_t len)
{
	uint8_t d[DIGEST_SHA256_LEN];
	digest_sha256(der, len, d);
	digest_hex(d, sizeof(d), ci->sha256_hex);

	unsigned char *spki = NULL;
	int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(ci->x), &spki);
	if (n > 0 && spki) {
		digest_sha256(spki, (size_t)n, ci->spki_sha256);
		EVP_EncodeBlock((unsigned char *)ci->spki_b64, ci->spki_sha256, DIGEST_SHA256_LEN);
		ci->have_spki = true;
	}
	OPENSSL_free(spki);

	AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(ci->x, NID_info_access, NULL, NULL);
	for (int i = 0; aia && i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
		const ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
		if (ad && OBJ_obj2nid(ad->method) == NID_ad_OCSP && ad->location &&
		    ad->location->type == GEN_URI)
			ci->has_ocsp = true;
	}
	AUTHORITY_INFO_ACCESS_free(aia);

	/* RFC 7633: Features ::= SEQUENCE OF INTEGER; status_request is 5. */
	STACK_OF(ASN1_INTEGER) *tf = X509_get_ext_d2i(ci->x, NID_tlsfeature, NULL, NULL);
	for (int i = 0; tf && i < sk_ASN1_INTEGER_num(tf); i++) {
		int64_t v;
		if (ASN1_INTEGER_get_int64(&v, sk_ASN1_INTEGER_value(tf, i)) == 1 && v == 5)
			ci->must_staple = true;
	}
	sk_ASN1_INTEGER_pop_free(tf, ASN1_INTEGER_free);

	STACK_OF(SCT) *scts = X509_get_ext_d2i(ci->x, NID_ct_precert_scts, NULL, NULL);
	if (scts) {
		int c = sk_SCT_num(scts);
		ci->sct_count = c > 0 ? c : 0;
	}
	SCT_LIST_free(scts);

	const X509_NAME *s = X509_get_subject_name(ci->x), *is = X509_get_issuer_name(ci->x);
	ci->self_issued = s && is && X509_NAME_cmp(s, is) == 0;
	if (ci->self_issued) {
		EVP_PKEY *k = X509_get0_pubkey(ci->x);
		ci->self_signed = k && X509_verify(ci->x, k) == 1;
	}

	int md = NID_undef, pk = NID_undef;
	if (X509_get_signature_info(ci->x, &md, &pk, NULL, NULL) != 1) {
		const X509_ALGOR *alg = NULL;
		const ASN1_OBJECT *obj = NULL;
		X509_get0_signature(NULL, &alg, ci->x);
		if (alg)
			X509_ALGOR_get0(&obj, NULL, NULL, alg);
		if (!obj || !OBJ_find_sigid_algs(OBJ_obj2nid(obj), &md, &pk))
			md = NID_undef;
	}
	ci->sig_md_nid = md;
	return true;
}

struct certinfo *certinfo_from_der(const uint8_t *der, size_t len, char *err, size_t errcap)
{
	struct certinfo *ci = NULL;

	if (err && errcap)
		err[0] = '\0';
	if (!der || len == 0) {
		set_err(err, errcap, "not a DER certificate", "empty input");
		return NULL;
	}
	if (len > CERTINFO_DER_MAX) {
		set_err(err, errcap, "not a DER certificate", "larger than 16 MiB");
		return NULL;
	}
	ERR_clear_error();
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	if (!x) {
		unsigned long e = ERR_peek_error();  /* the first: the root cause */
		const char *why = e ? ERR_reason_error_string(e) : NULL;
		set_err(err, errcap, "not a DER certificate", why ? why : "unreadable");
		goto out;
	}
	if (p != der + len) {
		set_err(err, errcap, "trailing data after the certificate", NULL);
		goto out;
	}
	ci = calloc(1, sizeof(*ci));
	if (!ci) {
		set_err(err, errcap, "out of memory", NULL);
		goto out;
	}
	ci->x = x;
	x = NULL;
	compute_fixed(ci, der, len);
out:
	X509_free(x);
	ERR_clear_error();
	return ci;
}

void certinfo_free(struct certinfo *ci)
{
	if (!ci)
		return;
	X509_free(ci->x);
	free(ci);
}

/* The fields of the JSON object, in output order (contract fields first). */
static const char *const json_order[] = {
	"sha256", "spki_sha256", "subject", "issuer", "not_before", "not_after", "key_type",
	"key_bits", "sig_alg", "san",
	"version", "serial", "curve", "sig_hash", "security_bits", "san_count", "san_dns",
	"san_ip", "san_truncated", "cn", "cn_in_san", "self_issued", "self_signed",
	"basic_constraints", "key_usage", "key_usage_critical", "extended_key_usage",
	"ocsp_urls", "ca_issuers_urls", "crl_urls", "must_staple", "sct_count", "policies",
	"subject_key_id", "authority_key_id", "validity_seconds", "validity_days",
	"cabf_max_days", "cabf_validity_ok",
};

/* Every field into f, in any order. false when out of memory. */
static bool all_fields(const struct certinfo *ci, json_t *f)
{
	const X509 *x = ci->x;
	struct tm tnb, tna;
	long long nb = 0, na = 0;
	bool ok = true;

	memset(&tnb, 0, sizeof(tnb));
	memset(&tna, 0, sizeof(tna));
	bool have_nb = asn1_time_epoch(X509_get0_notBefore(x), &nb, &tnb);
	bool have_na = asn1_time_epoch(X509_get0_notAfter(x), &na, &tna);

	ok = ok && put(f, "sha256", json_string(ci->sha256_hex));
	ok = ok && put(f, "spki_sha256", ci->have_spki ? json_string(ci->spki_b64) : json_null());
	ok = ok && put(f, "subject", name_json(X509_get_subject_name(x)));
	ok = ok && put(f, "issuer", name_json(X509_get_issuer_name(x)));
	ok = ok && put(f, "not_before", time_json(have_nb, &tnb));
	ok = ok && put(f, "not_after", time_json(have_na, &tna));
	ok = ok && put_key(f, x);
	if (ok) {
		const X509_ALGOR *alg = NULL;
		const ASN1_OBJECT *obj = NULL;
		X509_get0_signature(NULL, &alg, x);
		if (alg)
			X509_ALGOR_get0(&obj, NULL, NULL, alg);
		ok = put(f, "sig_alg", oid_json(obj, 0));
	}
	ok = ok && put_san(f, x);
	if (ok) {
		/* A hostile version INTEGER may be anything; OpenSSL returns -1 when it does
		 * not fit a long. */
		long v = X509_get_version(x);
		ok = put(f, "version", v >= 0 && v < INT_MAX ? json_integer(v + 1) : json_null());
	}
	ok = ok && put(f, "serial", serial_json(x));
	if (ok) {
		const char *md = ci->sig_md_nid != NID_undef ? OBJ_nid2ln(ci->sig_md_nid) : NULL;
		ok = put(f, "sig_hash", md ? json_string(md) : json_null());
	}
	ok = ok && put(f, "self_issued", json_boolean(ci->self_issued));
	ok = ok && put(f, "self_signed", json_boolean(ci->self_signed));
	ok = ok && put(f, "basic_constraints", basic_constraints_json(x));
	ok = ok && put_key_usage(f, x);
	ok = ok && put(f, "extended_key_usage", eku_json(x));
	ok = ok && put_aia(f, x);
	ok = ok && put(f, "crl_urls", crl_json(x));
	ok = ok && put(f, "must_staple", json_boolean(ci->must_staple));
	ok = ok && put(f, "sct_count", json_integer(ci->sct_count));
	ok = ok && put(f, "policies", policies_json(x));
	ok = ok && put(f, "subject_key_id", skid_json(x));
	ok = ok && put(f, "authority_key_id", akid_json(x));
	if (ok && have_nb && have_na) {
		long long secs = na - nb + 1;
		long long days = secs > 0 ? (secs + 86399) / 86400 : secs / 86400;
		int max = cabf_max_days(nb);
		ok = put(f, "validity_seconds", json_integer(secs)) &&
		     put(f, "validity_days", json_integer(days)) &&
		     put(f, "cabf_max_days", json_integer(max)) &&
		     put(f, "cabf_validity_ok", json_boolean(secs <= max * 86400LL));
	} else if (ok) {
		ok = put(f, "validity_seconds", json_null()) &&
		     put(f, "validity_days", json_null()) &&
		     put(f, "cabf_max_days", json_null()) &&
		     put(f, "cabf_validity_ok", json_null());
	}
	return ok;
}

json_t *certinfo_json(const struct certinfo *ci)
{
	json_t *f = json_object(), *o = json_object();
	bool ok = f && o && all_fields(ci, f);

	/* json_object_set takes its own reference; a missing field is a bug in all_fields. */
	for (size_t i = 0; ok && i < sizeof(json_order) / sizeof(json_order[0]); i++) {
		json_t *v = json_object_get(f, json_order[i]);
		ok = v && json_object_set(o, json_order[i], v) == 0;
	}
	ok = ok && json_object_size(o) == json_object_size(f);
	json_decref(f);
	ERR_clear_error();
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

const char *certinfo_sha256_hex(const struct certinfo *ci)
{
	return ci->sha256_hex;
}

const uint8_t *certinfo_spki_sha256(const struct certinfo *ci)
{
	return ci->have_spki ? ci->spki_sha256 : NULL;
}

const char *certinfo_spki_b64(const struct certinfo *ci)
{
	return ci->have_spki ? ci->spki_b64 : NULL;
}

bool certinfo_has_ocsp_url(const struct certinfo *ci)
{
	return ci->has_ocsp;
}

bool certinfo_must_staple(const struct certinfo *ci)
{
	return ci->must_staple;
}

int certinfo_sct_count(const struct certinfo *ci)
{
	return ci->sct_count;
}
