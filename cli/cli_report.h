/*
 * cli_report: `tlsscope report`, and the HTML report of `tlsscope demo`.
 */
#ifndef TLSSCOPE_CLI_CLI_REPORT_H
#define TLSSCOPE_CLI_CLI_REPORT_H

struct store;

/* Builds the report of profile over st (the database file db, named in its header) and
 * writes it as HTML to path (through a temporary file renamed into place). Returns an enum
 * cli_exit; the message is printed. */
int cli_report_html(struct store *st, const char *db, const char *profile, const char *path);

#endif
