#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture/wire/digest.h"
#include "capture/wire/registry.h"
#include "tests/unit/corpus_util.h"

void cu_latin1_utf8(const uint8_t *p, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 3 < cap; i++) {
		if (p[i] < 0x80) {
			out[o++] = (char)p[i];
		} else {
			out[o++] = (char)(0xc0 | (p[i] >> 6));
			out[o++] = (char)(0x80 | (p[i] & 0x3f));
		}
	}
	out[o] = '\0';
}

void cu_append(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(dst);
	snprintf(dst + n, cap - n, "%s%s", n ? "," : "", s);
}

int cu_cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void cu_sorted_join(const char **list, size_t n, char *out, size_t cap)
{
	assert_true(n <= CU_LIST_MAX);
	out[0] = '\0';
	qsort(list, n, sizeof(list[0]), cu_cmp_str);
	for (size_t i = 0; i < n; i++)
		cu_append(out, cap, list[i]);
}

const char *cu_version_name(uint16_t v, char buf[8])
{
	const char *n = tls_reg_version_name(v);
	if (n)
		return n;
	snprintf(buf, 8, "0x%04x", v);
	return buf;
}

uint8_t *cu_unhex(const char *s, size_t *len)
{
	size_t n = strlen(s) / 2;
	uint8_t *p = malloc(n ? n : 1);
	assert_non_null(p);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
		p[i] = (uint8_t)v;
	}
	*len = n;
	return p;
}

json_t *cu_load_jsonl(const char *path)
{
	json_error_t err;
	FILE *f = fopen(path, "r");
	json_t *all = json_array();
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	assert_non_null(f);
	assert_non_null(all);
	while ((got = getline(&line, &cap, f)) > 0) {
		json_t *j = json_loadb(line, (size_t)got, 0, &err);
		assert_non_null(j);
		assert_int_equal(json_array_append_new(all, j), 0);
	}
	free(line);
	fclose(f);
	return all;
}

void cu_json_alerts(json_t *arr, size_t max, char *out, size_t cap)
{
	char items[CU_LIST_MAX][32];
	const char *list[CU_LIST_MAX];
	size_t i, n = 0;
	json_t *a;

	assert_true(max <= CU_LIST_MAX);
	json_array_foreach(arr, i, a) {
		if (n == max)
			break;
		snprintf(items[n], sizeof(items[n]), "%s:%lld:%lld",
			 json_string_value(json_object_get(a, "from")),
			 (long long)json_integer_value(json_object_get(a, "level")),
			 (long long)json_integer_value(json_object_get(a, "desc")));
		list[n] = items[n];
		n++;
	}
	cu_sorted_join(list, n, out, cap);
}

void cu_json_list(json_t *arr, char *out, size_t cap)
{
	size_t i;
	json_t *a;
	json_array_foreach(arr, i, a) cu_append(out, cap,
						json_is_string(a) ? json_string_value(a) : "?");
}

bool cu_expected(json_t *e, const char *key, size_t alerts_max, bool *has, char *out,
		 size_t cap)
{
	json_t *v = json_object_get(e, key);
	out[0] = '\0';
	*has = false;
	if (!v)
		return false;
	if (json_is_string(v))
		snprintf(out, cap, "%s", json_string_value(v));
	else if (json_is_boolean(v))
		snprintf(out, cap, "%s", json_is_true(v) ? "true" : "false");
	else if (json_is_integer(v))
		snprintf(out, cap, "%lld", (long long)json_integer_value(v));
	else if (json_is_array(v) && strcmp(key, "alerts") == 0)
		cu_json_alerts(v, alerts_max, out, cap);
	else if (json_is_array(v))
		cu_json_list(v, out, cap);
	*has = out[0] != '\0';
	return true;
}

void cu_conn_load(json_t *line, struct cu_conn *k)
{
	json_t *c2s = json_object_get(line, "c2s"), *s2c = json_object_get(line, "s2c");
	memset(k, 0, sizeof(*k));
	k->line = line;
	k->expect = json_object_get(line, "expect");
	k->corpus = json_string_value(json_object_get(line, "corpus"));
	k->pcap = json_string_value(json_object_get(line, "pcap"));
	k->stream = json_integer_value(json_object_get(line, "stream"));
	assert_true(k->pcap && json_is_string(c2s) && json_is_string(s2c));
	k->c2s = cu_unhex(json_string_value(c2s), &k->c2s_len);
	k->s2c = cu_unhex(json_string_value(s2c), &k->s2c_len);
}

void cu_conn_free(struct cu_conn *k)
{
	free(k->c2s);
	free(k->s2c);
}

void cu_excs_load(const char *path, struct cu_excs *x)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	assert_non_null(f);
	memset(x, 0, sizeof(*x));
	while (fgets(line, sizeof(line), f)) {
		char *pcap = strtok(line, "\t\n"), *where = strtok(NULL, "\t\n");
		char *field = strtok(NULL, "\t\n"), *reason = strtok(NULL, "\n");
		struct cu_exc *e;
		if (!pcap || pcap[0] == '#' || strcmp(pcap, "pcap") == 0)
			continue;
		assert_true(where && field && reason && strlen(reason) > 10);
		x->v = realloc(x->v, (x->n + 1) * sizeof(*x->v));
		assert_non_null(x->v);
		e = &x->v[x->n++];
		snprintf(e->pcap, sizeof(e->pcap), "%s", pcap);
		snprintf(e->where, sizeof(e->where), "%s", where);
		snprintf(e->field, sizeof(e->field), "%s", field);
		e->ours = strncmp(reason, "sensor:", 7) == 0;
		e->used = false;
	}
	fclose(f);
}

struct cu_exc *cu_excs_find(struct cu_excs *x, const char *pcap, const char *where,
			    const char *field)
{
	for (size_t i = 0; i < x->n; i++) {
		if (strcmp(x->v[i].where, where) == 0 && strcmp(x->v[i].pcap, pcap) == 0 &&
		    strcmp(x->v[i].field, field) == 0) {
			x->v[i].used = true;
			return &x->v[i];
		}
	}
	return NULL;
}

struct cu_exc *cu_excs_find_stream(struct cu_excs *x, const char *pcap, long long stream,
				   const char *field)
{
	char where[32];
	snprintf(where, sizeof(where), "%lld", stream);
	return cu_excs_find(x, pcap, where, field);
}

void cu_excs_free(struct cu_excs *x)
{
	free(x->v);
	memset(x, 0, sizeof(*x));
}

void cu_record_alpn(const struct tconn_record *r, char *out, size_t cap)
{
	char one[600];
	out[0] = '\0';
	for (size_t i = 0; i < r->n_alpn; i++) {
		cu_latin1_utf8(r->alpn_bytes + r->alpn_off[i], r->alpn_len[i], one, sizeof(one));
		cu_append(out, cap, one);
	}
}

void cu_record_chain(const struct tconn_record *r, char leaf[2 * DIGEST_SHA256_LEN + 1], char *chain,
		     size_t cap)
{
	leaf[0] = '\0';
	chain[0] = '\0';
	for (size_t i = 0; i < r->n_certs; i++) {
		char hex[2 * DIGEST_SHA256_LEN + 1];
		digest_hex(r->certs[i].sha256, DIGEST_SHA256_LEN, hex);
		if (i == 0)
			snprintf(leaf, 2 * DIGEST_SHA256_LEN + 1, "%s", hex);
		cu_append(chain, cap, hex);
	}
}

void cu_record_alerts(const struct tconn_record *r, char *out, size_t cap)
{
	const char *list[TCONN_ALERTS_MAX];
	char items[TCONN_ALERTS_MAX][32];
	for (size_t i = 0; i < r->n_alerts; i++) {
		snprintf(items[i], sizeof(items[i]), "%s:%u:%u",
			 tconn_side_name((enum tconn_side)r->alerts[i].side), r->alerts[i].level,
			 r->alerts[i].desc);
		list[i] = items[i];
	}
	cu_sorted_join(list, r->n_alerts, out, cap);
}

bool cu_agreement_table(const char *const *name, int nf, const unsigned long *matches,
			const unsigned long *compared, const unsigned long *excused,
			const unsigned long *ours, double min_agreement)
{
	bool ok = true;

	printf("\n%-22s %8s %9s %8s %8s %9s%s\n", "field", "matches", "compared", "raw",
	       "excused", "verified", ours ? "    ours" : "");
	for (int fi = 0; fi < nf; fi++) {
		double d = compared[fi] ? (double)compared[fi] : 1.0;
		double raw = compared[fi] ? 100.0 * (double)matches[fi] / d : 100.0;
		double ver = compared[fi] ? 100.0 * (double)(matches[fi] + excused[fi]) / d : 100.0;
		char below[32] = "";
		if (ver < min_agreement) {
			snprintf(below, sizeof(below), "  BELOW %g%%", min_agreement);
			ok = false;
		}
		printf("%-22s %8lu %9lu %7.2f%% %8lu %8.2f%%", name[fi], matches[fi], compared[fi],
		       raw, excused[fi], ver);
		if (ours)
			printf(" %7lu", ours[fi]);
		printf("%s\n", below);
	}
	return ok;
}
