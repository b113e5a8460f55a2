/*
 * Fuzz target: one OCSP response (DER) through both verdicts, vossl_verify_ocsp (OpenSSL) and
 * vgnutls_verify_ocsp (GnuTLS), for the fixed leaf + issuer of fuzz_pki.h, the issuer being
 * the one trust anchor. The response is an exact-size heap copy. Checks: both return 0,
 * every text field is NUL-terminated within its array, and a response that did not parse
 * has no status and no verdict.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_pki.h"

static struct vossl_trust *ot;
static struct vgnutls_trust *gt;

#define TERMINATED(a) (memchr((a), '\0', sizeof(a)) != NULL)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ot)
		fuzz_pki_trusts(&ot, &gt);
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);
	const uint8_t *der[2] = {fuzz_pki_leaf, fuzz_pki_issuer};
	size_t len[2] = {sizeof(fuzz_pki_leaf), sizeof(fuzz_pki_issuer)};

	for (size_t n = 1; n <= 2; n++) {   /* the issuer sent, and found in the trust */
		struct vossl_ocsp v;
		if (vossl_verify_ocsp(ot, der, len, n, buf, size, &v) != 0)
			abort();
		if (!TERMINATED(v.error) || !TERMINATED(v.response_status) ||
		    !TERMINATED(v.cert_status) || !TERMINATED(v.this_update) ||
		    !TERMINATED(v.next_update) || !TERMINATED(v.revocation_time) ||
		    !TERMINATED(v.revocation_reason) || !TERMINATED(v.responder))
			abort();
		if (!v.parsed && (v.cert_status[0] || v.verified != SCANRES_NULL || !v.error[0]))
			abort();
		if (v.sct_count < 0)
			abort();

		struct vgnutls_ocsp g;
		if (vgnutls_verify_ocsp(gt, der, len, n, buf, size, &g) != 0)
			abort();
		if (!TERMINATED(g.error) || !TERMINATED(g.cert_status) ||
		    !TERMINATED(g.this_update) || !TERMINATED(g.next_update) ||
		    !TERMINATED(g.revocation_time))
			abort();
		if (!g.parsed && (g.cert_status[0] || g.verified != SCANRES_NULL || !g.error[0]))
			abort();
		if (g.verified == SCANRES_NO && !g.error[0])
			abort();
	}
	free(buf);
	return 0;
}
