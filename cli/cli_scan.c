/*
 * tlsscope scan: option parsing and validation, then the scan (scanner/scan.h) of every
 * endpoint, each result printed and stored as it arrives (cli_scan_out.h).
 * --ca-file and --pins feed the certificate handshakes (scanner/certs.h); a pins file or a
 * CA file that cannot be read is an input error (exit 2). --fail-on needs findings, which
 * `scan` does not compute yet (exit 0 or 3).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/store/store.h"
#include "cli/cli.h"
#include "cli/cli_scan_out.h"
#include "cli/cli_target.h"
#include "scanner/certs.h"
#include "scanner/pins.h"
#include "scanner/scan.h"
#include "scanner/starttls.h"
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

static void on_result(void *ctx, const struct tgt_endpoint *ep, const struct scan_result *r)
{
	(void)ep;
	if (!cli_scan_out_emit(ctx, r)) {
		/* recorded in the cli_scan_out (store_rc, oom, ferror): reported at the end */
	}
}

/* Resolves the targets, scans them, prints and stores the results. */
static int run_scan(char **targets, int n, const struct tgt_opts *to,
		    const struct scan_opts *so, bool json, const char *db)
{
	char err[512];
	int ret = CLI_OK;
	struct tgt_list *l = tgt_list_new(to);
	struct store *st = NULL;
	if (!l)
		return cli_fail(CLI_RUNTIME, CMD, "out of memory");
	/* targets first: their errors are the likelier ones */
	for (int i = 0; i < n; i++) {
		int rc = tgt_list_add(l, targets[i], err, sizeof(err));
		if (rc != TGT_OK) {
			tgt_list_free(l);
			return rc == TGT_EINPUT ? cli_usage_error(CMD, "%s", err)
						: cli_fail(CLI_RUNTIME, CMD, "%s", err);
		}
	}
	int rc = tgt_list_resolve(l, err, sizeof(err));
	if (rc != TGT_OK) {
		tgt_list_free(l);
		return rc == TGT_EINPUT ? cli_usage_error(CMD, "%s", err)
					: cli_fail(CLI_RUNTIME, CMD, "%s", err);
	}
	if (db) {
		struct store_error serr = { 0, "" };
		struct store_options sopts = { 0, 0, "tlsscope " TLSSCOPE_VERSION };
		st = store_open(db, &sopts, &serr);
		if (!st) {
			tgt_list_free(l);
			return cli_fail(CLI_RUNTIME, CMD, "database '%s': %s", db, serr.msg);
		}
	}
	struct cli_scan_out out = { .json = json, .out = stdout, .st = st,
				    .tool = "tlsscope " TLSSCOPE_VERSION };
	if (scan_run(so, l, on_result, &out) != 0)
		ret = cli_fail(CLI_RUNTIME, CMD, "scan failed: %s", strerror(errno));
	if (st) {
		int frc = out.store_rc ? out.store_rc : store_flush(st);
		if (frc != STORE_OK && ret == CLI_OK)
			ret = cli_fail(CLI_RUNTIME, CMD, "database '%s': %s", db,
				       out.store_rc ? out.store_err : store_errmsg(st));
		if (store_close(st) != STORE_OK && ret == CLI_OK)
			ret = cli_fail(CLI_RUNTIME, CMD, "database '%s': cannot commit", db);
	}
	if (ret == CLI_OK && (out.oom || ferror(stdout)))
		ret = cli_fail(CLI_RUNTIME, CMD, out.oom ? "out of memory" : "cannot write output");
	tgt_list_free(l);
	return ret;
}

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

	(void)fail_on; /* findings: the analyzer's */
	char err[512];
	struct pins *pin_set = NULL;
	if (pins && !(pin_set = pins_load(pins, err, sizeof(err))))
		return cli_usage_error(CMD, "--pins: %s", err);
	struct certs_env *env = certs_env_new(ca_file, pin_set, "tlsscope/" TLSSCOPE_VERSION, err,
					      sizeof(err));
	if (!env) {
		pins_free(pin_set);
		return ca_file ? cli_usage_error(CMD, "--ca-file: %s", err)
			       : cli_fail(CLI_RUNTIME, CMD, "trust store: %s", err);
	}
	enum stls_proto proto = starttls < 0 ? STLS_NONE : stls_lookup(starttls_protos[starttls]);
	struct tgt_opts to = {
		.sni = sni,
		.default_port = stls_default_port(proto),
		.shard_index = (uint32_t)shard_i,
		.shard_count = (uint32_t)shard_n,
	};
	struct scan_opts so = {
		.concurrency = (unsigned)concurrency,
		.rate = (unsigned)rate,
		.timeout_ms = (unsigned)timeout_ms,
		.starttls = proto,
		.progress = scan_progress_stderr,
		.certs = env,
	};
	int ret = run_scan(argv + optind, argc - optind, &to, &so, json, db);
	certs_env_free(env);
	pins_free(pin_set);
	return ret;
}
