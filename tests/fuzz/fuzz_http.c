/*
 * Fuzz target: an HTTP response head from a scanned server (scanner/http.h), and every
 * Strict-Transport-Security value in it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_head h;
	http_parse_head((const char *)data, size, &h);
	if (h.has_hsts) {
		struct http_hsts s;
		http_parse_hsts(h.hsts, &s);
	}
	/* the whole input as a value too */
	char *v = malloc(size + 1);
	if (!v)
		return 0;
	memcpy(v, data, size);
	v[size] = '\0';
	struct http_hsts s;
	http_parse_hsts(v, &s);
	free(v);
	return 0;
}
