/*
 * Syntax checks of scan targets. See cli_target.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_target.h"

#define TARGET_MAX 512       /* longest target accepted (a host name is at most 253) */
#define TARGET_FILE_MAX 1000000 /* lines read from one @FILE */

bool cli_check_hostname(const char *s)
{
	size_t len = strlen(s), label = 0;
	bool numeric = true;
	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (ch == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		bool alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
		bool digit = ch >= '0' && ch <= '9';
		if (!alpha && !digit && ch != '-' && ch != '_')
			return false;
		if (!digit)
			numeric = false;
		if (++label > 63)
			return false;
	}
	return label > 0 && !numeric;
}

/* Port: 1..65535, decimal digits only. */
static bool port_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 5 || strspn(s, "0123456789") != n)
		return false;
	long v = strtol(s, NULL, 10);
	return v >= 1 && v <= 65535;
}

/* addr[/len] of family af, len 0..maxlen. Modifies s. */
static bool addr_ok(int af, char *s, int maxlen, const char **why)
{
	unsigned char buf[16];
	char *slash = strchr(s, '/');
	if (slash) {
		*slash = '\0';
		const char *p = slash + 1;
		size_t n = strlen(p);
		if (n == 0 || n > 3 || strspn(p, "0123456789") != n || atoi(p) > maxlen) {
			*why = af == AF_INET ? "bad CIDR prefix length (0..32)"
					     : "bad CIDR prefix length (0..128)";
			return false;
		}
	}
	if (inet_pton(af, s, buf) != 1) {
		*why = af == AF_INET ? "not an IPv4 address" : "not an IPv6 address";
		return false;
	}
	return true;
}

/* Checks one target (not @FILE). Returns NULL when valid, else why not. */
static const char *check_one(const char *t)
{
	char buf[TARGET_MAX + 1];
	const char *why = NULL;
	size_t len = strlen(t);
	if (len == 0)
		return "empty target";
	if (len > TARGET_MAX)
		return "target too long";
	memcpy(buf, t, len + 1);

	if (buf[0] == '[') {
		char *close = strchr(buf, ']');
		if (!close)
			return "missing ']' after IPv6 address";
		*close = '\0';
		const char *rest = close + 1;
		if (*rest != '\0' && (*rest != ':' || !port_ok(rest + 1)))
			return "bad port (1..65535) after ']'";
		return addr_ok(AF_INET6, buf + 1, 128, &why) ? NULL : why;
	}
	char *colon = strchr(buf, ':');
	if (colon && strchr(colon + 1, ':'))  /* a bare IPv6 address (no port possible) */
		return addr_ok(AF_INET6, buf, 128, &why) ? NULL : why;
	if (colon) {
		*colon = '\0';
		if (!port_ok(colon + 1))
			return "bad port (1..65535)";
	}
	if (buf[0] == '\0')
		return "missing host";
	if (strchr(buf, '/'))
		return addr_ok(AF_INET, buf, 32, &why) ? NULL : why;
	if (strspn(buf, "0123456789.") == strlen(buf))
		return addr_ok(AF_INET, buf, 32, &why) ? NULL : why;
	return cli_check_hostname(buf) ? NULL : "not a host name or address";
}

static bool check_file(const char *cmd, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		cli_usage_error(cmd, "cannot read target file '%s': %s", path, strerror(errno));
		return false;
	}
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	bool ok = true;
	while (ok && (n = getline(&line, &cap, f)) != -1) {
		if (++lineno > TARGET_FILE_MAX) {
			cli_usage_error(cmd, "%s: more than %d lines", path, TARGET_FILE_MAX);
			ok = false;
			break;
		}
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *p = line + strspn(line, " \t\r\n");
		size_t k = strcspn(p, " \t\r\n");
		char *q = p + k + strspn(p + k, " \t\r\n");
		if (k == 0)
			continue;
		if (*q != '\0') {
			cli_usage_error(cmd, "%s:%zu: one target per line", path, lineno);
			ok = false;
			break;
		}
		p[k] = '\0';
		const char *why = p[0] == '@' ? "@FILE cannot be nested" : check_one(p);
		if (why) {
			cli_usage_error(cmd, "%s:%zu: bad target '%s': %s", path, lineno, p, why);
			ok = false;
		}
	}
	if (ok && ferror(f)) {
		cli_usage_error(cmd, "cannot read target file '%s': %s", path, strerror(errno));
		ok = false;
	}
	free(line);
	fclose(f);
	return ok;
}

bool cli_check_target(const char *cmd, const char *t)
{
	if (t[0] == '@')
		return check_file(cmd, t + 1);
	const char *why = check_one(t);
	if (why) {
		cli_usage_error(cmd, "bad target '%s': %s", t, why);
		return false;
	}
	return true;
}
