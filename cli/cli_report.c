/*
 * tlsscope report: option parsing and validation. The report writers (analyzer/) have not
 * landed: after validation this says so and exits 2.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

#define CMD "report"

static const char help[] =
	"Usage: tlsscope report --db PATH --profile NAME --format html|json|csv -o FILE\n"
	"Writes a report: the rules of a compliance profile (e.g. pci-dss-4.0.1,\n"
	"mozilla-6.0-intermediate) run over the store, with findings, evidence and inventories.\n"
	"\n"
	"Options:\n"
	"  --db PATH           the SQLite store to report on (required)\n"
	"  --profile NAME      the compliance profile (required)\n"
	"  --format FORMAT     html, json or csv (required)\n"
	"  -o FILE             output file, '-' for stdout (required)\n"
	"  -h, --help          show this help and exit\n"
	"\n"
	"Exit status: 0 success, 2 usage or input error, 3 runtime failure.\n";

static const char *const formats[] = { "html", "json", "csv", NULL };

enum {
	OPT_DB = 256,
	OPT_PROFILE,
	OPT_FORMAT,
};

static const struct option longopts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Profile names: letters, digits, '.', '-', '_' (they name files under rules/). */
static bool profile_ok(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n <= 64 && s[0] != '.' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") == n;
}

int cli_report(int argc, char **argv)
{
	const char *db = NULL, *profile = NULL, *out = NULL;
	int format = -1, c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(help, stdout);
			return CLI_OK;
		case OPT_DB:
			db = optarg;
			break;
		case OPT_PROFILE:
			profile = optarg;
			if (!profile_ok(profile))
				return cli_usage_error(CMD, "--profile: bad profile name '%s'", profile);
			break;
		case OPT_FORMAT:
			format = cli_lookup(formats, optarg);
			if (format < 0)
				return cli_usage_error(CMD, "--format: unknown format '%s' (html, json, "
						       "csv)", optarg);
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return cli_getopt_error(CMD, c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
	if (!db)
		return cli_usage_error(CMD, "--db PATH is required");
	if (!profile)
		return cli_usage_error(CMD, "--profile NAME is required");
	if (format < 0)
		return cli_usage_error(CMD, "--format html|json|csv is required");
	if (!out)
		return cli_usage_error(CMD, "-o FILE is required");
	if (!cli_check_readable(CMD, "--db", db))
		return CLI_USAGE;
	if (strcmp(out, "-") != 0 && !cli_check_creatable(CMD, "-o", out))
		return CLI_USAGE;

	return cli_not_implemented(CMD, "report writers: analyzer/ has not landed");
}
