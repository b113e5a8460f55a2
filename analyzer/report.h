/*
 * report: the canonical report document (issue 7): a JSON object built from a store that the
 * analyzer has run over, for one compliance profile. The HTML (report_html.h) and CSV
 * (report_csv.h) reports are renderings of it; `tlsscope report --format json` writes it.
 *
 *   {"type":"report", "report_version":1,
 *    "header":{tool, generated, profile, profile_title, rules{hash, analysis_run,
 *              analysis_started, analysis_finished, rules_loaded, profile_rules,
 *              stale_findings}, data{...}, database, scope{endpoints[], connections{}}},
 *    "method":{"text":[...], "limits":[...]},
 *    "requirements":[{requirement, status, rules[], counts{ok,alarm,info,skip}, exceptions}],
 *    "findings":[{id, rule, title, severity, status, resource, reason, requirements[],
 *                 evidence[{ref, kind, sha256, summary}], remediation, first_seen, last_seen,
 *                 count, score, triage}],
 *    "inventories":{"certificates":[...], "protocols":[...]},
 *    "changes":[...], "charts":{protocols, suites, expiry, severity}}
 *
 * What is read (only through store_query() and the TEMP reference tables of refdata.h):
 *   - the profile's rules: the rows of the table `rules` (as the last analysis recorded them)
 *     that rules_in_profile() puts in the profile (a requirement "NAME:..." or an id
 *     "NAME/..."); "all" means every rule;
 *   - their findings, current ones only: a finding whose last_seen is older than the start of
 *     the analysis run that last ran its rule was not produced again (the resource is gone or
 *     the rule no longer reports it) and is left out (counted in header.rules.stale_findings);
 *   - the analysts' verdicts (triage) valid at o->now: the latest per (rule, resource);
 *   - the latest finished scan of each endpoint (scope, inventories, charts) and the one
 *     before it (changes).
 *
 * Requirement status, for each requirement that the profile's rules name ("NAME:..." ones
 * when a profile is given; every requirement of a rule that is in the profile by its id
 * only; all of them for "all"), from the findings of the rules that name it:
 *   "not in place"   an alarm without a valid analyst verdict;
 *   "in place"       otherwise, an ok or info finding, or an alarm with a valid verdict
 *                    (then counted in "exceptions"; skip rows do not change the status);
 *   "not applicable" only skip findings;
 *   "not tested"     no finding at all.
 *
 * Evidence: each reference of a finding is resolved to its kind, the SHA-256 (lowercase hex)
 * of the stored bytes it points to, and a one-line summary:
 *   scan:ID        the scan's result JSON text, as stored (scans.result)
 *   probe:ID       the probe's request bytes followed by its response bytes (NULL = none)
 *   cert:SHA256    the certificate DER
 *   ocsp:SHA256    the OCSP response DER
 *   connection:ID  the compact JSON object SQLite's json_object() makes of the connection
 *                  row: every column of `connections` in table order (alpn_offered, alerts
 *                  and anomalies as JSON values), then "chain": the certificate hashes of
 *                  conn_certs in depth order
 *   finding:ID     the compact JSON object json_object('id', 'rule', 'resource', 'status',
 *                  'severity', 'reason', 'evidence' (as a JSON value)) of that finding
 * A reference whose row is not in the store gets sha256 null and says so in its summary.
 */
#ifndef TLSSCOPE_ANALYZER_REPORT_H
#define TLSSCOPE_ANALYZER_REPORT_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#define REPORT_VERSION 1

struct store;

struct report_opts {
	const char *profile;     /* required: a profile name, or "all" for every rule */
	const char *database;    /* the store's path, shown in the header; NULL = "" */
	time_t now;              /* the report's time: "generated", verdict validity, days
				    left of certificates (a parameter, so tests can fix it) */
	const char *tool;        /* e.g. "tlsscope 0.1.0"; NULL = "tlsscope" */
};

enum report_status {
	REPORT_OK = 0,
	REPORT_EINPUT,    /* the store cannot give this report: never analyzed, or no rule
			     of the profile recorded (the message lists the profiles it knows) */
	REPORT_ESTORE,    /* the store failed (the message has store_errmsg()) */
	REPORT_ENOMEM,    /* out of memory */
};

/*
 * Checks that st can give the report of profile: an analysis run has finished, and the
 * rules table holds at least one rule of the profile ("all": any rule).
 * err (errcap bytes) receives a one-line message on failure, e.g. "run tlsscope analyze
 * first" or "unknown profile 'x': this store knows all, cabf-br, pci-dss-4.0.1".
 * Returns REPORT_OK or a report_status.
 */
int report_check(struct store *st, const char *profile, char *err, size_t errcap)
	__attribute__((warn_unused_result));

/*
 * Builds the report document (the schema above; report_check() is done first).
 * st stays owned by the caller; it gets the TEMP reference tables of refdata_load().
 * o and its strings are read during the call only.
 * Returns a new reference (json_decref() it), or NULL with a one-line message in err; the
 * cause is then what report_check() would return, REPORT_ESTORE or REPORT_ENOMEM, and
 * *status (may be NULL) receives it.
 */
json_t *report_build_status(struct store *st, const struct report_opts *o, int *status,
			    char *err, size_t errcap) __attribute__((warn_unused_result));

/* report_build_status() without the status. */
json_t *report_build(struct store *st, const struct report_opts *o, char *err, size_t errcap)
	__attribute__((warn_unused_result));

#endif
