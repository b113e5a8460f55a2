/*
 * JA3, JA3S and JA4. See fp.h for the definitions and the contract.
 *
 * Implementation notes:
 *  - Every fingerprint string is produced by one render function writing through a counting
 *    writer (struct w): it stores what fits and counts everything, like snprintf. The hash
 *    functions render into a stack buffer first; only when the string did not fit do they
 *    allocate the exact size and render again.
 *  - Extensions are listed from the view's raw ext_block, so that a hello with more than
 *    TLS_MAX_EXTS extensions (the view keeps the first TLS_MAX_EXTS) is fingerprinted
 *    whole; a view without ext_block (built by hand) falls back to exts[].
 *  - JA4 sorts copies of the cipher and extension code lists (the views are const): up to
 *    SORT_INLINE codes on the stack, more in one heap array.
 */
#include <stdlib.h>
#include <string.h>

#include "capture/wire/cur.h"
#include "capture/wire/digest.h"
#include "capture/wire/fp.h"

#define RENDER_INLINE 2048 /* stack buffer for a fingerprint string */
#define SORT_INLINE 512    /* cipher + extension codes sorted on the stack */
#define SORT_INSERTION_MAX 64 /* longer lists are sorted with qsort */

static const char hexdig[] = "0123456789abcdef";

/* ---- counting writer ------------------------------------------------------------------ */

struct w {
	char *p;
	size_t cap;
	size_t len; /* bytes the full output needs, without the NUL */
};

static void w_putc(struct w *w, char c)
{
	if (w->len < w->cap)
		w->p[w->len] = c;
	w->len++;
}

static void w_puts(struct w *w, const char *s)
{
	while (*s)
		w_putc(w, *s++);
}

static void w_dec(struct w *w, unsigned v)
{
	char tmp[12];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		w_putc(w, tmp[--n]);
}

static void w_hex4(struct w *w, uint16_t v)
{
	w_putc(w, hexdig[(v >> 12) & 15]);
	w_putc(w, hexdig[(v >> 8) & 15]);
	w_putc(w, hexdig[(v >> 4) & 15]);
	w_putc(w, hexdig[v & 15]);
}

/* NUL-terminates; true when the whole output fit. */
static bool w_finish(struct w *w)
{
	if (w->len < w->cap) {
		w->p[w->len] = '\0';
		return true;
	}
	if (w->cap > 0)
		w->p[w->cap - 1] = '\0';
	return false;
}

/* ---- render + hash --------------------------------------------------------------------- */

enum hash_kind { HASH_MD5, HASH_SHA256 };

/* Renders with render(arg, w) and hashes the string. Returns false (digest untouched) only
 * when the string needed a heap buffer that could not be allocated. */
static bool render_hash(void (*render)(const void *arg, struct w *w), const void *arg,
			enum hash_kind kind, uint8_t *digest)
{
	char stack[RENDER_INLINE];
	struct w w = { stack, sizeof(stack), 0 };
	char *heap = NULL;
	const char *s = stack;

	render(arg, &w);
	if (w.len > sizeof(stack)) {
		size_t need = w.len;
		heap = malloc(need);
		if (!heap)
			return false;
		w.p = heap;
		w.cap = need;
		w.len = 0;
		render(arg, &w);
		s = heap;
	}
	if (kind == HASH_MD5)
		digest_md5(s, w.len, digest);
	else
		digest_sha256(s, w.len, digest);
	free(heap);
	return true;
}

/* ---- extension types ------------------------------------------------------------------- */

/* Walks the extension types of a hello in wire order, GREASE included. */
struct ext_iter {
	struct cur raw;           /* over ext_block, when the parser kept it */
	bool use_raw;
	const struct tls_ext *exts;
	size_t n, i;
};

static struct ext_iter ext_iter(struct tls_bytes block, const struct tls_ext *exts, size_t n)
{
	struct ext_iter it = { cur_make(block.p, block.len), block.p != NULL, exts, n, 0 };
	return it;
}

static bool ext_next(struct ext_iter *it, uint16_t *type)
{
	struct cur body;
	if (it->use_raw)
		return cur_u16(&it->raw, type) && cur_vec16(&it->raw, &body);
	if (it->i == it->n)
		return false;
	*type = it->exts[it->i++].type;
	return true;
}

static struct ext_iter ch_exts(const struct tls_client_hello *ch)
{
	return ext_iter(ch->ext_block, ch->exts, ch->n_exts);
}

/* ---- JA3 ------------------------------------------------------------------------------- */

static void w_u16_list(struct w *w, struct tls_u16s l, char sep)
{
	bool first = true;
	for (size_t i = 0; i < l.n; i++) {
		uint16_t v = tls_u16s_at(l, i);
		if (tls_is_grease(v))
			continue;
		if (!first)
			w_putc(w, sep);
		w_dec(w, v);
		first = false;
	}
}

static void ja3_render(const void *arg, struct w *w)
{
	const struct tls_client_hello *ch = arg;
	struct tls_u16s suites = { ch->suites.p, ch->n_suites };
	struct ext_iter it = ch_exts(ch);
	bool first = true;
	uint16_t t;

	w_dec(w, ch->legacy_version);
	w_putc(w, ',');
	w_u16_list(w, suites, '-');
	w_putc(w, ',');
	while (ext_next(&it, &t)) {
		if (tls_is_grease(t))
			continue;
		if (!first)
			w_putc(w, '-');
		w_dec(w, t);
		first = false;
	}
	w_putc(w, ',');
	w_u16_list(w, ch->groups, '-');
	w_putc(w, ',');
	for (size_t i = 0; i < ch->point_formats.len; i++) {
		if (i)
			w_putc(w, '-');
		w_dec(w, ch->point_formats.p[i]);
	}
}

static void md5_hex(void (*render)(const void *, struct w *), const void *arg,
		    char out[FP_MD5_HEX])
{
	uint8_t d[DIGEST_MD5_LEN];
	if (render_hash(render, arg, HASH_MD5, d))
		digest_hex(d, sizeof(d), out);
	else
		out[0] = '\0';
}

bool fp_ja3_string(const struct tls_client_hello *ch, char *out, size_t cap)
{
	struct w w = { out, cap, 0 };
	if (ch->sslv2) {
		w_finish(&w);
		return false;
	}
	ja3_render(ch, &w);
	return w_finish(&w);
}

void fp_ja3(const struct tls_client_hello *ch, char out[FP_MD5_HEX])
{
	if (ch->sslv2) {
		out[0] = '\0';
		return;
	}
	md5_hex(ja3_render, ch, out);
}

/* ---- JA3S ------------------------------------------------------------------------------ */

static void ja3s_render(const void *arg, struct w *w)
{
	const struct tls_server_hello *sh = arg;
	struct ext_iter it = ext_iter(sh->ext_block, sh->exts, sh->n_exts);
	bool first = true;
	uint16_t t;

	w_dec(w, sh->legacy_version);
	w_putc(w, ',');
	w_dec(w, sh->cipher);
	w_putc(w, ',');
	while (ext_next(&it, &t)) {
		if (tls_is_grease(t))
			continue;
		if (!first)
			w_putc(w, '-');
		w_dec(w, t);
		first = false;
	}
}

bool fp_ja3s_string(const struct tls_server_hello *sh, char *out, size_t cap)
{
	struct w w = { out, cap, 0 };
	ja3s_render(sh, &w);
	return w_finish(&w);
}

void fp_ja3s(const struct tls_server_hello *sh, char out[FP_MD5_HEX])
{
	md5_hex(ja3s_render, sh, out);
}

/* ---- JA4 ------------------------------------------------------------------------------- */

/* The sorted lists JA4 hashes, and the signature algorithms in wire order. */
struct ja4_lists {
	const uint16_t *ciphers;
	size_t n_ciphers;
	const uint16_t *exts;     /* without SNI and ALPN */
	size_t n_exts;
	struct tls_u16s sig_algs; /* GREASE still in: skipped when rendered */
	bool has_sig_algs;        /* at least one non-GREASE value */
};

static int cmp_u16(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
	return (x > y) - (x < y);
}

/* Sorts v[0..n) ascending: insertion sort for the short lists of real hellos (qsort's
 * indirect comparisons cost more there), qsort for long ones (hostile hellos). */
static void sort_u16(uint16_t *v, size_t n)
{
	if (n > SORT_INSERTION_MAX) {
		qsort(v, n, sizeof(uint16_t), cmp_u16);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		uint16_t x = v[i];
		size_t j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static const char *ja4_version(uint16_t v)
{
	switch (v) {
	case 0x0304: return "13";
	case 0x0303: return "12";
	case 0x0302: return "11";
	case 0x0301: return "10";
	case 0x0300: return "s3";
	case 0x0002: return "s2";
	case 0xfeff: return "d1";
	case 0xfefd: return "d2";
	case 0xfefc: return "d3";
	default: return "00";
	}
}

static bool is_alnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* JA4_a: transport, version, d/i, cipher count, extension count, ALPN (10 chars + NUL). */
static void ja4_a(const struct tls_client_hello *ch, char transport, char a[11])
{
	uint16_t version = 0;
	bool have_version = false;
	size_t n_ciphers = 0, n_exts = 0;
	struct tls_bytes alpn = { NULL, 0 };
	struct ext_iter it = ch_exts(ch);
	bool sni = false;
	uint16_t t;
	const char *vs;

	/* Highest non-GREASE supported_versions value, else legacy_version. */
	for (size_t i = 0; i < ch->versions.n; i++) {
		uint16_t v = tls_u16s_at(ch->versions, i);
		if (!tls_is_grease(v) && (!have_version || v > version)) {
			version = v;
			have_version = true;
		}
	}
	if (!have_version)
		version = ch->legacy_version;
	for (size_t i = 0; i < ch->n_suites; i++)
		if (!tls_is_grease((uint16_t)tls_ch_suite(ch, i)))
			n_ciphers++;
	while (ext_next(&it, &t)) {
		if (!tls_is_grease(t))
			n_exts++;
		if (t == TLS_EXT_SERVER_NAME)
			sni = true;
	}
	if (n_ciphers > 99)
		n_ciphers = 99;
	if (n_exts > 99)
		n_exts = 99;
	if (ch->n_alpn > 0)
		alpn = tls_alpn_at(ch->alpn, 0);

	vs = ja4_version(version);
	a[0] = transport;
	a[1] = vs[0];
	a[2] = vs[1];
	a[3] = sni ? 'd' : 'i';
	a[4] = (char)('0' + n_ciphers / 10);
	a[5] = (char)('0' + n_ciphers % 10);
	a[6] = (char)('0' + n_exts / 10);
	a[7] = (char)('0' + n_exts % 10);
	if (alpn.len == 0) {
		a[8] = '0';
		a[9] = '0';
	} else {
		uint8_t f = alpn.p[0], l = alpn.p[alpn.len - 1];
		if (is_alnum(f) && is_alnum(l)) {
			a[8] = (char)f;
			a[9] = (char)l;
		} else {
			a[8] = hexdig[f >> 4];
			a[9] = hexdig[l & 15];
		}
	}
	a[10] = '\0';
}

static void w_hex_list(struct w *w, const uint16_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			w_putc(w, ',');
		w_hex4(w, v[i]);
	}
}

static void ja4_render_ciphers(const void *arg, struct w *w)
{
	const struct ja4_lists *l = arg;
	w_hex_list(w, l->ciphers, l->n_ciphers);
}

static void ja4_render_sig_algs(const struct ja4_lists *l, struct w *w)
{
	bool first = true;
	for (size_t i = 0; i < l->sig_algs.n; i++) {
		uint16_t v = tls_u16s_at(l->sig_algs, i);
		if (tls_is_grease(v))
			continue;
		if (!first)
			w_putc(w, ',');
		w_hex4(w, v);
		first = false;
	}
}

/* JA4_c input: sorted extensions, then '_' + signature algorithms when there are any. */
static void ja4_render_exts(const void *arg, struct w *w)
{
	const struct ja4_lists *l = arg;
	w_hex_list(w, l->exts, l->n_exts);
	if (l->has_sig_algs) {
		w_putc(w, '_');
		ja4_render_sig_algs(l, w);
	}
}

/* Fills l; *heap receives an allocation the caller frees (NULL when none was needed).
 * Returns false when that allocation failed. */
static bool ja4_lists(const struct tls_client_hello *ch, struct ja4_lists *l,
		      uint16_t inline_buf[SORT_INLINE], uint16_t **heap)
{
	uint16_t *c = inline_buf, *e, t;
	struct ext_iter it = ch_exts(ch);
	size_t n_ext_all = 0;

	memset(l, 0, sizeof(*l));
	*heap = NULL;
	while (ext_next(&it, &t))
		n_ext_all++;
	if (ch->n_suites + n_ext_all > SORT_INLINE) {
		*heap = malloc((ch->n_suites + n_ext_all) * sizeof(uint16_t));
		if (!*heap)
			return false;
		c = *heap;
	}
	for (size_t i = 0; i < ch->n_suites; i++) {
		uint16_t v = (uint16_t)tls_ch_suite(ch, i);
		if (!tls_is_grease(v))
			c[l->n_ciphers++] = v;
	}
	sort_u16(c, l->n_ciphers);
	l->ciphers = c;
	e = c + l->n_ciphers;
	it = ch_exts(ch);
	while (ext_next(&it, &t) && l->n_exts < n_ext_all)
		if (!tls_is_grease(t) && t != TLS_EXT_SERVER_NAME && t != TLS_EXT_ALPN)
			e[l->n_exts++] = t;
	sort_u16(e, l->n_exts);
	l->exts = e;
	l->sig_algs = ch->sig_algs;
	for (size_t i = 0; i < ch->sig_algs.n; i++)
		if (!tls_is_grease(tls_u16s_at(ch->sig_algs, i)))
			l->has_sig_algs = true;
	return true;
}

/* hash12 of a rendered list, or "000000000000" when the list is empty. */
static bool hash12(void (*render)(const void *, struct w *), const struct ja4_lists *l,
		   size_t n, char out[13])
{
	uint8_t d[DIGEST_SHA256_LEN];
	char hex[2 * DIGEST_SHA256_LEN + 1];
	if (n == 0) {
		memcpy(out, "000000000000", 13);
		return true;
	}
	if (!render_hash(render, l, HASH_SHA256, d))
		return false;
	digest_hex(d, sizeof(d), hex);
	memcpy(out, hex, 12);
	out[12] = '\0';
	return true;
}

void fp_ja4(const struct tls_client_hello *ch, char transport, char out[FP_JA4_LEN])
{
	struct ja4_lists l;
	uint16_t inline_buf[SORT_INLINE];
	uint16_t *heap;
	char a[11], b[13], c[13];

	out[0] = '\0';
	if (ch->sslv2 || !ja4_lists(ch, &l, inline_buf, &heap))
		return;
	ja4_a(ch, transport, a);
	if (hash12(ja4_render_ciphers, &l, l.n_ciphers, b) &&
	    hash12(ja4_render_exts, &l, l.n_exts, c)) {
		memcpy(out, a, 10);
		out[10] = '_';
		memcpy(out + 11, b, 12);
		out[23] = '_';
		memcpy(out + 24, c, 12);
		out[36] = '\0';
	}
	free(heap);
}

bool fp_ja4_r(const struct tls_client_hello *ch, char transport, char *out, size_t cap)
{
	struct ja4_lists l;
	uint16_t inline_buf[SORT_INLINE];
	uint16_t *heap;
	struct w w = { out, cap, 0 };
	char a[11];
	bool ok;

	if (ch->sslv2 || !ja4_lists(ch, &l, inline_buf, &heap)) {
		w_finish(&w);
		return false;
	}
	ja4_a(ch, transport, a);
	w_puts(&w, a);
	w_putc(&w, '_');
	ja4_render_ciphers(&l, &w);
	w_putc(&w, '_');
	ja4_render_exts(&l, &w);
	ok = w_finish(&w);
	free(heap);
	return ok;
}
