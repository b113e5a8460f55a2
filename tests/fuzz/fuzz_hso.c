/*
 * Fuzz target: a malicious server's bytes against the full-handshake probe (scanner/hso.h),
 * i.e. OpenSSL's client state machine over memory buffers plus our collection of what it
 * got (chain, staple, SCTs, HTTP head). Input: byte 0 picks the certificate kind (bits 0-1)
 * and whether an HTTP request follows (bit 2); byte 1 + 1 is the chunk size in which the
 * rest is fed, as the network would cut it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "scanner/hso.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hso_ctx *ctx;
	char err[128];
	if (!ctx && !(ctx = hso_ctx_new(err, sizeof(err))))
		abort();
	if (size < 2)
		return 0;
	struct hso_opts o = { .sni = "localhost", .auth = (enum hso_auth)(data[0] & 3),
			      .http_host = (data[0] & 4) ? "localhost" : NULL,
			      .http_without_alpn = true };
	size_t chunk = (size_t)data[1] + 1;
	data += 2;
	size -= 2;
	struct hso *h = hso_new(ctx, &o);
	if (!h)
		return 0;
	const uint8_t *out;
	size_t out_len;
	enum probe_talk_rc rc = hso_step(h, NULL, 0, &out, &out_len);
	for (size_t off = 0; rc == PROBE_TALK_MORE && off < size; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;
		rc = hso_step(h, data + off, n, &out, &out_len);
		sink += out_len;
	}
	const struct hso_result *r = hso_result(h);
	for (size_t i = 0; i < r->n_certs; i++)
		sink += r->der_len[i] + r->der[i][0];
	sink += r->ocsp_len + (size_t)r->http_status + (r->hsts ? 1 : 0) + r->client_hello_len;
	hso_free(h);
	return 0;
}
