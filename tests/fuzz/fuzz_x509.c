/* Fuzz target: one DER certificate through certinfo (analyzer/certinfo.h): parse, build the
 * JSON object, serialise it, free everything. The serialised JSON must exist for every
 * certificate that parses (certinfo cleans every string to UTF-8 and bounds it). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analyzer/certinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	/* An exact-size heap copy, so that ASan sees any read past the end. */
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);
	struct certinfo *ci = certinfo_from_der(buf, size, err, sizeof(err));
	free(buf);
	if (!ci) {
		if (err[0] == '\0')
			abort();  /* a refusal always says why */
		return 0;
	}
	json_t *j = certinfo_json(ci);
	if (!j)
		abort();  /* only out of memory may fail */
	char *s = json_dumps(j, JSON_COMPACT);
	if (!s || strlen(certinfo_sha256_hex(ci)) != 64)
		abort();
	const char *b64 = certinfo_spki_b64(ci);
	if (b64 && strlen(b64) != 44)
		abort();
	free(s);
	json_decref(j);
	certinfo_free(ci);
	return 0;
}
