/*
 * The analyzer's online model. See model.h for what it computes.
 *
 * Implementation notes
 *   A run: read the saved state (or start empty, or rebuild when it does not parse),
 *   read the analysts' vouched values, then the new observations: every new finished
 *   scan (few) at once, the new connections in chunks of CHUNK by id; each chunk is
 *   sorted by time and merged with the scans, so observations are learned in time order
 *   (across chunk borders too, as the sensor stores connections about in time order; an
 *   observation older than its server's clock still counts, with its decayed weight).
 *   Scores are written after each chunk's reading has finished (no write while a read
 *   statement is open), then the state, then store_flush().
 *
 *   Scan watermark: a scan is finished (visible in v_scan_all) some time after its id
 *   was taken, so the saved scan id is the highest processed one, lowered below the
 *   oldest unfinished scan; scans above it that are scored already are skipped.
 *
 *   State blob, version 1 (little-endian; f64 as its IEEE-754 bits):
 *     "TLSSMOD1" u32 version u32 K u32 hll_p u32 cms_w u32 cms_d u32 nfeat
 *     i64 last_conn_id i64 scan_watermark u64 cms_total u32 nonzero, then the counters:
 *       nonzero x (u32 index, u32 value) when 2 nonzero < cms_w cms_d, else all of them
 *     u32 nservers, per server: u32 len, resource bytes, u64 n_total,
 *       f64 t_first t_last t_ref, per feature: f64 n f1, u32 k, k x (u64 hash, f64 c,
 *       f64 err, u32 hits); u8 hll[2][2^hll_p] (distinct leaves, distinct issuers)
 *     u64 model_hash(everything before)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analyzer/model.h"
#include "analyzer/store/store.h"

#define LN2 0.69314718055994530942
#define DAY 86400.0
#define HALF_LIFE (MODEL_HALF_LIFE_DAYS * DAY)
#define HLL_M (1u << MODEL_HLL_P)
#define STATE_VERSION 1u
#define STATE_MAGIC "TLSSMOD1"
#define CHUNK 20000
#define RESOURCE_MAX 4096
#define CMS_SEED 0x746c7373636f7065ull  /* "tlsscope" */

/* ---- math without libm ---------------------------------------------------------------- */

double model_log2(double x)
{
	uint64_t b;
	if (!(x > 0))
		return -1074.0;
	if (x < 2.2250738585072014e-308) /* subnormal: scale into the normal range */
		return model_log2(x * 18014398509481984.0) - 54.0;
	memcpy(&b, &x, sizeof(b));
	int e = (int)((b >> 52) & 0x7ff) - 1023;
	b = (b & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
	double m;
	memcpy(&m, &b, sizeof(m));       /* x = m 2^e, 1 <= m < 2 */
	if (m > 1.4142135623730951) {
		m /= 2;
		e++;
	}
	/* ln m = 2 atanh(z), z = (m-1)/(m+1), |z| <= 0.172: the series converges fast */
	double z = (m - 1) / (m + 1), z2 = z * z, term = z, sum = 0;
	for (int k = 1; k < 40; k += 2) {
		sum += term / k;
		term *= z2;
	}
	return e + 2 * sum / LN2;
}

double model_exp2(double y)
{
	if (y != y)
		return y;
	if (y < -1022)
		return 0;
	if (y > 1023)
		return 1.0 / 0.0;
	double fl = (double)(long long)y;
	if (fl > y)
		fl -= 1;
	double f = (y - fl) * LN2, term = 1, sum = 1;   /* e^f, 0 <= f < ln 2 */
	for (int k = 1; k < 25; k++) {
		term *= f / k;
		sum += term;
	}
	uint64_t b = (uint64_t)((long long)fl + 1023) << 52;
	double p;
	memcpy(&p, &b, sizeof(p));
	return sum * p;
}

static double ln(double x)
{
	return model_log2(x) * LN2;
}

/* ---- hashing -------------------------------------------------------------------------- */

static uint64_t fmix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ull;
	k ^= k >> 33;
	return k;
}

uint64_t model_hash(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return fmix64(h ^ len);
}

static uint64_t hash_str(const char *s)
{
	return model_hash(s, strlen(s));
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* ---- HyperLogLog ------------------------------------------------------------------------ */

static void hll_add_reg(uint8_t *reg, unsigned p, uint64_t x)
{
	uint32_t idx = (uint32_t)(x >> (64 - p));
	uint64_t w = x << p;
	uint8_t rho = w ? (uint8_t)(__builtin_clzll(w) + 1) : (uint8_t)(64 - p + 1);
	if (rho > reg[idx])
		reg[idx] = rho;
}

static double hll_est_reg(const uint8_t *reg, unsigned p)
{
	uint32_t m = 1u << p, zeros = 0;
	double sum = 0;
	for (uint32_t j = 0; j < m; j++) {
		sum += 1.0 / (double)(1ull << reg[j]);
		zeros += reg[j] == 0;
	}
	double a = m == 16 ? 0.673 : m == 32 ? 0.697 : m == 64 ? 0.709 : 0.7213 / (1 + 1.079 / m);
	double e = a * m * m / sum;
	if (e <= 2.5 * m && zeros)
		e = m * ln((double)m / zeros);   /* linear counting */
	return e;
}

struct model_hll {
	unsigned p;
	uint8_t reg[];
};

struct model_hll *model_hll_new(unsigned p)
{
	if (p < 4 || p > 16)
		return NULL;
	struct model_hll *h = calloc(1, sizeof(*h) + ((size_t)1 << p));
	if (h)
		h->p = p;
	return h;
}

void model_hll_free(struct model_hll *h)
{
	free(h);
}

void model_hll_add(struct model_hll *h, uint64_t hash)
{
	hll_add_reg(h->reg, h->p, hash);
}

double model_hll_estimate(const struct model_hll *h)
{
	return hll_est_reg(h->reg, h->p);
}

/* ---- count-min sketch ------------------------------------------------------------------- */

#define P61 ((1ull << 61) - 1)

struct model_cms {
	uint32_t w, d;
	uint64_t total;
	uint64_t *a, *b;
	uint32_t *cnt;    /* d rows of w counters */
};

struct model_cms *model_cms_new(uint32_t w, uint32_t d, uint64_t seed)
{
	if (!w || !d || d > 64)
		return NULL;
	struct model_cms *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->w = w;
	c->d = d;
	c->a = calloc(d, sizeof(*c->a));
	c->b = calloc(d, sizeof(*c->b));
	c->cnt = calloc((size_t)w * d, sizeof(*c->cnt));
	if (!c->a || !c->b || !c->cnt) {
		model_cms_free(c);
		return NULL;
	}
	for (uint32_t i = 0; i < d; i++) {
		c->a[i] = splitmix64(&seed) % (P61 - 1) + 1;
		c->b[i] = splitmix64(&seed) % P61;
	}
	return c;
}

void model_cms_free(struct model_cms *c)
{
	if (!c)
		return;
	free(c->a);
	free(c->b);
	free(c->cnt);
	free(c);
}

static uint32_t cms_col(const struct model_cms *c, uint32_t i, uint64_t key)
{
	unsigned __int128 v = (unsigned __int128)c->a[i] * (key % P61) + c->b[i];
	return (uint32_t)((uint64_t)(v % P61) % c->w);
}

void model_cms_add(struct model_cms *c, uint64_t key, uint32_t count)
{
	for (uint32_t i = 0; i < c->d; i++) {
		uint32_t *x = &c->cnt[(size_t)i * c->w + cms_col(c, i, key)];
		*x = *x > UINT32_MAX - count ? UINT32_MAX : *x + count;
	}
	c->total += count;
}

uint64_t model_cms_estimate(const struct model_cms *c, uint64_t key)
{
	uint64_t m = UINT64_MAX;
	for (uint32_t i = 0; i < c->d; i++) {
		uint32_t x = c->cnt[(size_t)i * c->w + cms_col(c, i, key)];
		if (x < m)
			m = x;
	}
	return m;
}

uint64_t model_cms_total(const struct model_cms *c)
{
	return c->total;
}

/* ---- the model's state ---------------------------------------------------------------- */

enum feat { F_LEAF, F_SPKI, F_ISSUER, F_VERSION, F_SUITE, F_JA3S, NF };

static const char *const feat_name[NF] = { "leaf", "spki", "issuer", "version", "suite",
					   "ja3s" };
/* A new issuer for a stable server is the strongest signal (rogue-cert R6); a suite and a
 * JA3S also follow the client's offer, so they weigh less. */
static const double feat_weight[NF] = { 1.0, 1.0, 2.0, 1.0, 0.5, 0.25 };
/* Which HyperLogLog measures the feature's volatility: 0 leaves, 1 issuers, -1 none. */
static const int feat_hll[NF] = { 0, 0, 1, -1, -1, -1 };

struct slot {
	uint64_t h;
	double c, err;      /* space-saving: decayed count, over-estimate inherited */
	uint32_t hits;      /* observations since the value (re)entered the table */
};

struct feat_state {
	double n, f1;
	uint32_t k;
	struct slot s[MODEL_TOPK];
};

struct server {
	char *res;
	uint64_t rh;
	uint64_t n_total;
	double t_first, t_last, t_ref;
	struct feat_state f[NF];
	uint8_t hll[2][HLL_M];
};

struct vouch {
	uint64_t rh, vh;
	uint32_t f;
};

struct model {
	struct server **srv;
	size_t n, cap;
	uint32_t *index;       /* open addressing: 1 + position in srv, 0 empty */
	size_t index_cap;
	struct model_cms *cms;
	int64_t last_conn, scan_mark;
	struct vouch *vouch;
	size_t n_vouch, cap_vouch;
};

static void model_free(struct model *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->srv[i]->res);
		free(m->srv[i]);
	}
	free(m->srv);
	free(m->index);
	free(m->vouch);
	model_cms_free(m->cms);
	memset(m, 0, sizeof(*m));
}

static int index_put(struct model *m, size_t pos)
{
	if (2 * (m->n + 1) > m->index_cap) {
		size_t cap = m->index_cap ? 2 * m->index_cap : 64;
		uint32_t *ix = calloc(cap, sizeof(*ix));
		if (!ix)
			return -1;
		for (size_t i = 0; i < m->n; i++) {
			size_t j = m->srv[i]->rh & (cap - 1);
			while (ix[j])
				j = (j + 1) & (cap - 1);
			ix[j] = (uint32_t)i + 1;
		}
		free(m->index);
		m->index = ix;
		m->index_cap = cap;
	}
	size_t j = m->srv[pos]->rh & (m->index_cap - 1);
	while (m->index[j])
		j = (j + 1) & (m->index_cap - 1);
	m->index[j] = (uint32_t)pos + 1;
	return 0;
}

static struct server *server_find(const struct model *m, const char *res, uint64_t rh)
{
	if (!m->index_cap)
		return NULL;
	for (size_t j = rh & (m->index_cap - 1); m->index[j]; j = (j + 1) & (m->index_cap - 1)) {
		struct server *s = m->srv[m->index[j] - 1];
		if (s->rh == rh && strcmp(s->res, res) == 0)
			return s;
	}
	return NULL;
}

/* Adds a server (taking res, malloc'd). Returns it, NULL when out of memory. */
static struct server *server_add_take(struct model *m, char *res)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 64;
		struct server **p = realloc(m->srv, cap * sizeof(*p));
		if (!p)
			return NULL;
		m->srv = p;
		m->cap = cap;
	}
	struct server *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->res = res;
	s->rh = hash_str(res);
	m->srv[m->n] = s;
	if (index_put(m, m->n) != 0) {
		free(s);
		return NULL;
	}
	m->n++;
	return s;
}

static struct server *server_get(struct model *m, const char *res)
{
	struct server *s = server_find(m, res, hash_str(res));
	if (s)
		return s;
	char *copy = strdup(res);
	if (!copy)
		return NULL;
	s = server_add_take(m, copy);
	if (!s)
		free(copy);
	return s;
}

/* ---- serialization -------------------------------------------------------------------- */

struct wbuf {
	unsigned char *p;
	size_t len, cap;
	bool oom;
};

static void w_bytes(struct wbuf *b, const void *src, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		unsigned char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void w_u64(struct wbuf *b, uint64_t v)
{
	unsigned char x[8];
	for (int i = 0; i < 8; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	w_bytes(b, x, 8);
}

static void w_u32(struct wbuf *b, uint32_t v)
{
	unsigned char x[4];
	for (int i = 0; i < 4; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	w_bytes(b, x, 4);
}

static void w_f64(struct wbuf *b, double v)
{
	uint64_t u;
	memcpy(&u, &v, sizeof(u));
	w_u64(b, u);
}

struct rbuf {
	const unsigned char *p;
	size_t len, off;
	bool bad;
};

static const unsigned char *r_bytes(struct rbuf *r, size_t n)
{
	if (r->bad || r->len - r->off < n) {
		r->bad = true;
		return NULL;
	}
	const unsigned char *p = r->p + r->off;
	r->off += n;
	return p;
}

static uint64_t r_u64(struct rbuf *r)
{
	const unsigned char *x = r_bytes(r, 8);
	uint64_t v = 0;
	for (int i = 0; x && i < 8; i++)
		v |= (uint64_t)x[i] << (8 * i);
	return v;
}

static uint32_t r_u32(struct rbuf *r)
{
	const unsigned char *x = r_bytes(r, 4);
	uint32_t v = 0;
	for (int i = 0; x && i < 4; i++)
		v |= (uint32_t)x[i] << (8 * i);
	return v;
}

/* A finite double >= lo, else the blob is bad. */
static double r_f64(struct rbuf *r, double lo)
{
	uint64_t u = r_u64(r);
	double v;
	memcpy(&v, &u, sizeof(v));
	if (!(v >= lo && v <= 1e300))
		r->bad = true;
	return v;
}

static int state_write(const struct model *m, struct wbuf *b)
{
	w_bytes(b, STATE_MAGIC, 8);
	w_u32(b, STATE_VERSION);
	w_u32(b, MODEL_TOPK);
	w_u32(b, MODEL_HLL_P);
	w_u32(b, MODEL_CMS_WIDTH);
	w_u32(b, MODEL_CMS_DEPTH);
	w_u32(b, NF);
	w_u64(b, (uint64_t)m->last_conn);
	w_u64(b, (uint64_t)m->scan_mark);
	w_u64(b, m->cms->total);
	size_t ncnt = (size_t)MODEL_CMS_WIDTH * MODEL_CMS_DEPTH, nz = 0;
	for (size_t i = 0; i < ncnt; i++)
		nz += m->cms->cnt[i] != 0;
	w_u32(b, (uint32_t)nz);     /* sparse (index, value) pairs when that is smaller */
	if (2 * nz < ncnt) {
		for (size_t i = 0; i < ncnt; i++)
			if (m->cms->cnt[i]) {
				w_u32(b, (uint32_t)i);
				w_u32(b, m->cms->cnt[i]);
			}
	} else {
		for (size_t i = 0; i < ncnt; i++)
			w_u32(b, m->cms->cnt[i]);
	}
	w_u32(b, (uint32_t)m->n);
	for (size_t i = 0; i < m->n; i++) {
		const struct server *s = m->srv[i];
		size_t len = strlen(s->res);
		w_u32(b, (uint32_t)len);
		w_bytes(b, s->res, len);
		w_u64(b, s->n_total);
		w_f64(b, s->t_first);
		w_f64(b, s->t_last);
		w_f64(b, s->t_ref);
		for (int f = 0; f < NF; f++) {
			const struct feat_state *fs = &s->f[f];
			w_f64(b, fs->n);
			w_f64(b, fs->f1);
			w_u32(b, fs->k);
			for (uint32_t j = 0; j < fs->k; j++) {
				w_u64(b, fs->s[j].h);
				w_f64(b, fs->s[j].c);
				w_f64(b, fs->s[j].err);
				w_u32(b, fs->s[j].hits);
			}
		}
		w_bytes(b, s->hll, sizeof(s->hll));
	}
	if (!b->oom)
		w_u64(b, model_hash(b->p, b->len));
	return b->oom ? -1 : 0;
}

/* Parses a blob into m (empty, with its sketch). Returns 0, 1 when the blob is unusable
 * (why in note; m is left empty), -1 when out of memory. */
static int state_read(struct model *m, const void *blob, size_t len, char *note, size_t cap)
{
	struct rbuf r = { .p = blob, .len = len };
	const unsigned char *magic = r_bytes(&r, 8);
	if (!magic || memcmp(magic, STATE_MAGIC, 8) != 0 || len < 16) {
		snprintf(note, cap, "not a model state (bad magic)");
		return 1;
	}
	uint64_t sum = 0;
	for (int i = 0; i < 8; i++)
		sum |= (uint64_t)((const unsigned char *)blob)[len - 8 + i] << (8 * i);
	if (sum != model_hash(blob, len - 8)) {
		snprintf(note, cap, "checksum mismatch (corrupt)");
		return 1;
	}
	r.len = len - 8;
	uint32_t ver = r_u32(&r), k = r_u32(&r), p = r_u32(&r), w = r_u32(&r), d = r_u32(&r),
		 nf = r_u32(&r);
	if (ver != STATE_VERSION || k != MODEL_TOPK || p != MODEL_HLL_P || w != MODEL_CMS_WIDTH ||
	    d != MODEL_CMS_DEPTH || nf != NF) {
		snprintf(note, cap, "state version %u (K %u, p %u, w %u, d %u) is not this build's "
			 "%u (K %u, p %u, w %u, d %u)", ver, k, p, w, d, STATE_VERSION, MODEL_TOPK,
			 MODEL_HLL_P, MODEL_CMS_WIDTH, MODEL_CMS_DEPTH);
		return 1;
	}
	m->last_conn = (int64_t)r_u64(&r);
	m->scan_mark = (int64_t)r_u64(&r);
	m->cms->total = r_u64(&r);
	if (m->last_conn < 0 || m->scan_mark < 0)
		r.bad = true;
	size_t ncnt = (size_t)w * d, nz = r_u32(&r);
	if (nz > ncnt)
		r.bad = true;
	else if (2 * nz < ncnt)
		for (size_t i = 0; i < nz && !r.bad; i++) {
			uint32_t at = r_u32(&r), v = r_u32(&r);
			if (at >= ncnt || v == 0 || m->cms->cnt[at])
				r.bad = true;
			else
				m->cms->cnt[at] = v;
		}
	else
		for (size_t i = 0; i < ncnt && !r.bad; i++)
			m->cms->cnt[i] = r_u32(&r);
	uint32_t ns = r_u32(&r);
	for (uint32_t i = 0; i < ns && !r.bad; i++) {
		uint32_t rl = r_u32(&r);
		const unsigned char *rs = rl <= RESOURCE_MAX ? r_bytes(&r, rl) : NULL;
		if (!rs || memchr(rs, 0, rl)) {
			r.bad = true;
			break;
		}
		char *res = malloc(rl + 1);
		if (!res)
			return -1;
		memcpy(res, rs, rl);
		res[rl] = '\0';
		if (server_find(m, res, hash_str(res))) {
			free(res);
			r.bad = true;
			break;
		}
		struct server *s = server_add_take(m, res);
		if (!s) {
			free(res);
			return -1;
		}
		s->n_total = r_u64(&r);
		s->t_first = r_f64(&r, 0);
		s->t_last = r_f64(&r, s->t_first);
		s->t_ref = r_f64(&r, 0);
		for (int f = 0; f < NF && !r.bad; f++) {
			struct feat_state *fs = &s->f[f];
			fs->n = r_f64(&r, 0);
			fs->f1 = r_f64(&r, 0);
			fs->k = r_u32(&r);
			if (fs->k > MODEL_TOPK) {
				r.bad = true;
				break;
			}
			for (uint32_t j = 0; j < fs->k; j++) {
				fs->s[j].h = r_u64(&r);
				fs->s[j].c = r_f64(&r, 0);
				fs->s[j].err = r_f64(&r, 0);
				fs->s[j].hits = r_u32(&r);
			}
		}
		const unsigned char *hll = r_bytes(&r, sizeof(s->hll));
		if (hll) {
			memcpy(s->hll, hll, sizeof(s->hll));
			for (size_t j = 0; j < sizeof(s->hll); j++)
				if (hll[j] > 64 - MODEL_HLL_P + 1)
					r.bad = true;
		}
	}
	if (!r.bad && r.off != r.len)
		r.bad = true;
	if (r.bad) {
		snprintf(note, cap, "malformed state at byte %zu of %zu", r.off, len);
		return 1;
	}
	return 0;
}

/* ---- observations ------------------------------------------------------------------- */

enum { K_CONN, K_SCAN };

/* One observation; the strings live in buf. */
struct obs {
	int kind;
	int64_t id;
	double t;
	char *buf;
	const char *ts, *res, *v[NF], *ja3, *ja4;
};

struct obs_list {
	struct obs *o;
	size_t n, cap;
	bool oom;
	int64_t max_id;
};

static void obs_list_clear(struct obs_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->o[i].buf);
	l->n = 0;
}

/* RFC 3339 UTC "YYYY-MM-DDTHH:MM:SS[.f]Z" to seconds since 1970; -1 when malformed. */
static double parse_ts(const char *s)
{
	int y, mo, d, h, mi, sec, nc = 0;
	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &nc) != 6 ||
	    mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	double frac = 0, scale = 0.1;
	const char *p = s + nc;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			frac += (*p - '0') * scale;
	/* days from civil (H. Hinnant's algorithm) */
	int yy = y - (mo <= 2);
	int era = (yy >= 0 ? yy : yy - 399) / 400;
	int yoe = yy - era * 400;
	int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	double days = (double)era * 146097 + doe - 719468;
	return days * DAY + h * 3600 + mi * 60 + sec + frac;
}

/* Columns: kind, id, ts, resource, leaf, spki, issuer, version, suite, ja3s, ja3, ja4. */
#define OBS_COLS 12

static int on_obs(void *ctx, int ncol, const char *const *names, const char *const *values)
{
	struct obs_list *l = ctx;
	(void)names;
	if (ncol != OBS_COLS || !values[1])
		return 0;
	int64_t id = strtoll(values[1], NULL, 10);
	if (id > l->max_id)
		l->max_id = id;
	if (!values[2] || !values[3])
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 256;
		struct obs *p = realloc(l->o, cap * sizeof(*p));
		if (!p) {
			l->oom = true;
			return 1;
		}
		l->o = p;
		l->cap = cap;
	}
	size_t total = 0;
	for (int i = 2; i < OBS_COLS; i++)
		total += values[i] ? strlen(values[i]) + 1 : 0;
	struct obs *o = &l->o[l->n];
	memset(o, 0, sizeof(*o));
	o->buf = malloc(total ? total : 1);
	if (!o->buf) {
		l->oom = true;
		return 1;
	}
	const char *slots[OBS_COLS] = { 0 };
	char *p = o->buf;
	for (int i = 2; i < OBS_COLS; i++) {
		if (!values[i] || !*values[i])
			continue;
		size_t n = strlen(values[i]) + 1;
		memcpy(p, values[i], n);
		slots[i] = p;
		p += n;
	}
	o->kind = values[0] && strcmp(values[0], "1") == 0 ? K_SCAN : K_CONN;
	o->id = id;
	o->ts = slots[2];
	o->res = slots[3];
	for (int f = 0; f < NF; f++)
		o->v[f] = slots[4 + f];
	o->ja3 = slots[10];
	o->ja4 = slots[11];
	o->t = parse_ts(o->ts);
	if (!o->ts || !o->res) {
		free(o->buf);
		return 0;
	}
	l->n++;
	return 0;
}

static int obs_cmp(const void *a, const void *b)
{
	const struct obs *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind - y->kind;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The default handshake's chain of each new finished scan. */
#define SQL_SCAN_COLS \
	"SELECT 1, a.scan_id, a.finished, a.resource, a.leaf," \
	" ifnull(vc.spki_sha256, json_extract(a.result, '$.certificates[0].spki_sha256'))," \
	" ifnull(vc.issuer, json_extract(a.result, '$.certificates[0].issuer'))," \
	" json_extract(a.result, '$.chains[0].version'), json_extract(a.result, '$.chains[0].cipher')," \
	" NULL, NULL, NULL" \
	" FROM (SELECT v.*, ifnull(json_extract(v.result, '$.chains[0].leaf_sha256')," \
	"  json_extract(v.result, '$.certificates[0].sha256')) AS leaf FROM v_scan_all v" \
	"  WHERE v.error IS NULL AND v.scan_id > %lld%s) a" \
	" LEFT JOIN v_cert vc ON vc.sha256 = a.leaf"

#define SQL_SCAN_NEW \
	" AND NOT EXISTS (SELECT 1 FROM scores s WHERE s.ref_kind = 'scan'" \
	" AND s.ref_id = v.scan_id)"

/* ---- analysts' verdicts --------------------------------------------------------------- */

/* The observations and certificates that valid false_positive verdicts' findings point at:
 * columns resource, leaf, spki, issuer, version, suite, ja3s. */
static const char SQL_VOUCHED[] =
	"WITH refs AS (SELECT DISTINCT f.resource AS resource, e.value AS ref"
	"  FROM triage t JOIN findings f ON f.rule = t.rule AND f.resource = t.resource,"
	"  json_each(f.evidence) e"
	"  WHERE t.verdict = 'false_positive' AND e.type = 'text'"
	"  AND (t.expires IS NULL OR t.expires > strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"
	" SELECT c.resource, l.leaf, vc.spki_sha256, vc.issuer, c.version, c.cipher, c.ja3s"
	" FROM refs JOIN v_conn c ON refs.ref GLOB 'connection:[0-9]*'"
	"  AND c.id = CAST(substr(refs.ref, 12) AS INTEGER)"
	" JOIN (SELECT c2.id, ifnull(c2.server_cert_sha256, (SELECT cc.cert_sha256 FROM conn_certs cc"
	"  WHERE cc.conn_id = c2.id AND cc.depth = 0)) AS leaf FROM connections c2) l ON l.id = c.id"
	" LEFT JOIN v_cert vc ON vc.sha256 = l.leaf"
	" UNION ALL"
	" SELECT a.resource, a.leaf, vc.spki_sha256, vc.issuer,"
	"  json_extract(a.result, '$.chains[0].version'), json_extract(a.result, '$.chains[0].cipher'),"
	"  NULL"
	" FROM (SELECT v.*, ifnull(json_extract(v.result, '$.chains[0].leaf_sha256'),"
	"  json_extract(v.result, '$.certificates[0].sha256')) AS leaf"
	"  FROM refs JOIN v_scan_all v ON refs.ref GLOB 'scan:[0-9]*'"
	"  AND v.scan_id = CAST(substr(refs.ref, 6) AS INTEGER)) a"
	" LEFT JOIN v_cert vc ON vc.sha256 = a.leaf"
	" UNION ALL"
	" SELECT refs.resource, substr(refs.ref, 6), vc.spki_sha256, vc.issuer, NULL, NULL, NULL"
	" FROM refs LEFT JOIN v_cert vc ON vc.sha256 = substr(refs.ref, 6)"
	" WHERE refs.ref GLOB 'cert:*'";

static int vouch_cmp(const void *a, const void *b)
{
	const struct vouch *x = a, *y = b;
	if (x->rh != y->rh)
		return x->rh < y->rh ? -1 : 1;
	if (x->f != y->f)
		return x->f < y->f ? -1 : 1;
	return x->vh < y->vh ? -1 : x->vh > y->vh;
}

static int on_vouched(void *ctx, int ncol, const char *const *names, const char *const *values)
{
	struct model *m = ctx;
	(void)names;
	if (ncol != 1 + NF || !values[0])
		return 0;
	uint64_t rh = hash_str(values[0]);
	for (int f = 0; f < NF; f++) {
		if (!values[1 + f] || !*values[1 + f])
			continue;
		if (m->n_vouch == m->cap_vouch) {
			size_t cap = m->cap_vouch ? 2 * m->cap_vouch : 64;
			struct vouch *p = realloc(m->vouch, cap * sizeof(*p));
			if (!p)
				return 1;
			m->vouch = p;
			m->cap_vouch = cap;
		}
		m->vouch[m->n_vouch++] = (struct vouch){ rh, hash_str(values[1 + f]), (uint32_t)f };
	}
	return 0;
}

static bool vouched(const struct model *m, uint64_t rh, int f, uint64_t vh)
{
	struct vouch key = { rh, vh, (uint32_t)f };
	return m->n_vouch && bsearch(&key, m->vouch, m->n_vouch, sizeof(key), vouch_cmp);
}

/* ---- scoring and learning -------------------------------------------------------------- */

static void server_advance(struct server *s, double t)
{
	if (t <= s->t_ref)
		return;
	double k = model_exp2(-(t - s->t_ref) / HALF_LIFE);
	for (int f = 0; f < NF; f++) {
		struct feat_state *fs = &s->f[f];
		fs->n *= k;
		fs->f1 *= k;
		for (uint32_t j = 0; j < fs->k; j++) {
			fs->s[j].c *= k;
			fs->s[j].err *= k;
		}
	}
	s->t_ref = t;
}

static const struct slot *feat_find(const struct feat_state *fs, uint64_t h)
{
	for (uint32_t j = 0; j < fs->k; j++)
		if (fs->s[j].h == h)
			return &fs->s[j];
	return NULL;
}

static void feat_learn(struct feat_state *fs, uint64_t h, double w)
{
	struct slot *s = (struct slot *)feat_find(fs, h);
	if (s) {
		s->c += w;
		s->hits++;
	} else if (fs->k < MODEL_TOPK) {
		fs->s[fs->k++] = (struct slot){ .h = h, .c = w, .err = 0, .hits = 1 };
	} else {
		uint32_t lo = 0;
		for (uint32_t j = 1; j < fs->k; j++)
			if (fs->s[j].c < fs->s[lo].c)
				lo = j;
		double c = fs->s[lo].c;
		fs->s[lo] = (struct slot){ .h = h, .c = c + w, .err = c, .hits = 1 };
	}
	fs->n += w;
	fs->f1 = 0;
	for (uint32_t j = 0; j < fs->k; j++)
		if (fs->s[j].hits == 1)
			fs->f1 += fs->s[j].c - fs->s[j].err;
}

struct term {
	const char *name, *value;
	double contribution;
	json_t *obj;
};

static int term_cmp(const void *a, const void *b)
{
	const struct term *x = a, *y = b;
	if (x->contribution != y->contribution)
		return x->contribution > y->contribution ? -1 : 1;
	return strcmp(x->name, y->name);
}

static double round3(double x)
{
	return (double)(long long)(x * 1000 + (x >= 0 ? 0.5 : -0.5)) / 1000;
}

struct run {
	struct store *st;
	struct model *m;
	struct model_stats *stats;
};

/* Scores o against its server's baseline, writes the score, learns o. Returns 0, -1 out of
 * memory, or a store code > 0. */
static int observe(struct run *x, const struct obs *o)
{
	struct model *m = x->m;
	struct server *s = server_get(m, o->res);
	if (!s)
		return -1;
	double t = o->t >= 0 ? o->t : s->t_ref;
	if (s->n_total == 0)
		s->t_ref = t;
	server_advance(s, t);

	double span = s->n_total ? (s->t_last - s->t_first) / DAY : 0;
	bool mature = s->n_total >= MODEL_MATURE_N && span >= MODEL_MATURE_DAYS;
	double distinct[2], vol[2];
	for (int i = 0; i < 2; i++) {
		distinct[i] = s->n_total ? hll_est_reg(s->hll[i], MODEL_HLL_P) : 0;
		double rho = distinct[i] > 1.5 ? (distinct[i] - 1) / (span > 1 ? span : 1) : 0;
		vol[i] = 1 - model_exp2(-rho * MODEL_HALF_LIFE_DAYS);
	}

	struct term terms[NF + 2];
	size_t nt = 0;
	double score = 0;
	uint64_t vh[NF] = { 0 };
	json_t *arr = json_array();
	if (!arr)
		return -1;
	for (int f = 0; f < NF; f++) {
		if (!o->v[f])
			continue;
		vh[f] = hash_str(o->v[f]);
		const struct feat_state *fs = &s->f[f];
		const struct slot *sl = feat_find(fs, vh[f]);
		double c = sl ? sl->c - sl->err : 0;
		double surprise = -model_log2((c + MODEL_ALPHA) / (fs->n + MODEL_ALPHA * (fs->k + 1)));
		if (surprise < 0)
			surprise = 0;
		double gt = fs->n > 0 ? fs->f1 / fs->n : 0;
		if (gt > 1)
			gt = 1;
		double v = feat_hll[f] >= 0 ? vol[feat_hll[f]] : 0;
		double damping = (1 - gt) * (1 - v);
		bool vo = vouched(m, s->rh, f, vh[f]);
		double novelty = vo ? 0 : surprise * damping;
		struct term *tm = &terms[nt++];
		tm->name = feat_name[f];
		tm->value = o->v[f];
		tm->contribution = novelty * feat_weight[f];
		tm->obj = json_pack("{s:s, s:s, s:f, s:f, s:f, s:f, s:f, s:f}", "term", feat_name[f],
				    "value", o->v[f], "novelty", round3(novelty),
				    "weight", feat_weight[f], "surprise", round3(surprise),
				    "damping", round3(damping), "count", round3(c),
				    "n", round3(fs->n));
		if (tm->obj && vo)
			json_object_set_new(tm->obj, "vouched", json_string("false_positive"));
		score += tm->contribution;
	}
	/* Client rarity: the connection's fingerprint, network-wide. */
	const char *fp = o->ja4 ? o->ja4 : o->ja3;
	uint64_t fph = 0;
	if (fp) {
		char key[512];
		snprintf(key, sizeof(key), "%s:%s", o->ja4 ? "ja4" : "ja3", fp);
		fph = hash_str(key);
		uint64_t est = model_cms_estimate(m->cms, fph);
		uint64_t total = model_cms_total(m->cms);
		bool rare = total >= MODEL_RARE_MIN_TOTAL && est < MODEL_RARE_COUNT;
		struct term *tm = &terms[nt++];
		tm->name = "client_rarity";
		tm->value = fp;
		tm->contribution = rare ? MODEL_RARE_WEIGHT : 0;
		tm->obj = json_pack("{s:s, s:s, s:s, s:f, s:f, s:I, s:I}", "term", "client_rarity",
				    "fingerprint", o->ja4 ? "ja4" : "ja3", "value", fp,
				    "novelty", rare ? 1.0 : 0.0, "weight", MODEL_RARE_WEIGHT,
				    "count", (json_int_t)est, "total", (json_int_t)total);
		score += tm->contribution;
	}
	qsort(terms, nt, sizeof(terms[0]), term_cmp);
	bool oom = false;
	/* Only the terms that add to the score (or that an analyst's verdict zeroed) are kept:
	 * a known value explains nothing, and every stored byte counts (one score per
	 * connection). rotation_damping below says how the baseline stood. */
	for (size_t i = 0; i < nt; i++) {
		if (terms[i].obj && terms[i].contribution <= 1e-3 &&
		    !json_object_get(terms[i].obj, "vouched")) {
			json_decref(terms[i].obj);
			continue;
		}
		if (!terms[i].obj || json_array_append_new(arr, terms[i].obj) != 0)
			oom = true;
	}
	json_t *rd = json_pack("{s:s, s:f, s:f, s:f, s:f, s:f, s:f, s:I, s:b}",
			       "term", "rotation_damping", "distinct_leaves", round3(distinct[0]),
			       "distinct_issuers", round3(distinct[1]), "days", round3(span),
			       "leaf_volatility", round3(vol[0]), "issuer_volatility", round3(vol[1]),
			       "f1_n_leaf", round3(s->f[F_LEAF].n > 0 ?
						   s->f[F_LEAF].f1 / s->f[F_LEAF].n : 0),
			       "observations", (json_int_t)s->n_total, "mature", mature);
	if (!rd || json_array_append_new(arr, rd) != 0)
		oom = true;
	char *terms_json = oom ? NULL : json_dumps(arr, JSON_COMPACT | JSON_REAL_PRECISION(10));
	json_decref(arr);
	if (!terms_json)
		return -1;
	struct store_score sc = {
		.ref_kind = o->kind == K_SCAN ? "scan" : "connection", .ref_id = o->id,
		.resource = o->res, .score = round3(score), .mature = mature,
		.terms_json = terms_json, .ts = o->ts,
	};
	int rc = store_put_score(x->st, &sc);
	if (rc == STORE_ECONSTRAINT) {   /* an odd timestamp: stamp it now */
		sc.ts = NULL;
		rc = store_put_score(x->st, &sc);
	}
	free(terms_json);
	if (rc != STORE_OK)
		return rc;
	x->stats->scored++;
	x->stats->mature += mature;

	/* learn */
	double w = t >= s->t_ref ? 1 : model_exp2(-(s->t_ref - t) / HALF_LIFE);
	for (int f = 0; f < NF; f++)
		if (o->v[f])
			feat_learn(&s->f[f], vh[f], w);
	if (o->v[F_LEAF])
		hll_add_reg(s->hll[0], MODEL_HLL_P, vh[F_LEAF]);
	if (o->v[F_ISSUER])
		hll_add_reg(s->hll[1], MODEL_HLL_P, vh[F_ISSUER]);
	if (s->n_total == 0 || t < s->t_first)
		s->t_first = t;
	if (s->n_total == 0 || t > s->t_last)
		s->t_last = t;
	s->n_total++;
	if (fp)
		model_cms_add(m->cms, fph, 1);
	return 0;
}

/* ---- a run -------------------------------------------------------------------------------- */

static int on_min_id(void *ctx, int ncol, const char *const *names, const char *const *values)
{
	(void)names;
	if (ncol >= 1 && values[0])
		*(int64_t *)ctx = strtoll(values[0], NULL, 10);
	return 0;
}

static int fail(char *err, size_t errcap, const char *what, const char *msg)
{
	if (err && errcap)
		snprintf(err, errcap, "model: %s: %s", what, msg);
	return -1;
}

int model_run(struct store *st, struct model_stats *out, char *err, size_t errcap)
{
	struct model_stats stats = { 0 };
	struct model m = { 0 };
	struct obs_list scans = { 0 }, conns = { 0 };
	struct run x = { .st = st, .m = &m, .stats = &stats };
	void *blob = NULL;
	size_t blob_len = 0;
	char sql[2048];
	int ret = -1, rc;

	m.cms = model_cms_new(MODEL_CMS_WIDTH, MODEL_CMS_DEPTH, CMS_SEED);
	if (!m.cms) {
		fail(err, errcap, "start", "out of memory");
		goto out;
	}
	rc = store_get_model_state(st, MODEL_STATE_NAME, &blob, &blob_len);
	bool fresh = rc != STORE_OK;
	if (rc == STORE_OK) {
		int r = state_read(&m, blob, blob_len, stats.note, sizeof(stats.note));
		if (r < 0) {
			fail(err, errcap, "reading the state", "out of memory");
			goto out;
		}
		if (r > 0) {
			struct model_cms *cms = m.cms;
			m.cms = NULL;
			model_free(&m);
			memset(cms->cnt, 0, (size_t)cms->w * cms->d * sizeof(*cms->cnt));
			cms->total = 0;
			m.cms = cms;
			stats.rebuilt = true;
			fresh = true;
		}
	} else if (rc != STORE_ENOTFOUND) {
		fail(err, errcap, "reading the state", store_errmsg(st));
		goto out;
	}
	if (stats.rebuilt) {
		char why[sizeof(stats.note)];
		memcpy(why, stats.note, sizeof(why));
		snprintf(stats.note, sizeof(stats.note),
			 "model state unusable (%.160s): rebuilt from history", why);
		if (store_meta_set(st, "model_note", stats.note) != STORE_OK) {
			fail(err, errcap, "meta", store_errmsg(st));
			goto out;
		}
	}

	if (store_query(st, SQL_VOUCHED, on_vouched, &m) != STORE_OK) {
		fail(err, errcap, "reading the analysts' verdicts", store_errmsg(st));
		goto out;
	}
	if (m.n_vouch)
		qsort(m.vouch, m.n_vouch, sizeof(*m.vouch), vouch_cmp);
	stats.vouched = m.n_vouch;

	/* the new scans (a scan above the watermark may be scored already: see the notes) */
	snprintf(sql, sizeof(sql), SQL_SCAN_COLS, (long long)m.scan_mark,
		 fresh ? "" : SQL_SCAN_NEW);
	scans.max_id = m.scan_mark;
	if (store_query(st, sql, on_obs, &scans) != STORE_OK || scans.oom) {
		fail(err, errcap, "reading the scans", scans.oom ? "out of memory" : store_errmsg(st));
		goto out;
	}
	if (scans.n)
		qsort(scans.o, scans.n, sizeof(*scans.o), obs_cmp);
	stats.scans = scans.n;
	int64_t unfinished = 0;
	if (store_query(st, "SELECT min(id) FROM scans WHERE finished IS NULL", on_min_id,
			&unfinished) != STORE_OK) {
		fail(err, errcap, "reading the scans", store_errmsg(st));
		goto out;
	}

	size_t si = 0;
	for (;;) {
		obs_list_clear(&conns);
		conns.max_id = m.last_conn;
		snprintf(sql, sizeof(sql),
			 "SELECT 0, c.id, c.ts, c.resource, c.leaf, vc.spki_sha256, vc.issuer,"
			 " c.version, c.cipher, c.ja3s, c.ja3, c.ja4"
			 " FROM (SELECT c.*, ifnull(c.server_cert_sha256, (SELECT cc.cert_sha256"
			 "  FROM conn_certs cc WHERE cc.conn_id = c.id AND cc.depth = 0)) AS leaf"
			 "  FROM v_conn c WHERE c.id > %lld ORDER BY c.id LIMIT %d) c"
			 " LEFT JOIN v_cert vc ON vc.sha256 = c.leaf",
			 (long long)m.last_conn, CHUNK);
		if (store_query(st, sql, on_obs, &conns) != STORE_OK || conns.oom) {
			fail(err, errcap, "reading the connections",
			     conns.oom ? "out of memory" : store_errmsg(st));
			goto out;
		}
		if (conns.max_id == m.last_conn)
			break;
		stats.connections += conns.n;
		if (conns.n)
			qsort(conns.o, conns.n, sizeof(*conns.o), obs_cmp);
		for (size_t ci = 0; ci < conns.n; ci++) {
			while (si < scans.n && scans.o[si].t <= conns.o[ci].t)
				if ((rc = observe(&x, &scans.o[si++])) != 0)
					goto observe_failed;
			if ((rc = observe(&x, &conns.o[ci])) != 0)
				goto observe_failed;
		}
		m.last_conn = conns.max_id;
	}
	while (si < scans.n)
		if ((rc = observe(&x, &scans.o[si++])) != 0)
			goto observe_failed;
	m.scan_mark = scans.max_id;
	if (unfinished > 0 && unfinished - 1 < m.scan_mark)
		m.scan_mark = unfinished - 1;

	struct wbuf b = { 0 };
	if (state_write(&m, &b) != 0) {
		free(b.p);
		fail(err, errcap, "saving the state", "out of memory");
		goto out;
	}
	rc = store_put_model_state(st, MODEL_STATE_NAME, b.p, b.len);
	free(b.p);
	if (rc != STORE_OK || store_flush(st) != STORE_OK) {
		fail(err, errcap, "saving the state", store_errmsg(st));
		goto out;
	}
	stats.servers = m.n;
	ret = 0;
	goto out;
observe_failed:
	fail(err, errcap, "writing scores", rc < 0 ? "out of memory" : store_errmsg(st));
out:
	if (out)
		*out = stats;
	obs_list_clear(&scans);
	obs_list_clear(&conns);
	free(scans.o);
	free(conns.o);
	free(blob);
	model_free(&m);
	return ret;
}

int model_update(struct store *st, char *err, size_t errcap)
{
	struct model_stats s;
	if (model_run(st, &s, err, errcap) != 0)
		return -1;
	if (s.rebuilt) {
		if (err && errcap)
			snprintf(err, errcap, "%s", s.note);
		return 1;
	}
	return 0;
}
