/*
 * tlsscope scan: option parsing and validation. The scanner itself (scanner/) has not landed:
 * after a command line passes validation this says so and exits 2.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_target.h"
#include "scanner/target.h"

#define CMD "scan"

static const char help[] =
	"Usage: tlsscope scan [OPTIONS] TARGET...\n"
	"Active scan of TLS endpoints: protocol versions, cipher suites and their order, groups,\n"
	"certificate chain, OCSP stapling, pins, downgrade protection.\n"
	"\n"
	"TARGET is host[:port], IPv4[:port], [IPv6]:port, CIDR[:port] or @FILE (one target per\n"
	"line, # comments). The default port is 443.\n"
	"\n"
	"Options:\n"
	"  --json              NDJSON on stdout, one \"scan\" object per endpoint\n"
	"  --db PATH           also store results in this SQLite file\n"
	"  --sni NAME          server name to send (default: the host name, none for IP literals)\n"
	"  --starttls PROTO    smtp, imap, pop3, ftp, xmpp, ldap, postgres\n"
	"  --ca-file PEM       trust anchors (default: the system store)\n"
	"  --pins FILE         lines \"HOST:PORT pin-sha256=BASE64[ pin-sha256=...]\"\n"
	"  --concurrency N     connections in flight (1..65535, default 64)\n"
	"  --rate N            new connections per second (1..1000000, default: no limit)\n"
	"  --timeout MS        per-connection timeout in milliseconds (1..3600000, default 5000)\n"
	"  --shard I/N         scan only share I of N of the targets (0 <= I < N)\n"
	"  --fail-on SEVERITY  exit 1 when a finding is at or above SEVERITY\n"
	"                      (info, low, medium, high, critical)\n"
	"  -h, --help          show this help and exit\n"
	"\n"
	"Exit status: 0 success, 1 findings at or above --fail-on, 2 usage or input error,\n"
	"3 runtime failure. An unreachable target is a result (\"error\" set), not a failure.\n";

static const char *const starttls_protos[] = { "smtp", "imap", "pop3", "ftp", "xmpp",
					       "ldap", "postgres", NULL };

enum {
	OPT_JSON = 256,
	OPT_DB,
	OPT_SNI,
	OPT_STARTTLS,
	OPT_CA_FILE,
	OPT_PINS,
	OPT_CONCURRENCY,
	OPT_RATE,
	OPT_TIMEOUT,
	OPT_SHARD,
	OPT_FAIL_ON,
};

static const struct option longopts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "db", required_argument, NULL, OPT_DB },
	{ "sni", required_argument, NULL, OPT_SNI },
	{ "starttls", required_argument, NULL, OPT_STARTTLS },
	{ "ca-file", required_argument, NULL, OPT_CA_FILE },
	{ "pins", required_argument, NULL, OPT_PINS },
	{ "concurrency", required_argument, NULL, OPT_CONCURRENCY },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cli_scan(int argc, char **argv)
{
	const char *db = NULL, *sni = NULL, *ca_file = NULL, *pins = NULL;
	unsigned long concurrency = 64, rate = 0, timeout_ms = 5000, shard_i = 0, shard_n = 1;
	int fail_on = -1, starttls = -1, c;
	bool json = false;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(help, stdout);
			return CLI_OK;
		case OPT_JSON:
			json = true;
			break;
		case OPT_DB:
			db = optarg;
			if (!cli_check_creatable(CMD, "--db", db))
				return CLI_USAGE;
			break;
		case OPT_SNI:
			sni = optarg;
			if (!tgt_check_hostname(sni)) {
				return cli_usage_error(CMD, "--sni: not a DNS host name: '%s'", sni);
			}
			break;
		case OPT_STARTTLS:
			starttls = cli_lookup(starttls_protos, optarg);
			if (starttls < 0)
				return cli_usage_error(CMD, "--starttls: unknown protocol '%s' (smtp, "
						       "imap, pop3, ftp, xmpp, ldap, postgres)", optarg);
			break;
		case OPT_CA_FILE:
			ca_file = optarg;
			if (!cli_check_readable(CMD, "--ca-file", ca_file))
				return CLI_USAGE;
			break;
		case OPT_PINS:
			pins = optarg;
			if (!cli_check_readable(CMD, "--pins", pins))
				return CLI_USAGE;
			break;
		case OPT_CONCURRENCY:
			if (!cli_parse_ulong(CMD, "--concurrency", optarg, 1, 65535, &concurrency))
				return CLI_USAGE;
			break;
		case OPT_RATE:
			if (!cli_parse_ulong(CMD, "--rate", optarg, 1, 1000000, &rate))
				return CLI_USAGE;
			break;
		case OPT_TIMEOUT:
			if (!cli_parse_ulong(CMD, "--timeout", optarg, 1, 3600000, &timeout_ms))
				return CLI_USAGE;
			break;
		case OPT_SHARD:
			if (!cli_parse_shard(CMD, optarg, &shard_i, &shard_n))
				return CLI_USAGE;
			break;
		case OPT_FAIL_ON:
			if (!cli_parse_severity(CMD, optarg, &fail_on))
				return CLI_USAGE;
			break;
		default:
			return cli_getopt_error(CMD, c, argv);
		}
	}
	if (optind >= argc)
		return cli_usage_error(CMD, "no TARGET given");
	for (int i = optind; i < argc; i++)
		if (!cli_check_target(CMD, argv[i]))
			return CLI_USAGE;

	(void)json, (void)db, (void)ca_file, (void)pins, (void)concurrency, (void)rate;
	(void)timeout_ms, (void)shard_i, (void)shard_n, (void)fail_on, (void)starttls;
	return cli_not_implemented(CMD, "active scanner: scanner/ has not landed");
}
