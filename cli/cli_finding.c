/*
 * The "finding" object. See cli_finding.h.
 */
#include <jansson.h>

#include "analyzer/analysis.h"
#include "cli/cli_finding.h"

char *cli_finding_line(const struct analysis_finding *f)
{
	const struct rule_row *row = f->row;
	json_t *j = json_object();
	json_t *req = json_loads(f->rule->requirements, 0, NULL);
	json_t *ev = row->evidence ? json_loads(row->evidence, 0, NULL) : json_array();
	if (!j || !req || !ev) {
		json_decref(j);
		json_decref(req);
		json_decref(ev);
		return NULL;
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
	return line;
}
