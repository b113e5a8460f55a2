/* Fuzz target: one ClientHello body (TLS form and SSLv2 form) and its fingerprints. */
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_client_hello_body(data, size, false);
	fuzz_client_hello_body(data, size, true);
	return 0;
}
