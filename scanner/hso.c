/*
 * A full TLS handshake by OpenSSL over memory BIOs. See hso.h.
 *
 * Implementation notes:
 *  - One thread runs every handshake of a run, interleaved, and OpenSSL's error queue is
 *    per thread: it is cleared before each SSL call and read right after, so one
 *    handshake's errors are never blamed on another.
 *  - What OpenSSL writes into the write BIO is copied into h->out and the BIO drained; the
 *    engine sends h->out before it calls hso_step again.
 *  - A received fatal alert surfaces as an error whose reason is SSL_AD_REASON_OFFSET plus
 *    the alert's code: it is reported as "alert:<name>" (e.g. "alert:handshake_failure").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "scanner/hso.h"
#include "scanner/http.h"


struct hso_ctx {
	SSL_CTX *ctx[HSO_NAUTH];
};

struct hso {
	SSL *ssl;
	BIO *rbio, *wbio;           /* owned by ssl */
	bool http;
	bool http_without_alpn;
	char *request;              /* the HTTP request, NULL without http */
	bool request_sent;
	uint8_t *out;               /* bytes for the engine to send */
	size_t out_len, out_cap;
	uint8_t *hello;             /* our first flight */
	size_t hello_len;
	bool first;
	char *hdr;                  /* HTTP response bytes read so far */
	size_t hdr_len;
	uint8_t *ders[HSO_MAX_CHAIN];
	uint8_t *ocsp;
	struct hso_result r;
};

static const char *const auth_names[HSO_NAUTH] = { "default", "rsa", "ecdsa", "eddsa" };

const char *hso_auth_name(enum hso_auth a)
{
	return (unsigned)a < HSO_NAUTH ? auth_names[a] : "?";
}

/* Every TLS 1.3 suite OpenSSL has. */
static const char suites13[] = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
			       "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256:"
			       "TLS_AES_128_CCM_8_SHA256";
static const char groups[] = "X25519:P-256:P-384:P-521:X448:ffdhe2048:ffdhe3072:ffdhe4096:"
			     "ffdhe6144:ffdhe8192";

/* Per enum hso_auth: the TLS <= 1.2 suites and the signature schemes offered (NULL:
 * OpenSSL's defaults). */
static const struct {
	const char *ciphers;
	const char *sigalgs;
} auth_conf[HSO_NAUTH] = {
	[HSO_ANY] = { "ALL:!aNULL:@SECLEVEL=0", NULL },
	[HSO_RSA] = { "aRSA:@SECLEVEL=0",
		      "rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:"
		      "rsa_pss_pss_sha256:rsa_pss_pss_sha384:rsa_pss_pss_sha512:"
		      "rsa_pkcs1_sha256:rsa_pkcs1_sha384:rsa_pkcs1_sha512:RSA+SHA224:"
		      "rsa_pkcs1_sha1" },
	[HSO_ECDSA] = { "aECDSA:@SECLEVEL=0",
			"ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:"
			"ecdsa_secp521r1_sha512:ECDSA+SHA224:ECDSA+SHA1" },
	[HSO_EDDSA] = { "aECDSA:@SECLEVEL=0", "ed25519:ed448" },
};

/* Asks for SCTs (OpenSSL sends the signed_certificate_timestamp extension only with a CT
 * callback) and accepts whatever comes: judging them is not the handshake's business. */
static int accept_scts(const CT_POLICY_EVAL_CTX *ctx, const STACK_OF(SCT) *scts, void *arg)
{
	(void)ctx;
	(void)scts;
	(void)arg;
	return 1;
}

static void ossl_error(char *buf, size_t cap, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	if (e)
		snprintf(buf, cap, "%s: %s", what, ERR_reason_error_string(e));
	else
		snprintf(buf, cap, "%s", what);
	ERR_clear_error();
}

struct hso_ctx *hso_ctx_new(char *err, size_t errcap)
{
	struct hso_ctx *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errcap, "out of memory");
		return NULL;
	}
	ERR_clear_error();
	for (int a = 0; a < HSO_NAUTH; a++) {
		SSL_CTX *x = SSL_CTX_new(TLS_client_method());
		c->ctx[a] = x;
		if (!x || !SSL_CTX_set_min_proto_version(x, 0) ||
		    !SSL_CTX_set_max_proto_version(x, 0)) {
			ossl_error(err, errcap, "OpenSSL context");
			hso_ctx_free(c);
			return NULL;
		}
		SSL_CTX_set_security_level(x, 0);
		SSL_CTX_set_options(x, SSL_OP_LEGACY_SERVER_CONNECT | SSL_OP_IGNORE_UNEXPECTED_EOF |
					       SSL_OP_NO_TICKET);
		SSL_CTX_set_verify(x, SSL_VERIFY_NONE, NULL);
		SSL_CTX_set_max_cert_list(x, HSO_MAX_CERT_LIST);
		if (!SSL_CTX_set_cipher_list(x, auth_conf[a].ciphers) ||
		    !SSL_CTX_set_ciphersuites(x, suites13) || !SSL_CTX_set1_groups_list(x, groups) ||
		    (auth_conf[a].sigalgs && !SSL_CTX_set1_sigalgs_list(x, auth_conf[a].sigalgs)) ||
		    !SSL_CTX_set_tlsext_status_type(x, TLSEXT_STATUSTYPE_ocsp) ||
		    !SSL_CTX_set_ct_validation_callback(x, accept_scts, NULL)) {
			ossl_error(err, errcap, "OpenSSL context settings");
			hso_ctx_free(c);
			return NULL;
		}
	}
	return c;
}

void hso_ctx_free(struct hso_ctx *c)
{
	if (!c)
		return;
	for (int a = 0; a < HSO_NAUTH; a++)
		SSL_CTX_free(c->ctx[a]);
	free(c);
}

struct hso *hso_new(struct hso_ctx *c, const struct hso_opts *o)
{
	struct hso *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	unsigned a = (unsigned)o->auth < HSO_NAUTH ? (unsigned)o->auth : HSO_ANY;
	ERR_clear_error();
	h->ssl = SSL_new(c->ctx[a]);
	h->rbio = BIO_new(BIO_s_mem());
	h->wbio = BIO_new(BIO_s_mem());
	if (!h->ssl || !h->rbio || !h->wbio)
		goto fail;
	BIO_set_mem_eof_return(h->rbio, -1); /* empty = "want more", not end of stream */
	SSL_set_bio(h->ssl, h->rbio, h->wbio);
	SSL_set_connect_state(h->ssl);
	if (o->sni && o->sni[0] && !SSL_set_tlsext_host_name(h->ssl, o->sni))
		goto fail;
	if (o->http_host) {
		static const unsigned char alpn[] = "\x08http/1.1";
		const char *ua = o->user_agent ? o->user_agent : "tlsscope";
		int n = snprintf(NULL, 0,
				 "GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\n"
				 "Connection: close\r\n\r\n", o->http_host, ua);
		h->request = n > 0 ? malloc((size_t)n + 1) : NULL;
		if (!h->request || SSL_set_alpn_protos(h->ssl, alpn, sizeof(alpn) - 1) != 0)
			goto fail;
		snprintf(h->request, (size_t)n + 1,
			 "GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\n"
			 "Connection: close\r\n\r\n", o->http_host, ua);
		h->http = true;
		h->http_without_alpn = o->http_without_alpn;
	}
	h->first = true;
	h->r.status_requested = true;
	return h;
fail:
	if (h->ssl) {
		SSL_free(h->ssl); /* frees the BIOs once set */
	} else {
		BIO_free(h->rbio);
		BIO_free(h->wbio);
	}
	ERR_clear_error();
	free(h->request);
	free(h);
	return NULL;
}

void hso_free(struct hso *h)
{
	if (!h)
		return;
	SSL_free(h->ssl);
	free(h->request);
	free(h->out);
	free(h->hello);
	free(h->hdr);
	for (size_t i = 0; i < HSO_MAX_CHAIN; i++)
		OPENSSL_free(h->ders[i]);
	free(h->ocsp);
	free(h->r.hsts);
	free(h->r.hpkp);
	free(h);
}

const struct hso_result *hso_result(const struct hso *h)
{
	return &h->r;
}

/* Moves what OpenSSL wrote into h->out. False when out of memory. */
static bool drain(struct hso *h)
{
	size_t pending = BIO_ctrl_pending(h->wbio);
	if (pending == 0)
		return true;
	if (h->out_len + pending > h->out_cap) {
		size_t cap = h->out_len + pending;
		uint8_t *p = realloc(h->out, cap);
		if (!p)
			return false;
		h->out = p;
		h->out_cap = cap;
	}
	int n = BIO_read(h->wbio, h->out + h->out_len, (int)pending);
	if (n > 0)
		h->out_len += (size_t)n;
	return true;
}

/* The reason of a failed SSL call. */
static void failure(struct hso *h, int ret)
{
	int e = SSL_get_error(h->ssl, ret);
	unsigned long code = ERR_peek_error();
	int reason = ERR_GET_REASON(code);
	if (code && reason > SSL_AD_REASON_OFFSET && reason < SSL_AD_REASON_OFFSET + 256) {
		snprintf(h->r.error, sizeof(h->r.error), "alert:%s",
			 SSL_alert_desc_string_long(reason - SSL_AD_REASON_OFFSET));
		/* OpenSSL's long names have spaces ("handshake failure"): use the RFC's */
		for (char *p = h->r.error; *p; p++)
			if (*p == ' ')
				*p = '_';
	} else if (code) {
		const char *why = ERR_reason_error_string(code);
		snprintf(h->r.error, sizeof(h->r.error), "%s", why ? why : "TLS error");
	} else if (e == SSL_ERROR_ZERO_RETURN) {
		snprintf(h->r.error, sizeof(h->r.error), "closed");
	} else {
		snprintf(h->r.error, sizeof(h->r.error), "TLS error %d", e);
	}
	ERR_clear_error();
}

/* Copies what the finished handshake learned into h->r. */
static void collect(struct hso *h)
{
	struct hso_result *r = &h->r;
	r->handshake_done = true;
	r->version = (uint16_t)SSL_version(h->ssl);
	const SSL_CIPHER *c = SSL_get_current_cipher(h->ssl);
	r->suite = c ? SSL_CIPHER_get_protocol_id(c) : 0;
	const unsigned char *alpn = NULL;
	unsigned alpn_len = 0;
	SSL_get0_alpn_selected(h->ssl, &alpn, &alpn_len);
	if (alpn && alpn_len < sizeof(r->alpn)) {
		memcpy(r->alpn, alpn, alpn_len);
		r->alpn[alpn_len] = '\0';
	}
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(h->ssl);
	int n = chain ? sk_X509_num(chain) : 0;
	r->n_sent = n > 0 ? (size_t)n : 0;
	for (int i = 0; i < n && r->n_certs < HSO_MAX_CHAIN; i++) {
		unsigned char *der = NULL;
		int len = i2d_X509(sk_X509_value(chain, i), &der);
		if (len <= 0)
			break;
		h->ders[r->n_certs] = der; /* OPENSSL_malloc'd */
		r->der[r->n_certs] = der;
		r->der_len[r->n_certs] = (size_t)len;
		r->n_certs++;
	}
	const unsigned char *resp = NULL;
	long rlen = SSL_get_tlsext_status_ocsp_resp(h->ssl, &resp);
	if (resp && rlen > 0) {
		h->ocsp = malloc((size_t)rlen);
		if (h->ocsp) {
			memcpy(h->ocsp, resp, (size_t)rlen);
			r->ocsp = h->ocsp;
			r->ocsp_len = (size_t)rlen;
		}
	}
	const STACK_OF(SCT) *scts = SSL_get0_peer_scts(h->ssl);
	for (int i = 0; scts && i < sk_SCT_num(scts); i++) {
		switch (SCT_get_source(sk_SCT_value(scts, i))) {
		case SCT_SOURCE_TLS_EXTENSION:
			r->sct_tls++;
			break;
		case SCT_SOURCE_OCSP_STAPLED_RESPONSE:
			r->sct_ocsp++;
			break;
		case SCT_SOURCE_X509V3_EXTENSION:
			r->sct_x509++;
			break;
		default:
			break;
		}
	}
	ERR_clear_error();
}

/* Reads the head received so far into h->r. */
static void parse_http(struct hso *h)
{
	struct http_head hd;
	http_parse_head(h->hdr, h->hdr_len, &hd);
	h->r.http_status = hd.status;
	if (hd.has_hsts && !h->r.hsts)
		h->r.hsts = strdup(hd.hsts);
	if (hd.has_hpkp && !h->r.hpkp)
		h->r.hpkp = strdup(hd.hpkp);
}

/* After the handshake: send the request once, read until the end of the headers.
 * Returns true when the talk is over. */
static bool http_step(struct hso *h)
{
	if (!h->request_sent) {
		if (h->r.alpn[0] ? strcmp(h->r.alpn, "http/1.1") != 0 : !h->http_without_alpn)
			return true; /* not known to speak HTTP/1.1 */
		ERR_clear_error();
		int n = SSL_write(h->ssl, h->request, (int)strlen(h->request));
		ERR_clear_error();
		if (n <= 0)
			return true;
		h->request_sent = true;
		h->r.http_asked = true;
	}
	if (!h->hdr) {
		h->hdr = malloc(HSO_HTTP_MAX + 1);
		if (!h->hdr)
			return true;
	}
	for (;;) {
		if (h->hdr_len >= HSO_HTTP_MAX) {
			parse_http(h);
			return true; /* header block too long: what came is what we have */
		}
		ERR_clear_error();
		int n = SSL_read(h->ssl, h->hdr + h->hdr_len, (int)(HSO_HTTP_MAX - h->hdr_len));
		if (n <= 0) {
			int e = SSL_get_error(h->ssl, n);
			ERR_clear_error();
			if (e == SSL_ERROR_WANT_READ)
				return false;
			parse_http(h); /* closed or failed: what came is what we have */
			return true;
		}
		size_t from = h->hdr_len >= 3 ? h->hdr_len - 3 : 0;
		h->hdr_len += (size_t)n;
		h->hdr[h->hdr_len] = '\0';
		h->r.http_bytes = h->hdr_len;
		for (size_t i = from; i + 4 <= h->hdr_len; i++) {
			if (memcmp(h->hdr + i, "\r\n\r\n", 4) == 0) {
				h->hdr_len = i + 2; /* keep the last header's line end */
				h->r.http_done = true;
				parse_http(h);
				return true;
			}
		}
	}
}

enum probe_talk_rc hso_step(void *arg, const uint8_t *in, size_t len, const uint8_t **out,
			    size_t *out_len)
{
	struct hso *h = arg;
	enum probe_talk_rc rc = PROBE_TALK_MORE;
	h->out_len = 0; /* the engine sent it */
	*out = NULL;
	*out_len = 0;
	if (len > 0 && BIO_write(h->rbio, in, (int)len) != (int)len) {
		snprintf(h->r.error, sizeof(h->r.error), "out of memory");
		return PROBE_TALK_DONE;
	}
	if (!h->r.handshake_done) {
		ERR_clear_error();
		int ret = SSL_do_handshake(h->ssl);
		if (ret == 1) {
			collect(h);
		} else {
			int e = SSL_get_error(h->ssl, ret);
			if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
				failure(h, ret);
				rc = PROBE_TALK_DONE;
			}
			ERR_clear_error();
		}
	}
	if (rc == PROBE_TALK_MORE && h->r.handshake_done)
		rc = !h->http || http_step(h) ? PROBE_TALK_DONE : PROBE_TALK_MORE;
	if (!drain(h)) {
		snprintf(h->r.error, sizeof(h->r.error), "out of memory");
		return PROBE_TALK_DONE;
	}
	if (h->first) {
		h->first = false;
		h->hello = malloc(h->out_len ? h->out_len : 1);
		if (h->hello) {
			memcpy(h->hello, h->out, h->out_len);
			h->hello_len = h->out_len;
			h->r.client_hello = h->hello;
			h->r.client_hello_len = h->out_len;
		}
	}
	*out = h->out;
	*out_len = h->out_len;
	return rc;
}
