/*
 * svg: small chart writers producing inline SVG text for the HTML report (report_html.c),
 * our own code, no library. Two charts:
 *   - svg_bar_chart(): a horizontal bar chart, one labelled bar per data point (protocol
 *     versions across endpoints, suite classes, findings by severity);
 *   - svg_expiry_timeline(): a certificate expiry timeline, one row and one marker per
 *     certificate on a date axis from the earliest not_after to the latest (widened to
 *     include "today"), a vertical "today" line, expired markers red, markers of
 *     certificates with less than SVG_EXPIRY_SOON_DAYS days left amber, others green.
 *
 * The output is an <svg> element meant to sit inside an HTML5 document (no XML prolog and
 * no xmlns attribute: HTML5 puts <svg> in the SVG namespace by itself, so the charts name
 * no URL at all). Each chart carries role="img", an aria-label and a <title>, and a <desc>
 * giving every data point as text; each bar and marker has its own <title>. Fonts are the
 * generic families (sans-serif), never fetched. The output depends only on the arguments:
 * no clock is read ("today" is the caller's date, normally the report's generated time).
 *
 * Text: every string argument except the colours is untrusted (certificate subjects, SNI)
 * and written through svg_escape(), which makes it safe in XML and HTML5 text and in
 * double-quoted attribute values.
 *
 * Markers for the tests: each bar is the only element with class="bar"; each timeline
 * marker the only element whose class begins with "cert " (class="cert expired|soon|ok").
 *
 * Errors: the writers return 0, or -1 when an argument is invalid (errno EINVAL) or the
 * stream has its error flag set after writing (errno as the failed write left it). They
 * never print anything but the chart and never exit.
 */
#ifndef TLSSCOPE_ANALYZER_SVG_H
#define TLSSCOPE_ANALYZER_SVG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* At most this many bars, and this many timeline markers, in one chart (more: EINVAL). */
#define SVG_POINTS_MAX 10000u

/* Labels longer than this many characters (code points) are cut with an ellipsis in the
 * drawing; the full text stays in the element's <title>. */
#define SVG_LABEL_MAX 36

/* A certificate with fewer days left than this (and not expired) is drawn amber. */
#define SVG_EXPIRY_SOON_DAYS 30

/* One bar: label (UTF-8, untrusted, copied out while writing: only needs to live for the
 * call), value (>= 0; negative values and NaN are drawn as 0), colour ("#rrggbb", or NULL
 * for the default blue; anything else is replaced by the default). */
struct svg_bar {
	const char *label;
	double value;
	const char *color;
};

/*
 * Writes a horizontal bar chart to f: one row per bar, in the order given, bar lengths
 * proportional to the largest value, the value written after each bar. id (1..64 of
 * [a-z0-9-], starting with a letter) becomes the <svg> id and prefixes the ids inside it;
 * title (untrusted) is the chart's title and aria-label; unit (untrusted, may be NULL)
 * follows each value in the tooltips ("3 endpoints"). n == 0 draws a "no data" chart.
 * Returns 0, or -1 (errno EINVAL for a bad id, n > SVG_POINTS_MAX or a NULL label; or the
 * stream's error).
 */
int svg_bar_chart(FILE *f, const char *id, const char *title, const char *unit,
		  const struct svg_bar *bars, size_t n) __attribute__((warn_unused_result));

/* One certificate of the expiry timeline (strings UTF-8, untrusted, borrowed for the call). */
struct svg_cert {
	const char *label;      /* the row's label (e.g. the subject); NULL: "?" */
	const char *detail;     /* more for the tooltip (e.g. the endpoint, sha256), or NULL */
	const char *not_after;  /* RFC 3339 ("2025-01-31T23:59:59Z", offsets allowed) or a
				 * plain date; a certificate without a readable date is left
				 * out of the drawing and counted in the <desc> */
};

/*
 * Writes a certificate expiry timeline to f: rows sorted by not_after (ties in the order
 * given), a date axis with month or year ticks, a vertical line at today (RFC 3339 or a
 * plain date, the caller's "now"; NULL or unreadable: no today line, and no marker is
 * called expired or soon), and a legend. Colours: red when not_after is before today,
 * amber when fewer than SVG_EXPIRY_SOON_DAYS days remain, green otherwise. id, title: as
 * for svg_bar_chart(). *drawn (may be NULL) receives the number of markers drawn.
 * Returns 0, or -1 (errno EINVAL for a bad id or n > SVG_POINTS_MAX; or the stream's error).
 */
int svg_expiry_timeline(FILE *f, const char *id, const char *title, const struct svg_cert *certs,
			size_t n, const char *today, size_t *drawn)
	__attribute__((warn_unused_result));

/*
 * Writes s to f escaped for XML 1.0 and HTML5 text and double-quoted attribute values:
 * & < > " ' as &amp; &lt; &gt; &quot; &#39;; the C0 controls other than TAB, LF and CR, DEL
 * and the C1 controls (which XML 1.0 forbids or HTML5 calls parse errors), and every byte
 * that is not part of valid UTF-8 (overlong forms, surrogates, beyond U+10FFFF), as U+FFFD;
 * CR as a space; the bidirectional embedding, override and isolate controls (U+202A..U+202E,
 * U+2066..U+2069, which could make "txt.exe" of "exe.txt") as visible text "[U+202E]".
 * Other UTF-8 is copied as is. maxchars > 0 cuts the text after that many
 * code points and appends "…" (U+2026); 0 writes it whole. s NULL writes nothing.
 * Errors are left in the stream's error flag (check ferror()).
 */
void svg_escape(FILE *f, const char *s, size_t maxchars);

/*
 * Reads a date: "YYYY-MM-DD", optionally followed by "THH:MM:SS" (or a space for the T),
 * optional fractional seconds, and "Z", "+hh:mm" or "-hh:mm" (none = UTC). Years 1..9999.
 * Sets *secs to the seconds since 1970-01-01T00:00:00Z (negative before). Returns 0, or
 * -1 when s is not such a date (then *secs is untouched).
 */
int svg_parse_time(const char *s, int64_t *secs) __attribute__((warn_unused_result));

#endif
