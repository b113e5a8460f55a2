/* Fuzz target: a server's byte stream (records carrying ServerHello, Certificate,
 * CertificateStatus, ServerKeyExchange, alerts, SSLv2 SERVER-HELLO), delivered whole. */
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_dir *d = fuzz_dir_new(true);
	if (!d)
		return 0;
	fuzz_feed(d, data, size);
	free(d);
	return 0;
}
