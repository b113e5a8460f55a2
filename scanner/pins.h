/*
 * pins: the certificate pins of `scan --pins FILE` (INTERFACE.md): lines
 *
 *   HOST:PORT pin-sha256=BASE64[ pin-sha256=BASE64 ...]
 *
 * HOST is a host name (matched without case and without a final dot), an IPv4 address or
 * [an IPv6 address]; each BASE64 is the SHA-256 of a SubjectPublicKeyInfo, as in HPKP's
 * pin-sha256 (RFC 7469; quotes around it, as in the header, are accepted). '#' starts a
 * comment; blank lines are ignored. A pin matches any certificate of a chain (HPKP's rule):
 * the scanner reports which matched, or that none did.
 */
#ifndef TLSSCOPE_SCANNER_PINS_H
#define TLSSCOPE_SCANNER_PINS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PINS_LINE_MAX 4096
#define PINS_PER_ENTRY 32     /* pins on one line at most */

struct pins;

/* Reads a pins file. NULL with "FILE:LINE: what" (or the I/O error) in err on failure: a
 * line without HOST:PORT, a port out of range, a value that is not base64 of 32 bytes, a
 * line with no pin, too many pins, a line too long. */
struct pins *pins_load(const char *path, char *err, size_t errcap)
	__attribute__((warn_unused_result));

/* Parses the text of a pins file (len bytes; name is used in messages). As pins_load. */
struct pins *pins_parse(const char *text, size_t len, const char *name, char *err,
			size_t errcap) __attribute__((warn_unused_result));

void pins_free(struct pins *p);

/* The pins of the endpoint (host may be NULL or ""; ip is its address in text), every
 * line naming host:port or ip:port. Fills out[] (up to cap 32-byte values, duplicates
 * once) and returns how many there are in all. */
size_t pins_find(const struct pins *p, const char *host, const char *ip, uint16_t port,
		 uint8_t (*out)[32], size_t cap);

#endif
