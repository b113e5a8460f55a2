/*
 * tlsscope report: the report document of a profile (analyzer/report.h), built from a store
 * that `tlsscope analyze` has run over, written as JSON (the document itself, indented),
 * CSV (analyzer/report_csv.h) or HTML (analyzer/report_html.h). A file is written whole or
 * not at all: the report goes to a temporary file next to it, which is renamed over FILE
 * only once everything was written and flushed to disk.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "analyzer/report.h"
#include "analyzer/report_csv.h"
#include "analyzer/report_html.h"
#include "analyzer/store/store.h"
#include "cli/cli.h"
#include "cli/cli_report.h"

#define CMD "report"

static const char help[] =
	"Usage: tlsscope report --db PATH --profile NAME --format html|json|csv -o FILE\n"
	"Writes a report: the rules of a compliance profile (e.g. pci-dss-4.0.1,\n"
	"mozilla-6.0-intermediate) run over the store, with findings, evidence and inventories.\n"
	"\n"
	"Options:\n"
	"  --db PATH           the SQLite store to report on (required)\n"
	"  --profile NAME      the compliance profile (required), or 'all' for every rule; the\n"
	"                      store must have been analyzed (tlsscope analyze) with its rules\n"
	"  --format FORMAT     html, json or csv (required)\n"
	"  -o FILE             output file, '-' for stdout (required); written to a temporary\n"
	"                      file first and renamed into place, so FILE is never half written\n"
	"  -h, --help          show this help and exit\n"
	"\n"
	"Exit status: 0 success, 2 usage or input error (not a tlsscope store, never analyzed,\n"
	"a profile the store has no rules of: the message lists the ones it has), 3 runtime\n"
	"failure (nothing is left at FILE).\n";

static const char *const formats[] = { "html", "json", "csv", NULL };
enum { FMT_HTML, FMT_JSON, FMT_CSV };

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

/* Writes doc in format to f. 0, or -1 with a message in err. */
static int write_doc(json_t *doc, int format, FILE *f, char *err, size_t errcap)
{
	switch (format) {
	case FMT_HTML:
		return report_html_write(doc, f, err, errcap);
	case FMT_CSV:
		break;
	default:
		if (json_dumpf(doc, f, JSON_INDENT(1) | JSON_REAL_PRECISION(15)) != 0 ||
		    fputc('\n', f) == EOF) {
			snprintf(err, errcap, "%s", strerror(errno));
			return -1;
		}
		return 0;
	}
	if (report_csv_write(doc, f) != 0) {
		snprintf(err, errcap, "%s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Writes doc to path through a temporary file in the same directory, renamed into place. */
static int write_file(json_t *doc, int format, const char *path)
{
	char err[512] = "";
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	int dirlen = slash ? (int)(slash - path) + 1 : 0;
	size_t cap = strlen(path) + 32;
	char *tmp = malloc(cap);
	if (!tmp)
		return cli_fail(CLI_RUNTIME, CMD, "out of memory");
	snprintf(tmp, cap, "%.*s.%s.XXXXXX", dirlen, path, base);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		int e = errno;
		free(tmp);
		return cli_fail(e == ENOENT || e == ENOTDIR ? CLI_USAGE : CLI_RUNTIME, CMD,
				"-o: cannot create a file next to '%s': %s", path, strerror(e));
	}
	/* mkstemp makes it 0600: a report gets the permissions of a file the user creates */
	mode_t mask = umask(0);
	umask(mask);
	FILE *f = fchmod(fd, 0666 & ~mask) == 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		snprintf(err, sizeof(err), "%s", strerror(errno));
		close(fd);
		goto fail;
	}
	if (write_doc(doc, format, f, err, sizeof(err)) != 0 || fflush(f) != 0 ||
	    fsync(fileno(f)) != 0) {
		if (!err[0])
			snprintf(err, sizeof(err), "%s", strerror(errno));
		fclose(f);
		goto fail;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		snprintf(err, sizeof(err), "%s", strerror(errno));
		goto fail;
	}
	free(tmp);
	return CLI_OK;
fail:
	unlink(tmp);
	free(tmp);
	return cli_fail(CLI_RUNTIME, CMD, "cannot write '%s': %s", path, err);
}

int cli_report_html(struct store *st, const char *db, const char *profile, const char *path)
{
	struct report_opts ro = { .profile = profile, .database = db, .now = time(NULL),
				  .tool = "tlsscope " TLSSCOPE_VERSION };
	char err[1536];
	int status;
	json_t *doc = report_build_status(st, &ro, &status, err, sizeof(err));
	if (!doc)
		return cli_fail(status == REPORT_EINPUT ? CLI_USAGE : CLI_RUNTIME, CMD,
				"database '%s': %s", db, err);
	int ret = write_file(doc, FMT_HTML, path);
	json_decref(doc);
	return ret;
}

static int run(const char *db, const char *profile, int format, const char *out)
{
	struct store_error serr = { 0, "" };
	struct store_options sopts = { 0, 0, "tlsscope " TLSSCOPE_VERSION };
	struct store *st = store_open(db, &sopts, &serr);
	if (!st)
		return cli_fail(serr.code == STORE_ENOTSTORE || serr.code == STORE_ETOONEW ||
					serr.code == STORE_ENOTDB ? CLI_USAGE : CLI_RUNTIME,
				CMD, "database '%s': %s", db, serr.msg);
	struct report_opts ro = { .profile = profile, .database = db, .now = time(NULL),
				  .tool = "tlsscope " TLSSCOPE_VERSION };
	char err[1536];
	int status;
	json_t *doc = report_build_status(st, &ro, &status, err, sizeof(err));
	store_close(st);
	if (!doc)
		return cli_fail(status == REPORT_EINPUT ? CLI_USAGE : CLI_RUNTIME, CMD,
				"database '%s': %s", db, err);
	int ret = CLI_OK;
	if (strcmp(out, "-") == 0) {
		if (write_doc(doc, format, stdout, err, sizeof(err)) != 0 || fflush(stdout) != 0)
			ret = cli_fail(CLI_RUNTIME, CMD, "cannot write the report: %s",
				       err[0] ? err : strerror(errno));
	} else {
		ret = write_file(doc, format, out);
	}
	json_decref(doc);
	return ret;
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

	return run(db, profile, format, out);
}
