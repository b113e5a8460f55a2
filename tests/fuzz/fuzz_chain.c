/*
 * Fuzz target: a certificate chain through both verdicts, vossl_verify_chain (OpenSSL) and
 * vgnutls_verify_chain (GnuTLS), with host "localhost" and the issuer of fuzz_pki.h as the
 * one trust anchor. The input is a sequence of certificates, each a 2-byte big-endian
 * length then that many bytes (the last one takes what is left when the input is short), at
 * most FUZZ_CHAIN_MAX; each is an exact-size heap copy. Checks: both return 0, the texts are
 * NUL-terminated, a trusted verdict has no error, an untrusted one has one, and the counts
 * fit the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_pki.h"

#define FUZZ_CHAIN_MAX 64

static struct vossl_trust *ot;
static struct vgnutls_trust *gt;

#define TERMINATED(a) (memchr((a), '\0', sizeof(a)) != NULL)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *der[FUZZ_CHAIN_MAX];
	size_t len[FUZZ_CHAIN_MAX], n = 0, off = 0;

	if (!ot)
		fuzz_pki_trusts(&ot, &gt);
	while (n < FUZZ_CHAIN_MAX && size - off >= 2) {
		size_t l = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (l > size - off)
			l = size - off;
		der[n] = malloc(l ? l : 1);
		if (!der[n])
			break;
		if (l)
			memcpy(der[n], data + off, l);
		len[n++] = l;
		off += l;
	}
	if (n == 0)
		return 0;

	struct vossl_chain v;
	if (vossl_verify_chain(ot, (const uint8_t *const *)der, len, n, "localhost", NULL, &v) != 0)
		abort();
	if (!TERMINATED(v.error) || !TERMINATED(v.anchor))
		abort();
	if ((v.trusted == SCANRES_YES) != (v.error[0] == '\0'))
		abort();
	if (v.trusted == SCANRES_YES && (v.error_code != 0 || v.complete != SCANRES_YES ||
	                                 !v.anchor[0]))
		abort();
	if (v.unused > n || v.parsed > n)
		abort();

	struct vgnutls_chain g;
	if (vgnutls_verify_chain(gt, (const uint8_t *const *)der, len, n, "localhost", NULL, &g) != 0)
		abort();
	if (!TERMINATED(g.error))
		abort();
	if (g.trusted != SCANRES_NULL && (g.trusted == SCANRES_YES) != (g.error[0] == '\0'))
		abort();

	for (size_t i = 0; i < n; i++)
		free(der[i]);
	return 0;
}
