/*
 * cli_target: the scan command's check of its targets, so that `tlsscope scan` rejects a bad
 * command line with exit 2 before any connection is made. The syntax itself is the scanner's
 * (tgt_check in scanner/target.h): this only reports its verdict as a usage error.
 */
#ifndef TLSSCOPE_CLI_CLI_TARGET_H
#define TLSSCOPE_CLI_CLI_TARGET_H

#include <stdbool.h>

/* True when t is a valid target (for @FILE: every line of the file); otherwise prints a
 * usage error naming cmd (and the file and line) and returns false. */
bool cli_check_target(const char *cmd, const char *t) __attribute__((warn_unused_result));

#endif
