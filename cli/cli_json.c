/*
 * cli_json: see cli_json.h.
 *
 * One growable buffer; strings are copied in runs between the bytes that need escaping. The
 * comma state is one bit per open container, set once it holds a value.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli_json.h"

#define JW_INIT_CAP 1024

_Static_assert(CLI_JW_MAX_DEPTH <= 32, "nonempty is a 32-bit set");

void cli_jw_init(struct cli_jw *w)
{
	memset(w, 0, sizeof(*w));
}

void cli_jw_free(struct cli_jw *w)
{
	free(w->p);
	cli_jw_init(w);
}

void cli_jw_fail(struct cli_jw *w)
{
	w->bad = true;
}

static bool grow(struct cli_jw *w, size_t n)
{
	size_t cap = w->cap ? w->cap : JW_INIT_CAP;
	char *p;
	while (cap - w->len < n) {
		if (cap > SIZE_MAX / 2) {
			w->bad = true;
			return false;
		}
		cap *= 2;
	}
	p = realloc(w->p, cap);
	if (!p) {
		w->bad = true;
		return false;
	}
	w->p = p;
	w->cap = cap;
	return true;
}

static void put(struct cli_jw *w, const char *s, size_t n)
{
	if (!n || w->bad || (w->cap - w->len < n && !grow(w, n)))
		return;
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void putc1(struct cli_jw *w, char c)
{
	if (w->bad || (w->cap == w->len && !grow(w, 1)))
		return;
	w->p[w->len++] = c;
}

/* Before a value or a key: the comma, unless it follows a key or opens its container. */
static void sep(struct cli_jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth) {
		uint32_t bit = 1u << (w->depth - 1);
		if (w->nonempty & bit)
			putc1(w, ',');
		w->nonempty |= bit;
	}
}

/* The bytes written escaped: the control characters, '"' and '\\'. */
static const bool needs_escape[256] = {
	[0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
	[0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1,
	[0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
	[0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1,
	[0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, ['"'] = 1, ['\\'] = 1,
};

static void put_string(struct cli_jw *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t run = 0;
	putc1(w, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!needs_escape[c])
			continue;
		char esc[6] = { '\\', 0, '0', '0', 0, 0 };
		size_t elen = 2;
		put(w, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			esc[1] = 'u';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			elen = 6;
		}
		put(w, esc, elen);
	}
	put(w, s + run, n - run);
	putc1(w, '"');
}

static void open_(struct cli_jw *w, bool obj)
{
	sep(w);
	if (w->depth >= CLI_JW_MAX_DEPTH) {
		w->bad = true;
		return;
	}
	putc1(w, obj ? '{' : '[');
	uint32_t bit = 1u << w->depth;
	w->nonempty &= ~bit;
	w->is_obj = obj ? w->is_obj | bit : w->is_obj & ~bit;
	w->depth++;
}

void cli_jw_obj(struct cli_jw *w) { open_(w, true); }
void cli_jw_arr(struct cli_jw *w) { open_(w, false); }

void cli_jw_end(struct cli_jw *w)
{
	if (!w->depth || w->after_key) {
		w->bad = true;
		return;
	}
	w->depth--;
	putc1(w, (w->is_obj >> w->depth) & 1 ? '}' : ']');
}

void cli_jw_key(struct cli_jw *w, const char *k)
{
	if (!w->depth || !((w->is_obj >> (w->depth - 1)) & 1) || w->after_key) {
		w->bad = true;
		return;
	}
	sep(w);
	put_string(w, k, strlen(k));
	putc1(w, ':');
	w->after_key = true;
}

void cli_jw_str(struct cli_jw *w, const char *s, size_t n)
{
	sep(w);
	put_string(w, s, n);
}

void cli_jw_cstr(struct cli_jw *w, const char *s)
{
	if (!s) {
		cli_jw_null(w);
		return;
	}
	cli_jw_str(w, s, strlen(s));
}

void cli_jw_int(struct cli_jw *w, long long v)
{
	char tmp[24];
	size_t n = sizeof(tmp);
	/* the magnitude as unsigned: -LLONG_MIN does not fit in a long long */
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	do {
		tmp[--n] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--n] = '-';
	sep(w);
	put(w, tmp + n, sizeof(tmp) - n);
}

void cli_jw_bool(struct cli_jw *w, bool v)
{
	sep(w);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void cli_jw_null(struct cli_jw *w)
{
	sep(w);
	put(w, "null", 4);
}

char *cli_jw_take(struct cli_jw *w, size_t *len)
{
	char *p;
	if (w->depth || w->after_key)
		w->bad = true;
	putc1(w, '\0');
	if (w->bad) {
		cli_jw_free(w);
		return NULL;
	}
	p = w->p;
	if (len)
		*len = w->len - 1;
	cli_jw_init(w);
	return p;
}

static void dump(struct cli_jw *w, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		cli_jw_obj(w);
		/* jansson 2.14 iterates in insertion order, as json_dumps writes */
		for (void *it = json_object_iter((json_t *)v); it && !w->bad;
		     it = json_object_iter_next((json_t *)v, it)) {
			sep(w);
			put_string(w, json_object_iter_key(it), json_object_iter_key_len(it));
			putc1(w, ':');
			w->after_key = true;
			dump(w, json_object_iter_value(it));
		}
		cli_jw_end(w);
		break;
	case JSON_ARRAY:
		cli_jw_arr(w);
		for (size_t i = 0; i < json_array_size(v) && !w->bad; i++)
			dump(w, json_array_get(v, i));
		cli_jw_end(w);
		break;
	case JSON_STRING:
		cli_jw_str(w, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		cli_jw_int(w, json_integer_value(v));
		break;
	case JSON_TRUE:
		cli_jw_bool(w, true);
		break;
	case JSON_FALSE:
		cli_jw_bool(w, false);
		break;
	case JSON_NULL:
		cli_jw_null(w);
		break;
	default: { /* JSON_REAL: jansson's own formatting (precision, ".0", locale) */
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (!s) {
			w->bad = true;
			return;
		}
		sep(w);
		put(w, s, strlen(s));
		free(s);
	}
	}
}

char *cli_json_dumps(const json_t *v, size_t *len)
{
	struct cli_jw w;
	if (!v)
		return NULL;
	cli_jw_init(&w);
	dump(&w, v);
	return cli_jw_take(&w, len);
}

/* RFC 3629 section 4, as jansson's utf8_check_string. */
bool cli_utf8_valid(const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = p[i];
		size_t k;
		uint32_t v;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 2;
			v = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 3;
			v = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 4;
			v = c & 0x07;
		} else {
			return false; /* a continuation byte, 0xc0/0xc1 (overlong ASCII), >= 0xf5 */
		}
		if (k > n - i)
			return false;
		for (size_t j = 1; j < k; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				return false;
			v = v << 6 | (p[i + j] & 0x3f);
		}
		if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff) || (k == 3 && v < 0x800) ||
		    (k == 4 && v < 0x10000))
			return false;
		i += k;
	}
	return true;
}
