/*
 * diff: what changed between two scans of the same endpoint (`tlsscope diff`, the scheduled
 * scans). For each endpoint of a store, its latest finished scan is compared with a baseline:
 * the scan before it, or the latest scan finished before a given time. Compared, as sets:
 * protocol versions, cipher suites per version, groups, certificates (the leaf SHA-256 of
 * every chain), and as values: the trust verdict (chain_trusted, verify_error), OCSP stapling
 * (ocsp.stapled), HSTS (http.hsts) and the scan error. Facts only: whether a change is good
 * or bad is the rules' business.
 *
 * One "diff" object per endpoint (INTERFACE.md style, jansson):
 *
 *   {"type":"diff", "resource":"127.0.0.1:443 a.test", "host":..., "ip":..., "port":443,
 *    "sni":...|null,
 *    "before":{"scan_id":1, "finished":RFC3339}|null,   (null: no baseline scan)
 *    "after":{"scan_id":2, "finished":RFC3339},
 *    "changed":true, "changes":3,                       (number of items added, removed or
 *                                                        changed below)
 *    "versions":{"added":["TLSv1.3"], "removed":["TLSv1.0"]},
 *    "suites":{"added":{"TLSv1.3":["TLS_AES_128_GCM_SHA256"]}, "removed":{...}},
 *    "groups":{"added":[...], "removed":[...]},
 *    "certificates":{"added":[{"chain":0, "sha256":..., "subject":..., "not_after":...}],
 *                    "removed":[...]},
 *    "trust":{"changed":false, "before":{"trusted":true,"verify_error":null}, "after":{...}},
 *    "ocsp_stapling":{"changed":false, "before":true, "after":true},
 *    "hsts":{"changed":false, "before":{"max_age":..,"include_subdomains":..,"preload":..}|null,
 *            "after":...},
 *    "error":{"changed":false, "before":null, "after":null}}
 *
 * Lists keep the order of the scan that has the item (suites: the server's order).
 * Without a baseline the lists are empty and "changed" is false.
 */
#ifndef TLSSCOPE_ANALYZER_DIFF_H
#define TLSSCOPE_ANALYZER_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct store;

enum diff_status {
	DIFF_OK = 0,
	DIFF_EINPUT,   /* bad option: a --before that is not RFC 3339 */
	DIFF_ESTORE,   /* the store failed (message in err) */
	DIFF_ENOMEM,
};

/* One entry of a scope: an endpoint matches when its port is port and either host is set
 * and equals the endpoint's host name (case-insensitive, final dot ignored), or ip is set
 * and equals the endpoint's address (or, for an endpoint stored without an address, host
 * matches). Strings are borrowed for the call. */
struct diff_scope {
	const char *host;   /* NULL: match by ip only */
	const char *ip;     /* textual address ("127.0.0.1", "::1"); NULL or "": by host only */
	uint16_t port;
};

struct diff_opts {
	const char *before;              /* RFC 3339: the baseline is the latest scan finished
					    before it; NULL: the scan before the latest */
	const struct diff_scope *scope;  /* n_scope entries; n_scope 0: every endpoint */
	size_t n_scope;
};

/* True when s is an RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
 * ('t' and ' ' accepted for 'T', 'z' for 'Z'). */
bool diff_check_time(const char *s);

/*
 * The changes from scan object `before` to scan object `after` (the "scan" JSON objects of
 * INTERFACE.md, as stored): a new object holding the keys "changed", "changes", "versions",
 * "suites", "groups", "certificates", "trust", "ocsp_stapling", "hsts" and "error" described
 * above (certificates with "chain" and "sha256" only). before may be NULL (no baseline:
 * nothing changed). Both are only read. Returns NULL when out of memory.
 */
json_t *diff_scans(const json_t *before, const json_t *after)
	__attribute__((warn_unused_result));

/*
 * Builds the "diff" object of every endpoint of the store that has a finished scan (and is
 * in o's scope), in resource order, into *out (a new JSON array; the caller json_decref()s
 * it). Certificates added or removed get "subject" and "not_after" from the store's facts.
 * Returns DIFF_OK, or an enum diff_status with a message in err (*out is then NULL).
 */
int diff_build(struct store *st, const struct diff_opts *o, json_t **out, char *err,
	       size_t errcap) __attribute__((warn_unused_result));

#endif
