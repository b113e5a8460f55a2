/*
 * Helpers shared by the fuzz targets that read a whole capture file (fuzz_pcap.c,
 * fuzz_sensor.c). Header-only (static inline), so no extra object is linked.
 */
#ifndef TLSSCOPE_FUZZ_UTIL_H
#define TLSSCOPE_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/src.h"

/* The input as a capture source read by libpcap from memory: data[0..size) is copied to a
 * heap buffer returned in *copy and opened with fmemopen + src_fopen_take. Returns the source
 * (close it, then free *copy), or NULL (with *copy NULL) for an empty input, an allocation
 * failure or an input libpcap refuses. */
static inline struct src *fuzz_src_open(const uint8_t *data, size_t size, uint8_t **copy)
{
	char err[512];
	struct src *s;
	FILE *fp;

	*copy = NULL;
	if (size == 0)
		return NULL;
	*copy = malloc(size);
	if (!*copy)
		return NULL;
	memcpy(*copy, data, size);
	fp = fmemopen(*copy, size, "rb");
	if (fp && (s = src_fopen_take(fp, err, sizeof(err))))
		return s;
	free(*copy);
	*copy = NULL;
	return NULL;
}

#endif
