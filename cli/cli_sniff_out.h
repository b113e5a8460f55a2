/*
 * cli_sniff_out: what `tlsscope sniff` (and `tlsscope demo`) do with each TLS connection
 * record of the passive sensor (capture/tconn.h): build its "tls" JSON object
 * (INTERFACE.md), print it as one line of text, and store it (analyzer/store/store.h): the
 * server's certificates once each, the connection with its chain, and its anomalies.
 *
 * The "tls" object is INTERFACE.md's, in its order, with two additions: "starttls" (the
 * plaintext prelude before TLS: "smtp", ..., "http-connect", "other", or null) and
 * "n_client_hellos". "alerts" holds {"from","level","desc"} objects, "anomalies"
 * {"name","from"} objects (from: "client", "server" or "tcp").
 */
#ifndef TLSSCOPE_CLI_CLI_SNIFF_OUT_H
#define TLSSCOPE_CLI_CLI_SNIFF_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

struct store;
struct tconn_record;

#define CLI_SNIFF_OUT_TS_SIZE 32

/* Writes us (microseconds since the Unix epoch) as RFC 3339 UTC with microseconds
 * (INTERFACE.md): "2026-11-22T05:00:00.123456Z". */
void cli_sniff_out_ts(uint64_t us, char out[CLI_SNIFF_OUT_TS_SIZE]);

/* The "tls" object of r as one line of compact JSON (no newline) of *len bytes (len may be
 * NULL), NUL-terminated, in a malloc'd buffer the caller frees; r is only read. NULL when out
 * of memory. */
char *cli_sniff_out_line(const struct tconn_record *r, size_t *len)
	__attribute__((warn_unused_result));

/* The "tls" object of r, newly allocated (the caller json_decref's it): cli_sniff_out_line
 * parsed. NULL when out of memory. */
json_t *cli_sniff_out_json(const struct tconn_record *r) __attribute__((warn_unused_result));

/* Prints r as one line on f: "TS CLIENT:PORT -> SERVER:PORT VERSION CIPHER sni=... ja3=...
 * ja4=..." and " starttls=PROTO" after a prelude; "-" for what is missing. o is r's object
 * from cli_sniff_out_json. */
void cli_sniff_out_text(FILE *f, const struct tconn_record *r, const json_t *o);

/*
 * Stores r in st (borrowed): its certificates (once each, as far as their DER was kept),
 * the connection with o's fields, source (the file or interface name, stored with the row;
 * borrowed) and its chain, and one anomaly row per anomaly. Batched: store_flush commits.
 * Returns a STORE_* code (store_errmsg(st) says more); when out of memory, STORE_EIO with
 * *oom set to true.
 */
int cli_sniff_out_store(struct store *st, const char *source, const struct tconn_record *r,
			const json_t *o, bool *oom) __attribute__((warn_unused_result));

#endif
