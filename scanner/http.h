/*
 * http: reading the head of an HTTP/1.x response from a server we scan (untrusted bytes):
 * the status code and the headers the scanner records, and the directives of a
 * Strict-Transport-Security value (RFC 6797 §6.1). Pure functions, no allocation.
 */
#ifndef TLSSCOPE_SCANNER_HTTP_H
#define TLSSCOPE_SCANNER_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_VALUE_MAX 1024     /* a header value kept at most (longer ones are cut) */

struct http_head {
	int status;                  /* 0 when the first line is not "HTTP/1.x NNN" */
	bool has_hsts, has_hpkp;
	char hsts[HTTP_VALUE_MAX + 1];   /* Strict-Transport-Security: the first one (RFC 6797
					    §8.1), blanks trimmed, control bytes as '?' */
	char hpkp[HTTP_VALUE_MAX + 1];   /* Public-Key-Pins (RFC 7469), likewise */
};

/* Reads a response head (p[0..len): the status line and header lines, CRLF or LF ended;
 * an unfinished last line is ignored). Never fails: what cannot be read is left out. */
void http_parse_head(const char *p, size_t len, struct http_head *out);

struct http_hsts {
	long long max_age;           /* -1: absent or malformed */
	bool include_subdomains;
	bool preload;
	unsigned directives;         /* directives seen (known or not) */
};

/* Reads a Strict-Transport-Security value (NUL-terminated): directives separated by ';',
 * names without case, max-age's value a token or a quoted string of digits; unknown
 * directives are counted and ignored. */
void http_parse_hsts(const char *v, struct http_hsts *out);

#endif
