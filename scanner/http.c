/*
 * HTTP response heads and Strict-Transport-Security values. See http.h.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "scanner/http.h"

static void set_value(char *dst, const char *p, size_t n)
{
	while (n > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
		n--;
	if (n > HTTP_VALUE_MAX)
		n = HTTP_VALUE_MAX;
	for (size_t i = 0; i < n; i++)
		dst[i] = (unsigned char)p[i] < 0x20 || (unsigned char)p[i] >= 0x7f ? '?' : p[i];
	dst[n] = '\0';
}

void http_parse_head(const char *p, size_t len, struct http_head *out)
{
	memset(out, 0, sizeof(*out));
	const char *end = p + len;
	const char *eol = memchr(p, '\n', len);
	if (!eol)
		return;
	if (eol - p >= 12 && strncmp(p, "HTTP/1.", 7) == 0 && isdigit((unsigned char)p[7]) &&
	    p[8] == ' ' && isdigit((unsigned char)p[9]) && isdigit((unsigned char)p[10]) &&
	    isdigit((unsigned char)p[11]) && (eol - p == 12 || p[12] == ' ' || p[12] == '\r'))
		out->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	for (p = eol + 1; p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			break;
		const char *colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon)
			continue;
		size_t name_len = (size_t)(colon - p);
		const char *v = colon + 1;
		size_t vn = (size_t)(eol - v);
		if (name_len == 25 && strncasecmp(p, "Strict-Transport-Security", 25) == 0) {
			if (!out->has_hsts)
				set_value(out->hsts, v, vn);
			out->has_hsts = true;
		} else if (name_len == 15 && strncasecmp(p, "Public-Key-Pins", 15) == 0) {
			if (!out->has_hpkp)
				set_value(out->hpkp, v, vn);
			out->has_hpkp = true;
		}
	}
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

void http_parse_hsts(const char *v, struct http_hsts *out)
{
	memset(out, 0, sizeof(*out));
	out->max_age = -1;
	for (const char *p = v; *p;) {
		while (blank(*p) || *p == ';')
			p++;
		if (!*p)
			break;
		const char *semi = strchr(p, ';');
		size_t n = semi ? (size_t)(semi - p) : strlen(p);
		const char *next = p + n;
		while (n > 0 && blank(p[n - 1]))
			n--;
		size_t name = 0;
		while (name < n && p[name] != '=' && !blank(p[name]))
			name++;
		out->directives++;
		if (name == 7 && strncasecmp(p, "max-age", 7) == 0) {
			const char *q = p + name, *e = p + n;
			while (q < e && blank(*q))
				q++;
			long long val = -1;
			if (q < e && *q == '=') {
				q++;
				while (q < e && blank(*q))
					q++;
				bool quoted = q < e && *q == '"';
				q += quoted;
				size_t nd = 0;
				long long acc = 0;
				while (q < e && *q >= '0' && *q <= '9') {
					if (acc < (1ll << 53))
						acc = acc * 10 + (*q - '0');
					q++;
					nd++;
				}
				bool closed = !quoted || (q < e && *q == '"');
				q += quoted && closed;
				if (nd > 0 && closed && q == e)
					val = acc;
			}
			out->max_age = val;
		} else if (name == n && n == 17 && strncasecmp(p, "includeSubDomains", 17) == 0) {
			out->include_subdomains = true;
		} else if (name == n && n == 7 && strncasecmp(p, "preload", 7) == 0) {
			out->preload = true;
		}
		p = next;
	}
}
