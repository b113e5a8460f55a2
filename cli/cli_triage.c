/*
 * tlsscope triage: an analyst's verdict on a finding (acknowledged, false positive) with a
 * reason, an author and an optional expiry, kept in the store (table `triage`). While it is
 * valid (no expiry, or one still ahead) the finding is shown with its verdict and does not
 * count in analyze's --fail-on exit status (analyzer/analysis.c, the view v_finding).
 *
 * A verdict is refused (exit 2) for a (rule, resource) without a finding in the store, with
 * an expiry that has passed, or with an empty reason. Expiries are stored in RFC 3339 UTC with
 * microseconds, the form the store's view compares with the current time.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "analyzer/store/store.h"
#include "cli/cli.h"

#define CMD "triage"
#define REASON_MAX 4096
#define EXPIRES_DAYS_MAX 36500

static const char help[] =
	"Usage: tlsscope triage --db PATH (--ack | --false-positive) --rule ID --resource RES\n"
	"                       --reason TEXT [--author NAME] [--expires WHEN]\n"
	"       tlsscope triage --db PATH --list [--json]\n"
	"Records an analyst's verdict on a finding. While the verdict is valid, `tlsscope\n"
	"analyze` shows the finding with it and does not count it for --fail-on; the view\n"
	"v_finding shows it in its column \"triage\". The latest valid verdict of a finding wins.\n"
	"\n"
	"Options:\n"
	"  --db PATH            the SQLite store holding the finding (required)\n"
	"  --ack                the finding is known and accepted (\"acknowledged\")\n"
	"  --false-positive     the finding is wrong (\"false_positive\")\n"
	"  --rule ID            the finding's rule id, as analyze prints it\n"
	"  --resource RES       the finding's resource, as analyze prints it\n"
	"                       (\"127.0.0.1:443 server.test\")\n"
	"  --reason TEXT        why (required, not empty)\n"
	"  --author NAME        who (default: $USER, else the login name)\n"
	"  --expires WHEN       when the verdict ends: RFC 3339 (2027-01-31T00:00:00Z,\n"
	"                       2027-01-31T01:00:00+01:00) or Nd for N days from now\n"
	"                       (default: never); it must lie in the future\n"
	"  --list               print the verdicts (valid or not)\n"
	"  --json               with --list: NDJSON, one \"triage\" object per verdict\n"
	"  -h, --help           show this help and exit\n"
	"\n"
	"Exit status: 0 success, 2 usage or input error (no such finding, an expiry in the\n"
	"past, an empty reason), 3 runtime failure.\n";

enum {
	OPT_DB = 256,
	OPT_ACK,
	OPT_FP,
	OPT_RULE,
	OPT_RESOURCE,
	OPT_REASON,
	OPT_AUTHOR,
	OPT_EXPIRES,
	OPT_LIST,
	OPT_JSON,
};

static const struct option longopts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "ack", no_argument, NULL, OPT_ACK },
	{ "false-positive", no_argument, NULL, OPT_FP },
	{ "rule", required_argument, NULL, OPT_RULE },
	{ "resource", required_argument, NULL, OPT_RESOURCE },
	{ "reason", required_argument, NULL, OPT_REASON },
	{ "author", required_argument, NULL, OPT_AUTHOR },
	{ "expires", required_argument, NULL, OPT_EXPIRES },
	{ "list", no_argument, NULL, OPT_LIST },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* ---- --expires -------------------------------------------------------------------------- */

/* n digits at s as a number, or -1. */
static int num(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : d[m - 1];
}

/* RFC 3339 section 5.6 date-time into seconds and microseconds since the epoch (UTC). */
static bool parse_rfc3339(const char *s, time_t *sec, long *usec)
{
	if (strlen(s) < 20)
		return false;
	int y = num(s, 4), mo = num(s + 5, 2), d = num(s + 8, 2);
	int h = num(s + 11, 2), mi = num(s + 14, 2), se = num(s + 17, 2);
	if (y < 0 || s[4] != '-' || mo < 1 || mo > 12 || s[7] != '-' || d < 1 ||
	    d > days_in_month(y, mo) || !strchr("Tt ", s[10]) || s[10] == '\0' || h < 0 ||
	    h > 23 || s[13] != ':' || mi < 0 || mi > 59 || s[16] != ':' || se < 0 || se > 60)
		return false;
	const char *p = s + 19;
	long us = 0;
	if (*p == '.') {
		int n = 0;
		for (p++; *p >= '0' && *p <= '9'; p++, n++)
			if (n < 6)
				us = us * 10 + (*p - '0');
		if (n == 0)
			return false;
		for (; n < 6; n++)
			us *= 10;
	}
	long off = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh = num(p + 1, 2), om = num(p + 4, 2);
		if (oh < 0 || oh > 23 || p[3] != ':' || om < 0 || om > 59)
			return false;
		off = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return false;
	}
	if (*p != '\0')
		return false;
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			 .tm_min = mi, .tm_sec = se };
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return false;
	*sec = t - off;
	*usec = us;
	return true;
}

/* --expires: RFC 3339 or Nd into out ("2027-01-31T00:00:00.000000Z"); a usage error when it
 * cannot be read or does not lie in the future. */
static bool parse_expires(const char *s, char out[32])
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	time_t sec;
	long usec;
	size_t n = strlen(s);
	if (n >= 2 && (s[n - 1] == 'd' || s[n - 1] == 'D') && strspn(s, "0123456789") == n - 1) {
		char days[16];
		unsigned long v;
		if (n - 1 >= sizeof(days)) {
			cli_usage_error(CMD, "--expires: out of range (1d..%dd): '%s'",
					EXPIRES_DAYS_MAX, s);
			return false;
		}
		memcpy(days, s, n - 1);
		days[n - 1] = '\0';
		if (!cli_parse_ulong(CMD, "--expires", days, 1, EXPIRES_DAYS_MAX, &v))
			return false;
		sec = now.tv_sec + (time_t)v * 86400;
		usec = now.tv_nsec / 1000;
	} else if (!parse_rfc3339(s, &sec, &usec)) {
		cli_usage_error(CMD, "--expires: neither RFC 3339 (2027-01-31T00:00:00Z) nor a"
				" number of days (30d): '%s'", s);
		return false;
	}
	if (sec < now.tv_sec || (sec == now.tv_sec && usec <= now.tv_nsec / 1000)) {
		cli_usage_error(CMD, "--expires: '%s' is in the past", s);
		return false;
	}
	struct tm tm;
	char day[24];
	if (!gmtime_r(&sec, &tm) || tm.tm_year + 1900 > 9999) {
		cli_usage_error(CMD, "--expires: out of range: '%s'", s);
		return false;
	}
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 32, "%.19s.%06dZ", day, (int)(usec % 1000000));
	return true;
}

/* ---- verdicts --------------------------------------------------------------------------- */

static const char *default_author(void)
{
	const char *u = getenv("USER");
	if (u && *u)
		return u;
	u = getlogin();
	if (u && *u)
		return u;
	struct passwd *pw = getpwuid(geteuid());
	return pw && pw->pw_name && *pw->pw_name ? pw->pw_name : NULL;
}

static bool blank(const char *s)
{
	return s[strspn(s, " \t\r\n")] == '\0';
}

struct lookup {
	const char *rule, *resource;
	bool found;
	char status[16];
};

static int on_finding(void *vctx, const struct store_finding_row *r)
{
	struct lookup *l = vctx;
	if (strcmp(r->f.rule, l->rule) != 0 || strcmp(r->f.resource, l->resource) != 0)
		return 0;
	l->found = true;
	snprintf(l->status, sizeof(l->status), "%s", r->f.status);
	return 1;
}

static int open_store(const char *db, struct store **st)
{
	if (!cli_check_readable(CMD, "--db", db))
		return CLI_USAGE;
	struct store_error serr = { 0, "" };
	struct store_options sopts = { 0, 0, "tlsscope " TLSSCOPE_VERSION };
	*st = store_open(db, &sopts, &serr);
	if (!*st)
		return cli_fail(serr.code == STORE_ENOTSTORE || serr.code == STORE_ETOONEW ||
					serr.code == STORE_ENOTDB ? CLI_USAGE : CLI_RUNTIME,
				CMD, "database '%s': %s", db, serr.msg);
	return CLI_OK;
}

static int add_verdict(const char *db, const struct store_triage *t)
{
	struct store *st;
	int ret = open_store(db, &st);
	if (ret != CLI_OK)
		return ret;
	struct lookup l = { .rule = t->rule, .resource = t->resource };
	if (store_each_finding(st, NULL, on_finding, &l) != STORE_OK) {
		ret = cli_fail(CLI_RUNTIME, CMD, "database '%s': %s", db, store_errmsg(st));
		goto out;
	}
	if (!l.found) {
		ret = cli_fail(CLI_USAGE, CMD, "no finding of rule '%s' for resource '%s' in '%s'"
			       " (the rule id and resource as `tlsscope analyze` prints them)",
			       t->rule, t->resource, db);
		goto out;
	}
	int64_t id = 0;
	if (store_add_triage(st, t, &id) != STORE_OK || store_flush(st) != STORE_OK) {
		ret = cli_fail(CLI_RUNTIME, CMD, "database '%s': %s", db, store_errmsg(st));
		goto out;
	}
	printf("verdict %lld: %s %s on %s (finding %s), by %s, %s%s\n", (long long)id,
	       t->verdict, t->rule, t->resource, l.status, t->author,
	       t->expires ? "until " : "no expiry", t->expires ? t->expires : "");
out:
	if (store_close(st) != STORE_OK && ret == CLI_OK)
		ret = cli_fail(CLI_RUNTIME, CMD, "database '%s': cannot commit", db);
	fflush(stdout);
	if (ret == CLI_OK && ferror(stdout))
		ret = cli_fail(CLI_RUNTIME, CMD, "cannot write output");
	return ret;
}

/* ---- --list ----------------------------------------------------------------------------- */

struct list_ctx {
	bool json, oom;
	size_t rows;
};

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* Columns: id, rule, resource, verdict, reason, author, created, expires, valid. */
static int on_row(void *vctx, int ncol, const char *const *names, const char *const *v)
{
	struct list_ctx *x = vctx;
	(void)names;
	if (ncol != 9)
		return 1;
	x->rows++;
	bool valid = v[8] && strcmp(v[8], "1") == 0;
	if (!x->json) {
		printf("%s  %-14s %s  %s  by %s, %s, %s%s%s: %s\n", v[0], v[3], v[1], v[2], v[5],
		       v[6], valid ? "valid" : "expired", v[7] ? " until " : "", v[7] ? v[7] : "",
		       v[4]);
		return 0;
	}
	json_t *j = json_object();
	if (!j) {
		x->oom = true;
		return 1;
	}
	json_object_set_new(j, "type", json_string("triage"));
	json_object_set_new(j, "id", json_integer(strtoll(v[0], NULL, 10)));
	json_object_set_new(j, "rule", str_or_null(v[1]));
	json_object_set_new(j, "resource", str_or_null(v[2]));
	json_object_set_new(j, "verdict", str_or_null(v[3]));
	json_object_set_new(j, "reason", str_or_null(v[4]));
	json_object_set_new(j, "author", str_or_null(v[5]));
	json_object_set_new(j, "created", str_or_null(v[6]));
	json_object_set_new(j, "expires", str_or_null(v[7]));
	json_object_set_new(j, "valid", json_boolean(valid));
	char *line = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!line) {
		x->oom = true;
		return 1;
	}
	puts(line);
	free(line);
	return 0;
}

static int list(const char *db, bool json)
{
	struct store *st;
	int ret = open_store(db, &st);
	if (ret != CLI_OK)
		return ret;
	struct list_ctx x = { .json = json };
	/* "valid" as in the view v_finding */
	if (store_query(st, "SELECT id, rule, resource, verdict, reason, author, created, expires,"
			    " expires IS NULL OR expires > strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
			    " FROM triage ORDER BY id", on_row, &x) != STORE_OK)
		ret = cli_fail(CLI_RUNTIME, CMD, "database '%s': %s", db, store_errmsg(st));
	store_close(st);
	if (ret != CLI_OK)
		return ret;
	if (!json)
		printf("%zu verdicts\n", x.rows);
	fflush(stdout);
	if (x.oom || ferror(stdout))
		return cli_fail(CLI_RUNTIME, CMD, x.oom ? "out of memory" : "cannot write output");
	return CLI_OK;
}

int cli_triage(int argc, char **argv)
{
	const char *db = NULL, *rule = NULL, *resource = NULL, *reason = NULL, *author = NULL;
	const char *expires = NULL, *verdict = NULL;
	bool do_list = false, json = false;
	int c;

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
		case OPT_ACK:
		case OPT_FP: {
			const char *v = c == OPT_ACK ? "acknowledged" : "false_positive";
			if (verdict && strcmp(verdict, v) != 0)
				return cli_usage_error(CMD, "--ack and --false-positive exclude each"
						       " other");
			verdict = v;
			break;
		}
		case OPT_RULE:
			rule = optarg;
			break;
		case OPT_RESOURCE:
			resource = optarg;
			break;
		case OPT_REASON:
			reason = optarg;
			break;
		case OPT_AUTHOR:
			author = optarg;
			break;
		case OPT_EXPIRES:
			expires = optarg;
			break;
		case OPT_LIST:
			do_list = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		default:
			return cli_getopt_error(CMD, c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
	if (!db)
		return cli_usage_error(CMD, "--db PATH is required");
	if (do_list) {
		if (verdict || rule || resource || reason || author || expires)
			return cli_usage_error(CMD, "--list takes no verdict options");
		return list(db, json);
	}
	if (json)
		return cli_usage_error(CMD, "--json is an option of --list");
	if (!verdict)
		return cli_usage_error(CMD, "one of --ack, --false-positive or --list is required");
	if (!rule || !*rule)
		return cli_usage_error(CMD, "--rule ID is required");
	if (!resource || !*resource)
		return cli_usage_error(CMD, "--resource RES is required");
	if (!reason || blank(reason))
		return cli_usage_error(CMD, "--reason TEXT is required and must not be empty");
	if (strlen(reason) > REASON_MAX)
		return cli_usage_error(CMD, "--reason: longer than %d bytes", REASON_MAX);
	if (author && blank(author))
		return cli_usage_error(CMD, "--author: empty name");
	if (!author && !(author = default_author()))
		return cli_usage_error(CMD, "no user name ($USER, login name): give --author");
	char exp[32];
	if (expires && !parse_expires(expires, exp))
		return CLI_USAGE;
	struct store_triage t = {
		.rule = rule, .resource = resource, .verdict = verdict, .reason = reason,
		.author = author, .expires = expires ? exp : NULL,
	};
	return add_verdict(db, &t);
}
