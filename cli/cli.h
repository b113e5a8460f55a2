/*
 * cli: the `tlsscope` program's subcommands and the helpers they share.
 *
 * Only this directory parses arguments; the libraries below it never print or exit. Each
 * subcommand is one function that takes its own argv (argv[0] is the subcommand's name),
 * validates everything it was given, and returns an exit status of INTERFACE.md:
 *
 *   0 success, 1 findings at or above --fail-on, 2 usage or input error (message on stderr),
 *   3 runtime failure.
 *
 * Usage errors are always reported before a capability that has not landed yet is mentioned,
 * so a script gets the same answer for a bad command line today and after the feature lands.
 */
#ifndef TLSSCOPE_CLI_CLI_H
#define TLSSCOPE_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>

#define TLSSCOPE_VERSION "0.1.0-dev"

enum cli_exit {
	CLI_OK = 0,
	CLI_FINDINGS = 1,
	CLI_USAGE = 2,
	CLI_RUNTIME = 3,
};

/* The subcommands. argv[0] is the subcommand's name; argv[argc] is NULL. Each returns an
 * enum cli_exit value. */
int cli_scan(int argc, char **argv);
int cli_sniff(int argc, char **argv);
int cli_analyze(int argc, char **argv);
int cli_report(int argc, char **argv);
int cli_inventory(int argc, char **argv);
int cli_triage(int argc, char **argv);
int cli_demo(int argc, char **argv);
int cli_diff(int argc, char **argv);

/* Prints "tlsscope CMD: MESSAGE" and a hint to run --help on stderr. Returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "tlsscope CMD: MESSAGE" on stderr. Returns code. */
int cli_fail(int code, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Says on stderr that the capability behind cmd has not landed yet ("tlsscope sniff: not
 * implemented yet (passive sensor: issue 3)") and returns CLI_USAGE. what names the missing
 * component, e.g. "passive sensor: issue 3". */
int cli_not_implemented(const char *cmd, const char *what);

/*
 * Reads a decimal integer in [min, max] from s (the argument of option opt) into *out.
 * No sign, no spaces, no trailing characters. On failure prints a usage error naming cmd, opt
 * and s ("tlsscope scan: --timeout: not a number: 'abc'") and returns false.
 */
bool cli_parse_ulong(const char *cmd, const char *opt, const char *s, unsigned long min,
		     unsigned long max, unsigned long *out) __attribute__((warn_unused_result));

/* --shard I/N: 0 <= I < N, N >= 1. Prints a usage error and returns false when s is not. */
bool cli_parse_shard(const char *cmd, const char *s, unsigned long *index, unsigned long *count)
	__attribute__((warn_unused_result));

/* --fail-on SEVERITY: info, low, medium, high, critical (lowest to highest). Stores the rank
 * (0..4) in *rank; prints a usage error and returns false for anything else. */
bool cli_parse_severity(const char *cmd, const char *s, int *rank)
	__attribute__((warn_unused_result));

/* The index of s in the NULL-terminated list names, or -1. */
int cli_lookup(const char *const *names, const char *s);

/* Checks that path names a readable regular file (an input the command will read).
 * Prints "tlsscope CMD: OPT: cannot read 'PATH': REASON" and returns false when not. */
bool cli_check_readable(const char *cmd, const char *opt, const char *path)
	__attribute__((warn_unused_result));

/* Checks that path names a directory. Prints a usage error and returns false when not. */
bool cli_check_dir(const char *cmd, const char *opt, const char *path)
	__attribute__((warn_unused_result));

/* Checks that a file can be created at path: the directory that would hold it exists.
 * Prints a usage error and returns false when not. */
bool cli_check_creatable(const char *cmd, const char *opt, const char *path)
	__attribute__((warn_unused_result));

/*
 * The getopt_long() error of the last call, as a usage error: unknown option, missing
 * argument, or an argument given to a flag. c is what getopt_long returned ('?' or ':'),
 * argv the vector it parsed. Returns CLI_USAGE.
 */
int cli_getopt_error(const char *cmd, int c, char **argv);

#endif
