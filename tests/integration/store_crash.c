/*
 * store_crash.c - kill -9 a writer in the middle of a batch; the store must
 * reopen and keep every committed row, intact.
 *
 * usage: store_crash [DIR]     (DIR defaults to $TMPDIR, then /tmp)
 * Exit status 0 on success; otherwise a message on stderr and status 1.
 *
 * Each round:
 *
 *   parent                                 child (fork)
 *   ------                                 -----
 *                                          store_open(db), n = rows so far
 *                                          loop: row n (cert + connection), n++
 *                                                every K rows: store_flush()
 *        <----- pipe: n (committed) -------        then report n
 *   read until `reports` reports seen,
 *   wait (shared row counter) until the
 *   child is `row` rows into a batch,
 *   SIGKILL; at least one round must
 *   have had rows in flight
 *   drain the pipe: last = max reported
 *   store_open(db)  (replays the WAL)
 *   PRAGMA integrity_check == ok, no foreign key violations,
 *   rows == last or last + K (a batch may have committed between the
 *   kill and its report), ids 1..rows contiguous, every row and its
 *   certificate equal to what the child wrote for that sequence number.
 *
 * The database grows across rounds, so recovery is also tested on top of
 * earlier recoveries. The child uses an unbounded batch size so that only
 * store_flush() commits, which makes the expected row counts exact.
 */
#include <errno.h>
#include <dirent.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analyzer/store/store.h"

#define K 50              /* rows per committed batch */
#define ROUNDS 5
#define REPORT_TIMEOUT_MS 30000

/* When to kill, per round: after this many commit reports, once the child
 * has written `row` rows (0 < row < K) into the batch it is then in. */
static const struct {
	int reports;
	int row;
} kill_plan[ROUNDS] = {
	{ 2, 1 }, { 3, 13 }, { 2, 26 }, { 4, 38 }, { 3, 49 },
};

/* Rows the child has written, committed or not (shared memory). When it is
 * above the committed count at the kill, the kill hit an open transaction. */
static _Atomic int64_t *written;

static char dir[PATH_MAX];
static char db[PATH_MAX + 16];

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "store_crash: FAIL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (files kept in %s)\n", dir);
	exit(1);
}

/* Everything the child writes for sequence number `seq` (0-based). */
struct row {
	char ts[40];
	char client_ip[20];
	char sni[40];
	char ja3[40];
	char der[40];
	size_t der_len;
};

static void make_row(uint64_t seq, struct row *r)
{
	snprintf(r->ts, sizeof r->ts, "2026-01-%02uT%02u:%02u:%02u.%06uZ",
	         (unsigned)(seq / 86400 % 28 + 1), (unsigned)(seq / 3600 % 24),
	         (unsigned)(seq / 60 % 60), (unsigned)(seq % 60), (unsigned)(seq % 1000000));
	snprintf(r->client_ip, sizeof r->client_ip, "10.%u.%u.%u",
	         (unsigned)(seq >> 16 & 255), (unsigned)(seq >> 8 & 255), (unsigned)(seq & 255));
	snprintf(r->sni, sizeof r->sni, "host-%" PRIu64 ".test", seq);
	snprintf(r->ja3, sizeof r->ja3, "%032" PRIx64, seq * 2654435761u);
	r->der_len = (size_t)snprintf(r->der, sizeof r->der, "cert-%" PRIu64, seq);
}

/* ---- child ------------------------------------------------------------------ */

static void child_fail(struct store *st, const char *what)
{
	fprintf(stderr, "store_crash child: %s: %s\n", what, store_errmsg(st));
	_exit(3);
}

static void __attribute__((noreturn)) child(int wfd)
{
	struct store_options o = { .batch_size = 1u << 30, .tool_version = "store_crash" };
	struct store_error err;
	struct store *st = store_open(db, &o, &err);
	char hex[STORE_SHA256_HEX_SIZE];
	const char *chain[1] = { hex };
	struct store_conn c;
	struct row r;
	int64_t seq;

	if (!st) {
		fprintf(stderr, "store_crash child: open: %s\n", err.msg);
		_exit(3);
	}
	if (store_count(st, STORE_T_CONNECTIONS, &seq) != STORE_OK)
		child_fail(st, "count");
	atomic_store(written, seq);
	for (;;) {
		make_row((uint64_t)seq, &r);
		if (store_put_cert(st, (const unsigned char *)r.der, r.der_len, hex) != STORE_OK)
			child_fail(st, "put cert");
		memset(&c, 0, sizeof c);
		c.ts = r.ts;
		c.client_ip = r.client_ip;
		c.client_port = (uint16_t)seq;
		c.server_ip = "192.0.2.1";
		c.server_port = 443;
		c.sni = r.sni;
		c.version = "TLSv1.3";
		c.cipher = "TLS_AES_128_GCM_SHA256";
		c.alpn_offered_json = "[\"h2\",\"http/1.1\"]";
		c.ja3 = r.ja3;
		c.server_cert_sha256 = hex;
		c.resumed = seq & 1;
		c.alerts_json = "[]";
		c.anomalies_json = "[]";
		c.source = "store_crash";
		c.chain_sha256 = chain;
		c.chain_len = 1;
		if (store_add_connection(st, &c, NULL) != STORE_OK)
			child_fail(st, "add connection");
		seq++;
		atomic_store(written, seq);
		if (seq % K == 0) {
			if (store_flush(st) != STORE_OK)
				child_fail(st, "flush");
			/* Parent gone: SIGPIPE ends us. */
			if (write(wfd, &seq, sizeof seq) != (ssize_t)sizeof seq)
				_exit(4);
		}
	}
}

/* ---- parent ----------------------------------------------------------------- */

/* Read one report; 1 = got it, 0 = EOF. Dies on timeout or error. */
static int read_report(int rfd, int64_t *v, int timeout_ms)
{
	struct pollfd p = { .fd = rfd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;
	int rc;

	while (got < sizeof *v) {
		rc = poll(&p, 1, timeout_ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			die("no report from the writer within %d ms", timeout_ms);
		n = read(rfd, (char *)v + got, sizeof *v - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read pipe: %s", strerror(errno));
		if (n == 0) {
			if (got)
				die("torn report");
			return 0;
		}
		got += (size_t)n;
	}
	return 1;
}

/* Spin until the child has written `row` rows into its current batch. */
static void wait_for_row(int row)
{
	struct timespec ts = { 0, 20000 }, t0, now;
	int64_t cur = atomic_load(written);
	int64_t target = cur - cur % K + row;

	if (cur >= target)
		target += K;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (atomic_load(written) < target) {
		nanosleep(&ts, NULL);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - t0.tv_sec) * 1000 > REPORT_TIMEOUT_MS)
			die("the writer did not reach row %lld", (long long)target);
	}
}

struct check {
	struct store *st;
	int64_t next_id;
	const char *fail;
	char why[256];
};

static int cb_check_conn(void *ctx, int64_t id, const struct store_conn *c)
{
	struct check *k = ctx;
	uint64_t seq = (uint64_t)(id - 1);
	struct row r;

	if (id != k->next_id) {
		snprintf(k->why, sizeof k->why, "connection ids not contiguous: %lld after %lld",
		         (long long)id, (long long)k->next_id - 1);
		return 1;
	}
	k->next_id++;
	make_row(seq, &r);
	if (strcmp(c->ts, r.ts) != 0 || strcmp(c->client_ip, r.client_ip) != 0 ||
	    c->client_port != (uint16_t)seq || strcmp(c->server_ip, "192.0.2.1") != 0 ||
	    c->server_port != 443 || !c->sni || strcmp(c->sni, r.sni) != 0 ||
	    !c->ja3 || strcmp(c->ja3, r.ja3) != 0 || c->resumed != (bool)(seq & 1) ||
	    c->fallback_scsv || !c->version || strcmp(c->version, "TLSv1.3") != 0 ||
	    !c->source || strcmp(c->source, "store_crash") != 0 || c->chain_len != 1 ||
	    !c->server_cert_sha256 || strcmp(c->chain_sha256[0], c->server_cert_sha256) != 0) {
		snprintf(k->why, sizeof k->why, "connection %lld differs from what was written",
		         (long long)id);
		return 1;
	}
	return 0;
}

struct cert_check {
	const struct row *r;
	int ok;
};

static int cb_check_cert(void *ctx, const struct store_cert *c)
{
	struct cert_check *k = ctx;

	k->ok = c->der_len == k->r->der_len && memcmp(c->der, k->r->der, c->der_len) == 0;
	return 0;
}

/* Certificates: one per row, each DER equal to its row's (checked by hash). */
static int cb_check_chain(void *ctx, int64_t id, const struct store_conn *c)
{
	struct check *k = ctx;
	struct cert_check cc;
	struct row r;

	make_row((uint64_t)(id - 1), &r);
	cc.r = &r;
	cc.ok = 0;
	if (store_get_cert(k->st, c->chain_sha256[0], cb_check_cert, &cc) != STORE_OK || !cc.ok) {
		snprintf(k->why, sizeof k->why, "certificate of connection %lld missing or wrong",
		         (long long)id);
		return 1;
	}
	return 0;
}

struct rows {
	int n;
	char first[128];
};

static int cb_rows(void *ctx, int ncol, const char *const *names, const char *const *v)
{
	struct rows *r = ctx;

	(void)names;
	if (r->n++ == 0)
		snprintf(r->first, sizeof r->first, "%s", ncol > 0 && v[0] ? v[0] : "(null)");
	return 0;
}

static int64_t count(struct store *st, enum store_table t)
{
	int64_t n;

	if (store_count(st, t, &n) != STORE_OK)
		die("count: %s", store_errmsg(st));
	return n;
}

/* Reopen after the kill and check everything; returns the row count. */
static int64_t verify(int round, int64_t last)
{
	struct store_error err;
	struct store *st = store_open(db, NULL, &err);
	struct check k = { 0 };
	struct rows rows = { 0 };
	int64_t n;

	if (!st)
		die("round %d: reopen after kill: %s", round, err.msg);
	if (store_query(st, "PRAGMA integrity_check", cb_rows, &rows) != STORE_OK)
		die("round %d: integrity_check: %s", round, store_errmsg(st));
	if (rows.n != 1 || strcmp(rows.first, "ok") != 0)
		die("round %d: integrity_check says '%s' (%d rows)", round, rows.first, rows.n);
	memset(&rows, 0, sizeof rows);
	if (store_query(st, "PRAGMA foreign_key_check", cb_rows, &rows) != STORE_OK)
		die("round %d: foreign_key_check: %s", round, store_errmsg(st));
	if (rows.n != 0)
		die("round %d: %d foreign key violations", round, rows.n);

	n = count(st, STORE_T_CONNECTIONS);
	if (n < last)
		die("round %d: %lld connections after the kill, but %lld were committed",
		    round, (long long)n, (long long)last);
	if (n != last && n != last + K)
		die("round %d: %lld connections, expected %lld or %lld (a partial batch survived)",
		    round, (long long)n, (long long)last, (long long)last + K);
	if (count(st, STORE_T_CONN_CERTS) != n || count(st, STORE_T_CERTIFICATES) != n)
		die("round %d: %lld connections but %lld chain links and %lld certificates", round,
		    (long long)n, (long long)count(st, STORE_T_CONN_CERTS),
		    (long long)count(st, STORE_T_CERTIFICATES));

	k.st = st;
	k.next_id = 1;
	if (store_each_connection(st, 0, cb_check_conn, &k) != STORE_OK)
		die("round %d: read connections: %s", round, store_errmsg(st));
	if (k.why[0])
		die("round %d: %s", round, k.why);
	if (k.next_id != n + 1)
		die("round %d: iterated %lld connections of %lld", round,
		    (long long)k.next_id - 1, (long long)n);
	if (store_each_connection(st, 0, cb_check_chain, &k) != STORE_OK)
		die("round %d: read chains: %s", round, store_errmsg(st));
	if (k.why[0])
		die("round %d: %s", round, k.why);
	if (store_close(st) != STORE_OK)
		die("round %d: close after verify", round);
	return n;
}

static void cleanup(void)
{
	char p[PATH_MAX + 300];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
			unlink(p);
		}
	}
	closedir(d);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	const char *base = argc > 1 ? argv[1] : getenv("TMPDIR");
	int64_t last, v, rows = 0, in_flight;
	int round, fds[2], status, seen, mid_batch = 0;
	pid_t pid;

	if (!base || !*base)
		base = "/tmp";
	snprintf(dir, sizeof dir, "%s/store_crash.XXXXXX", base);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "store_crash: mkdtemp in %s: %s\n", base, strerror(errno));
		return 1;
	}
	snprintf(db, sizeof db, "%s/crash.db", dir);
	written = mmap(NULL, sizeof *written, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	               -1, 0);
	if (written == MAP_FAILED)
		die("mmap: %s", strerror(errno));

	for (round = 0; round < ROUNDS; round++) {
		if (pipe(fds) != 0)
			die("pipe: %s", strerror(errno));
		fflush(NULL);
		pid = fork();
		if (pid < 0)
			die("fork: %s", strerror(errno));
		if (pid == 0) {
			close(fds[0]);
			child(fds[1]);
		}
		close(fds[1]);

		last = rows;
		for (seen = 0; seen < kill_plan[round].reports; seen++) {
			if (!read_report(fds[0], &v, REPORT_TIMEOUT_MS))
				die("round %d: writer exited early (see its message above)", round);
			if (v <= last)
				die("round %d: committed count went from %lld to %lld", round,
				    (long long)last, (long long)v);
			last = v;
		}
		wait_for_row(kill_plan[round].row);
		if (kill(pid, SIGKILL) != 0)
			die("kill: %s", strerror(errno));
		if (waitpid(pid, &status, 0) != pid)
			die("waitpid: %s", strerror(errno));
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			die("round %d: writer ended by itself (status 0x%x) before the kill",
			    round, status);
		while (read_report(fds[0], &v, REPORT_TIMEOUT_MS))
			last = v > last ? v : last;
		close(fds[0]);

		rows = verify(round, last);
		in_flight = atomic_load(written) - rows;
		mid_batch += in_flight > 0;
		printf("round %d: killed after %lld committed rows with %lld uncommitted;"
		       " reopened with %lld rows, intact\n", round, (long long)last,
		       (long long)(in_flight > 0 ? in_flight : 0), (long long)rows);
	}
	if (mid_batch == 0)
		die("no kill hit an open transaction in %d rounds: nothing was tested", ROUNDS);
	printf("store_crash: ok, %d rounds (%d killed inside an open batch), %lld rows\n",
	       ROUNDS, mid_batch, (long long)rows);
	munmap((void *)written, sizeof *written);
	cleanup();
	return 0;
}
