/*
 * tlsscope analyze: option parsing and validation. The rule runner and the model (analyzer/)
 * have not landed: after validation this says so and exits 2.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"

#define CMD "analyze"

static const char help[] =
	"Usage: tlsscope analyze --db PATH [OPTIONS]\n"
	"Runs the rules (SQL, one file per rule) and the model over a store, stores the findings\n"
	"and prints them.\n"
	"\n"
	"Options:\n"
	"  --db PATH           the SQLite store to analyze (required)\n"
	"  --rules DIR         rules directory (default: the bundled rules/)\n"
	"  --json              NDJSON on stdout, one \"finding\" object per finding\n"
	"  --fail-on SEVERITY  exit 1 when a finding is at or above SEVERITY\n"
	"                      (info, low, medium, high, critical)\n"
	"  -h, --help          show this help and exit\n"
	"\n"
	"Exit status: 0 success, 1 findings at or above --fail-on, 2 usage or input error,\n"
	"3 runtime failure.\n";

enum {
	OPT_DB = 256,
	OPT_RULES,
	OPT_JSON,
	OPT_FAIL_ON,
};

static const struct option longopts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "rules", required_argument, NULL, OPT_RULES },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cli_analyze(int argc, char **argv)
{
	const char *db = NULL, *rules = NULL;
	bool json = false;
	int fail_on = -1, c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(help, stdout);
			return CLI_OK;
		case OPT_DB:
			db = optarg;
			break;
		case OPT_RULES:
			rules = optarg;
			if (!cli_check_dir(CMD, "--rules", rules))
				return CLI_USAGE;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_FAIL_ON:
			if (!cli_parse_severity(CMD, optarg, &fail_on))
				return CLI_USAGE;
			break;
		default:
			return cli_getopt_error(CMD, c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
	if (!db)
		return cli_usage_error(CMD, "--db PATH is required");
	if (!cli_check_readable(CMD, "--db", db))
		return CLI_USAGE;

	(void)rules, (void)json, (void)fail_on;
	return cli_not_implemented(CMD, "rule runner and model: analyzer/ has not landed");
}
