/*
 * geo: GeoIP / ASN enrichment from MaxMind DB files. See geo.h.
 *
 * The only file that includes <maxminddb.h>. Format: MaxMind DB File Format Specification
 * 2.0 (https://maxmind.github.io/MaxMind-DB/): a binary search tree of node_count nodes,
 * each with two records (record_size bits); a record < node_count is another node, ==
 * node_count is "no data", and > node_count points into the data section. libmaxminddb's
 * MMDB_read_node() classifies each record (MMDB_RECORD_TYPE_INVALID when it points past the
 * data section), and its decoder checks every offset and the nesting depth. geo_open()
 * runs both over the file once, so a corrupt file is refused with libmaxminddb's own
 * message before the first lookup:
 *
 *   MMDB_open ─▶ metadata as a data list ─▶ every node: records valid? ─▶ first
 *   (invalid metadata,   (bad metadata map)     (corrupt search tree)    GEO_VERIFY_DATA_MAX
 *    foreign file)                                                       data records decode?
 *                                                                        (bad data, too deep)
 * The node walk is linear in node_count (a few million for a full GeoLite2-City: well
 * under a second); lookups themselves are bounded by the address width, so even a tree
 * with cycles cannot hang.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <maxminddb.h>

#include "analyzer/geo.h"

#define GEO_COUNTRY_SIZE 16  /* ISO 3166-1 alpha-2 is 2 letters; room for odd databases */
#define GEO_TEXT_SIZE 256    /* city name, AS organisation */
#define GEO_LABEL_SIZE 128   /* "<database_type> <YYYY-MM-DD>" */
#define GEO_SOURCE_SIZE (GEO_FILES_MAX * GEO_LABEL_SIZE)
#define GEO_EPOCH_MAX 253402300799ull /* 9999-12-31T23:59:59Z: later build dates print "?" */

/* Which facts a database holds (by its metadata database_type). */
enum geo_kind {
	GEO_K_CITY,    /* country + city */
	GEO_K_COUNTRY, /* country */
	GEO_K_ASN,     /* asn + as_org */
	GEO_K_ISP,     /* asn + as_org (or isp) */
};

struct geo_db {
	MMDB_s mmdb;
	bool opened;
	enum geo_kind kind;
	char *path;                  /* copy, for messages */
	char label[GEO_LABEL_SIZE];  /* "GeoIP2-City 2026-02-04" */
};

struct geo {
	struct geo_db db[GEO_FILES_MAX];
	size_t n;
	/* the last lookup's facts (geo_lookup() hands out pointers into these) */
	char country[GEO_COUNTRY_SIZE];
	char city[GEO_TEXT_SIZE];
	char as_org[GEO_TEXT_SIZE];
	char source[GEO_SOURCE_SIZE];
	char err[GEO_ERRMSG_SIZE];
};

/* ---- helpers ------------------------------------------------------------------------------ */

static void set_err(char *err, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t cap, const char *fmt, ...)
{
	va_list ap;
	if (!err || cap == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, cap, fmt, ap);
	va_end(ap);
}

/* libmaxminddb's message for rc, with errno's for the I/O errors. */
static void mmdb_reason(int rc, int errnum, char *buf, size_t cap)
{
	if ((rc == MMDB_FILE_OPEN_ERROR || rc == MMDB_IO_ERROR) && errnum)
		snprintf(buf, cap, "%s: %s", MMDB_strerror(rc), strerror(errnum));
	else
		snprintf(buf, cap, "%s", MMDB_strerror(rc));
}

/* Length of the longest valid UTF-8 prefix of p[0..n) without NUL, or SIZE_MAX when the
 * whole is not valid (a database string we do not trust). */
static size_t utf8_check(const unsigned char *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = p[i];
		size_t k;
		uint32_t cp;
		if (c == 0)
			return SIZE_MAX;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			cp = c & 0x07;
		} else {
			return SIZE_MAX;
		}
		if (n - i <= k)
			return SIZE_MAX;
		for (size_t j = 1; j <= k; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				return SIZE_MAX;
			cp = (cp << 6) | (p[i + j] & 0x3f);
		}
		if ((k == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (k == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return SIZE_MAX;
		i += k + 1;
	}
	return n;
}

/* Copies the UTF-8 string p[0..n) into buf (cap bytes), cut at a character boundary when
 * too long. false when it is not valid UTF-8 or is empty. */
static bool copy_utf8(const char *p, size_t n, char *buf, size_t cap)
{
	const unsigned char *u = (const unsigned char *)p;
	if (n == 0 || utf8_check(u, n) == SIZE_MAX)
		return false;
	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && (u[n] & 0xc0) == 0x80) /* u[n] would start the cut-off part */
			n--;
	}
	memcpy(buf, p, n);
	buf[n] = '\0';
	return n > 0;
}

/* ---- open and check ----------------------------------------------------------------------- */

static int classify(const char *type, enum geo_kind *kind)
{
	if (!type)
		return -1;
	if (strstr(type, "City") || strstr(type, "Enterprise"))
		*kind = GEO_K_CITY;
	else if (strstr(type, "Country"))
		*kind = GEO_K_COUNTRY;
	else if (strstr(type, "ASN"))
		*kind = GEO_K_ASN;
	else if (strstr(type, "ISP"))
		*kind = GEO_K_ISP;
	else
		return -1;
	return 0;
}

/* Decodes the data record e; MMDB_SUCCESS or libmaxminddb's error. */
static int decode(MMDB_entry_s *e)
{
	MMDB_entry_data_list_s *list = NULL;
	int rc = MMDB_get_entry_data_list(e, &list);
	MMDB_free_entry_data_list(list);
	return rc;
}

/* The checks of the file comment. 0, or -1 with the reason in why. */
static int verify(struct geo_db *d, char *why, size_t cap)
{
	MMDB_entry_data_list_s *list = NULL;
	uint32_t nodes = d->mmdb.metadata.node_count;
	uint32_t last = UINT32_MAX;
	size_t decoded = 0;
	int rc;

	rc = MMDB_get_metadata_as_entry_data_list(&d->mmdb, &list);
	MMDB_free_entry_data_list(list);
	if (rc != MMDB_SUCCESS) {
		snprintf(why, cap, "%s (metadata)", MMDB_strerror(rc));
		return -1;
	}
	for (uint32_t i = 0; i < nodes; i++) {
		MMDB_search_node_s node;
		rc = MMDB_read_node(&d->mmdb, i, &node);
		if (rc != MMDB_SUCCESS) {
			snprintf(why, cap, "%s (search tree node %u)", MMDB_strerror(rc), i);
			return -1;
		}
		for (int side = 0; side < 2; side++) {
			uint8_t type = side ? node.right_record_type : node.left_record_type;
			MMDB_entry_s *e = side ? &node.right_record_entry : &node.left_record_entry;
			if (type == MMDB_RECORD_TYPE_INVALID) {
				snprintf(why, cap, "%s (node %u)",
					 MMDB_strerror(MMDB_CORRUPT_SEARCH_TREE_ERROR), i);
				return -1;
			}
			if (type != MMDB_RECORD_TYPE_DATA || decoded == GEO_VERIFY_DATA_MAX ||
			    e->offset == last)
				continue;
			decoded++;
			last = e->offset;
			rc = decode(e);
			if (rc != MMDB_SUCCESS) {
				snprintf(why, cap, "%s (data record at offset %u)",
					 MMDB_strerror(rc), e->offset);
				return -1;
			}
		}
	}
	return 0;
}

static int open_one(struct geo_db *d, const char *path, char *err, size_t errcap)
{
	char why[GEO_ERRMSG_SIZE], day[16];
	struct stat sb;
	struct tm tm;
	time_t t;
	int rc;

	d->path = strdup(path);
	if (!d->path) {
		set_err(err, errcap, "out of memory");
		return -1;
	}
	if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == 0) {
		set_err(err, errcap, "'%s': empty file, not a MaxMind DB", path);
		return -1;
	}
	errno = 0;
	rc = MMDB_open(path, MMDB_MODE_MMAP, &d->mmdb);
	if (rc != MMDB_SUCCESS) {
		mmdb_reason(rc, errno, why, sizeof(why));
		set_err(err, errcap, "'%s': %s%s", path, why,
			rc == MMDB_INVALID_METADATA_ERROR ? " (not a MaxMind DB?)" : "");
		return -1;
	}
	d->opened = true;
	if (verify(d, why, sizeof(why)) != 0) {
		set_err(err, errcap, "'%s': %s", path, why);
		return -1;
	}
	if (classify(d->mmdb.metadata.database_type, &d->kind) != 0) {
		set_err(err, errcap,
			"'%s': unsupported database type '%s' (City, Country, ASN or ISP expected)",
			path, d->mmdb.metadata.database_type ? d->mmdb.metadata.database_type : "");
		return -1;
	}
	t = (time_t)d->mmdb.metadata.build_epoch;
	if (d->mmdb.metadata.build_epoch > GEO_EPOCH_MAX || !gmtime_r(&t, &tm) ||
	    !strftime(day, sizeof(day), "%Y-%m-%d", &tm))
		snprintf(day, sizeof(day), "?");
	snprintf(d->label, sizeof(d->label), "%.100s %s", d->mmdb.metadata.database_type, day);
	return 0;
}

struct geo *geo_open(const char *const *paths, size_t n, char *err, size_t errcap)
{
	struct geo *g;

	set_err(err, errcap, "no error");
	if (!paths || n == 0 || n > GEO_FILES_MAX) {
		set_err(err, errcap, "between 1 and %d MaxMind DB files", GEO_FILES_MAX);
		return NULL;
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		set_err(err, errcap, "out of memory");
		return NULL;
	}
	snprintf(g->err, sizeof(g->err), "no error");
	for (size_t i = 0; i < n; i++) {
		g->n = i + 1;
		if (!paths[i]) {
			set_err(err, errcap, "NULL file name");
			goto err;
		}
		if (open_one(&g->db[i], paths[i], err, errcap) != 0)
			goto err;
	}
	return g;
err:
	geo_close(g);
	return NULL;
}

void geo_close(struct geo *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++) {
		if (g->db[i].opened)
			MMDB_close(&g->db[i].mmdb);
		free(g->db[i].path);
	}
	free(g);
}

const char *geo_errmsg(const struct geo *g)
{
	return g ? g->err : "no geo object";
}

/* ---- lookup ------------------------------------------------------------------------------- */

/* Numeric ip into *ss (an IPv4-mapped IPv6 address as IPv4). false when not an address. */
static bool parse_ip(const char *ip, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, ip, &s6->sin6_addr) != 1)
		return false;
	if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		struct in_addr a;
		memcpy(&a, &s6->sin6_addr.s6_addr[12], 4);
		memset(ss, 0, sizeof(*ss));
		s4->sin_family = AF_INET;
		s4->sin_addr = a;
		return true;
	}
	s6->sin6_family = AF_INET6;
	return true;
}

/* One value of the record at path. 1 with *data set, 0 when absent (or of another shape),
 * or -rc for a libmaxminddb error. */
static int get_value(MMDB_entry_s *e, const char *const *path, MMDB_entry_data_s *data)
{
	int rc = MMDB_aget_value(e, data, path);
	if (rc == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR || rc == MMDB_INVALID_LOOKUP_PATH_ERROR)
		return 0;
	if (rc != MMDB_SUCCESS)
		return -rc;
	return data->has_data ? 1 : 0;
}

/* A string at path into buf. 1 found, 0 absent (or not a valid string), -rc error. */
static int get_string(MMDB_entry_s *e, const char *const *path, char *buf, size_t cap)
{
	MMDB_entry_data_s data;
	int r = get_value(e, path, &data);
	if (r <= 0)
		return r;
	if (data.type != MMDB_DATA_TYPE_UTF8_STRING)
		return 0;
	return copy_utf8(data.utf8_string, data.data_size, buf, cap) ? 1 : 0;
}

/* An unsigned integer at path into *v. 1 found (> 0), 0 absent, -rc error. */
static int get_uint(MMDB_entry_s *e, const char *const *path, int64_t *v)
{
	MMDB_entry_data_s data;
	uint64_t u;
	int r = get_value(e, path, &data);
	if (r <= 0)
		return r;
	switch (data.type) {
	case MMDB_DATA_TYPE_UINT16: u = data.uint16; break;
	case MMDB_DATA_TYPE_UINT32: u = data.uint32; break;
	case MMDB_DATA_TYPE_UINT64: u = data.uint64; break;
	case MMDB_DATA_TYPE_INT32: u = data.int32 > 0 ? (uint64_t)data.int32 : 0; break;
	default: return 0;
	}
	if (u == 0 || u > INT64_MAX)
		return 0;
	*v = (int64_t)u;
	return 1;
}

static const char *const P_COUNTRY[] = { "country", "iso_code", NULL };
static const char *const P_CITY[] = { "city", "names", "en", NULL };
static const char *const P_ASN[] = { "autonomous_system_number", NULL };
static const char *const P_ASORG[] = { "autonomous_system_organization", NULL };
static const char *const P_ISP[] = { "isp", NULL };

/* The facts of record e of database d that *out does not have yet (by group, geo.h).
 * *used: whether d contributed. 0, or -rc. */
static int take(struct geo *g, const struct geo_db *d, MMDB_entry_s *e, struct store_geo *out,
		bool *used)
{
	int r1, r2;
	*used = false;
	if (d->kind == GEO_K_CITY || d->kind == GEO_K_COUNTRY) {
		if (out->country || out->city)
			return 0;
		if ((r1 = get_string(e, P_COUNTRY, g->country, sizeof(g->country))) < 0)
			return r1;
		r2 = 0;
		if (d->kind == GEO_K_CITY &&
		    (r2 = get_string(e, P_CITY, g->city, sizeof(g->city))) < 0)
			return r2;
		out->country = r1 ? g->country : NULL;
		out->city = r2 ? g->city : NULL;
		*used = r1 || r2;
		return 0;
	}
	if (out->asn || out->as_org)
		return 0;
	if ((r1 = get_uint(e, P_ASN, &out->asn)) < 0)
		return r1;
	if ((r2 = get_string(e, P_ASORG, g->as_org, sizeof(g->as_org))) < 0)
		return r2;
	if (r2 == 0 && d->kind == GEO_K_ISP &&
	    (r2 = get_string(e, P_ISP, g->as_org, sizeof(g->as_org))) < 0)
		return r2;
	out->as_org = r2 ? g->as_org : NULL;
	*used = r1 || r2;
	return 0;
}

static void add_source(struct geo *g, const char *label)
{
	size_t n = strlen(g->source);
	snprintf(g->source + n, sizeof(g->source) - n, "%s%s", n ? ", " : "", label);
}

int geo_lookup(struct geo *g, const char *ip, struct store_geo *out)
{
	struct sockaddr_storage ss;

	if (!g || !ip || !out)
		return GEO_EINVAL;
	memset(out, 0, sizeof(*out));
	out->ip = ip;
	g->source[0] = '\0';
	if (!parse_ip(ip, &ss))
		return GEO_EINVAL;
	for (size_t i = 0; i < g->n; i++) {
		struct geo_db *d = &g->db[i];
		int mmdb_err = MMDB_SUCCESS, rc;
		bool used;
		MMDB_lookup_result_s res = MMDB_lookup_sockaddr(&d->mmdb, (struct sockaddr *)&ss,
								 &mmdb_err);
		if (mmdb_err == MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR)
			continue; /* an IPv4-only database knows nothing about IPv6 */
		if (mmdb_err != MMDB_SUCCESS) {
			rc = mmdb_err;
			goto fail;
		}
		if (!res.found_entry)
			continue;
		if ((rc = take(g, d, &res.entry, out, &used)) < 0) {
			rc = -rc;
			goto fail;
		}
		if (used)
			add_source(g, d->label);
		continue;
fail:
		snprintf(g->err, sizeof(g->err), "'%s': lookup of %s: %s", d->path, ip,
			 MMDB_strerror(rc));
		memset(out, 0, sizeof(*out));
		out->ip = ip;
		return GEO_EDB;
	}
	if (!out->country && !out->city && !out->asn && !out->as_org)
		return GEO_NODATA;
	out->source = g->source;
	return GEO_OK;
}

/* ---- the store ---------------------------------------------------------------------------- */

struct addrs {
	char **v;
	size_t n, cap;
	bool oom;
};

static int collect(void *ctx, int ncol, const char *const *names, const char *const *values)
{
	struct addrs *a = ctx;
	(void)names;
	if (ncol < 1 || !values[0])
		return 0;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 256;
		char **v;
		if (a->n >= GEO_ENRICH_MAX || !(v = realloc(a->v, cap * sizeof(*v)))) {
			a->oom = true;
			return 1;
		}
		a->v = v;
		a->cap = cap;
	}
	if (!(a->v[a->n] = strdup(values[0]))) {
		a->oom = true;
		return 1;
	}
	a->n++;
	return 0;
}

int geo_enrich_store(struct geo *g, struct store *st, struct geo_enrich_stats *out)
{
	static const char sql[] =
		"SELECT ip FROM endpoints WHERE ip IS NOT NULL"
		" UNION SELECT server_ip FROM connections"
		" UNION SELECT client_ip FROM connections";
	struct addrs a = { NULL, 0, 0, false };
	struct geo_enrich_stats stats = { 0, 0 };
	int ret = GEO_OK;

	if (!g || !st)
		return GEO_EINVAL;
	if (store_query(st, sql, collect, &a) != STORE_OK) {
		ret = GEO_ESTORE;
		goto out;
	}
	if (a.oom) {
		if (a.n >= GEO_ENRICH_MAX)
			snprintf(g->err, sizeof(g->err), "more than %u distinct addresses in the store",
				 GEO_ENRICH_MAX);
		else
			snprintf(g->err, sizeof(g->err), "out of memory");
		ret = GEO_ENOMEM;
		goto out;
	}
	stats.addresses = a.n;
	for (size_t i = 0; i < a.n; i++) {
		struct store_geo sg;
		int rc = geo_lookup(g, a.v[i], &sg);
		if (rc == GEO_NODATA || rc == GEO_EINVAL)
			continue;
		if (rc != GEO_OK) {
			ret = rc;
			goto out;
		}
		if (store_put_geo(st, &sg) != STORE_OK) {
			ret = GEO_ESTORE;
			goto out;
		}
		stats.found++;
	}
out:
	for (size_t i = 0; i < a.n; i++)
		free(a.v[i]);
	free(a.v);
	if (out)
		*out = stats;
	return ret;
}
