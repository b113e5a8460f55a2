/*
 * inventory.c - files of `tlsscope inventory import` into inventory entries. See inventory.h.
 *
 * Certificates are read with certinfo (never a hand-written DER parser); PEM blocks with
 * OpenSSL's PEM_read_bio (the DER bytes of each block as they are, so the SHA-256 is the one
 * `openssl x509 -fingerprint -sha256` prints); crt.sh JSON with jansson.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "analyzer/certinfo.h"
#include "analyzer/inventory.h"

struct inventory {
	struct inventory_entry *e;
	size_t n, cap;
};

/* A pending file's work: where its entries start, for the all-or-nothing rollback. */
struct job {
	struct inventory *inv;
	size_t start;
	const char *source;
	const char *const *names;
	size_t n_names;
	struct inventory_file_stats st;
	char *err;
	size_t errcap;
	bool oom;
};

__attribute__((format(printf, 2, 3)))
static int fail(struct job *j, const char *fmt, ...)
{
	if (j->errcap > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(j->err, j->errcap, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int fail_oom(struct job *j)
{
	j->oom = true;
	return fail(j, "out of memory");
}

/* ---- the entry list --------------------------------------------------------------------- */

struct inventory *inventory_new(void)
{
	return calloc(1, sizeof(struct inventory));
}

static void entry_free(struct inventory_entry *e)
{
	free(e->name);
	free(e->cert_sha256);
	free(e->spki_sha256);
	free(e->issuer);
	free(e->not_before);
	free(e->not_after);
	free(e->source);
}

/* Drops the entries from index `keep` on. */
static void truncate_to(struct inventory *inv, size_t keep)
{
	while (inv->n > keep)
		entry_free(&inv->e[--inv->n]);
}

void inventory_free(struct inventory *inv)
{
	if (!inv)
		return;
	truncate_to(inv, 0);
	free(inv->e);
	free(inv);
}

size_t inventory_count(const struct inventory *inv)
{
	return inv ? inv->n : 0;
}

const struct inventory_entry *inventory_at(const struct inventory *inv, size_t i)
{
	return inv && i < inv->n ? &inv->e[i] : NULL;
}

static char *dup_or_null(const char *s, bool *oom)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*oom = true;
	return d;
}

/* Appends a copy of *src (its strings are borrowed). */
static int append(struct job *j, const struct inventory_entry *src)
{
	struct inventory *inv = j->inv;
	if (inv->n >= INVENTORY_ENTRIES_MAX)
		return fail(j, "more than %u inventory entries", INVENTORY_ENTRIES_MAX);
	if (inv->n == inv->cap) {
		size_t cap = inv->cap ? inv->cap * 2 : 64;
		struct inventory_entry *e = realloc(inv->e, cap * sizeof(*e));
		if (!e)
			return fail_oom(j);
		inv->e = e;
		inv->cap = cap;
	}
	bool oom = false;
	struct inventory_entry d = {
		.name = dup_or_null(src->name, &oom),
		.cert_sha256 = dup_or_null(src->cert_sha256, &oom),
		.spki_sha256 = dup_or_null(src->spki_sha256, &oom),
		.issuer = dup_or_null(src->issuer, &oom),
		.not_before = dup_or_null(src->not_before, &oom),
		.not_after = dup_or_null(src->not_after, &oom),
		.source = dup_or_null(src->source, &oom),
	};
	if (oom) {
		entry_free(&d);
		return fail_oom(j);
	}
	inv->e[inv->n++] = d;
	j->st.entries++;
	return 0;
}

/* A name as inventory.h allows it: 1..INVENTORY_NAME_MAX bytes, no space or control byte. */
static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || n > INVENTORY_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

/* ---- certificates ----------------------------------------------------------------------- */

static const char *json_str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* One certificate's entries. index: 1-based position in the file, 0 when it is the only
 * one the file can hold (DER). */
static int add_cert(struct job *j, const uint8_t *der, size_t len, size_t index, size_t total)
{
	char msg[256];
	struct certinfo *ci = certinfo_from_der(der, len, msg, sizeof(msg));
	j->st.records++;
	if (!ci) {
		if (total > 1 || index > 0)
			return fail(j, "certificate %zu: %s", index, msg);
		return fail(j, "%s", msg);
	}
	json_t *facts = certinfo_json(ci);
	if (!facts) {
		certinfo_free(ci);
		return fail_oom(j);
	}
	int ret = 0;
	json_t *bc = json_object_get(facts, "basic_constraints");
	if (json_is_true(json_object_get(bc, "ca"))) {
		j->st.skipped_ca++;
		goto out;
	}
	char source[4096];
	if (index > 0 && total > 1)
		snprintf(source, sizeof(source), "%s#%zu", j->source, index);
	else
		snprintf(source, sizeof(source), "%s", j->source);
	struct inventory_entry e = {
		.cert_sha256 = (char *)certinfo_sha256_hex(ci),
		.spki_sha256 = (char *)certinfo_spki_b64(ci),
		.issuer = (char *)json_str(facts, "issuer"),
		.not_before = (char *)json_str(facts, "not_before"),
		.not_after = (char *)json_str(facts, "not_after"),
		.source = source,
	};
	if (j->n_names > 0) {
		for (size_t i = 0; i < j->n_names && ret == 0; i++) {
			e.name = (char *)j->names[i];
			ret = append(j, &e);
		}
		goto out;
	}
	json_t *dns = json_object_get(facts, "san_dns");
	if (json_array_size(dns) == 0) {
		ret = index > 0 && total > 1
			? fail(j, "certificate %zu has no DNS name in its subjectAltName: give"
			       " --name", index)
			: fail(j, "the certificate has no DNS name in its subjectAltName: give"
			       " --name");
		goto out;
	}
	size_t k;
	json_t *v;
	json_array_foreach(dns, k, v) {
		const char *nm = json_string_value(v);
		if (!nm || !name_ok(nm, strlen(nm))) {
			ret = fail(j, "certificate %zu: subjectAltName DNS name %zu is not a name"
				   " (space or control character): give --name",
				   index ? index : 1, k + 1);
			break;
		}
		e.name = (char *)nm;
		if ((ret = append(j, &e)) != 0)
			break;
	}
out:
	json_decref(facts);
	certinfo_free(ci);
	return ret;
}

static bool is_cert_block(const char *name)
{
	return strcmp(name, "CERTIFICATE") == 0 || strcmp(name, "X509 CERTIFICATE") == 0;
}

/* OpenSSL's reason for the last error, or a fallback. */
static const char *ossl_reason(const char *fallback)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;
	return r ? r : fallback;
}

static bool has_pem_begin(const uint8_t *buf, size_t len)
{
	static const char tag[] = "-----BEGIN ";
	for (size_t i = 0; i + sizeof(tag) - 1 <= len; i++)
		if (memcmp(buf + i, tag, sizeof(tag) - 1) == 0)
			return true;
	return false;
}

static int add_pem(struct job *j, const uint8_t *buf, size_t len)
{
	if (len > INT32_MAX)
		return fail(j, "file too large");
	/* First pass counts the certificate blocks (for the "#N" sources); second reads. */
	size_t total = 0;
	for (int pass = 0; pass < 2; pass++) {
		BIO *b = BIO_new_mem_buf(buf, (int)len);
		if (!b)
			return fail_oom(j);
		size_t block = 0, certs = 0;
		int ret = 0;
		ERR_clear_error();
		for (;;) {
			char *name = NULL, *header = NULL;
			unsigned char *data = NULL;
			long dlen = 0;
			if (!PEM_read_bio(b, &name, &header, &data, &dlen)) {
				unsigned long e = ERR_peek_last_error();
				if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
				    ERR_GET_REASON(e) == PEM_R_NO_START_LINE && block > 0)
					break; /* the end */
				if (block == 0 && !has_pem_begin(buf, len))
					ret = fail(j, "not a certificate, PEM file or crt.sh JSON");
				else
					ret = fail(j, "PEM block %zu: %s", block + 1,
						   ossl_reason("unreadable"));
				break;
			}
			block++;
			if (is_cert_block(name)) {
				certs++;
				if (pass == 1)
					ret = add_cert(j, data, (size_t)dlen, certs, total);
			}
			OPENSSL_free(name);
			OPENSSL_free(header);
			OPENSSL_free(data);
			if (ret != 0)
				break;
		}
		ERR_clear_error();
		BIO_free(b);
		if (ret != 0)
			return ret;
		if (certs == 0)
			return fail(j, "PEM file without a CERTIFICATE block");
		total = certs;
	}
	return 0;
}

/* ---- crt.sh ----------------------------------------------------------------------------- */

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* crt.sh's "2023-04-25T00:00:00" (optionally ".fff" and/or "Z") to RFC 3339 UTC
 * "2023-04-25T00:00:00Z" in out[21]. false when s has another shape. */
static bool crtsh_time(const char *s, char out[21])
{
	if (strlen(s) < 19 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) ||
	    s[7] != '-' || !digits(s + 8, 2) || (s[10] != 'T' && s[10] != ' ') ||
	    !digits(s + 11, 2) || s[13] != ':' || !digits(s + 14, 2) || s[16] != ':' ||
	    !digits(s + 17, 2))
		return false;
	const char *p = s + 19;
	if (*p == '.') {
		p++;
		if (!digits(p, 1))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z')
		p++;
	if (*p != '\0')
		return false;
	memcpy(out, s, 19);
	out[10] = 'T';
	out[19] = 'Z';
	out[20] = '\0';
	return true;
}

/* Reads an optional time field; *out NULL when absent or null. */
static int crtsh_time_field(struct job *j, const json_t *o, size_t idx, const char *k,
			    char buf[21], const char **out)
{
	const json_t *v = json_object_get(o, k);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || !crtsh_time(json_string_value(v), buf))
		return fail(j, "crt.sh JSON: element %zu: \"%s\" is not a time"
			    " (2023-04-25T00:00:00)", idx, k);
	*out = buf;
	return 0;
}

static int add_crtsh_object(struct job *j, const json_t *o, size_t idx)
{
	if (!json_is_object(o))
		return fail(j, "crt.sh JSON: element %zu is not an object", idx);
	j->st.records++;
	const json_t *iv = json_object_get(o, "issuer_name");
	if (!json_is_string(iv) || json_string_length(iv) == 0)
		return fail(j, "crt.sh JSON: element %zu: \"issuer_name\" is %s", idx,
			    iv ? "not a non-empty string" : "missing");
	char issuer[CERTINFO_STR_MAX + 1];
	if (inventory_crtsh_issuer(json_string_value(iv), issuer, sizeof(issuer)) != 0)
		return fail(j, "crt.sh JSON: element %zu: cannot read \"issuer_name\": '%.200s'",
			    idx, json_string_value(iv));
	const json_t *nv = json_object_get(o, "name_value");
	const json_t *cn = json_object_get(o, "common_name");
	if (nv && !json_is_null(nv) && !json_is_string(nv))
		return fail(j, "crt.sh JSON: element %zu: \"name_value\" is not a string", idx);
	if (cn && !json_is_null(cn) && !json_is_string(cn))
		return fail(j, "crt.sh JSON: element %zu: \"common_name\" is not a string", idx);
	const json_t *idv = json_object_get(o, "id");
	if (idv && !json_is_null(idv) && !json_is_integer(idv))
		return fail(j, "crt.sh JSON: element %zu: \"id\" is not an integer", idx);
	const json_t *sv = json_object_get(o, "serial_number");
	if (sv && !json_is_null(sv) && !json_is_string(sv))
		return fail(j, "crt.sh JSON: element %zu: \"serial_number\" is not a string", idx);
	char nbuf[21], abuf[21];
	const char *nb, *na;
	if (crtsh_time_field(j, o, idx, "not_before", nbuf, &nb) != 0 ||
	    crtsh_time_field(j, o, idx, "not_after", abuf, &na) != 0)
		return -1;

	char source[4096];
	int n = snprintf(source, sizeof(source), "crt.sh");
	if (json_is_integer(idv))
		n += snprintf(source + n, sizeof(source) - (size_t)n, " id=%lld",
			      (long long)json_integer_value(idv));
	if (json_is_string(sv) && json_string_length(sv) > 0)
		n += snprintf(source + n, sizeof(source) - (size_t)n, " serial=%.128s",
			      json_string_value(sv));
	snprintf(source + n, sizeof(source) - (size_t)n, " %s", j->source);

	struct inventory_entry e = {
		.issuer = issuer, .not_before = (char *)nb, .not_after = (char *)na,
		.source = source,
	};
	if (j->n_names > 0) {
		for (size_t i = 0; i < j->n_names; i++) {
			e.name = (char *)j->names[i];
			if (append(j, &e) != 0)
				return -1;
		}
		return 0;
	}
	const char *names = json_string_value(nv);
	if (!names || strspn(names, " \t\r\n") == strlen(names))
		names = json_string_value(cn);
	if (!names || strspn(names, " \t\r\n") == strlen(names))
		return fail(j, "crt.sh JSON: element %zu has no name (\"name_value\","
			    " \"common_name\")", idx);
	char name[INVENTORY_NAME_MAX + 1];
	for (const char *p = names; *p;) {
		size_t len = strcspn(p, "\n");
		const char *q = p;
		size_t l = len;
		while (l > 0 && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++, l--;
		while (l > 0 && (q[l - 1] == ' ' || q[l - 1] == '\t' || q[l - 1] == '\r'))
			l--;
		if (l > 0) {
			if (!name_ok(q, l))
				return fail(j, "crt.sh JSON: element %zu: not a name: '%.*s'", idx,
					    (int)(l > 80 ? 80 : l), q);
			memcpy(name, q, l);
			name[l] = '\0';
			e.name = name;
			if (append(j, &e) != 0)
				return -1;
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	return 0;
}

static int add_crtsh(struct job *j, const uint8_t *buf, size_t len)
{
	json_error_t jerr;
	json_t *doc = json_loadb((const char *)buf, len, 0, &jerr);
	if (!doc)
		return fail(j, "crt.sh JSON: line %d column %d: %s", jerr.line, jerr.column,
			    jerr.text);
	int ret = 0;
	if (!json_is_array(doc)) {
		ret = fail(j, "crt.sh JSON: not an array (the list crt.sh returns for"
			   " ?q=NAME&output=json)");
	} else {
		size_t i;
		json_t *o;
		json_array_foreach(doc, i, o) {
			if ((ret = add_crtsh_object(j, o, i + 1)) != 0)
				break;
		}
	}
	json_decref(doc);
	return ret;
}

/* ---- crt.sh issuer names to RFC 2253 ---------------------------------------------------- */

#define DN_MAX_AVAS 64

struct ava {
	char type[64];
	unsigned char val[CERTINFO_STR_MAX + 1];
	size_t vlen;
	bool same_rdn;   /* joined to the previous one with '+' */
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Splits crt.sh's name into avas; the count, or -1. */
static int dn_split(const char *s, struct ava *avas, int max)
{
	int n = 0;
	bool same = false;
	while (*s) {
		if (n == max)
			return -1;
		struct ava *a = &avas[n];
		while (*s == ' ')
			s++;
		size_t t = 0;
		while (*s && *s != '=' && *s != ',' && *s != '+') {
			if (t + 1 >= sizeof(a->type))
				return -1;
			a->type[t++] = *s++;
		}
		while (t > 0 && a->type[t - 1] == ' ')
			t--;
		a->type[t] = '\0';
		if (*s != '=' || t == 0)
			return -1;
		s++;
		while (*s == ' ')
			s++;
		a->vlen = 0;
		a->same_rdn = same;
		bool quoted = *s == '"';
		size_t keep = 0; /* length up to the last escaped or quoted byte (not trimmed) */
		if (quoted)
			s++;
		for (;;) {
			char c = *s;
			if (c == '\0') {
				if (quoted)
					return -1;
				break;
			}
			if (quoted && c == '"') {
				s++;
				while (*s == ' ')
					s++;
				break;
			}
			if (!quoted && (c == ',' || c == '+'))
				break;
			unsigned char byte;
			bool lit = quoted;
			if (c == '\\') {
				int h1 = hexval(s[1]), h2 = h1 >= 0 ? hexval(s[2]) : -1;
				if (s[1] == '\0')
					return -1;
				if (h1 >= 0 && h2 >= 0) {
					byte = (unsigned char)(h1 * 16 + h2);
					s += 3;
				} else {
					byte = (unsigned char)s[1];
					s += 2;
				}
				lit = true;
			} else {
				byte = (unsigned char)c;
				s++;
			}
			if (a->vlen + 1 >= sizeof(a->val))
				return -1;
			a->val[a->vlen++] = byte;
			if (lit || byte != ' ')
				keep = a->vlen;
		}
		a->vlen = keep; /* unescaped trailing spaces are not part of the value */
		a->val[a->vlen] = '\0';
		n++;
		if (*s == ',' || *s == '+') {
			same = *s == '+';
			s++;
			if (*s == '\0')
				return -1;
		} else if (*s != '\0') {
			return -1; /* text after a closing quote */
		}
	}
	return n;
}

/* RFC 2253 section 2.4 escaping, as OpenSSL's ASN1_STRFLGS_RFC2253 does it. */
static bool esc_append(char *out, size_t cap, size_t *o, const unsigned char *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = v[i];
		char tmp[4];
		size_t k;
		if (c < 0x20 || c >= 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\%02X", c);
			k = 3;
		} else if (strchr(",+\"\\<>;", c) || (i == 0 && (c == '#' || c == ' ')) ||
			   (i == n - 1 && c == ' ')) {
			tmp[0] = '\\';
			tmp[1] = (char)c;
			k = 2;
		} else {
			tmp[0] = (char)c;
			k = 1;
		}
		if (*o + k >= cap)
			return false;
		memcpy(out + *o, tmp, k);
		*o += k;
	}
	out[*o] = '\0';
	return true;
}

/* The hand-made rendering, for names OpenSSL cannot rebuild: reverse order, ',' and '+'. */
static int dn_manual(const struct ava *avas, int n, char *out, size_t cap)
{
	size_t o = 0;
	if (cap == 0)
		return -1;
	out[0] = '\0';
	for (int i = n - 1; i >= 0; i--) {
		const struct ava *a = &avas[i];
		size_t tl = strlen(a->type);
		if (o + tl + 2 >= cap)
			return -1;
		memcpy(out + o, a->type, tl);
		o += tl;
		out[o++] = '=';
		if (!esc_append(out, cap, &o, a->val, a->vlen))
			return -1;
		if (i > 0) {
			if (o + 1 >= cap)
				return -1;
			out[o++] = a->same_rdn ? '+' : ',';
			out[o] = '\0';
		}
	}
	return 0;
}

int inventory_crtsh_issuer(const char *in, char *out, size_t cap)
{
	struct ava *avas = calloc(DN_MAX_AVAS, sizeof(*avas));
	if (!avas || !in)
		goto fail;
	int n = dn_split(in, avas, DN_MAX_AVAS);
	if (n <= 0)
		goto fail;
	X509_NAME *nm = X509_NAME_new();
	bool ok = nm != NULL;
	for (int i = 0; i < n && ok; i++)
		ok = X509_NAME_add_entry_by_txt(nm, avas[i].type, MBSTRING_UTF8, avas[i].val,
						(int)avas[i].vlen, -1,
						avas[i].same_rdn ? -1 : 0) == 1;
	int ret = -1;
	if (ok) {
		BIO *b = BIO_new(BIO_s_mem());
		char *data = NULL;
		long len;
		if (b && X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253) >= 0 &&
		    (len = BIO_get_mem_data(b, &data)) >= 0 && (size_t)len < cap) {
			memcpy(out, data, (size_t)len);
			out[len] = '\0';
			ret = 0;
		}
		BIO_free(b);
	} else {
		ret = dn_manual(avas, n, out, cap);
	}
	X509_NAME_free(nm);
	ERR_clear_error();
	free(avas);
	return ret;
fail:
	free(avas);
	return -1;
}

/* ---- files ------------------------------------------------------------------------------ */

int inventory_add_buffer(struct inventory *inv, const uint8_t *buf, size_t len,
			 const char *source, const char *const *names, size_t n_names,
			 struct inventory_file_stats *stats, char *err, size_t errcap)
{
	struct job j = { .inv = inv, .start = inv ? inv->n : 0, .source = source,
			 .names = names, .n_names = n_names, .err = err, .errcap = errcap };
	if (errcap > 0)
		err[0] = '\0';
	if (!inv || (!buf && len > 0) || !source || (n_names > 0 && !names))
		return fail(&j, "invalid argument");
	for (size_t i = 0; i < n_names; i++)
		if (!names[i] || !name_ok(names[i], strlen(names[i])))
			return fail(&j, "not a name (empty, too long, a space or a control"
				    " character): '%.80s'", names[i] ? names[i] : "");
	if (len > INVENTORY_FILE_MAX)
		return fail(&j, "larger than %u bytes", INVENTORY_FILE_MAX);
	size_t skip = 0;
	if (len >= 3 && buf[0] == 0xef && buf[1] == 0xbb && buf[2] == 0xbf)
		skip = 3; /* a UTF-8 byte order mark */
	while (skip < len && strchr(" \t\r\n", buf[skip]) && buf[skip] != '\0')
		skip++;
	int ret;
	if (len == 0 || skip == len) {
		ret = fail(&j, "empty file");
	} else if (buf[skip] == '[' || buf[skip] == '{') {
		j.st.format = INVENTORY_CRTSH;
		ret = add_crtsh(&j, buf + skip, len - skip);
	} else if (buf[0] == 0x30) {
		j.st.format = INVENTORY_DER;
		ret = add_cert(&j, buf, len, 0, 1);
	} else {
		j.st.format = INVENTORY_PEM;
		ret = add_pem(&j, buf, len);
	}
	if (ret != 0) {
		truncate_to(inv, j.start);
		j.st.entries = 0;
	}
	if (stats)
		*stats = j.st;
	return ret;
}

int inventory_add_file(struct inventory *inv, const char *path, const char *const *names,
		       size_t n_names, struct inventory_file_stats *stats, char *err,
		       size_t errcap)
{
	if (errcap > 0)
		err[0] = '\0';
	if (!path) {
		snprintf(err, errcap, "invalid argument");
		return -1;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errcap, "cannot read: %s", strerror(errno));
		return -1;
	}
	struct stat sb;
	if (fstat(fileno(f), &sb) != 0 || S_ISDIR(sb.st_mode)) {
		snprintf(err, errcap, "cannot read: %s",
			 S_ISDIR(sb.st_mode) ? "is a directory" : strerror(errno));
		fclose(f);
		return -1;
	}
	size_t cap = 1 << 16, len = 0;
	uint8_t *buf = malloc(cap);
	int ret = -1;
	if (!buf) {
		snprintf(err, errcap, "out of memory");
		goto out;
	}
	for (;;) {
		if (len == cap) {
			if (cap > INVENTORY_FILE_MAX) {
				snprintf(err, errcap, "larger than %u bytes", INVENTORY_FILE_MAX);
				goto out;
			}
			uint8_t *nb = realloc(buf, cap * 2);
			if (!nb) {
				snprintf(err, errcap, "out of memory");
				goto out;
			}
			buf = nb;
			cap *= 2;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0) {
			if (ferror(f)) {
				snprintf(err, errcap, "cannot read: %s", strerror(errno));
				goto out;
			}
			break;
		}
	}
	ret = inventory_add_buffer(inv, buf, len, path, names, n_names, stats, err, errcap);
out:
	free(buf);
	fclose(f);
	return ret;
}
