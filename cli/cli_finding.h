/*
 * cli_finding: the "finding" object of INTERFACE.md (plus "triage" and "remediation"), as
 * `analyze --json`, `analyze --exec` and `sniff --analyze --json` print it.
 */
#ifndef TLSSCOPE_CLI_CLI_FINDING_H
#define TLSSCOPE_CLI_CLI_FINDING_H

struct analysis_finding;

/* The object as one line of compact JSON (no newline), malloc'd; NULL when out of memory. */
char *cli_finding_line(const struct analysis_finding *f) __attribute__((warn_unused_result));

#endif
