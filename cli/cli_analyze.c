/*
 * tlsscope analyze: runs the rules (analyzer/analysis.h) over a store, stores the findings and
 * prints them: one "finding" object per line with --json (INTERFACE.md), else the alarms
 * and a summary. A refused rule (broken header, SQL that does not compile, wrong columns) is
 * named on stderr with the reason; the others still run, and the exit status is then 2.
 * --geoip FILE (repeatable, analyzer/geo.h): before the rules run, every endpoint and
 * connection address of the store is looked up and what is known goes to the geo table, which
 * rules may join; the files are checked before the store is opened (corrupt: exit 2).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analyzer/analysis.h"
#include "analyzer/geo.h"
#include "analyzer/store/store.h"
#include "cli/cli.h"

#define CMD "analyze"

static const char help[] =
	"Usage: tlsscope analyze --db PATH [OPTIONS]\n"
	"Runs the rules (SQL, one file per rule) and the model over a store, stores the findings\n"
	"and prints them.\n"
	"\n"
	"Options:\n"
	"  --db PATH           the SQLite store to analyze (required)\n"
	"  --rules DIR         rules directory (default: the rules built into tlsscope)\n"
	"  --profile NAME      only the rules of a profile (mozilla-6.0-modern,\n"
	"                      mozilla-6.0-intermediate, mozilla-5.8-old, nist-800-52r2,\n"
	"                      pci-dss-4.0.1, bsi-tr-02102-2, cabf-br, browser-ct, ssllabs,\n"
	"                      downgrade, rogue-cert, ...)\n"
	"  --json              NDJSON on stdout, one \"finding\" object per finding\n"
	"  --fail-on SEVERITY  exit 1 when a finding is at or above SEVERITY\n"
	"                      (info, low, medium, high, critical)\n"
	"  --geoip FILE        a MaxMind DB (City, Country, ASN or ISP); may repeat (up to\n"
	"                      8): before the rules run, the country, city and AS of every\n"
	"                      endpoint and connection address go to the table geo (ip,\n"
	"                      country, city, asn, as_org) that rules may join\n"
	"  -h, --help          show this help and exit\n"
	"\n"
	"Exit status: 0 success, 1 an alarm at or above --fail-on (findings an analyst\n"
	"acknowledged or marked a false positive do not count), 2 usage or input error (also\n"
	"when a rule was refused: the others ran; an unreadable or corrupt --geoip file),\n"
	"3 runtime failure.\n";

enum {
	OPT_DB = 256,
	OPT_RULES,
	OPT_JSON,
	OPT_FAIL_ON,
	OPT_PROFILE,
	OPT_GEOIP,
};

static const struct option longopts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "rules", required_argument, NULL, OPT_RULES },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "geoip", required_argument, NULL, OPT_GEOIP },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct out {
	bool json;
	bool oom;
	size_t shown;
};

static void print_json(struct out *o, const struct analysis_finding *f)
{
	const struct rule_row *row = f->row;
	json_t *j = json_object();
	json_t *req = json_loads(f->rule->requirements, 0, NULL);
	json_t *ev = row->evidence ? json_loads(row->evidence, 0, NULL) : json_array();
	if (!j || !req || !ev) {
		o->oom = true;
		json_decref(j);
		json_decref(req);
		json_decref(ev);
		return;
	}
	json_object_set_new(j, "type", json_string("finding"));
	json_object_set_new(j, "rule", json_string(f->rule->id));
	json_object_set_new(j, "title", json_string(f->rule->title));
	json_object_set_new(j, "severity", json_string(row->severity));
	json_object_set_new(j, "status", json_string(row->status));
	json_object_set_new(j, "resource", json_string(row->resource));
	json_object_set_new(j, "reason", row->reason ? json_string(row->reason) : json_null());
	json_object_set_new(j, "requirements", req);
	json_object_set_new(j, "evidence", ev);
	json_object_set_new(j, "score", row->has_score ? json_real(row->score) : json_null());
	json_object_set_new(j, "triage", f->triage ? json_string(f->triage) : json_null());
	json_object_set_new(j, "remediation", f->rule->remediation ?
				json_string(f->rule->remediation) : json_null());
	char *line = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!line) {
		o->oom = true;
		return;
	}
	puts(line);
	free(line);
}

static void on_finding(void *ctx, const struct analysis_finding *f)
{
	struct out *o = ctx;
	if (o->json) {
		print_json(o, f);
		return;
	}
	if (strcmp(f->row->status, "alarm") != 0)
		return;
	o->shown++;
	printf("%-8s %s  %s: %s%s%s%s\n", f->row->severity, f->row->resource, f->rule->id,
	       f->row->reason ? f->row->reason : f->rule->title, f->triage ? "  [" : "",
	       f->triage ? f->triage : "", f->triage ? "]" : "");
}

static void on_refused(void *ctx, const struct rule *r)
{
	(void)ctx;
	fprintf(stderr, "tlsscope analyze: rule %s refused: %s\n", r->file, r->error);
}

int cli_analyze(int argc, char **argv)
{
	const char *db = NULL, *rules = NULL, *profile = NULL;
	const char *geoip[GEO_FILES_MAX];
	size_t n_geoip = 0;
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
		case OPT_PROFILE:
			profile = optarg;
			break;
		case OPT_GEOIP:
			if (n_geoip == GEO_FILES_MAX)
				return cli_usage_error(CMD, "--geoip: at most %d files", GEO_FILES_MAX);
			if (!cli_check_readable(CMD, "--geoip", optarg))
				return CLI_USAGE;
			geoip[n_geoip++] = optarg;
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

	char err[512];
	struct geo *geo = NULL;
	if (n_geoip && !(geo = geo_open(geoip, n_geoip, err, sizeof(err))))
		return cli_fail(strstr(err, "out of memory") ? CLI_RUNTIME : CLI_USAGE, CMD,
				"--geoip: %s", err);

	struct store_error serr = { 0, "" };
	struct store_options sopts = { 0, 0, "tlsscope " TLSSCOPE_VERSION };
	struct store *st = store_open(db, &sopts, &serr);
	if (!st) {
		geo_close(geo);
		return cli_fail(serr.code == STORE_ENOTSTORE || serr.code == STORE_ETOONEW ||
					serr.code == STORE_ENOTDB ? CLI_USAGE : CLI_RUNTIME,
				CMD, "database '%s': %s", db, serr.msg);
	}
	struct out o = { .json = json };
	struct analysis_opts ao = { .rules_dir = rules, .profile = profile,
				    .tool = "tlsscope " TLSSCOPE_VERSION };
	struct analysis_cb cb = { .on_finding = on_finding, .on_refused = on_refused, .ctx = &o };
	struct analysis_stats stats;
	int ret = CLI_OK;
	if (geo) {
		struct geo_enrich_stats gs;
		int grc = geo_enrich_store(geo, st, &gs);
		if (grc == GEO_ESTORE)
			ret = cli_fail(CLI_RUNTIME, CMD, "database '%s': %s", db, store_errmsg(st));
		else if (grc != GEO_OK)
			ret = cli_fail(grc == GEO_EDB ? CLI_USAGE : CLI_RUNTIME, CMD, "--geoip: %s",
				       geo_errmsg(geo));
		else if (!json)
			fprintf(stderr, "tlsscope %s: --geoip: %zu addresses, %zu with data\n", CMD,
				gs.addresses, gs.found);
		geo_close(geo);
	}
	if (ret == CLI_OK && analysis_run(st, &ao, &cb, &stats, err, sizeof(err)) != 0)
		ret = cli_fail(CLI_RUNTIME, CMD, "%s", err);
	if (store_close(st) != STORE_OK && ret == CLI_OK)
		ret = cli_fail(CLI_RUNTIME, CMD, "database '%s': cannot commit", db);
	if (ret != CLI_OK)
		return ret;
	if (profile && stats.rules == 0)
		return cli_usage_error(CMD, "--profile: no rule belongs to '%s'", profile);
	if (!json)
		printf("%zu rules run (%zu refused, %zu failed), %zu findings, %zu alarms\n",
		       stats.rules - stats.refused - stats.failed, stats.refused, stats.failed,
		       stats.findings, stats.alarms);
	fflush(stdout);
	if (o.oom || ferror(stdout))
		return cli_fail(CLI_RUNTIME, CMD, o.oom ? "out of memory" : "cannot write output");
	if (stats.refused || stats.failed)
		return CLI_USAGE;
	if (fail_on >= 0 && stats.worst_alarm >= fail_on)
		return CLI_FINDINGS;
	return CLI_OK;
}
