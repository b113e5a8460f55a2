/*
 * One analyzer run. See analysis.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyzer/analysis.h"
#include "analyzer/model.h"
#include "analyzer/refdata.h"
#include "analyzer/store/store.h"

struct verdict {
	char *rule, *resource, *verdict, *reason;
};

struct verdicts {
	struct verdict *v;
	size_t n, cap;
	bool oom;
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* The latest valid verdict per (rule, resource) comes last: the query orders by id. */
static int on_verdict(void *ctx, int ncol, const char *const *names, const char *const *values)
{
	struct verdicts *vs = ctx;
	(void)names;
	if (ncol < 4)
		return 0;
	if (vs->n == vs->cap) {
		size_t cap = vs->cap ? 2 * vs->cap : 16;
		struct verdict *p = realloc(vs->v, cap * sizeof(*p));
		if (!p) {
			vs->oom = true;
			return 1;
		}
		vs->v = p;
		vs->cap = cap;
	}
	struct verdict *v = &vs->v[vs->n];
	v->rule = dup_or_null(values[0]);
	v->resource = dup_or_null(values[1]);
	v->verdict = dup_or_null(values[2]);
	v->reason = dup_or_null(values[3]);
	if (!v->rule || !v->resource || !v->verdict) {
		free(v->rule);
		free(v->resource);
		free(v->verdict);
		free(v->reason);
		vs->oom = true;
		return 1;
	}
	vs->n++;
	return 0;
}

static void verdicts_free(struct verdicts *vs)
{
	for (size_t i = 0; i < vs->n; i++) {
		free(vs->v[i].rule);
		free(vs->v[i].resource);
		free(vs->v[i].verdict);
		free(vs->v[i].reason);
	}
	free(vs->v);
}

static const struct verdict *find_verdict(const struct verdicts *vs, const char *rule,
					  const char *resource)
{
	for (size_t i = vs->n; i > 0; i--)
		if (strcmp(vs->v[i - 1].rule, rule) == 0 &&
		    strcmp(vs->v[i - 1].resource, resource) == 0)
			return &vs->v[i - 1];
	return NULL;
}

struct ctx {
	struct store *st;
	const struct analysis_cb *cb;
	struct analysis_stats *stats;
	const struct verdicts *vs;
	char now[32];
	int store_rc;
};

static int on_row(void *vctx, const struct rule *r, const struct rule_row *row)
{
	struct ctx *x = vctx;
	struct store_finding f = {
		.rule = r->id, .resource = row->resource, .status = row->status,
		.severity = row->severity, .reason = row->reason, .evidence_json = row->evidence,
		.ts = x->now, .has_score = row->has_score, .score = row->score,
	};
	int rc = store_upsert_finding(x->st, &f);
	if (rc != STORE_OK) {
		x->store_rc = rc;
		return 1;
	}
	const struct verdict *v = find_verdict(x->vs, r->id, row->resource);
	struct analysis_finding af = { .rule = r, .row = row, .triage = v ? v->verdict : NULL,
				       .triage_reason = v ? v->reason : NULL };
	x->stats->findings++;
	if (strcmp(row->status, "alarm") == 0 && !v) {
		int rank = rules_severity_rank(row->severity);
		x->stats->alarms++;
		if (rank > x->stats->worst_alarm)
			x->stats->worst_alarm = rank;
	}
	if (x->cb && x->cb->on_finding)
		x->cb->on_finding(x->cb->ctx, &af);
	return 0;
}

static void utc_now(char out[32])
{
	struct timespec ts;
	struct tm tm;
	char day[24];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 32, "%.19s.%06dZ", day, (int)(ts.tv_nsec / 1000));
}

int analysis_run(struct store *st, const struct analysis_opts *o, const struct analysis_cb *cb,
		 struct analysis_stats *out, char *err, size_t errcap)
{
	struct analysis_stats stats = { .worst_alarm = -1 };
	struct verdicts vs = { 0 };
	struct rules *rs = o->rules_dir ? rules_load_dir(o->rules_dir, err, errcap)
					: rules_load_bundled(err, errcap);
	int64_t run_id = 0;
	int ret = -1;
	if (!rs)
		return -1;
	if (refdata_load(st, err, errcap) != 0)
		goto out;
	if (model_update(st, err, errcap) < 0)   /* scores first: rules may read them */
		goto out;
	(void)rules_check(rs, st);
	if (store_query(st, "SELECT rule, resource, verdict, reason FROM triage WHERE expires IS"
			    " NULL OR expires > strftime('%Y-%m-%dT%H:%M:%fZ', 'now') ORDER BY id",
			on_verdict, &vs) != STORE_OK || vs.oom) {
		snprintf(err, errcap, "reading the analysts' verdicts: %s",
			 vs.oom ? "out of memory" : store_errmsg(st));
		goto out;
	}
	if (store_run_begin(st, o->tool, &run_id) != STORE_OK)
		goto store_failed;
	struct ctx x = { .st = st, .cb = cb, .stats = &stats, .vs = &vs };
	utc_now(x.now);
	/* Two passes: rules over facts first, then the rules that read findings (v_finding,
	 * e.g. a profile defined by another profile's verdicts), so they see this run's. */
	for (size_t i = 0; i < 2 * rules_count(rs); i++) {
		struct rule *r = rules_at(rs, i % rules_count(rs));
		if ((i < rules_count(rs)) == rules_reads_findings(r))
			continue;
		if (r->is_view) { /* created by rules_check; a refused one is reported */
			if (r->refused) {
				stats.refused++;
				if (cb && cb->on_refused)
					cb->on_refused(cb->ctx, r);
			}
			continue;
		}
		if (!r->refused && !rules_in_profile(r, o->profile))
			continue;
		stats.rules++;
		if (r->refused) {
			stats.refused++;
			if (cb && cb->on_refused)
				cb->on_refused(cb->ctx, r);
			continue;
		}
		struct store_rule sr = {
			.id = r->id, .title = r->title, .severity = r->severity,
			.requirements_json = r->requirements, .remediation = r->remediation,
			.description = r->description, .file = r->file, .sha256 = r->sha256,
		};
		if (store_put_rule(st, &sr) != STORE_OK)
			goto store_failed;
		if (rules_run(r, st, on_row, &x) != 0) {
			if (x.store_rc)
				goto store_failed;
			stats.failed++;
			r->refused = true;
			if (cb && cb->on_refused)
				cb->on_refused(cb->ctx, r);
		}
	}
	rules_hash(rs, stats.rules_hash);
	if (store_run_end(st, run_id, stats.rules_hash, (int64_t)stats.rules,
			  (int64_t)(stats.refused + stats.failed), (int64_t)stats.findings) != STORE_OK ||
	    store_flush(st) != STORE_OK)
		goto store_failed;
	stats.run_id = run_id;
	ret = 0;
	goto out;
store_failed:
	snprintf(err, errcap, "database: %s", store_errmsg(st));
out:
	if (out)
		*out = stats;
	verdicts_free(&vs);
	rules_free(rs);
	return ret;
}
