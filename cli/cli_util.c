/*
 * Helpers shared by the subcommands: error messages and argument validation. See cli.h.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

static void vmsg(const char *cmd, const char *fmt, va_list ap)
{
	fprintf(stderr, "tlsscope %s: ", cmd);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(cmd, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try 'tlsscope %s --help'.\n", cmd);
	return CLI_USAGE;
}

int cli_fail(int code, const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(cmd, fmt, ap);
	va_end(ap);
	return code;
}

int cli_not_implemented(const char *cmd, const char *what)
{
	fprintf(stderr, "tlsscope %s: not implemented yet (%s)\n", cmd, what);
	return CLI_USAGE;
}

bool cli_parse_ulong(const char *cmd, const char *opt, const char *s, unsigned long min,
		     unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	bool overflow = false;
	if (*s == '\0') {
		cli_usage_error(cmd, "%s: not a number: '%s'", opt, s);
		return false;
	}
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9') {
			cli_usage_error(cmd, "%s: not a number: '%s'", opt, s);
			return false;
		}
		unsigned d = (unsigned)(*p - '0');
		if (v > (ULONG_MAX - d) / 10)
			overflow = true;
		else
			v = v * 10 + d;
	}
	if (overflow || v < min || v > max) {
		cli_usage_error(cmd, "%s: out of range (%lu..%lu): '%s'", opt, min, max, s);
		return false;
	}
	*out = v;
	return true;
}

bool cli_parse_shard(const char *cmd, const char *s, unsigned long *index, unsigned long *count)
{
	const char *slash = strchr(s, '/');
	if (!slash || slash == s || slash[1] == '\0' || strchr(slash + 1, '/')) {
		cli_usage_error(cmd, "--shard: expected I/N (e.g. 0/4): '%s'", s);
		return false;
	}
	char left[32];
	size_t n = (size_t)(slash - s);
	if (n >= sizeof(left)) {
		cli_usage_error(cmd, "--shard: not a number: '%s'", s);
		return false;
	}
	memcpy(left, s, n);
	left[n] = '\0';
	unsigned long i, total;
	if (!cli_parse_ulong(cmd, "--shard", slash + 1, 1, 1000000, &total) ||
	    !cli_parse_ulong(cmd, "--shard", left, 0, 999999, &i))
		return false;
	if (i >= total) {
		cli_usage_error(cmd, "--shard: I must be less than N (0 <= I < N): '%s'", s);
		return false;
	}
	*index = i;
	*count = total;
	return true;
}

static const char *const severities[] = { "info", "low", "medium", "high", "critical", NULL };

bool cli_parse_severity(const char *cmd, const char *s, int *rank)
{
	int r = cli_lookup(severities, s);
	if (r < 0) {
		cli_usage_error(cmd, "--fail-on: unknown severity '%s' "
				"(info, low, medium, high, critical)", s);
		return false;
	}
	*rank = r;
	return true;
}

int cli_lookup(const char *const *names, const char *s)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

bool cli_check_readable(const char *cmd, const char *opt, const char *path)
{
	struct stat sb;
	if (stat(path, &sb) != 0 || access(path, R_OK) != 0) {
		cli_usage_error(cmd, "%s: cannot read '%s': %s", opt, path, strerror(errno));
		return false;
	}
	if (S_ISDIR(sb.st_mode)) {
		cli_usage_error(cmd, "%s: '%s' is a directory", opt, path);
		return false;
	}
	return true;
}

bool cli_check_dir(const char *cmd, const char *opt, const char *path)
{
	struct stat sb;
	if (stat(path, &sb) != 0) {
		cli_usage_error(cmd, "%s: cannot open '%s': %s", opt, path, strerror(errno));
		return false;
	}
	if (!S_ISDIR(sb.st_mode)) {
		cli_usage_error(cmd, "%s: '%s' is not a directory", opt, path);
		return false;
	}
	return true;
}

bool cli_check_creatable(const char *cmd, const char *opt, const char *path)
{
	struct stat sb;
	if (*path == '\0') {
		cli_usage_error(cmd, "%s: empty file name", opt);
		return false;
	}
	if (stat(path, &sb) == 0) {
		if (S_ISDIR(sb.st_mode)) {
			cli_usage_error(cmd, "%s: '%s' is a directory", opt, path);
			return false;
		}
		return true;
	}
	const char *slash = strrchr(path, '/');
	if (!slash)
		return true; /* the current directory */
	size_t n = slash == path ? 1 : (size_t)(slash - path);
	char *dir = strndup(path, n);
	if (!dir) {
		cli_fail(CLI_RUNTIME, cmd, "out of memory");
		return false;
	}
	bool ok = stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode);
	if (!ok)
		cli_usage_error(cmd, "%s: directory '%s' does not exist", opt, dir);
	free(dir);
	return ok;
}

int cli_getopt_error(const char *cmd, int c, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	if (c == ':') {
		if (optopt && optopt < 256 && strncmp(arg, "--", 2) != 0)
			return cli_usage_error(cmd, "option '-%c' needs an argument", optopt);
		return cli_usage_error(cmd, "option '%s' needs an argument", arg);
	}
	if (optopt && optopt < 256 && strncmp(arg, "--", 2) != 0)
		return cli_usage_error(cmd, "unknown option '-%c'", optopt);
	if (optopt && strchr(arg, '=')) {
		size_t n = (size_t)(strchr(arg, '=') - arg);
		return cli_usage_error(cmd, "option '%.*s' takes no argument", (int)n, arg);
	}
	return cli_usage_error(cmd, "unknown option '%s'", arg);
}
