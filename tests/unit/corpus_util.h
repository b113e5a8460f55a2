/*
 * Helpers shared by the unit tests that compare our output with tshark's over the corpora
 * (test_corpus.c, test_tconn.c, test_pcap_corpus.c): reading the JSON-lines files with
 * jansson, hex decoding, the exceptions.tsv lists, tshark's values as canonical strings and
 * the agreement table. Linked into every unit test (tests/SConscript). Failures are cmocka
 * assertions (these run inside a test), never return codes.
 */
#ifndef TLSSCOPE_TESTS_CORPUS_UTIL_H
#define TLSSCOPE_TESTS_CORPUS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "capture/tconn.h"
#include "capture/wire/digest.h"

/* Most alerts cu_json_alerts and cu_sorted_join handle. */
#define CU_LIST_MAX 64

/* Latin-1 bytes p[0..n) as NUL-terminated UTF-8 in out (how tshark's values decode
 * non-ASCII), cut at cap. */
void cu_latin1_utf8(const uint8_t *p, size_t n, char *out, size_t cap);

/* Appends s to the NUL-terminated dst (capacity cap), after a "," when dst is not empty. */
void cu_append(char *dst, size_t cap, const char *s);

/* qsort comparator of two const char * (strcmp order). */
int cu_cmp_str(const void *a, const void *b);

/* Sorts list[0..n) (n <= CU_LIST_MAX) in place and writes it to out joined by ",". */
void cu_sorted_join(const char **list, size_t n, char *out, size_t cap);

/* Our name of a TLS version: the registry's, else "0x%04x" in buf. Returns a static string
 * or buf. */
const char *cu_version_name(uint16_t v, char buf[8]);

/* A hex string as bytes: returns a malloc'd buffer (free it) of *len bytes; asserts that s
 * is hex. */
uint8_t *cu_unhex(const char *s, size_t *len);

/* Every line of the JSON-lines file path, as a JSON array (json_decref it); asserts that
 * the file opens and every line parses. */
json_t *cu_load_jsonl(const char *path);

/* tshark's alert list (objects {from, level, desc}, at most max <= CU_LIST_MAX of them) as
 * "from:level:desc" items, sorted, joined by "," into out. */
void cu_json_alerts(json_t *arr, size_t max, char *out, size_t cap);

/* A JSON array of strings joined by "," into out ("?" for an item that is not a string). */
void cu_json_list(json_t *arr, char *out, size_t cap);

/* tshark's value of key in the object e as our canonical string in out: strings as they are,
 * booleans "true"/"false", integers in decimal, the "alerts" array by cu_json_alerts (at most
 * alerts_max), other arrays by cu_json_list. Returns false when the key is absent (not
 * compared); *has = false for null, "" and []. */
bool cu_expected(json_t *e, const char *key, size_t alerts_max, bool *has, char *out,
		 size_t cap);

/* One line of tests/corpus/handshakes.jsonl. The strings and expect point into line (they
 * live as long as it); c2s and s2c are malloc'd (cu_conn_free). */
struct cu_conn {
	json_t *line, *expect;
	const char *corpus, *pcap;
	long long stream;
	uint8_t *c2s, *s2c;
	size_t c2s_len, s2c_len;
};

/* Fills k from line; asserts that the line has pcap, c2s and s2c. */
void cu_conn_load(json_t *line, struct cu_conn *k);
void cu_conn_free(struct cu_conn *k);

/* One line of an exceptions.tsv: pcap, where (stream, or client ip:port), field, reason. */
struct cu_exc {
	char pcap[300];
	char where[80];
	char field[64];
	bool ours; /* the reason starts with "sensor:": our known defect */
	bool used;
};

struct cu_excs {
	struct cu_exc *v;
	size_t n;
};

/* Reads the exceptions file path into x (empty before); asserts that it opens and that every
 * line has its four columns with a reason of more than 10 characters. Comment lines (#) and
 * the header line ("pcap" first) are skipped. */
void cu_excs_load(const char *path, struct cu_excs *x);

/* The exception for (pcap, where, field), marked used, or NULL. Pointer valid until
 * cu_excs_free. */
struct cu_exc *cu_excs_find(struct cu_excs *x, const char *pcap, const char *where,
			    const char *field);

/* cu_excs_find with where = the stream number in decimal. */
struct cu_exc *cu_excs_find_stream(struct cu_excs *x, const char *pcap, long long stream,
				   const char *field);

void cu_excs_free(struct cu_excs *x);

/* A tracker record's offered ALPN names (Latin-1 as UTF-8) joined by "," into out. */
void cu_record_alpn(const struct tconn_record *r, char *out, size_t cap);

/* A tracker record's certificate SHA-256s in hex joined by "," into chain; the first one (or
 * "" when there is none) into leaf. */
void cu_record_chain(const struct tconn_record *r, char leaf[2 * DIGEST_SHA256_LEN + 1], char *chain,
		     size_t cap);

/* A tracker record's alerts as "side:level:desc" items, sorted, joined by "," into out. */
void cu_record_alerts(const struct tconn_record *r, char *out, size_t cap);

/* Prints the agreement table: per field (name[0..nf)) matches, compared, raw percent,
 * excused, verified percent (matches + excused over compared) and, when ours is not NULL,
 * the "ours" column; a field below min_agreement is flagged. Returns true when every field
 * reaches min_agreement. */
bool cu_agreement_table(const char *const *name, int nf, const unsigned long *matches,
			const unsigned long *compared, const unsigned long *excused,
			const unsigned long *ours, double min_agreement);

#endif
