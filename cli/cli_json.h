/*
 * cli_json: a compact JSON writer for per-record output. `sniff --json` writes one line per
 * TLS connection; on a capture dense in handshakes, building each line as a jansson object
 * (some 70 allocations, a hash table) and serializing it with json_dumps (which formats and
 * hashes a pointer at every object and array for loop detection) took a third of the
 * sensor's time. This writer appends tokens to one growable buffer.
 *
 * The text is what json_dumps(..., JSON_COMPACT) of the same values in the same order gives
 * (jansson 2.14): no spaces; in strings '"', '\\' and the control characters are escaped as
 * jansson does (\b \f \n \r \t, else \u00XX in uppercase hex), everything else, UTF-8
 * included, is copied as is. Commas are placed by the writer.
 *
 *   struct cli_jw w;
 *   cli_jw_init(&w);
 *   cli_jw_obj(&w);
 *   cli_jw_key(&w, "n"); cli_jw_int(&w, 1);
 *   cli_jw_key(&w, "names"); cli_jw_arr(&w); cli_jw_cstr(&w, "a"); cli_jw_end(&w);
 *   cli_jw_end(&w);
 *   char *line = cli_jw_take(&w, &len);    -> {"n":1,"names":["a"]}
 *
 * Out of memory, nesting deeper than CLI_JW_MAX_DEPTH or an unbalanced cli_jw_end make the
 * writer "bad": later calls do nothing and cli_jw_take returns NULL.
 */
#ifndef TLSSCOPE_CLI_CLI_JSON_H
#define TLSSCOPE_CLI_CLI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define CLI_JW_MAX_DEPTH 32

struct cli_jw {
	char *p;
	size_t len, cap;
	uint32_t nonempty;  /* bit d: the container at depth d + 1 has a value (a comma is due) */
	uint32_t is_obj;    /* bit d: the container at depth d + 1 is an object */
	unsigned depth;     /* open objects and arrays */
	bool after_key;     /* a key was written: its value comes without a comma */
	bool bad;
};

void cli_jw_init(struct cli_jw *w);

/* Opens an object or an array; cli_jw_end closes the innermost one. */
void cli_jw_obj(struct cli_jw *w);
void cli_jw_arr(struct cli_jw *w);
void cli_jw_end(struct cli_jw *w);

/* A key in the current object (NUL-terminated, valid UTF-8); the value follows. */
void cli_jw_key(struct cli_jw *w, const char *k);

/* Values. cli_jw_str: n bytes of valid UTF-8 (see cli_utf8_valid; NUL bytes are escaped).
 * cli_jw_cstr: a NUL-terminated string, or null when s is NULL. */
void cli_jw_str(struct cli_jw *w, const char *s, size_t n);
void cli_jw_cstr(struct cli_jw *w, const char *s);
void cli_jw_int(struct cli_jw *w, long long v);
void cli_jw_bool(struct cli_jw *w, bool v);
void cli_jw_null(struct cli_jw *w);

/* The text written, NUL-terminated, in a malloc'd buffer the caller frees; *len (may be NULL)
 * gets its length. The writer is left empty (as after cli_jw_init). NULL, the writer freed,
 * when it was bad or objects are still open. */
char *cli_jw_take(struct cli_jw *w, size_t *len) __attribute__((warn_unused_result));

/* Frees what the writer holds (after an error), leaving it empty. */
void cli_jw_free(struct cli_jw *w);

/* Makes the writer bad (the caller could not produce a value, e.g. out of memory). */
void cli_jw_fail(struct cli_jw *w);

/* The compact JSON text of v (any type) in a malloc'd NUL-terminated string of *len bytes
 * (len may be NULL); the caller frees it. Byte for byte json_dumps(v, JSON_COMPACT |
 * JSON_ENCODE_ANY), without its per-container loop check (formatting and hashing a pointer),
 * written with the writer above; reals are formatted by jansson. NULL when out of memory or
 * when v nests deeper than CLI_JW_MAX_DEPTH (a cycle does). */
char *cli_json_dumps(const json_t *v, size_t *len) __attribute__((warn_unused_result));

/* True when n bytes at p are valid UTF-8 as jansson accepts it for a string (RFC 3629:
 * shortest form, no surrogates, at most U+10FFFF; NUL allowed). */
bool cli_utf8_valid(const uint8_t *p, size_t n);

#endif
