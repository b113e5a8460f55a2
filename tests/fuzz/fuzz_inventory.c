/*
 * Fuzz target: `tlsscope inventory import` input (analyzer/inventory.h): a file that is PEM,
 * DER or a crt.sh JSON export (downloaded from the internet: untrusted), with and without
 * names given on the command line; and crt.sh issuer names turned into RFC 2253.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "example.test", "*.example.test" };
	char err[256];
	for (int with_names = 0; with_names < 2; with_names++) {
		struct inventory *inv = inventory_new();
		if (!inv)
			return 0;
		if (inventory_add_buffer(inv, data, size, "fuzz", with_names ? names : NULL,
					 with_names ? 2 : 0, NULL, err, sizeof(err)) == 0) {
			for (size_t i = 0; i < inventory_count(inv); i++) {
				const struct inventory_entry *e = inventory_at(inv, i);
				sink += strlen(e->name) + strlen(e->source);
			}
		} else {
			sink += strlen(err);
		}
		inventory_free(inv);
	}
	/* the input as a crt.sh issuer name */
	char *s = malloc(size + 1), out[1024];
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (inventory_crtsh_issuer(s, out, sizeof(out)) == 0)
		sink += strlen(out);
	free(s);
	return 0;
}
