/*
 * tlsscope diff: what changed between two scans of each endpoint of a store (analyzer/diff.h):
 * one "diff" object per endpoint with --json, else a few lines per endpoint and a summary.
 * The scope (--scope, TARGET...) uses the scan command's target syntax and is resolved the
 * same way; an endpoint of the store is in scope when its host name or address and its port
 * match one of the scope's endpoints.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "analyzer/diff.h"
#include "analyzer/store/store.h"
#include "cli/cli.h"
#include "cli/cli_target.h"
#include "scanner/target.h"

#define CMD "diff"

static const char help[] =
	"Usage: tlsscope diff --db PATH [OPTIONS] [TARGET...]\n"
	"Compares each endpoint's latest scan in a store with the scan before it (or with the\n"
	"latest scan finished before --before): protocol versions, cipher suites per version,\n"
	"groups, certificates (the leaf of every chain), trust verdict, OCSP stapling, HSTS\n"
	"and the scan error, each as added, removed or changed. When either scan failed\n"
	"(\"error\" set) only the error is compared.\n"
	"\n"
	"TARGET (and --scope) limits the diff to those endpoints: host[:port], IPv4[:port],\n"
	"[IPv6]:port, CIDR[:port] or @FILE, as for `tlsscope scan` (default port 443).\n"
	"Without a scope, every endpoint of the store is compared.\n"
	"\n"
	"Options:\n"
	"  --db PATH           the SQLite store (required)\n"
	"  --scope FILE|TARGET a target file (as @FILE) or one target; may repeat\n"
	"  --before TIME       RFC 3339 (e.g. 2026-11-01T00:00:00Z): compare with the latest\n"
	"                      scan finished before TIME instead of the previous scan\n"
	"  --json              NDJSON on stdout, one \"diff\" object per endpoint\n"
	"  --fail-on-change    exit 1 when any endpoint changed\n"
	"  -h, --help          show this help and exit\n"
	"\n"
	"Exit status: 0 success (also when something changed, unless --fail-on-change),\n"
	"1 a change with --fail-on-change, 2 usage or input error, 3 runtime failure.\n";

enum {
	OPT_DB = 256,
	OPT_SCOPE,
	OPT_BEFORE,
	OPT_JSON,
	OPT_FAIL_ON_CHANGE,
};

static const struct option longopts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "scope", required_argument, NULL, OPT_SCOPE },
	{ "before", required_argument, NULL, OPT_BEFORE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "fail-on-change", no_argument, NULL, OPT_FAIL_ON_CHANGE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

#define SCOPE_ARGS_MAX 256

/* ---- human output -------------------------------------------------------------------- */

/* "+a +b -c" of an {"added":[...], "removed":[...]} pair; false when both are empty. */
static bool print_pair(const char *label, const json_t *pair)
{
	const json_t *add = json_object_get(pair, "added"), *rem = json_object_get(pair, "removed");
	size_t i;
	const json_t *v;
	if (json_array_size(add) + json_array_size(rem) == 0)
		return false;
	printf("  %-15s", label);
	json_array_foreach(add, i, v)
		printf(" +%s", json_string_value(v));
	json_array_foreach(rem, i, v)
		printf(" -%s", json_string_value(v));
	putchar('\n');
	return true;
}

static void print_suites(const json_t *suites)
{
	static const char *const sides[] = { "added", "removed" };
	static const char signs[] = { '+', '-' };
	for (int s = 0; s < 2; s++) {
		const char *ver;
		json_t *list;
		json_object_foreach(json_object_get(suites, sides[s]), ver, list) {
			size_t i;
			const json_t *v;
			char label[32];
			snprintf(label, sizeof(label), "suites %s", ver);
			printf("  %-15s", label);
			json_array_foreach(list, i, v)
				printf(" %c%s", signs[s], json_string_value(v));
			putchar('\n');
		}
	}
}

static void print_certs(const json_t *certs)
{
	static const char *const sides[] = { "added", "removed" };
	static const char signs[] = { '+', '-' };
	for (int s = 0; s < 2; s++) {
		size_t i;
		const json_t *c;
		json_array_foreach(json_object_get(certs, sides[s]), i, c) {
			const char *subj = json_string_value(json_object_get(c, "subject"));
			const char *na = json_string_value(json_object_get(c, "not_after"));
			printf("  %-15s %c%s chain %lld (%s, not after %s)\n", "certificate", signs[s],
			       json_string_value(json_object_get(c, "sha256")),
			       (long long)json_integer_value(json_object_get(c, "chain")),
			       subj ? subj : "subject unknown", na ? na : "?");
		}
	}
}

static void trust_text(const json_t *t, char *buf, size_t cap)
{
	const json_t *tr = json_object_get(t, "trusted");
	const char *e = json_string_value(json_object_get(t, "verify_error"));
	if (json_is_true(tr))
		snprintf(buf, cap, "trusted");
	else if (json_is_false(tr))
		snprintf(buf, cap, "not trusted (%s)", e ? e : "no reason given");
	else
		snprintf(buf, cap, "unknown");
}

static void hsts_text(const json_t *h, char *buf, size_t cap)
{
	if (!json_is_object(h)) {
		snprintf(buf, cap, "none");
		return;
	}
	const json_t *ma = json_object_get(h, "max_age");
	snprintf(buf, cap, "max-age=%s%s%s",
		 json_is_integer(ma) ? "" : "?",
		 json_is_true(json_object_get(h, "include_subdomains")) ? "; includeSubDomains" : "",
		 json_is_true(json_object_get(h, "preload")) ? "; preload" : "");
	if (json_is_integer(ma)) {
		char tail[64];
		snprintf(tail, sizeof(tail), "%s", buf + strlen("max-age="));
		snprintf(buf, cap, "max-age=%lld%s", (long long)json_integer_value(ma), tail);
	}
}

static const char *tri_text(const json_t *v)
{
	return json_is_true(v) ? "yes" : json_is_false(v) ? "no" : "unknown";
}

static void print_human(const json_t *d)
{
	const json_t *before = json_object_get(d, "before"), *after = json_object_get(d, "after");
	const char *res = json_string_value(json_object_get(d, "resource"));
	long long aid = (long long)json_integer_value(json_object_get(after, "scan_id"));
	const char *afin = json_string_value(json_object_get(after, "finished"));
	if (json_is_null(before)) {
		printf("%s: no earlier scan to compare with (latest: scan %lld, %s)\n", res, aid, afin);
		return;
	}
	long long bid = (long long)json_integer_value(json_object_get(before, "scan_id"));
	const char *bfin = json_string_value(json_object_get(before, "finished"));
	long long n = (long long)json_integer_value(json_object_get(d, "changes"));
	if (bid == aid) {
		printf("%s: no scan since scan %lld (%s)\n", res, bid, bfin);
		return;
	}
	if (n == 0) {
		printf("%s: no change (scan %lld, %s, against scan %lld, %s)\n", res, aid, afin, bid,
		       bfin);
		return;
	}
	printf("%s: %lld change%s (scan %lld, %s, against scan %lld, %s)\n", res, n,
	       n == 1 ? "" : "s", aid, afin, bid, bfin);
	print_pair("versions", json_object_get(d, "versions"));
	print_suites(json_object_get(d, "suites"));
	print_pair("groups", json_object_get(d, "groups"));
	print_certs(json_object_get(d, "certificates"));
	const json_t *t = json_object_get(d, "trust");
	if (json_is_true(json_object_get(t, "changed"))) {
		char x[300], y[300];
		trust_text(json_object_get(t, "before"), x, sizeof(x));
		trust_text(json_object_get(t, "after"), y, sizeof(y));
		printf("  %-15s %s -> %s\n", "trust", x, y);
	}
	const json_t *o = json_object_get(d, "ocsp_stapling");
	if (json_is_true(json_object_get(o, "changed")))
		printf("  %-15s %s -> %s\n", "OCSP stapling", tri_text(json_object_get(o, "before")),
		       tri_text(json_object_get(o, "after")));
	const json_t *h = json_object_get(d, "hsts");
	if (json_is_true(json_object_get(h, "changed"))) {
		char x[128], y[128];
		hsts_text(json_object_get(h, "before"), x, sizeof(x));
		hsts_text(json_object_get(h, "after"), y, sizeof(y));
		printf("  %-15s %s -> %s\n", "HSTS", x, y);
	}
	const json_t *e = json_object_get(d, "error");
	if (json_is_true(json_object_get(e, "changed"))) {
		const char *x = json_string_value(json_object_get(e, "before"));
		const char *y = json_string_value(json_object_get(e, "after"));
		printf("  %-15s %s -> %s\n", "scan error", x ? x : "none", y ? y : "none");
	}
}

/* ---- scope ------------------------------------------------------------------------------ */

/* The scope: its resolved endpoints as diff_scope entries (pointing into l and ips). */
struct scope {
	struct tgt_list *l;
	struct diff_scope *s;
	char (*ips)[TGT_IP_MAX];
	size_t n;
};

static void free_scope(struct scope *sc)
{
	free(sc->s);
	free(sc->ips);
	tgt_list_free(sc->l);
	memset(sc, 0, sizeof(*sc));
}

static int build_scope(char **words, size_t n, struct scope *sc)
{
	char err[512];
	struct tgt_opts to = { .default_port = 443 };
	if (!(sc->l = tgt_list_new(&to)))
		return cli_fail(CLI_RUNTIME, CMD, "out of memory");
	for (size_t i = 0; i < n; i++) {
		int rc = tgt_list_add(sc->l, words[i], err, sizeof(err));
		if (rc != TGT_OK) {
			free_scope(sc);
			return rc == TGT_EINPUT ? cli_usage_error(CMD, "%s", err)
						: cli_fail(CLI_RUNTIME, CMD, "%s", err);
		}
	}
	int rc = tgt_list_resolve(sc->l, err, sizeof(err));
	if (rc != TGT_OK) {
		free_scope(sc);
		return rc == TGT_EINPUT ? cli_usage_error(CMD, "%s", err)
					: cli_fail(CLI_RUNTIME, CMD, "%s", err);
	}
	size_t count = tgt_list_count(sc->l);
	sc->s = calloc(count ? count : 1, sizeof(*sc->s));
	sc->ips = calloc(count ? count : 1, sizeof(*sc->ips));
	if (!sc->s || !sc->ips) {
		free_scope(sc);
		return cli_fail(CLI_RUNTIME, CMD, "out of memory");
	}
	for (size_t i = 0; i < count; i++) {
		const struct tgt_endpoint *e = tgt_list_at(sc->l, i);
		tgt_endpoint_ip(e, sc->ips[i]);
		sc->s[i].host = e->host;
		sc->s[i].ip = sc->ips[i];
		sc->s[i].port = e->port;
	}
	sc->n = count;
	return CLI_OK;
}

/* ---- the command ------------------------------------------------------------------------ */

int cli_diff(int argc, char **argv)
{
	const char *db = NULL, *before = NULL;
	char *scope_words[SCOPE_ARGS_MAX];
	char *scope_bufs[SCOPE_ARGS_MAX];
	size_t n_words = 0, n_bufs = 0;
	bool json = false, fail_on_change = false;
	int c, ret = CLI_OK;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(help, stdout);
			ret = CLI_OK;
			goto done;
		case OPT_DB:
			db = optarg;
			break;
		case OPT_SCOPE: {
			struct stat sb;
			if (n_words == SCOPE_ARGS_MAX) {
				ret = cli_usage_error(CMD, "--scope: at most %d", SCOPE_ARGS_MAX);
				goto done;
			}
			if (optarg[0] != '@' && stat(optarg, &sb) == 0 && S_ISREG(sb.st_mode)) {
				/* a file name: read it as @FILE */
				char *w = malloc(strlen(optarg) + 2);
				if (!w) {
					ret = cli_fail(CLI_RUNTIME, CMD, "out of memory");
					goto done;
				}
				w[0] = '@';
				strcpy(w + 1, optarg);
				scope_bufs[n_bufs++] = w;
				scope_words[n_words++] = w;
			} else {
				scope_words[n_words++] = optarg;
			}
			break;
		}
		case OPT_BEFORE:
			before = optarg;
			if (!diff_check_time(before)) {
				ret = cli_usage_error(CMD, "--before: not an RFC 3339 time "
						      "(2026-11-01T00:00:00Z): '%s'", before);
				goto done;
			}
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_FAIL_ON_CHANGE:
			fail_on_change = true;
			break;
		default:
			ret = cli_getopt_error(CMD, c, argv);
			goto done;
		}
	}
	for (int i = optind; i < argc; i++) {
		if (n_words == SCOPE_ARGS_MAX) {
			ret = cli_usage_error(CMD, "at most %d targets", SCOPE_ARGS_MAX);
			goto done;
		}
		scope_words[n_words++] = argv[i];
	}
	if (!db) {
		ret = cli_usage_error(CMD, "--db PATH is required");
		goto done;
	}
	if (!cli_check_readable(CMD, "--db", db)) {
		ret = CLI_USAGE;
		goto done;
	}
	for (size_t i = 0; i < n_words; i++)
		if (!cli_check_target(CMD, scope_words[i])) {
			ret = CLI_USAGE;
			goto done;
		}

	struct scope sc = { 0 };
	if (n_words) {
		ret = build_scope(scope_words, n_words, &sc);
		if (ret != CLI_OK)
			goto done;
		if (sc.n == 0) {
			free_scope(&sc);
			ret = cli_usage_error(CMD, "the scope holds no endpoint");
			goto done;
		}
	}

	struct store_error serr = { 0, "" };
	struct store_options sopts = { 0, 0, "tlsscope " TLSSCOPE_VERSION };
	struct store *st = store_open(db, &sopts, &serr);
	if (!st) {
		free_scope(&sc);
		ret = cli_fail(serr.code == STORE_ENOTSTORE || serr.code == STORE_ETOONEW ||
				       serr.code == STORE_ENOTDB ? CLI_USAGE : CLI_RUNTIME,
			       CMD, "database '%s': %s", db, serr.msg);
		goto done;
	}
	struct diff_opts o = { .before = before, .scope = sc.s, .n_scope = sc.n };
	json_t *diffs = NULL;
	char err[512];
	int rc = diff_build(st, &o, &diffs, err, sizeof(err));
	store_close(st);
	free_scope(&sc);
	if (rc != DIFF_OK) {
		ret = cli_fail(rc == DIFF_EINPUT ? CLI_USAGE : CLI_RUNTIME, CMD, "%s", err);
		goto done;
	}
	size_t i, changed = 0;
	json_t *d;
	bool oom = false;
	json_array_foreach(diffs, i, d) {
		if (json_is_true(json_object_get(d, "changed")))
			changed++;
		if (json) {
			char *line = json_dumps(d, JSON_COMPACT);
			if (!line) {
				oom = true;
				break;
			}
			puts(line);
			free(line);
		} else {
			print_human(d);
		}
	}
	if (!json)
		printf("%zu endpoint%s compared, %zu changed\n", json_array_size(diffs),
		       json_array_size(diffs) == 1 ? "" : "s", changed);
	json_decref(diffs);
	fflush(stdout);
	if (oom || ferror(stdout))
		ret = cli_fail(CLI_RUNTIME, CMD, oom ? "out of memory" : "cannot write output");
	else if (fail_on_change && changed)
		ret = CLI_FINDINGS;
done:
	for (size_t k = 0; k < n_bufs; k++)
		free(scope_bufs[k]);
	return ret;
}
