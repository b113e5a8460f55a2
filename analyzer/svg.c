/*
 * svg: horizontal bar charts and the certificate expiry timeline as inline SVG text.
 *
 * Layout of a bar chart (units are SVG user units, about CSS pixels):
 *
 *     0              BAR_X                          BAR_X+BAR_MAX        BAR_W
 *     |   label text |███████████████████ 12         |                    |   row 0
 *     |      label 2 |██████ 4                       |                    |   row 1
 *
 * Layout of the expiry timeline:
 *
 *     |              | 2025-01   2025-04   2025-07   2025-10      <- axis labels (TL_TOP-10)
 *     | subject 1    |    ●  2025-02-01     :                     <- one row per certificate
 *     | subject 2    |              ● 2025-06-30                     (sorted by not_after)
 *     |              |                  today 2025-05-20          <- under the plot
 *     | ● expired ● < 30 days ● valid  ┆ today                   <- legend
 *
 * Dates are converted with the proleptic Gregorian day-number formulas of H. Hinnant,
 * "chrono-Compatible Low-Level Date Algorithms" (days_from_civil / civil_from_days), so no
 * timezone or locale is consulted (timegm would do, but these need no environment at all).
 */
#include "analyzer/svg.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_COLOR "#3b6ea5"

/* bar chart geometry */
#define BAR_W 680
#define BAR_X 230.0
#define BAR_MAX 380.0
#define BAR_ROW 24
#define BAR_H 16
#define BAR_TOP 8

/* timeline geometry */
#define TL_W 720
#define TL_X0 270.0
#define TL_X1 690.0
#define TL_TOP 34
#define TL_ROW 20

#define COLOR_EXPIRED "#c62828"
#define COLOR_SOON "#e69500"
#define COLOR_OK "#2e7d32"
#define COLOR_TODAY "#1f2937"

#define DAY 86400

/* ---- text ---------------------------------------------------------------------------- */

/*
 * Decodes one UTF-8 sequence at s (NUL-terminated). Returns its length in bytes and sets
 * *cp. An ill-formed sequence gives *cp = 0xFFFD and the length of its maximal subpart (at
 * least 1): the well-formed byte sequences are those of the Unicode Standard, section 3.9,
 * Table 3-7 (no overlong forms, no surrogates, nothing above U+10FFFF), and each maximal
 * subpart of an ill-formed one becomes one U+FFFD (section 3.9, "U+FFFD Substitution of
 * Maximal Subparts"), as browsers' decoders (WHATWG Encoding) do.
 */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, v = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, v = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		*cp = 0xfffd;
		return 1;
	}
	for (size_t i = 1; i < len; i++) {
		/* the second byte has the lead's range, the others 80..BF; NUL stops too */
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xbf)) {
			*cp = 0xfffd;
			return i;
		}
		v = (v << 6) | (s[i] & 0x3f);
	}
	*cp = v;
	return len;
}

void svg_escape(FILE *f, const char *s, size_t maxchars)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t chars = 0;

	if (s == NULL)
		return;
	while (*p != '\0') {
		uint32_t cp;
		size_t len = utf8_next(p, &cp);

		if (maxchars > 0 && chars == maxchars) {
			fputs("\xe2\x80\xa6", f);  /* U+2026 HORIZONTAL ELLIPSIS */
			return;
		}
		chars++;
		switch (cp) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		case '\t': case '\n': fputc((int)cp, f); break;
		case '\r': fputc(' ', f); break;
		default:
			if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0xfffd)
				fputs("\xef\xbf\xbd", f);  /* U+FFFD REPLACEMENT CHARACTER */
			else if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
				fprintf(f, "[U+%04X]", (unsigned)cp);  /* bidi embedding/override */
			else
				fwrite(p, 1, len, f);
		}
		p += len;
	}
}

/* ---- dates --------------------------------------------------------------------------- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int digits(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int svg_parse_time(const char *s, int64_t *secs)
{
	static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h = 0, mi = 0, sec = 0, off = 0;

	if (s == NULL || strlen(s) < 10 || s[4] != '-' || s[7] != '-')
		return -1;
	y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || (unsigned)d > mdays[mo - 1])
		return -1;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	s += 10;
	if (*s == 'T' || *s == 't' || *s == ' ') {
		if (strlen(s) < 9 || s[3] != ':' || s[6] != ':')
			return -1;
		h = digits(s + 1, 2), mi = digits(s + 4, 2), sec = digits(s + 7, 2);
		if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
			return -1;
		s += 9;
		if (*s == '.') {
			s++;
			if (*s < '0' || *s > '9')
				return -1;
			while (*s >= '0' && *s <= '9')
				s++;
		}
		if (*s == 'Z' || *s == 'z') {
			s++;
		} else if (*s == '+' || *s == '-') {
			int oh, om;
			if (strlen(s) < 6 || s[3] != ':')
				return -1;
			oh = digits(s + 1, 2), om = digits(s + 4, 2);
			if (oh < 0 || oh > 23 || om < 0 || om > 59)
				return -1;
			off = (oh * 3600 + om * 60) * (*s == '-' ? -1 : 1);
			s += 6;
		}
	}
	if (*s != '\0')
		return -1;
	*secs = days_from_civil(y, (unsigned)mo, (unsigned)d) * DAY + h * 3600 + mi * 60 + sec - off;
	return 0;
}

/* ---- common -------------------------------------------------------------------------- */

static bool id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0 || n > 64 || id[0] < 'a' || id[0] > 'z')
		return false;
	return strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static const char *color_or_default(const char *c)
{
	if (c == NULL || strlen(c) != 7 || c[0] != '#' ||
	    strspn(c + 1, "0123456789abcdefABCDEF") != 6)
		return DEFAULT_COLOR;
	return c;
}

/* Writes a value as an integer when it is one, else with two decimals. */
static void put_value(FILE *f, double v)
{
	/* an integer when the value is one (no libm: the program links none) */
	if (v > -1e15 && v < 1e15 && v == (double)(long long)v)
		fprintf(f, "%.0f", v);
	else
		fprintf(f, "%.2f", v);
}

static void svg_open(FILE *f, const char *id, const char *title, int w, int h)
{
	fprintf(f, "<svg id=\"%s\" class=\"chart\" role=\"img\" aria-label=\"", id);
	svg_escape(f, title, 0);
	fprintf(f, "\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
		"font-family=\"sans-serif\" font-size=\"12\">\n<title>", w, h, w, h);
	svg_escape(f, title, 0);
	fputs("</title>\n", f);
}

static int finish(FILE *f)
{
	if (ferror(f)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* ---- bar chart ----------------------------------------------------------------------- */

int svg_bar_chart(FILE *f, const char *id, const char *title, const char *unit,
		  const struct svg_bar *bars, size_t n)
{
	double max = 0;
	int h;

	if (f == NULL || !id_ok(id) || n > SVG_POINTS_MAX || (n > 0 && bars == NULL)) {
		errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (bars[i].label == NULL) {
			errno = EINVAL;
			return -1;
		}
		if (bars[i].value > max)  /* false for NaN */
			max = bars[i].value;
	}
	h = BAR_TOP * 2 + (n > 0 ? (int)n : 1) * BAR_ROW;
	svg_open(f, id, title, BAR_W, h);
	fputs("<desc>", f);
	if (n == 0)
		fputs("No data.", f);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? "; " : "", f);
		svg_escape(f, bars[i].label, 0);
		fputs(": ", f);
		put_value(f, bars[i].value > 0 ? bars[i].value : 0);
		if (unit != NULL) {
			fputc(' ', f);
			svg_escape(f, unit, 0);
		}
	}
	fputs("</desc>\n", f);
	if (n == 0)
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" fill=\"#555\">No data</text>\n", BAR_X,
			BAR_TOP + BAR_ROW / 2 + 4);
	for (size_t i = 0; i < n; i++) {
		double v = bars[i].value > 0 ? bars[i].value : 0;
		double w = max > 0 ? v / max * BAR_MAX : 0;
		double y = BAR_TOP + (double)i * BAR_ROW;

		fprintf(f, "<g><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#111\">",
			BAR_X - 8, y + BAR_H - 4);
		svg_escape(f, bars[i].label, SVG_LABEL_MAX);
		fprintf(f, "</text><rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			"height=\"%d\" fill=\"%s\"><title>", BAR_X, y, w, BAR_H,
			color_or_default(bars[i].color));
		svg_escape(f, bars[i].label, 0);
		fputs(": ", f);
		put_value(f, v);
		if (unit != NULL) {
			fputc(' ', f);
			svg_escape(f, unit, 0);
		}
		fprintf(f, "</title></rect><text x=\"%.1f\" y=\"%.1f\" fill=\"#111\">",
			BAR_X + w + 6, y + BAR_H - 4);
		put_value(f, v);
		fputs("</text></g>\n", f);
	}
	fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#444\"/>\n",
		BAR_X, BAR_TOP - 2, BAR_X, h - BAR_TOP + 2);
	fputs("</svg>\n", f);
	return finish(f);
}

/* ---- expiry timeline ----------------------------------------------------------------- */

struct row {
	int64_t secs;
	size_t i;
};

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->secs != y->secs)
		return x->secs < y->secs ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* The x coordinate of time t on the axis [lo, hi]. */
static double xpos(int64_t t, int64_t lo, int64_t hi)
{
	return TL_X0 + (double)(t - lo) / (double)(hi - lo) * (TL_X1 - TL_X0);
}

/* Writes the date part (YYYY-MM-DD) of an instant, in UTC. */
static void put_date(FILE *f, int64_t secs)
{
	int64_t y;
	unsigned m, d;
	int64_t days = secs >= 0 ? secs / DAY : -((-secs + DAY - 1) / DAY);
	civil_from_days(days, &y, &m, &d);
	fprintf(f, "%04" PRId64 "-%02u-%02u", y, m, d);
}

/* Month or year ticks: at most 8 between lo and hi, on month boundaries (UTC). */
static void put_ticks(FILE *f, int64_t lo, int64_t hi, int bottom)
{
	static const int64_t steps[] = { 1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200, 2400,
					 6000, 12000, 24000, 60000, 120000 };
	int64_t y, y2, step = steps[0], m0, m1;
	unsigned m, d, m2, d2;

	civil_from_days(lo / DAY, &y, &m, &d);
	civil_from_days(hi / DAY, &y2, &m2, &d2);
	m0 = y * 12 + (m - 1);
	m1 = y2 * 12 + (m2 - 1);
	if (days_from_civil(y, m, 1) * DAY < lo)
		m0++;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		step = steps[i];
		if ((m1 - m0) / step < 8)
			break;
	}
	m0 = (m0 + step - 1) / step * step;
	for (int64_t k = m0; k <= m1; k += step) {
		int64_t ty = k / 12;
		unsigned tm = (unsigned)(k % 12) + 1;
		int64_t t = days_from_civil(ty, tm, 1) * DAY;
		double x;

		if (t < lo || t > hi)
			continue;
		x = xpos(t, lo, hi);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ccc\"/>"
			"<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#333\">", x,
			TL_TOP - 6, x, bottom, x, TL_TOP - 10);
		if (step >= 12)
			fprintf(f, "%04" PRId64, ty);
		else
			fprintf(f, "%04" PRId64 "-%02u", ty, tm);
		fputs("</text>\n", f);
	}
}

int svg_expiry_timeline(FILE *f, const char *id, const char *title, const struct svg_cert *certs,
			size_t n, const char *today, size_t *drawn)
{
	struct row *rows = NULL;
	size_t nrows = 0, nexpired = 0, nsoon = 0;
	int64_t now = 0, lo = 0, hi = 0;
	bool have_now;
	int bottom, h;

	if (drawn != NULL)
		*drawn = 0;
	if (f == NULL || !id_ok(id) || n > SVG_POINTS_MAX || (n > 0 && certs == NULL)) {
		errno = EINVAL;
		return -1;
	}
	have_now = svg_parse_time(today, &now) == 0;
	if (n > 0) {
		rows = malloc(n * sizeof *rows);
		if (rows == NULL)
			return -1;
	}
	for (size_t i = 0; i < n; i++) {
		int64_t t;
		if (svg_parse_time(certs[i].not_after, &t) != 0)
			continue;
		rows[nrows].secs = t;
		rows[nrows].i = i;
		nrows++;
		if (have_now && t < now)
			nexpired++;
		else if (have_now && t - now < (int64_t)SVG_EXPIRY_SOON_DAYS * DAY)
			nsoon++;
	}
	if (nrows > 0)
		qsort(rows, nrows, sizeof *rows, row_cmp);

	/* The axis: earliest to latest not_after, widened to show today, at least 30 days,
	 * with 3% of room on each side. */
	if (nrows > 0) {
		lo = rows[0].secs, hi = rows[nrows - 1].secs;
	} else if (have_now) {
		lo = hi = now;
	}
	if (have_now) {
		lo = now < lo ? now : lo;
		hi = now > hi ? now : hi;
	}
	if (hi - lo < 30 * DAY) {
		int64_t mid = lo + (hi - lo) / 2;
		lo = mid - 15 * DAY, hi = mid + 15 * DAY;
	}
	{
		int64_t pad = (hi - lo) / 33;
		lo -= pad, hi += pad;
	}

	bottom = TL_TOP + (nrows > 0 ? (int)nrows : 1) * TL_ROW;
	h = bottom + 44;
	svg_open(f, id, title, TL_W, h);
	fprintf(f, "<desc>%zu certificates on the timeline", nrows);
	if (have_now)
		fprintf(f, ", %zu expired, %zu expiring within %d days", nexpired, nsoon,
			SVG_EXPIRY_SOON_DAYS);
	if (n > nrows)
		fprintf(f, "; %zu without a readable expiry date (not drawn)", n - nrows);
	fputs(".</desc>\n", f);
	if (nrows > 0 || have_now)
		put_ticks(f, lo, hi, bottom);
	if (nrows == 0)
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" fill=\"#555\">No certificates</text>\n",
			TL_X0, TL_TOP + TL_ROW / 2 + 4);
	fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#444\"/>\n", TL_X0,
		bottom, TL_X1, bottom);

	for (size_t r = 0; r < nrows; r++) {
		const struct svg_cert *c = &certs[rows[r].i];
		int64_t t = rows[r].secs;
		double x = xpos(t, lo, hi), y = TL_TOP + (double)r * TL_ROW + TL_ROW / 2.0;
		const char *cls = "ok", *color = COLOR_OK;

		if (have_now && t < now)
			cls = "expired", color = COLOR_EXPIRED;
		else if (have_now && t - now < (int64_t)SVG_EXPIRY_SOON_DAYS * DAY)
			cls = "soon", color = COLOR_SOON;
		fprintf(f, "<g><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
			"stroke=\"#eee\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" "
			"fill=\"#111\">", TL_X0, y, TL_X1, y, TL_X0 - 8, y + 4);
		svg_escape(f, c->label ? c->label : "?", SVG_LABEL_MAX);
		fprintf(f, "</text><circle class=\"cert %s\" cx=\"%.1f\" cy=\"%.1f\" r=\"5\" "
			"fill=\"%s\" stroke=\"#111\" stroke-width=\"0.5\"><title>", cls, x, y, color);
		svg_escape(f, c->label ? c->label : "?", 0);
		fputs(" \xe2\x80\x94 expires ", f);
		svg_escape(f, c->not_after, 0);
		if (have_now) {
			int64_t left = t - now;
			if (left < 0)
				fprintf(f, " (expired %" PRId64 " days before the report)",
					(-left) / DAY);
			else
				fprintf(f, " (%" PRId64 " days left)", left / DAY);
		}
		if (c->detail != NULL) {
			fputs(" \xe2\x80\x94 ", f);
			svg_escape(f, c->detail, 0);
		}
		/* the date beside the marker, on the side with room */
		if (x < TL_X1 - 80)
			fprintf(f, "</title></circle><text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
				"fill=\"#333\">", x + 9, y + 4);
		else
			fprintf(f, "</title></circle><text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
				"text-anchor=\"end\" fill=\"#333\">", x - 9, y + 4);
		put_date(f, t);
		fputs("</text></g>\n", f);
	}

	if (have_now) {
		double x = xpos(now, lo, hi);
		fprintf(f, "<line class=\"today\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
			"stroke=\"%s\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>"
			"<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"10\" "
			"fill=\"%s\">today ", x, TL_TOP - 4, x, bottom + 4, COLOR_TODAY, x,
			bottom + 14, COLOR_TODAY);
		put_date(f, now);
		fputs("</text>\n", f);
	}
	/* legend */
	{
		static const struct { const char *color, *text; } legend[] = {
			{ COLOR_EXPIRED, "expired" },
			{ COLOR_SOON, "fewer than 30 days left" },
			{ COLOR_OK, "30 days or more left" },
		};
		double x = TL_X0;
		int y = bottom + 32;
		for (size_t i = 0; i < sizeof legend / sizeof legend[0]; i++) {
			fprintf(f, "<circle cx=\"%.1f\" cy=\"%d\" r=\"5\" fill=\"%s\"/>"
				"<text x=\"%.1f\" y=\"%d\" font-size=\"11\" fill=\"#111\">%s</text>\n",
				x, y - 4, legend[i].color, x + 9, y, legend[i].text);
			x += 30 + 6.0 * (double)strlen(legend[i].text);
		}
	}
	fputs("</svg>\n", f);
	free(rows);
	if (drawn != NULL)
		*drawn = nrows;
	return finish(f);
}
