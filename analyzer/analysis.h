/*
 * analysis: one run of the analyzer over a store: the reference tables (refdata.h), the
 * rules (rules.h) with their metadata recorded, every accepted rule's rows written as
 * findings (updated, not duplicated, when they exist: last seen, count), the analysts'
 * verdicts (triage) applied, and the run recorded (analysis_runs). `tlsscope analyze` and
 * `sniff --analyze` both call it.
 */
#ifndef TLSSCOPE_ANALYZER_ANALYSIS_H
#define TLSSCOPE_ANALYZER_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>

#include "analyzer/rules.h"

struct store;

struct analysis_opts {
	const char *rules_dir;    /* NULL: the bundled rules */
	const char *profile;      /* NULL: every rule; else only that profile's */
	const char *tool;         /* recorded with the run, e.g. "tlsscope 0.1.0" */
};

/* One finding as written. */
struct analysis_finding {
	const struct rule *rule;
	const struct rule_row *row;
	const char *triage;       /* a valid analyst verdict ("acknowledged", "false_positive"),
				     NULL when none: then it is suppressed in exit codes */
	const char *triage_reason;
};

struct analysis_stats {
	size_t rules;             /* rules loaded (in the profile) */
	size_t refused;           /* of which refused (see on_refused) */
	size_t failed;            /* accepted rules whose query failed at run time */
	size_t findings;          /* rows written */
	size_t alarms;            /* rows with status alarm and no valid verdict */
	int worst_alarm;          /* severity rank of the worst such alarm, -1 none */
	char rules_hash[65];
	long long run_id;
};

struct analysis_cb {
	void (*on_finding)(void *ctx, const struct analysis_finding *f);
	void (*on_refused)(void *ctx, const struct rule *r);   /* also for run-time failures */
	void *ctx;
};

/* Runs the analysis. Returns 0 (refused or failing rules are reported through the
 * callback and counted, the others ran), or -1 with a message in err when the run itself
 * failed (rules unreadable, the store failing). */
int analysis_run(struct store *st, const struct analysis_opts *o, const struct analysis_cb *cb,
		 struct analysis_stats *out, char *err, size_t errcap)
	__attribute__((warn_unused_result));

#endif
