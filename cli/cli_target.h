/*
 * cli_target: syntax checks of scan targets, so that `tlsscope scan` rejects a bad command
 * line with exit 2 before any connection is made. This only validates; turning targets into
 * endpoints (resolution, CIDR expansion, sharding) is the scanner's job.
 *
 * Accepted forms (INTERFACE.md): host[:port], IPv4[:port], [IPv6][:port], CIDR[:port]
 * (IPv4 a.b.c.d/len, IPv6 [addr/len][:port]), a bare IPv6 address without port, and @FILE
 * with one target per line (blank lines and # comments ignored). Ports are 1..65535.
 */
#ifndef TLSSCOPE_CLI_CLI_TARGET_H
#define TLSSCOPE_CLI_CLI_TARGET_H

#include <stdbool.h>

/* True when s is a DNS host name: dot-separated labels of letters, digits, '-' and '_',
 * 1..63 characters each, 253 characters at most, an optional final dot, not all-numeric. */
bool cli_check_hostname(const char *s);

/* True when t is a valid target; otherwise prints a usage error naming cmd and returns false.
 * For @FILE, reads the file and checks every line (the error names the file and line). */
bool cli_check_target(const char *cmd, const char *t) __attribute__((warn_unused_result));

#endif
