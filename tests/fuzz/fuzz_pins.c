/*
 * Fuzz target: a --pins file (scanner/pins.h), then lookups of a few endpoints.
 */
#include <stddef.h>
#include <stdint.h>

#include "scanner/pins.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct pins *p = pins_parse((const char *)data, size, "fuzz", err, sizeof(err));
	if (!p)
		return 0;
	uint8_t out[4][32];
	sink += pins_find(p, "www.example.com", "192.0.2.1", 443, out, 4);
	sink += pins_find(p, NULL, "2001:db8::1", 8443, out, 4);
	sink += pins_find(p, "", "", 1, out, 0);
	pins_free(p);
	return 0;
}
