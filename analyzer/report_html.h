/*
 * report_html: renders the report document (the canonical JSON that analyzer/report.c
 * builds, described in INTERFACE.md and issue 7: {"type":"report","report_version":1,
 * "header", "method", "requirements", "findings", "inventories", "changes", "charts"}) as
 * one self-contained HTML5 file for auditors: inline CSS, no script, no external URL (a
 * Content-Security-Policy of default-src 'none' says so to the browser too), charts as
 * inline SVG (analyzer/svg.h), print CSS (each section on a new page, table headers
 * repeated on every page, light backgrounds only, colours kept in print).
 *
 * Sections, each with a fixed id (the tests and links rely on them):
 *   report-header            tool, generated time, profile, rules hash and analysis run,
 *                            data versions, database
 *   scope                    endpoints and passively seen connections
 *   method                   how the data was gathered, and its limits
 *   requirements             requirement matrix: in place / not in place / not applicable /
 *                            not tested, colour and text
 *   charts                   protocol versions, suite classes, findings by severity
 *                            (bar charts), certificate expiry timeline
 *   findings                 grouped by severity (critical .. info, then any other): alarms
 *                            in full (status, resource, reason, requirements, evidence with
 *                            kind + sha256 + summary, remediation, dates), then the other
 *                            verdicts (ok, info, skip) of the group as table rows
 *   exceptions               findings with an analyst verdict (triage): verdict, author,
 *                            reason, expiry, and the finding itself
 *   inventory-certificates   PCI DSS 4.2.1.1 certificate inventory
 *   inventory-protocols      PCI DSS 12.3.3 protocol, suite and group inventory
 *   changes                  what changed since each endpoint's previous scan
 *   evidence                 evidence index: each distinct reference of the findings once,
 *                            with kind, sha256 and summary (element id "ev-<N>", N from 0
 *                            in order of first use); cards show evidence in full and link
 *                            to it, the verdict tables show kind and linked reference only
 * Every finding gets an element with id "finding-<id>".
 *
 * Every string of the document is untrusted (certificate subjects, SNI, reasons) and is
 * written escaped (svg_escape()); links are only in-page ("#section"). The output depends
 * only on the document (no clock, no locale), so the same document gives the same bytes.
 * Missing or mistyped members render as "—" or as an empty table, never as an error: only
 * a document that is not a report at all is refused (or memory running out).
 */
#ifndef TLSSCOPE_ANALYZER_REPORT_HTML_H
#define TLSSCOPE_ANALYZER_REPORT_HTML_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/*
 * Writes the HTML rendering of doc (borrowed, not modified) to f (the caller opens and
 * closes it; it is flushed here). Returns 0, or -1 with a message in err (errcap bytes,
 * NUL-terminated; err may be NULL when errcap is 0): doc is not an object with "type":
 * "report" and "report_version" 1, or writing failed (f's error flag or fflush(); the
 * message has strerror()). On error part of the file may have been written.
 */
int report_html_write(const json_t *doc, FILE *f, char *err, size_t errcap)
	__attribute__((warn_unused_result));

#endif
