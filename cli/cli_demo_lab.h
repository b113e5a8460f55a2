/*
 * cli_demo_lab: the local TLS servers of `tlsscope demo`, on 127.0.0.1 only, with
 * certificates made at run time in a private temporary directory.
 *
 *   mkdtemp ──▶ keys and certificates (OpenSSL API): a demo CA, a leaf it signs, and a
 *   │           self-signed certificate that expired 30 days ago
 *   ├─▶ modern   openssl s_server -accept 127.0.0.1:0, port read from its "ACCEPT" line
 *   ├─▶ legacy   a child process of tlsscope: GnuTLS on a socket it bound to 127.0.0.1:0
 *   └─▶ bad-cert openssl s_server -accept 127.0.0.1:0 with the expired certificate
 *   each: connect until it accepts (deadline) ──▶ ... the demo scans them ...
 *   cli_demo_lab_stop: SIGTERM (SIGKILL after a grace period), reap, remove the directory
 *
 * The legacy server is not gnutls-serv because gnutls-serv listens on every interface and
 * cannot be told otherwise; the demo's servers must be reachable from loopback only. The
 * openssl servers get an empty OPENSSL_CONF, so no system-wide policy changes what they
 * offer. Children die with the demo (PR_SET_PDEATHSIG) even if it is killed outright.
 *
 * The configurations (what each server offers) are documented in cli_demo_lab.c next to
 * their command lines; tests/integration/cli_test.sh checks the scan results against them.
 */
#ifndef TLSSCOPE_CLI_CLI_DEMO_LAB_H
#define TLSSCOPE_CLI_CLI_DEMO_LAB_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum cli_demo_role {
	CLI_DEMO_MODERN = 0,
	CLI_DEMO_LEGACY,
	CLI_DEMO_BADCERT,
	CLI_DEMO_NROLES
};

struct cli_demo_server {
	const char *name;    /* "modern", "legacy", "bad-cert" (static) */
	const char *sni;     /* the name the demo scans it under, "modern.tlsscope.test" (static;
				.test is reserved, RFC 6761) */
	const char *config;  /* what it offers, in words (static) */
	pid_t pid;           /* 0: not running */
	uint16_t port;       /* on 127.0.0.1 */
	int stdin_fd;        /* s_server: the write end of its stdin (never written; EOF when
				we go away), -1 when none */
};

struct cli_demo_lab {
	char dir[PATH_MAX];            /* the temporary directory, "" when none */
	char bad_not_after[32];        /* the expired certificate's notAfter, "2026-10-23" */
	struct cli_demo_server srv[CLI_DEMO_NROLES];
};

/*
 * Makes the directory and the certificates, starts the three servers and waits until each
 * accepts connections. lab is filled in (its strings are static). Returns 0, or -1 with a
 * message in err (errlen bytes): the openssl program is missing (naming the Debian package
 * to install), a server did not start (with the end of its log), no memory, interrupted
 * (cli_demo_lab_kill was called). On failure everything started is stopped and removed
 * already; cli_demo_lab_stop may still be called.
 */
int cli_demo_lab_start(struct cli_demo_lab *lab, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Stops every server, reaps it and removes the directory. Idempotent; safe on a lab whose
 * start failed. */
void cli_demo_lab_stop(struct cli_demo_lab *lab);

/* For SIGINT/SIGTERM handlers (async-signal-safe): sends SIGTERM to every server started so
 * far and makes a cli_demo_lab_start in progress give up. cli_demo_lab_stop must still be
 * called to reap them and remove the directory. */
void cli_demo_lab_kill(void);

#endif
