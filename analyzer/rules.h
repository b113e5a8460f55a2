/*
 * rules: the rule loader and runner. A rule is one SQL file (rules/README.md): a header of
 * "-- key: value" comment lines, then one read-only SELECT over the store's documented views
 * and the reference tables (refdata.h). Every rule returns rows of the same shape:
 *
 *   resource  TEXT  what the finding is about ("127.0.0.1:443 server.test")
 *   status    TEXT  'ok', 'alarm', 'info' or 'skip'
 *   reason    TEXT  one line
 *   evidence  TEXT  a JSON array of references (["scan:12", "cert:<sha256>", ...]) or NULL
 *   [severity TEXT] optional: overrides the header's for that row
 *   [score    REAL] optional: the model's score behind the row
 *
 * Header keys: id (required; [a-z0-9._/-]+, e.g. "pci-dss-4.0.1/4.2.1-early-tls"), title
 * (required), severity (required: info, low, medium, high, critical), requirements
 * (required: comma-separated "profile:requirement" references, e.g.
 * "pci-dss-4.0.1:4.2.1"), remediation, description. A line "--   text" without a key
 * continues the previous key's value.
 *
 * Shared SQL: a file whose header has "-- view: NAME" (and no id) defines a TEMP VIEW the
 * rules may read: its body is exactly one "CREATE TEMP VIEW NAME AS SELECT ..." statement
 * (read-only, like a rule). Views are created in file order before the rules are checked,
 * so a view may use the views of earlier files; a view that fails is refused like a rule.
 *
 * A rule whose header is broken, whose SQL does not compile (syntax error, unknown view or
 * column, not read-only) or whose columns have the wrong shape is refused, with its file
 * name and the reason (SQLite's message); the other rules still run. A profile is the set of
 * rules whose requirements name it ("pci-dss-4.0.1:..."), or whose id starts with it.
 */
#ifndef TLSSCOPE_ANALYZER_RULES_H
#define TLSSCOPE_ANALYZER_RULES_H

#include <stdbool.h>
#include <stddef.h>

#define RULES_ID_MAX 128
#define RULES_ERR_MAX 512

struct store;

struct rule {
	char id[RULES_ID_MAX];
	char *title;
	char severity[16];
	char *requirements;     /* JSON array text: ["pci-dss-4.0.1:4.2.1", ...] */
	char *remediation;      /* NULL when none */
	char *description;
	char *sql;              /* the file's text */
	char file[512];         /* as loaded: path, or "rules/..." for the bundled set */
	char sha256[65];        /* of the file's bytes */
	bool is_view;           /* "-- view: NAME": id holds NAME */
	bool has_severity_col, has_score_col;
	bool refused;
	char error[RULES_ERR_MAX];
};

struct rules;

/* The bundled rule set (embed.h), or every *.sql under dir (recursively, in path order).
 * NULL with a message only when nothing can be read at all (no such directory, out of
 * memory); broken rules are loaded as refused entries. */
struct rules *rules_load_bundled(char *err, size_t errcap) __attribute__((warn_unused_result));
struct rules *rules_load_dir(const char *dir, char *err, size_t errcap)
	__attribute__((warn_unused_result));
void rules_free(struct rules *rs);

size_t rules_count(const struct rules *rs);
struct rule *rules_at(struct rules *rs, size_t i);

/* SHA-256 (hex) over the accepted rules' ids and file hashes, in id order: identifies the
 * rule set in reports. */
void rules_hash(const struct rules *rs, char out[65]);

/* Creates the views (in file order; refdata_load first), then compiles every rule against
 * the store and checks its columns; refuses the ones that fail. Returns how many rules
 * (views included) were refused. */
size_t rules_check(struct rules *rs, struct store *st);

/* Whether r's query reads findings (the view v_finding or the table findings): such rules
 * run after the others, so that they see the current run's verdicts. */
bool rules_reads_findings(const struct rule *r);

/* Whether r belongs to profile (NULL: every rule does). */
bool rules_in_profile(const struct rule *r, const char *profile);

/* Severity rank: info 0, low 1, medium 2, high 3, critical 4; -1 for anything else. */
int rules_severity_rank(const char *s);

struct rule_row {
	const char *resource;
	const char *status;
	const char *reason;     /* may be NULL */
	const char *evidence;   /* JSON array text or NULL */
	const char *severity;   /* the row's, else the rule's */
	bool has_score;
	double score;
};

/* Runs an accepted rule, calling cb for each row (valid during the call; cb returns
 * non-zero to stop). Rows with a NULL resource, an unknown status, or evidence that is not
 * a JSON array make the run fail. Returns 0, or -1 with the reason in r->error. */
int rules_run(struct rule *r, struct store *st,
	      int (*cb)(void *ctx, const struct rule *r, const struct rule_row *row), void *ctx)
	__attribute__((warn_unused_result));

#endif
