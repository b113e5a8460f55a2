/*
 * Certificate pins from a file. See pins.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "scanner/pins.h"

struct pin_entry {
	char *host;                    /* lowercase, no final dot; IPv6 without brackets */
	uint16_t port;
	size_t n;
	uint8_t pin[PINS_PER_ENTRY][32];
};

struct pins {
	struct pin_entry *e;
	size_t n, cap;
};

void pins_free(struct pins *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->e[i].host);
	free(p->e);
	free(p);
}

/* Base64 of exactly 32 bytes (44 characters, one '=' of padding) into out. */
static bool decode_pin(const char *s, size_t n, uint8_t out[32])
{
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s++;
		n -= 2;
	}
	if (n != 44 || s[43] != '=' || s[42] == '=')
		return false;
	for (size_t i = 0; i < 43; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '+' || c == '/'))
			return false;
	}
	uint8_t buf[36];
	return EVP_DecodeBlock(buf, (const unsigned char *)s, 44) == 33 &&
	       (memcpy(out, buf, 32), true);
}

/* "HOST:PORT" of one line into e. */
static const char *parse_endpoint(const char *s, size_t n, struct pin_entry *e)
{
	const char *colon;
	const char *host = s;
	size_t host_len;
	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);
		if (!close || close + 1 >= s + n || close[1] != ':')
			return "expected [IPv6]:PORT";
		host = s + 1;
		host_len = (size_t)(close - s - 1);
		colon = close + 1;
	} else {
		colon = NULL;
		for (size_t i = n; i > 0; i--)
			if (s[i - 1] == ':') {
				colon = s + i - 1;
				break;
			}
		if (!colon)
			return "expected HOST:PORT";
		host_len = (size_t)(colon - s);
		if (memchr(s, ':', host_len))
			return "an IPv6 address needs brackets: [ADDRESS]:PORT";
	}
	if (host_len > 0 && host[host_len - 1] == '.')
		host_len--;
	if (host_len == 0 || host_len > 253)
		return "expected HOST:PORT";
	const char *p = colon + 1, *end = s + n;
	unsigned long port = 0;
	if (p == end)
		return "expected HOST:PORT";
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return "the port is not a number";
		port = port * 10 + (unsigned long)(*p - '0');
		if (port > 65535)
			return "the port is out of range";
	}
	if (port == 0)
		return "the port is out of range";
	e->host = malloc(host_len + 1);
	if (!e->host)
		return "out of memory";
	for (size_t i = 0; i < host_len; i++) {
		char c = host[i];
		e->host[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	e->host[host_len] = '\0';
	e->port = (uint16_t)port;
	return NULL;
}

/* One line (without its end); NULL when fine or blank, else what is wrong. */
static const char *parse_line(struct pins *ps, const char *s, size_t n)
{
	const char *hash = memchr(s, '#', n);
	if (hash)
		n = (size_t)(hash - s);
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
		i++;
	if (i == n)
		return NULL;
	size_t start = i;
	while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
		i++;
	struct pin_entry e = { 0 };
	const char *why = parse_endpoint(s + start, i - start, &e);
	if (why)
		return why;
	for (;;) {
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == ';'))
			i++;
		if (i == n)
			break;
		start = i;
		while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != ';')
			i++;
		static const char key[] = "pin-sha256=";
		size_t len = i - start;
		if (len < sizeof(key) - 1 || strncasecmp(s + start, key, sizeof(key) - 1) != 0) {
			free(e.host);
			return "expected pin-sha256=BASE64";
		}
		if (e.n == PINS_PER_ENTRY) {
			free(e.host);
			return "too many pins on one line";
		}
		if (!decode_pin(s + start + sizeof(key) - 1, len - (sizeof(key) - 1),
				e.pin[e.n])) {
			free(e.host);
			return "a pin-sha256 value must be the base64 of 32 bytes (44 characters)";
		}
		e.n++;
	}
	if (e.n == 0) {
		free(e.host);
		return "no pin-sha256 on the line";
	}
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? 2 * ps->cap : 16;
		struct pin_entry *p = realloc(ps->e, cap * sizeof(*p));
		if (!p) {
			free(e.host);
			return "out of memory";
		}
		ps->e = p;
		ps->cap = cap;
	}
	ps->e[ps->n++] = e;
	return NULL;
}

struct pins *pins_parse(const char *text, size_t len, const char *name, char *err,
			size_t errcap)
{
	struct pins *ps = calloc(1, sizeof(*ps));
	if (!ps) {
		snprintf(err, errcap, "%s: out of memory", name);
		return NULL;
	}
	size_t line = 0;
	for (size_t off = 0; off < len;) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (text + off)) : len - off;
		line++;
		const char *why = n > PINS_LINE_MAX ? "line too long"
			: memchr(text + off, '\0', n) ? "a NUL byte in the line"
						      : parse_line(ps, text + off, n);
		if (why) {
			snprintf(err, errcap, "%s:%zu: %s", name, line, why);
			pins_free(ps);
			return NULL;
		}
		off += n + (nl ? 1 : 0);
	}
	return ps;
}

struct pins *pins_load(const char *path, char *err, size_t errcap)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		return NULL;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len == cap) {
			cap = cap ? 2 * cap : 4096;
			if (cap > (64u << 20)) {
				snprintf(err, errcap, "%s: larger than 64 MiB", path);
				goto fail;
			}
			char *p = realloc(buf, cap);
			if (!p) {
				snprintf(err, errcap, "%s: out of memory", path);
				goto fail;
			}
			buf = p;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errcap, "%s: read error", path);
		goto fail;
	}
	fclose(f);
	struct pins *ps = pins_parse(buf ? buf : "", len, path, err, errcap);
	free(buf);
	return ps;
fail:
	fclose(f);
	free(buf);
	return NULL;
}

static bool same_host(const char *entry, const char *name)
{
	if (!name || !name[0])
		return false;
	size_t n = strlen(name);
	if (n > 0 && name[n - 1] == '.')
		n--;
	return strlen(entry) == n && strncasecmp(entry, name, n) == 0;
}

static bool entry_matches(const struct pin_entry *e, const char *host, const char *ip,
			  uint16_t port)
{
	return e->port == port && (same_host(e->host, host) || same_host(e->host, ip));
}

/* Whether pin k of entry i appeared before (an earlier pin of a matching entry). */
static bool seen_before(const struct pins *p, size_t i, size_t k, const char *host,
			const char *ip, uint16_t port)
{
	for (size_t j = 0; j <= i; j++) {
		const struct pin_entry *e = &p->e[j];
		if (!entry_matches(e, host, ip, port))
			continue;
		for (size_t m = 0; m < (j == i ? k : e->n); m++)
			if (memcmp(e->pin[m], p->e[i].pin[k], 32) == 0)
				return true;
	}
	return false;
}

size_t pins_find(const struct pins *p, const char *host, const char *ip, uint16_t port,
		 uint8_t (*out)[32], size_t cap)
{
	size_t total = 0;
	for (size_t i = 0; p && i < p->n; i++) {
		if (!entry_matches(&p->e[i], host, ip, port))
			continue;
		for (size_t k = 0; k < p->e[i].n; k++) {
			if (seen_before(p, i, k, host, ip, port))
				continue;
			if (total < cap)
				memcpy(out[total], p->e[i].pin[k], 32);
			total++;
		}
	}
	return total;
}
