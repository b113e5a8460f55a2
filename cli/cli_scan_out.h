/*
 * cli_scan_out: what `tlsscope scan` does with each endpoint's result: print it (one "scan"
 * JSON object per line with --json, INTERFACE.md; a short human summary otherwise) and,
 * with --db, store it (analyzer/store/store.h): the endpoint, a scan row holding the same
 * JSON object, every probe's request bytes, response bytes and outcome as evidence, and
 * every chain's certificates (once each, with their facts) and stapled OCSP response.
 */
#ifndef TLSSCOPE_CLI_CLI_SCAN_OUT_H
#define TLSSCOPE_CLI_CLI_SCAN_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct scan_result;
struct store;

struct cli_scan_out {
	bool json;              /* NDJSON on out, else the human summary */
	bool one_line;          /* the human summary in one line per endpoint: versions, the
				   number of suites per version, groups (`tlsscope demo`) */
	FILE *out;              /* stdout */
	struct store *st;       /* the --db store (borrowed), NULL = none */
	const char *tool;       /* recorded with each scan, e.g. "tlsscope 0.1.0" */
	/* outcome */
	size_t results, failed; /* endpoints emitted / with "error" set */
	int store_rc;           /* the first store error (STORE_*), 0 = none */
	char store_err[256];    /* its message */
	bool oom;               /* the JSON could not be built (out of memory) */
};

/*
 * Prints r and, when o->st is set, stores it. r is only read. Once a store error happened
 * nothing more is stored (the result is still printed). Returns false when the output or
 * the store failed (o->store_rc / o->oom / ferror(o->out) say which): the caller exits 3.
 */
bool cli_scan_out_emit(struct cli_scan_out *o, const struct scan_result *r)
	__attribute__((warn_unused_result));

#endif
