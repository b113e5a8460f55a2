/*
 * tlsscope analyze: runs the rules (analyzer/analysis.h) over a store, stores the findings and
 * prints them: one "finding" object per line with --json (INTERFACE.md), else the alarms
 * and a summary. A refused rule (broken header, SQL that does not compile, wrong columns) is
 * named on stderr with the reason; the others still run, and the exit status is then 2.
 * --geoip FILE (repeatable, analyzer/geo.h): before the rules run, every endpoint and
 * connection address of the store is looked up and what is known goes to the geo table, which
 * rules may join; the files are checked before the store is opened (corrupt: exit 2).
 * --exec CMD: after the run, CMD (/bin/sh -c) runs once per NEW alarm at or above
 * --exec-severity without a valid verdict (new: the finding did not exist before this run,
 * or it was not an alarm), with the finding's --json line on its standard input; see
 * run_hook() for the timeout, environment and what a failing command does.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "analyzer/analysis.h"
#include "analyzer/geo.h"
#include "analyzer/store/store.h"
#include "cli/cli.h"
#include "cli/cli_finding.h"

#define CMD "analyze"

static const char help[] =
	"Usage: tlsscope analyze --db PATH [OPTIONS]\n"
	"Runs the rules (SQL, one file per rule) and the model over a store, stores the findings\n"
	"and prints them.\n"
	"\n"
	"Options:\n"
	"  --db PATH           the SQLite store to analyze (required)\n"
	"  --rules DIR         rules directory (default: the rules built into tlsscope)\n"
	"  --profile NAME      only the rules of a profile (mozilla-6.0-modern,\n"
	"                      mozilla-6.0-intermediate, mozilla-5.8-old, nist-800-52r2,\n"
	"                      pci-dss-4.0.1, bsi-tr-02102-2, cabf-br, browser-ct, ssllabs,\n"
	"                      downgrade, rogue-cert, ...)\n"
	"  --json              NDJSON on stdout, one \"finding\" object per finding\n"
	"  --fail-on SEVERITY  exit 1 when a finding is at or above SEVERITY\n"
	"                      (info, low, medium, high, critical)\n"
	"  --geoip FILE        a MaxMind DB (City, Country, ASN or ISP); may repeat (up to\n"
	"                      8): before the rules run, the country, city and AS of every\n"
	"                      endpoint and connection address go to the table geo (ip,\n"
	"                      country, city, asn, as_org) that rules may join\n"
	"  --exec CMD          after the analysis, run CMD (with /bin/sh -c) once for each NEW\n"
	"                      alarm (first seen in this run, or an alarm now and not before)\n"
	"                      at or above --exec-severity that has no valid analyst verdict:\n"
	"                      the finding's --json object is on its standard input (one\n"
	"                      line), TLSSCOPE_RULE, TLSSCOPE_RESOURCE, TLSSCOPE_SEVERITY and\n"
	"                      TLSSCOPE_DB in its environment; its output goes to stderr. A\n"
	"                      command still running after --exec-timeout is killed (SIGKILL\n"
	"                      to its process group). A command that fails or is killed is\n"
	"                      reported on stderr and the others still run\n"
	"  --exec-severity SEVERITY  the lowest severity for --exec (default medium)\n"
	"  --exec-timeout SECONDS    per command (1..3600, default 30)\n"
	"  -h, --help          show this help and exit\n"
	"\n"
	"Exit status: 0 success, 1 an alarm at or above --fail-on (findings an analyst\n"
	"acknowledged or marked a false positive do not count), 2 usage or input error (also\n"
	"when a rule was refused: the others ran; an unreadable or corrupt --geoip file),\n"
	"3 runtime failure (also when an --exec command could not be started at all: no\n"
	"process, no /bin/sh; a command that ran and failed does not change the status).\n";

enum {
	OPT_DB = 256,
	OPT_RULES,
	OPT_JSON,
	OPT_FAIL_ON,
	OPT_PROFILE,
	OPT_GEOIP,
	OPT_EXEC,
	OPT_EXEC_SEVERITY,
	OPT_EXEC_TIMEOUT,
};

static const struct option longopts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "rules", required_argument, NULL, OPT_RULES },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "geoip", required_argument, NULL, OPT_GEOIP },
	{ "exec", required_argument, NULL, OPT_EXEC },
	{ "exec-severity", required_argument, NULL, OPT_EXEC_SEVERITY },
	{ "exec-timeout", required_argument, NULL, OPT_EXEC_TIMEOUT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* --exec: the findings as they were before this run, and the hooks to run after it. */
struct prior {
	char *key;      /* rule "\n" resource */
	bool alarm;     /* its status was alarm */
};

struct hook_job {
	char *line;     /* the finding's JSON object */
	char *rule, *resource, *severity;
};

struct hooks {
	int min_rank;            /* -1: no --exec */
	struct prior *prior;     /* sorted by key */
	size_t n_prior, cap_prior;
	struct hook_job *jobs;
	size_t n_jobs, cap_jobs;
	bool oom;
};

struct out {
	bool json;
	bool oom;
	size_t shown;
	struct hooks *hooks;
};

static char *finding_key(const char *rule, const char *resource)
{
	size_t a = strlen(rule), b = strlen(resource);
	char *k = malloc(a + b + 2);
	if (k) {
		memcpy(k, rule, a);
		k[a] = '\n';
		memcpy(k + a + 1, resource, b + 1);
	}
	return k;
}

static int on_prior(void *ctx, const struct store_finding_row *r)
{
	struct hooks *h = ctx;
	if (h->n_prior == h->cap_prior) {
		size_t cap = h->cap_prior ? 2 * h->cap_prior : 64;
		struct prior *p = realloc(h->prior, cap * sizeof(*p));
		if (!p) {
			h->oom = true;
			return 1;
		}
		h->prior = p;
		h->cap_prior = cap;
	}
	struct prior *p = &h->prior[h->n_prior];
	if (!(p->key = finding_key(r->f.rule, r->f.resource))) {
		h->oom = true;
		return 1;
	}
	p->alarm = strcmp(r->f.status, "alarm") == 0;
	h->n_prior++;
	return 0;
}

static int prior_cmp(const void *a, const void *b)
{
	return strcmp(((const struct prior *)a)->key, ((const struct prior *)b)->key);
}

/* Whether (rule, resource) was an alarm before this run. */
static bool was_alarm(const struct hooks *h, const char *rule, const char *resource)
{
	if (h->n_prior == 0)
		return false;
	char *k = finding_key(rule, resource);
	if (!k)
		return false;
	struct prior want = { .key = k };
	const struct prior *p = bsearch(&want, h->prior, h->n_prior, sizeof(*p), prior_cmp);
	free(k);
	return p && p->alarm;
}

static void hook_job_free(struct hook_job *j)
{
	free(j->line);
	free(j->rule);
	free(j->resource);
	free(j->severity);
}

static void hooks_free(struct hooks *h)
{
	for (size_t i = 0; i < h->n_prior; i++)
		free(h->prior[i].key);
	free(h->prior);
	for (size_t i = 0; i < h->n_jobs; i++)
		hook_job_free(&h->jobs[i]);
	free(h->jobs);
}

/* Queues a hook for f (a new alarm at or above the severity, no verdict); line is taken. */
static void hook_queue(struct hooks *h, const struct analysis_finding *f, char *line)
{
	if (h->n_jobs == h->cap_jobs) {
		size_t cap = h->cap_jobs ? 2 * h->cap_jobs : 16;
		struct hook_job *p = realloc(h->jobs, cap * sizeof(*p));
		if (!p) {
			free(line);
			h->oom = true;
			return;
		}
		h->jobs = p;
		h->cap_jobs = cap;
	}
	struct hook_job j = { line, strdup(f->rule->id), strdup(f->row->resource),
			      strdup(f->row->severity) };
	if (!j.rule || !j.resource || !j.severity) {
		hook_job_free(&j);
		h->oom = true;
		return;
	}
	h->jobs[h->n_jobs++] = j;
}

static bool hook_wanted(const struct hooks *h, const struct analysis_finding *f)
{
	return h && h->min_rank >= 0 && strcmp(f->row->status, "alarm") == 0 && !f->triage &&
	       rules_severity_rank(f->row->severity) >= h->min_rank &&
	       !was_alarm(h, f->rule->id, f->row->resource);
}

/* The finding's --json object as one line (malloc'd), NULL when out of memory. */
static void on_finding(void *ctx, const struct analysis_finding *f)
{
	struct out *o = ctx;
	bool hook = hook_wanted(o->hooks, f);
	if (o->json || hook) {
		char *line = cli_finding_line(f);
		if (!line) {
			o->oom = true;
			return;
		}
		if (o->json)
			puts(line);
		if (hook)
			hook_queue(o->hooks, f, line);
		else
			free(line);
		if (o->json)
			return;
	}
	if (strcmp(f->row->status, "alarm") != 0)
		return;
	o->shown++;
	printf("%-8s %s  %s: %s%s%s%s\n", f->row->severity, f->row->resource, f->rule->id,
	       f->row->reason ? f->row->reason : f->rule->title, f->triage ? "  [" : "",
	       f->triage ? f->triage : "", f->triage ? "]" : "");
}

/* ---- --exec ---------------------------------------------------------------------------- */

extern char **environ;

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* pipe() with both ends close-on-exec. */
static bool cloexec_pipe(int fd[2])
{
	if (pipe(fd) != 0)
		return false;
	fcntl(fd[0], F_SETFD, FD_CLOEXEC);
	fcntl(fd[1], F_SETFD, FD_CLOEXEC);
	return true;
}

/* "NAME=value" (malloc'd). */
static char *env_entry(const char *name, const char *value)
{
	size_t a = strlen(name), b = strlen(value);
	char *e = malloc(a + b + 2);
	if (e) {
		memcpy(e, name, a);
		e[a] = '=';
		memcpy(e + a + 1, value, b + 1);
	}
	return e;
}

static const char *const hook_vars[] = { "TLSSCOPE_RULE", "TLSSCOPE_RESOURCE",
					 "TLSSCOPE_SEVERITY", "TLSSCOPE_DB" };
#define N_HOOK_VARS (sizeof(hook_vars) / sizeof(hook_vars[0]))

/* The environment of a hook: ours without the hook variables, then the hook variables.
 * *mine receives the N_HOOK_VARS entries to free. NULL when out of memory. */
static char **hook_env(const struct hook_job *j, const char *db, char *mine[N_HOOK_VARS])
{
	size_t n = 0;
	while (environ && environ[n])
		n++;
	char **envp = calloc(n + N_HOOK_VARS + 1, sizeof(*envp));
	const char *values[N_HOOK_VARS] = { j->rule, j->resource, j->severity, db };
	size_t k = 0;
	if (!envp)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		bool ours = false;
		for (size_t v = 0; v < N_HOOK_VARS; v++) {
			size_t len = strlen(hook_vars[v]);
			if (strncmp(environ[i], hook_vars[v], len) == 0 && environ[i][len] == '=')
				ours = true;
		}
		if (!ours)
			envp[k++] = environ[i];
	}
	for (size_t v = 0; v < N_HOOK_VARS; v++) {
		mine[v] = env_entry(hook_vars[v], values[v]);
		if (!mine[v]) {
			for (size_t w = 0; w < v; w++)
				free(mine[w]);
			free(envp);
			return NULL;
		}
		envp[k++] = mine[v];
	}
	return envp;
}

/*
 * Runs one hook: /bin/sh -c cmd in its own process group, the finding's JSON line (and a
 * newline) on its standard input, its standard output and error on our standard error, the
 * environment of hook_env(). A command still running timeout_s seconds after it started is
 * killed (SIGKILL to the group). A command that does not read its input is fine (the rest is
 * dropped). Returns 0 when the command ran (its failure is reported on stderr and *failed
 * set), -1 when it could not be started at all (no process, no pipe, no /bin/sh; reported).
 */
static int run_hook(const char *cmd, const struct hook_job *j, const char *db,
		    unsigned timeout_s, bool *failed)
{
	int in[2] = { -1, -1 }, ep[2] = { -1, -1 }, st = 0, e = 0, ret = -1;
	char *mine[N_HOOK_VARS] = { 0 };
	char **envp = hook_env(j, db, mine);
	pid_t pid = -1;
	if (!envp) {
		fprintf(stderr, "tlsscope analyze: --exec: out of memory\n");
		return -1;
	}
	if (!cloexec_pipe(in) || !cloexec_pipe(ep) ||
	    (fflush(stdout), fflush(stderr), pid = fork()) < 0) {
		fprintf(stderr, "tlsscope analyze: --exec: cannot start '%s': %s\n", cmd,
			strerror(errno));
		goto out;
	}
	if (pid == 0) {
		char *const av[] = { (char *)"sh", (char *)"-c", (char *)cmd, NULL };
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		if (dup2(in[0], STDIN_FILENO) >= 0 && dup2(STDERR_FILENO, STDOUT_FILENO) >= 0)
			execve("/bin/sh", av, envp);
		e = errno;
		if (write(ep[1], &e, sizeof(e)) < 0) {
			/* nothing more to do: the parent sees a closed pipe and exit status 127 */
		}
		_exit(127);
	}
	setpgid(pid, pid); /* also here: no race with the kill below */
	close(in[0]);
	close(ep[1]);
	in[0] = ep[1] = -1;
	ssize_t got = read(ep[0], &e, sizeof(e)); /* 0: exec succeeded (close-on-exec) */
	if (got == (ssize_t)sizeof(e)) {
		waitpid(pid, &st, 0);
		fprintf(stderr, "tlsscope analyze: --exec: cannot run /bin/sh: %s\n", strerror(e));
		goto out;
	}
	ret = 0;
	long long deadline = now_ms() + (long long)timeout_s * 1000;
	size_t len = strlen(j->line), off = 0;
	bool timed_out = false;
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	/* the finding, then a newline; EPIPE (the command does not read it) ends the input */
	while (off < len + 1) {
		long long left = deadline - now_ms();
		if (left <= 0) {
			timed_out = true;
			break;
		}
		struct pollfd pf = { .fd = in[1], .events = POLLOUT };
		int pr = poll(&pf, 1, (int)(left > 100 ? 100 : left));
		if (pr < 0 && errno != EINTR)
			break;
		if (pr <= 0)
			continue;
		ssize_t w = off < len ? write(in[1], j->line + off, len - off) : write(in[1], "\n", 1);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (w < 0)
			break; /* EPIPE: the command closed its input */
		off += (size_t)w;
	}
	close(in[1]);
	in[1] = -1;
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			break;
		if (timed_out || now_ms() >= deadline) {
			timed_out = true;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			break;
		}
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	if (timed_out) {
		*failed = true;
		fprintf(stderr, "tlsscope analyze: --exec: '%s' for %s %s: killed after %u s\n",
			cmd, j->rule, j->resource, timeout_s);
	} else if (WIFEXITED(st) && WEXITSTATUS(st) != 0) {
		*failed = true;
		fprintf(stderr, "tlsscope analyze: --exec: '%s' for %s %s: exit status %d\n", cmd,
			j->rule, j->resource, WEXITSTATUS(st));
	} else if (WIFSIGNALED(st)) {
		*failed = true;
		fprintf(stderr, "tlsscope analyze: --exec: '%s' for %s %s: killed by signal %d\n",
			cmd, j->rule, j->resource, WTERMSIG(st));
	}
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	for (size_t v = 0; v < N_HOOK_VARS; v++)
		free(mine[v]);
	free(envp);
	return ret;
}

/* Runs every queued hook, in the order the findings came. Returns CLI_OK, or CLI_RUNTIME
 * when a command could not be started at all (the others still ran). */
static int run_hooks(const char *cmd, const struct hooks *h, const char *db, unsigned timeout_s,
		     bool quiet)
{
	size_t failed = 0, unstarted = 0;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old);
	for (size_t i = 0; i < h->n_jobs; i++) {
		bool f = false;
		if (run_hook(cmd, &h->jobs[i], db, timeout_s, &f) != 0)
			unstarted++;
		else if (f)
			failed++;
	}
	sigaction(SIGPIPE, &old, NULL);
	if (!quiet || failed || unstarted)
		fprintf(stderr, "tlsscope analyze: --exec: %zu new alarm%s, %zu command%s failed, "
			"%zu could not be started\n", h->n_jobs, h->n_jobs == 1 ? "" : "s", failed,
			failed == 1 ? "" : "s", unstarted);
	return unstarted ? CLI_RUNTIME : CLI_OK;
}

static void on_refused(void *ctx, const struct rule *r)
{
	(void)ctx;
	fprintf(stderr, "tlsscope analyze: rule %s refused: %s\n", r->file, r->error);
}

int cli_analyze(int argc, char **argv)
{
	const char *db = NULL, *rules = NULL, *profile = NULL;
	const char *geoip[GEO_FILES_MAX];
	size_t n_geoip = 0;
	bool json = false;
	int fail_on = -1, c;
	const char *exec_cmd = NULL;
	int exec_sev = -1;
	unsigned long exec_timeout = 30;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(help, stdout);
			return CLI_OK;
		case OPT_DB:
			db = optarg;
			break;
		case OPT_RULES:
			rules = optarg;
			if (!cli_check_dir(CMD, "--rules", rules))
				return CLI_USAGE;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_FAIL_ON:
			if (!cli_parse_severity(CMD, optarg, &fail_on))
				return CLI_USAGE;
			break;
		case OPT_PROFILE:
			profile = optarg;
			break;
		case OPT_GEOIP:
			if (n_geoip == GEO_FILES_MAX)
				return cli_usage_error(CMD, "--geoip: at most %d files", GEO_FILES_MAX);
			if (!cli_check_readable(CMD, "--geoip", optarg))
				return CLI_USAGE;
			geoip[n_geoip++] = optarg;
			break;
		case OPT_EXEC:
			exec_cmd = optarg;
			if (!*exec_cmd)
				return cli_usage_error(CMD, "--exec: empty command");
			break;
		case OPT_EXEC_SEVERITY:
			if (!cli_parse_severity(CMD, optarg, &exec_sev))
				return CLI_USAGE;
			break;
		case OPT_EXEC_TIMEOUT:
			if (!cli_parse_ulong(CMD, "--exec-timeout", optarg, 1, 3600, &exec_timeout))
				return CLI_USAGE;
			break;
		default:
			return cli_getopt_error(CMD, c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
	if (!db)
		return cli_usage_error(CMD, "--db PATH is required");
	if (!cli_check_readable(CMD, "--db", db))
		return CLI_USAGE;
	if (!exec_cmd && (exec_sev >= 0 || exec_timeout != 30))
		return cli_usage_error(CMD, "--exec-severity and --exec-timeout need --exec CMD");

	char err[512];
	struct geo *geo = NULL;
	if (n_geoip && !(geo = geo_open(geoip, n_geoip, err, sizeof(err))))
		return cli_fail(strstr(err, "out of memory") ? CLI_RUNTIME : CLI_USAGE, CMD,
				"--geoip: %s", err);

	struct store_error serr = { 0, "" };
	struct store_options sopts = { 0, 0, "tlsscope " TLSSCOPE_VERSION };
	struct store *st = store_open(db, &sopts, &serr);
	if (!st) {
		geo_close(geo);
		return cli_fail(serr.code == STORE_ENOTSTORE || serr.code == STORE_ETOONEW ||
					serr.code == STORE_ENOTDB ? CLI_USAGE : CLI_RUNTIME,
				CMD, "database '%s': %s", db, serr.msg);
	}
	struct hooks hooks = { .min_rank = exec_cmd ? (exec_sev >= 0 ? exec_sev : 2) : -1 };
	struct out o = { .json = json, .hooks = exec_cmd ? &hooks : NULL };
	struct analysis_opts ao = { .rules_dir = rules, .profile = profile,
				    .tool = "tlsscope " TLSSCOPE_VERSION };
	struct analysis_cb cb = { .on_finding = on_finding, .on_refused = on_refused, .ctx = &o };
	struct analysis_stats stats;
	int ret = CLI_OK;
	if (geo) {
		struct geo_enrich_stats gs;
		int grc = geo_enrich_store(geo, st, &gs);
		if (grc == GEO_ESTORE)
			ret = cli_fail(CLI_RUNTIME, CMD, "database '%s': %s", db, store_errmsg(st));
		else if (grc != GEO_OK)
			ret = cli_fail(grc == GEO_EDB ? CLI_USAGE : CLI_RUNTIME, CMD, "--geoip: %s",
				       geo_errmsg(geo));
		else if (!json)
			fprintf(stderr, "tlsscope %s: --geoip: %zu addresses, %zu with data\n", CMD,
				gs.addresses, gs.found);
		geo_close(geo);
	}
	if (ret == CLI_OK && exec_cmd) { /* what is new is decided against what was there */
		if (store_each_finding(st, NULL, on_prior, &hooks) != STORE_OK)
			ret = cli_fail(CLI_RUNTIME, CMD, "database '%s': %s", db, store_errmsg(st));
		else if (hooks.oom)
			ret = cli_fail(CLI_RUNTIME, CMD, "out of memory");
		else if (hooks.n_prior)
			qsort(hooks.prior, hooks.n_prior, sizeof(*hooks.prior), prior_cmp);
	}
	if (ret == CLI_OK && analysis_run(st, &ao, &cb, &stats, err, sizeof(err)) != 0)
		ret = cli_fail(CLI_RUNTIME, CMD, "%s", err);
	if (store_close(st) != STORE_OK && ret == CLI_OK)
		ret = cli_fail(CLI_RUNTIME, CMD, "database '%s': cannot commit", db);
	if (ret == CLI_OK && hooks.oom)
		ret = cli_fail(CLI_RUNTIME, CMD, "out of memory");
	if (ret != CLI_OK) {
		hooks_free(&hooks);
		return ret;
	}
	if (profile && stats.rules == 0) {
		hooks_free(&hooks);
		return cli_usage_error(CMD, "--profile: no rule belongs to '%s'", profile);
	}
	if (!json)
		printf("%zu rules run (%zu refused, %zu failed), %zu findings, %zu alarms\n",
		       stats.rules - stats.refused - stats.failed, stats.refused, stats.failed,
		       stats.findings, stats.alarms);
	fflush(stdout);
	/* the hooks run after the store is committed and closed: a command may read it */
	int hrc = exec_cmd ? run_hooks(exec_cmd, &hooks, db, (unsigned)exec_timeout, json)
			   : CLI_OK;
	hooks_free(&hooks);
	if (o.oom || ferror(stdout))
		return cli_fail(CLI_RUNTIME, CMD, o.oom ? "out of memory" : "cannot write output");
	if (hrc != CLI_OK)
		return hrc;
	if (stats.refused || stats.failed)
		return CLI_USAGE;
	if (fail_on >= 0 && stats.worst_alarm >= fail_on)
		return CLI_FINDINGS;
	return CLI_OK;
}
