/*
 * report_csv: the report document (report.h) as CSV for spreadsheets and scripts: the same
 * content as the JSON, one section after another. Each section is a line "# NAME" (a row
 * of one cell), a header row, then its rows:
 *
 *   # header        key,value (tool, generated, profile, the rules' hash and run, ...)
 *   # requirements  requirement,status,rules,ok,alarm,info,skip,exceptions
 *   # findings      id,rule,title,severity,status,resource,reason,requirements,evidence,
 *                   evidence_sha256,evidence_summary,remediation,first_seen,last_seen,count,
 *                   score,triage_verdict,triage_reason,triage_author,triage_expires
 *   # certificates  the PCI DSS 4.2.1.1 inventory: resource,chain,depth,sha256,subject,
 *                   issuer,not_before,not_after,key_type,key_bits,sig_alg,trusted
 *   # protocols     the 12.3.3 inventory, one row per endpoint and version:
 *                   resource,version,suites,groups
 *   # changes       resource,previous_scan,previous_finished,latest_scan,latest_finished,
 *                   added_versions,removed_versions,added_suites,removed_suites,
 *                   added_certificates,removed_certificates,trust_before,trust_after
 *
 * Lists in a cell are joined by spaces (evidence references, their hashes in the same order
 * with "-" for none, rules, suites); evidence summaries are joined by " | ". Booleans are
 * true/false, null is an empty cell. Quoting follows RFC 4180 (CRLF line ends; a cell with
 * a comma, quote, CR or LF is quoted, quotes doubled). A text cell that starts with '=', '+',
 * '-', '@', a tab or a CR gets a leading "'" so that spreadsheets do not run it as a formula.
 */
#ifndef TLSSCOPE_ANALYZER_REPORT_CSV_H
#define TLSSCOPE_ANALYZER_REPORT_CSV_H

#include <stdio.h>

#include <jansson.h>

/* Writes doc (read only, owned by the caller) to f. Returns 0, or -1 when writing failed
 * (ferror(f); errno as the stdio call left it). */
int report_csv_write(json_t *doc, FILE *f) __attribute__((warn_unused_result));

#endif
