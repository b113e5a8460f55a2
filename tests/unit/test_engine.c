/*
 * The scan engine (scanner/engine.h) against servers on loopback: a real `openssl s_server`
 * and scripted hostile servers (issue 4: "garbage instead of a ServerHello, huge record
 * lengths, endless records, a close in mid-handshake, a server that accepts and never
 * answers. Each gives an error for that endpoint within the timeout; the scan goes on.").
 *
 * The engine is driven by a small test planner: each endpoint's job sends a fixed TLS 1.2
 * ClientHello built with capture/wire/chb.h (full flight) and records the transport outcome,
 * the bytes and the time. Checked:
 *   1. hostile: every hostile endpoint ends with its outcome (not TLS, huge length, too long,
 *      closed, timeout, reset, refused) within timeout + slack, while an openssl s_server in
 *      the same run is answered completely (its flight ends with ServerHelloDone), over IPv4
 *      and IPv6; the process has the same descriptors open before and after.
 *   2. retry: a reset after a good answer is retried once (connections counted by the server);
 *      a first failure is not.
 *   3. limits: per-endpoint and overall connection caps, seen from the servers' side (their
 *      count of simultaneous connections), and the rate limit (wall time of 20 connections).
 *   4. STARTTLS: SMTP preludes in front of openssl s_server (a scripted SMTP server that
 *      relays to it after "220"), and a refusal that gives PROBE_T_STARTTLS with its reason.
 *   5. The driver (scan.h) with the real planner over the same servers: every hostile
 *      endpoint, a refused port and a name that does not resolve give a result with
 *      "error" set (at once, or within the planner's bound for silent servers: see
 *      test_scan_run); openssl s_server's endpoint has no error and
 *      TLS 1.2 and 1.3 supported (it is started with its defaults: TLS 1.2 and 1.3).
 *
 * Servers: one child process runs every scripted server in a poll() loop (nothing blocks,
 * so a silent server does not hold up the others); openssl s_server runs in its own child on
 * a port found by binding port 0. Only 127.0.0.1 and ::1 are used.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture/wire/chb.h"
#include "capture/wire/digest.h"
#include "scanner/engine.h"
#include "scanner/hso.h"
#include "scanner/scan.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define TIMEOUT_MS 1000
#define SLACK_MS 800
#define MAX_SRV 16
#define MAX_SCONN 64
#define MAX_JOBS 16
#define MAX_PROBES 32

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* ---- scripted servers -------------------------------------------------------------------- */

enum beh {
	B_GARBAGE,      /* "HTTP/1.1 400" instead of a ServerHello */
	B_HUGE,         /* a record header with length 65535, then silence */
	B_ENDLESS,      /* records of a ServerHello that never ends */
	B_CLOSE_MID,    /* 30 bytes of a ServerHello record, then FIN */
	B_SILENT,       /* accepts, reads, never answers */
	B_TRICKLE,      /* a ServerHello, one byte every 100 ms */
	B_RST,          /* accepts and resets at once */
	B_ALERT,        /* a fatal handshake_failure alert, then FIN */
	B_FLAKY,        /* connection 2 is reset, the others get an alert */
	B_HOLD_ALERT,   /* the alert after 100 ms */
	B_SMTP_PROXY,   /* SMTP STARTTLS prelude, then a relay to openssl s_server */
	B_SMTP_NO,      /* SMTP without STARTTLS */
};

struct srv {
	enum beh b;
	int family;
	uint16_t port;
	uint16_t relay_port;     /* B_SMTP_PROXY: the s_server */
	unsigned accepted, cur, max;
};

/* Shared with the child: counters the parent reads. */
struct shared {
	struct srv srv[MAX_SRV];
	size_t n;
	unsigned total_cur, total_max;
};

static struct shared *sh;
static int lfds[MAX_SRV];
static pid_t srv_pid = -1, ssl_pid = -1;
static uint16_t ssl_port;

/* A minimal TLS 1.2 ServerHello record (RFC 5246 §7.4.1.3): 0303, random, empty session id,
 * TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, no compression, no extensions. */
static size_t server_hello(uint8_t *out)
{
	static const uint8_t head[] = { 0x16, 0x03, 0x03, 0x00, 0x2a, 0x02, 0x00, 0x00, 0x26,
					0x03, 0x03 };
	size_t n = 0;
	memcpy(out, head, sizeof(head));
	n += sizeof(head);
	memset(out + n, 0x5a, 32);
	n += 32;
	out[n++] = 0x00;
	out[n++] = 0xc0;
	out[n++] = 0x2f;
	out[n++] = 0x00;
	return n;
}

/* The endless stream: handshake records carrying one ServerHello that claims 2^24-1 bytes,
 * so that no message ever completes. */
static uint8_t endless_byte(size_t i)
{
	static const uint8_t hdr[5] = { 0x16, 0x03, 0x03, 0x40, 0x00 };
	static const uint8_t msg[4] = { 0x02, 0xff, 0xff, 0xff };
	size_t rec = 5 + 16384, k = i % rec;
	if (k < 5)
		return hdr[k];
	if (i < rec && k < 9)
		return msg[k - 5];
	return 0x30;
}

/* The trickled stream: a real ServerHello, too slowly to finish within the timeout. */
static uint8_t trickle_byte(size_t i)
{
	uint8_t sh_rec[64];
	size_t n = server_hello(sh_rec);
	return i < n ? sh_rec[i] : 0x16;
}

struct sconn {
	int fd;
	int relay;             /* B_SMTP_PROXY after "220 go": the s_server connection */
	int srv;
	size_t got, sent;
	int phase;
	uint64_t next_at;
	char line[512];
	size_t line_len;
};

static void put(int fd, const void *p, size_t n) { (void)!write(fd, p, n); }
static void puts_fd(int fd, const char *s) { put(fd, s, strlen(s)); }

static void sconn_close(struct sconn *c, bool rst)
{
	if (rst) {
		struct linger lg = { 1, 0 };
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	close(c->fd);
	if (c->relay >= 0)
		close(c->relay);
	sh->srv[c->srv].cur--;
	sh->total_cur--;
	c->fd = -1;
	c->relay = -1;
}

static int connect_local(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static const uint8_t alert[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28 };

/* The first bytes of the client arrived (for the prelude servers: a line). */
static void act(struct sconn *c, uint64_t now)
{
	struct srv *s = &sh->srv[c->srv];
	uint8_t buf[64];
	switch (s->b) {
	case B_GARBAGE:
		puts_fd(c->fd, "HTTP/1.1 400 Bad Request\r\n\r\n");
		sconn_close(c, false);
		break;
	case B_HUGE:
		put(c->fd, "\x16\x03\x03\xff\xff\x02\x00\x00", 8);
		c->phase = 1;
		break;
	case B_ENDLESS:
	case B_TRICKLE:
		c->phase = 2;
		c->next_at = now;
		break;
	case B_CLOSE_MID:
		server_hello(buf);
		put(c->fd, buf, 30);
		sconn_close(c, false);
		break;
	case B_SILENT:
		c->phase = 1;
		break;
	case B_FLAKY:
	case B_ALERT:
		put(c->fd, alert, sizeof(alert));
		sconn_close(c, false);
		break;
	case B_HOLD_ALERT:
		c->phase = 3;
		c->next_at = now + 100;
		break;
	default:
		break;
	}
}

/* SMTP servers: one line from the client. */
static void smtp_line(struct sconn *c, const char *line)
{
	struct srv *s = &sh->srv[c->srv];
	if (strncasecmp(line, "EHLO", 4) == 0) {
		puts_fd(c->fd, s->b == B_SMTP_PROXY ? "250-test.example\r\n250 STARTTLS\r\n"
						    : "250-test.example\r\n250 8BITMIME\r\n");
	} else if (strncasecmp(line, "STARTTLS", 8) == 0 && s->b == B_SMTP_PROXY) {
		c->relay = connect_local(s->relay_port);
		if (c->relay < 0) {
			sconn_close(c, false);
			return;
		}
		puts_fd(c->fd, "220 2.0.0 Ready to start TLS\r\n");
		c->phase = 4; /* relay */
	} else {
		puts_fd(c->fd, "502 5.5.1 unrecognized command\r\n");
	}
}

static void serve(void)
{
	struct sconn conns[MAX_SCONN];
	for (size_t i = 0; i < MAX_SCONN; i++)
		conns[i].fd = conns[i].relay = -1;
	for (;;) {
		struct pollfd pfd[MAX_SRV + 2 * MAX_SCONN];
		int who[MAX_SRV + 2 * MAX_SCONN]; /* >= 0: listener; -1-i: conn i; -100-i: relay */
		nfds_t n = 0;
		uint64_t now = now_ms();
		for (size_t i = 0; i < sh->n; i++) {
			pfd[n] = (struct pollfd){ .fd = lfds[i], .events = POLLIN };
			who[n++] = (int)i;
		}
		for (size_t i = 0; i < MAX_SCONN; i++) {
			struct sconn *c = &conns[i];
			if (c->fd < 0)
				continue;
			/* timed actions */
			enum beh b = sh->srv[c->srv].b;
			if (c->phase == 2 && b == B_ENDLESS) {
				uint8_t chunk[4096];
				for (size_t k = 0; k < sizeof(chunk); k++)
					chunk[k] = endless_byte(c->sent + k);
				ssize_t w = send(c->fd, chunk, sizeof(chunk), MSG_NOSIGNAL | MSG_DONTWAIT);
				if (w > 0)
					c->sent += (size_t)w;
				else if (w < 0 && errno != EAGAIN) {
					sconn_close(c, false);
					continue;
				}
			} else if (c->phase == 2 && b == B_TRICKLE && now >= c->next_at) {
				uint8_t x = trickle_byte(c->sent);
				if (send(c->fd, &x, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1)
					c->sent++;
				else if (errno != EAGAIN) {
					sconn_close(c, false);
					continue;
				}
				c->next_at = now + 100;
			} else if (c->phase == 3 && now >= c->next_at) {
				put(c->fd, alert, sizeof(alert));
				sconn_close(c, false);
				continue;
			}
			pfd[n] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
			who[n++] = -1 - (int)i;
			if (c->relay >= 0) {
				pfd[n] = (struct pollfd){ .fd = c->relay, .events = POLLIN };
				who[n++] = -100 - (int)i;
			}
		}
		if (poll(pfd, n, 5) < 0)
			continue;
		for (nfds_t k = 0; k < n; k++) {
			if (!pfd[k].revents)
				continue;
			if (who[k] >= 0) {
				struct srv *s = &sh->srv[who[k]];
				int fd = accept(pfd[k].fd, NULL, NULL);
				if (fd < 0)
					continue;
				s->accepted++;
				s->cur++;
				if (s->cur > s->max)
					s->max = s->cur;
				sh->total_cur++;
				if (sh->total_cur > sh->total_max)
					sh->total_max = sh->total_cur;
				size_t i = 0;
				while (i < MAX_SCONN && conns[i].fd >= 0)
					i++;
				if (i == MAX_SCONN) {
					close(fd);
					s->cur--;
					sh->total_cur--;
					continue;
				}
				conns[i] = (struct sconn){ .fd = fd, .relay = -1, .srv = who[k] };
				if (s->b == B_RST || (s->b == B_FLAKY && s->accepted == 2))
					sconn_close(&conns[i], true);
				else if (s->b == B_SMTP_PROXY || s->b == B_SMTP_NO)
					puts_fd(fd, "220 test.example ESMTP\r\n");
				continue;
			}
			int i = who[k] <= -100 ? -100 - who[k] : -1 - who[k];
			struct sconn *c = &conns[i];
			if (c->fd < 0)
				continue;
			uint8_t buf[16384];
			if (who[k] <= -100) { /* relay: s_server to client */
				ssize_t r = read(c->relay, buf, sizeof(buf));
				if (r <= 0)
					sconn_close(c, false);
				else
					put(c->fd, buf, (size_t)r);
				continue;
			}
			ssize_t r = read(c->fd, buf, sizeof(buf));
			if (r <= 0) {
				sconn_close(c, false);
				continue;
			}
			if (c->phase == 4) {
				put(c->relay, buf, (size_t)r);
				continue;
			}
			enum beh b = sh->srv[c->srv].b;
			if (b == B_SMTP_PROXY || b == B_SMTP_NO) {
				for (ssize_t j = 0; j < r && c->fd >= 0; j++) {
					if (c->phase == 4) { /* bytes after STARTTLS: the hello */
						put(c->relay, buf + j, (size_t)(r - j));
						break;
					}
					if (buf[j] == '\n') {
						c->line[c->line_len] = '\0';
						smtp_line(c, c->line);
						c->line_len = 0;
					} else if (c->line_len + 1 < sizeof(c->line)) {
						c->line[c->line_len++] = (char)buf[j];
					}
				}
				continue;
			}
			c->got += (size_t)r;
			if (c->phase == 0 && c->got >= 5)
				act(c, now);
		}
	}
}

/* Adds a scripted server; returns its index. */
static size_t add_srv(enum beh b, int family)
{
	size_t i = sh->n++;
	int fd = socket(family, SOCK_STREAM, 0);
	int one = 1;
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_storage ss;
	socklen_t len;
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		len = sizeof(*a);
	}
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, len), 0);
	assert_int_equal(listen(fd, 64), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	sh->srv[i].b = b;
	sh->srv[i].family = family;
	sh->srv[i].port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
						   : ((struct sockaddr_in6 *)&ss)->sin6_port);
	sh->srv[i].relay_port = ssl_port;
	lfds[i] = fd;
	return i;
}

/* A port where nothing listens (bound, then closed). */
static uint16_t free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

/* In a child: die with the test (even when a failed assertion ends it early), and keep
 * none of its output descriptors, so that whoever reads the test's output sees its end. */
static void child_setup(void)
{
	int null = open("/dev/null", O_RDWR);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(0);
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	if (null > 2)
		close(null);
}

static void start_servers(void)
{
	srv_pid = fork();
	assert_true(srv_pid >= 0);
	if (srv_pid == 0) {
		child_setup();
		serve();
		_exit(0);
	}
	for (size_t i = 0; i < sh->n; i++)
		close(lfds[i]);
}

static void stop_pid(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
	}
	*pid = -1;
}

/* openssl s_server with a fresh P-256 certificate, on a free port; waits until it listens. */
static int setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	char cmd[2048], cert[512], key[512];
	tmp = tmp && *tmp ? tmp : "/tmp";
	snprintf(cert, sizeof(cert), "%s/engine-cert.pem", tmp);
	snprintf(key, sizeof(key), "%s/engine-key.pem", tmp);
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
		 "-days 1 -subj /CN=localhost -keyout %s -out %s >/dev/null 2>&1", key, cert);
	if (system(cmd) != 0)
		return -1;
	ssl_port = free_port();
	ssl_pid = fork();
	if (ssl_pid == 0) {
		char accept_arg[64];
		child_setup();
		snprintf(accept_arg, sizeof(accept_arg), "127.0.0.1:%u", ssl_port);
		execlp("openssl", "openssl", "s_server", "-accept", accept_arg, "-cert", cert,
		       "-key", key, "-quiet", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500; i++) {
		int fd = connect_local(ssl_port);
		if (fd >= 0) {
			close(fd);
			break;
		}
		usleep(10000);
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return sh == MAP_FAILED ? -1 : 0;
}

/* After each test, also a failed one: the scripted servers go. */
static int stop_servers(void **state)
{
	(void)state;
	stop_pid(&srv_pid);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	stop_pid(&ssl_pid);
	munmap(sh, sizeof(*sh));
	return 0;
}

/* ---- the test planner -------------------------------------------------------------------- */

struct tjob {
	const char *name;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	unsigned want;           /* probes to send */
	bool parallel;           /* hand them out without waiting */
	unsigned sent, out, got;
	enum probe_transport t[MAX_PROBES];
	size_t len[MAX_PROBES];
	uint8_t head[MAX_PROBES][8];
	bool complete[MAX_PROBES];   /* the response ends with ServerHelloDone */
	bool talk;               /* probes are full OpenSSL handshakes (hso.h) */
	struct hso *h[MAX_PROBES];
	bool hs_done[MAX_PROBES];
	uint16_t version[MAX_PROBES];
	char leaf[MAX_PROBES][65];   /* SHA-256 of the leaf the handshake got */
	char error[MAX_PROBES][HSO_ERR_MAX];
	size_t total[MAX_PROBES];
	uint64_t finished_ms;
	struct eng_stats st;
};

struct trun {
	struct tjob jobs[MAX_JOBS];
	size_t n, next;
	uint64_t t0;
};

static uint8_t hello[1024];
static size_t hello_len;

static void build_hello(void)
{
	/* TLS 1.2, ECDHE with ECDSA or RSA (openssl s_server has a P-256 certificate) */
	static const uint16_t suites[] = { 0xc02b, 0xc02c, 0xc02f, 0xc030, 0xc009, 0xc013,
					   0x009c, 0x002f, 0x00ff };
	static const uint16_t groups[] = { 0x001d, 0x0017 };
	static const uint16_t sigs[] = { 0x0403, 0x0804, 0x0401, 0x0503 };
	static const uint8_t pf[] = { 0 };
	uint8_t rnd[32];
	memset(rnd, 0x42, sizeof(rnd));
	struct tls_chb cfg = {
		.record_version = 0x0301, .legacy_version = 0x0303,
		.random = rnd, .random_len = 32,
		.suites = suites, .n_suites = ARRAY_LEN(suites),
		.groups = groups, .n_groups = ARRAY_LEN(groups),
		.point_formats = pf, .n_point_formats = 1,
		.sig_algs = sigs, .n_sig_algs = ARRAY_LEN(sigs),
		.sni = "localhost",
	};
	hello_len = tls_chb_build(&cfg, hello, sizeof(hello));
	assert_true(hello_len > 0);
}

static void *op_start(void *ctx, struct eng_endpoint *ep)
{
	struct trun *r = ctx;
	if (r->next >= r->n)
		return NULL;
	struct tjob *j = &r->jobs[r->next++];
	memcpy(&ep->addr, &j->addr, sizeof(j->addr));
	ep->addr_len = j->addr_len;
	snprintf(ep->domain, sizeof(ep->domain), "localhost");
	return j;
}

static struct hso_ctx *hctx;

static int op_next(void *job, struct probe_req *req)
{
	struct tjob *j = job;
	if (j->sent == j->want)
		return j->out ? 0 : -1;
	if (!j->parallel && j->out)
		return 0;
	if (j->talk) {
		struct hso_opts ho = { .sni = "localhost" };
		req->id = j->sent++;
		j->h[req->id] = hso_new(hctx, &ho);
		assert_non_null(j->h[req->id]);
		req->talk.step = hso_step;
		req->talk.arg = j->h[req->id];
		j->out++;
		return 1;
	}
	req->id = j->sent++;
	memcpy(req->hello, hello, hello_len);
	req->hello_len = hello_len;
	req->full_flight = true;
	j->out++;
	return 1;
}

static void op_result(void *job, const struct probe_resp *resp)
{
	struct tjob *j = job;
	uint32_t i = resp->id;
	assert_true(i < MAX_PROBES);
	j->t[i] = resp->transport;
	j->len[i] = resp->len;
	assert_non_null(resp->bytes);
	memcpy(j->head[i], resp->bytes, resp->len < 8 ? resp->len : 8);
	j->complete[i] = resp->len >= 4 &&
			 memcmp(resp->bytes + resp->len - 4, "\x0e\x00\x00\x00", 4) == 0;
	j->total[i] = resp->total;
	if (j->talk) {
		const struct hso_result *hr = hso_result(j->h[i]);
		j->hs_done[i] = hr->handshake_done;
		j->version[i] = hr->version;
		snprintf(j->error[i], sizeof(j->error[i]), "%s", hr->error);
		if (hr->n_certs > 0) {
			uint8_t md[32];
			digest_sha256(hr->der[0], hr->der_len[0], md);
			digest_hex(md, sizeof(md), j->leaf[i]);
		}
		hso_free(j->h[i]);
		j->h[i] = NULL;
	}
	j->out--;
	j->got++;
}

static struct trun *cur_run;

static void op_finish(void *job, const struct eng_stats *st)
{
	struct tjob *j = job;
	j->st = *st;
	j->finished_ms = now_ms() - cur_run->t0;
}

static const struct eng_ops tops = { op_start, op_next, op_result, op_finish };

static struct tjob *add_job(struct trun *r, const char *name, int family, uint16_t port,
			    unsigned want, bool parallel)
{
	struct tjob *j = &r->jobs[r->n++];
	memset(j, 0, sizeof(*j));
	j->name = name;
	j->want = want;
	j->parallel = parallel;
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&j->addr;
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		j->addr_len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&j->addr;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		a->sin6_addr = in6addr_loopback;
		j->addr_len = sizeof(*a);
	}
	return j;
}

static uint64_t run(struct trun *r, const struct eng_opts *o)
{
	cur_run = r;
	r->t0 = now_ms();
	struct eng *e = eng_new(o, &tops, r);
	assert_non_null(e);
	assert_int_equal(eng_run(e, NULL), 0);
	eng_free(e);
	return now_ms() - r->t0;
}

/* ---- 1. hostile servers ------------------------------------------------------------------ */

static bool have_ipv6(void)
{
	int fd = socket(AF_INET6, SOCK_STREAM, 0);
	if (fd < 0)
		return false;
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	bool ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

static void test_hostile(void **state)
{
	(void)state;
	static struct trun r;
	memset(&r, 0, sizeof(r));
	memset(sh, 0, sizeof(*sh));
	build_hello();
	bool v6 = have_ipv6();
	static const struct {
		const char *name;
		enum beh b;
		enum probe_transport want;
		bool timed;      /* ends at the timeout */
	} hostile[] = {
		{ "garbage", B_GARBAGE, PROBE_T_DONE, false },
		{ "huge record length", B_HUGE, PROBE_T_DONE, false },
		{ "endless records", B_ENDLESS, PROBE_T_TOO_LONG, false },
		{ "close mid-handshake", B_CLOSE_MID, PROBE_T_CLOSED, false },
		{ "accepts, never answers", B_SILENT, PROBE_T_TIMEOUT, true },
		{ "trickles bytes", B_TRICKLE, PROBE_T_TIMEOUT, true },
		{ "reset at accept", B_RST, PROBE_T_RESET, false },
		{ "fatal alert", B_ALERT, PROBE_T_DONE, false },
	};
	size_t first = r.n;
	for (size_t i = 0; i < ARRAY_LEN(hostile); i++) {
		size_t s = add_srv(hostile[i].b, AF_INET);
		add_job(&r, hostile[i].name, AF_INET, sh->srv[s].port, 1, false);
	}
	struct tjob *good = add_job(&r, "openssl s_server", AF_INET, ssl_port, 1, false);
	struct tjob *refused = add_job(&r, "refused", AF_INET, free_port(), 1, false);
	struct tjob *six = NULL;
	if (v6) {
		size_t s = add_srv(B_ALERT, AF_INET6);
		six = add_job(&r, "ipv6 alert", AF_INET6, sh->srv[s].port, 1, false);
	}
	start_servers();
	int fds_before = count_fds();
	struct eng_opts o = { .concurrency = 16, .timeout_ms = TIMEOUT_MS };
	uint64_t total = run(&r, &o);
	int fds_after = count_fds();
	stop_pid(&srv_pid);

	printf("hostile run: %llu ms in all (timeout %d ms)\n", (unsigned long long)total,
	       TIMEOUT_MS);
	for (size_t i = 0; i < r.n; i++) {
		struct tjob *j = &r.jobs[i];
		printf("  %-24s %-18s %6zu bytes  %5llu ms  %u connection(s)\n", j->name,
		       probe_transport_name(j->t[0]), j->len[0],
		       (unsigned long long)j->finished_ms, j->st.connections);
		assert_int_equal(j->got, 1);
		assert_int_equal(j->st.connections, 1);
		assert_true(j->finished_ms < TIMEOUT_MS + SLACK_MS);
	}
	for (size_t i = 0; i < ARRAY_LEN(hostile); i++) {
		struct tjob *j = &r.jobs[first + i];
		if (j->t[0] != hostile[i].want)
			fail_msg("%s: %s, want %s", j->name, probe_transport_name(j->t[0]),
				 probe_transport_name(hostile[i].want));
		if (hostile[i].timed)
			assert_true(j->finished_ms + 50 >= TIMEOUT_MS);
		else
			assert_true(j->finished_ms < TIMEOUT_MS / 2);
	}
	assert_memory_equal(r.jobs[first + 0].head, "HTTP", 4);
	assert_int_equal(r.jobs[first + 1].len[0], 8);
	assert_int_equal(r.jobs[first + 2].len[0], PROBE_MAX_RESPONSE);
	assert_int_equal(r.jobs[first + 3].len[0], 30);
	assert_int_equal(good->t[0], PROBE_T_DONE);
	assert_true(good->complete[0]);
	assert_int_equal(good->head[0][0], 0x16);
	assert_int_equal(good->head[0][5], 0x02); /* ServerHello */
	assert_int_equal(refused->t[0], PROBE_T_REFUSED);
	if (six) {
		assert_int_equal(six->t[0], PROBE_T_DONE);
		assert_memory_equal(six->head[0], alert, sizeof(alert));
	}
	assert_true(total < TIMEOUT_MS + SLACK_MS);
	assert_int_equal(fds_before, fds_after);
}

/* ---- 2. retry ---------------------------------------------------------------------------- */

static void test_retry(void **state)
{
	(void)state;
	static struct trun r;
	memset(&r, 0, sizeof(r));
	memset(sh, 0, sizeof(*sh));
	build_hello();
	size_t flaky = add_srv(B_FLAKY, AF_INET);
	size_t rst = add_srv(B_RST, AF_INET);
	struct tjob *jf = add_job(&r, "flaky", AF_INET, sh->srv[flaky].port, 3, false);
	struct tjob *jr = add_job(&r, "reset", AF_INET, sh->srv[rst].port, 2, false);
	start_servers();
	struct eng_opts o = { .concurrency = 8, .timeout_ms = TIMEOUT_MS };
	run(&r, &o);
	stop_pid(&srv_pid);
	/* flaky: alert; reset (retried) then alert; alert */
	assert_int_equal(jf->got, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(jf->t[i], PROBE_T_DONE);
	assert_int_equal(jf->st.connections, 4);
	assert_int_equal(jf->st.retries, 1);
	assert_int_equal(sh->srv[flaky].accepted, 4);
	/* never answered: no retry */
	assert_int_equal(jr->got, 2);
	assert_int_equal(jr->t[0], PROBE_T_RESET);
	assert_int_equal(jr->t[1], PROBE_T_RESET);
	assert_int_equal(jr->st.connections, 2);
	assert_int_equal(jr->st.retries, 0);
}

/* ---- 3. limits --------------------------------------------------------------------------- */

static void test_limits(void **state)
{
	(void)state;
	static struct trun r;
	memset(&r, 0, sizeof(r));
	memset(sh, 0, sizeof(*sh));
	build_hello();
	for (int i = 0; i < 3; i++) {
		size_t s = add_srv(B_HOLD_ALERT, AF_INET);
		add_job(&r, "hold", AF_INET, sh->srv[s].port, 8, true);
	}
	start_servers();
	struct eng_opts o = { .concurrency = 5, .per_endpoint = 3, .timeout_ms = 3000 };
	uint64_t t = run(&r, &o);
	stop_pid(&srv_pid);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(r.jobs[i].got, 8);
		assert_int_equal(sh->srv[i].accepted, 8);
		assert_true(sh->srv[i].max <= 3);
		assert_true(sh->srv[i].max >= 2);
	}
	assert_true(sh->total_max <= 5);
	assert_int_equal(sh->total_max, 5);
	/* 24 connections of 100 ms, 5 at a time: at least 5 rounds */
	printf("limits: 24 x 100 ms, 5 at a time, 3 per endpoint: %llu ms; server-side max %u "
	       "overall, %u/%u/%u per endpoint\n", (unsigned long long)t, sh->total_max,
	       sh->srv[0].max, sh->srv[1].max, sh->srv[2].max);
	assert_true(t >= 480);

	/* one endpoint alone: its own cap binds */
	memset(&r, 0, sizeof(r));
	memset(sh, 0, sizeof(*sh));
	size_t one = add_srv(B_HOLD_ALERT, AF_INET);
	add_job(&r, "hold", AF_INET, sh->srv[one].port, 9, true);
	start_servers();
	struct eng_opts o1 = { .concurrency = 10, .per_endpoint = 3, .timeout_ms = 3000 };
	t = run(&r, &o1);
	stop_pid(&srv_pid);
	assert_int_equal(r.jobs[0].got, 9);
	assert_int_equal(sh->srv[one].max, 3);
	assert_true(t >= 290);

	/* rate: 20 connections at 40/s take 19/40 s at least */
	memset(&r, 0, sizeof(r));
	memset(sh, 0, sizeof(*sh));
	size_t s = add_srv(B_ALERT, AF_INET);
	add_job(&r, "rate", AF_INET, sh->srv[s].port, 20, true);
	start_servers();
	struct eng_opts o2 = { .concurrency = 8, .rate = 40, .timeout_ms = 3000 };
	t = run(&r, &o2);
	stop_pid(&srv_pid);
	printf("rate: 20 connections at 40/s: %llu ms\n", (unsigned long long)t);
	assert_int_equal(r.jobs[0].got, 20);
	assert_true(t >= 460 && t < 1500);
}

/* ---- 4. STARTTLS ------------------------------------------------------------------------- */

static void test_starttls(void **state)
{
	(void)state;
	static struct trun r;
	memset(&r, 0, sizeof(r));
	memset(sh, 0, sizeof(*sh));
	build_hello();
	size_t p = add_srv(B_SMTP_PROXY, AF_INET);
	size_t no = add_srv(B_SMTP_NO, AF_INET);
	struct tjob *jp = add_job(&r, "smtp+s_server", AF_INET, sh->srv[p].port, 2, false);
	struct tjob *jn = add_job(&r, "smtp without STARTTLS", AF_INET, sh->srv[no].port, 1,
				  false);
	start_servers();
	struct eng_opts o = { .concurrency = 8, .timeout_ms = 3000, .starttls = STLS_SMTP };
	run(&r, &o);
	stop_pid(&srv_pid);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(jp->t[i], PROBE_T_DONE);
		assert_true(jp->complete[i]);
		assert_int_equal(jp->head[i][0], 0x16);
		assert_int_equal(jp->head[i][5], 0x02);
	}
	assert_int_equal(jp->st.detail[0], '\0');
	assert_int_equal(jn->t[0], PROBE_T_STARTTLS);
	assert_string_equal(jn->st.detail, "smtp: STARTTLS not offered");
}

/* ---- 4b. interactive probes: full OpenSSL handshakes over the engine ------------------- */

/* The SHA-256 of a PEM certificate, as `openssl x509 -fingerprint -sha256` prints it
 * (colons removed, lowercase). */
static void pem_fingerprint(const char *pem, char out[65])
{
	char cmd[1024], line[256];
	snprintf(cmd, sizeof(cmd), "openssl x509 -noout -fingerprint -sha256 -in %s", pem);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	pclose(f);
	const char *p = strchr(line, '=');
	assert_non_null(p);
	size_t n = 0;
	for (p++; *p && n < 64; p++)
		if (*p != ':' && *p != '\n')
			out[n++] = (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
	out[n] = '\0';
	assert_int_equal(n, 64);
}

static void test_talk(void **state)
{
	(void)state;
	static struct trun r;
	memset(&r, 0, sizeof(r));
	memset(sh, 0, sizeof(*sh));
	char err[256], want_leaf[65], cert[512];
	const char *tmp = getenv("TMPDIR");
	snprintf(cert, sizeof(cert), "%s/engine-cert.pem", tmp && *tmp ? tmp : "/tmp");
	pem_fingerprint(cert, want_leaf);
	hctx = hso_ctx_new(err, sizeof(err));
	assert_non_null(hctx);
	static const struct {
		const char *name;
		enum beh b;
		enum probe_transport want;
	} hostile[] = {
		{ "garbage", B_GARBAGE, PROBE_T_DONE },            /* OpenSSL gives up */
		{ "huge record length", B_HUGE, PROBE_T_DONE },
		{ "endless records", B_ENDLESS, PROBE_T_DONE },
		{ "close mid-handshake", B_CLOSE_MID, PROBE_T_CLOSED },
		{ "never answers", B_SILENT, PROBE_T_TIMEOUT },
		{ "reset", B_RST, PROBE_T_RESET },
		{ "alert", B_ALERT, PROBE_T_DONE },
	};
	struct tjob *hj[ARRAY_LEN(hostile)];
	for (size_t i = 0; i < ARRAY_LEN(hostile); i++) {
		size_t s = add_srv(hostile[i].b, AF_INET);
		hj[i] = add_job(&r, hostile[i].name, AF_INET, sh->srv[s].port, 1, false);
		hj[i]->talk = true;
	}
	struct tjob *js = add_job(&r, "openssl s_server", AF_INET, ssl_port, 3, true);
	js->talk = true;
	start_servers();
	int fds_before = count_fds();
	struct eng_opts o = { .concurrency = 16, .timeout_ms = TIMEOUT_MS };
	run(&r, &o);
	int fds_after = count_fds();
	stop_pid(&srv_pid);
	for (size_t i = 0; i < ARRAY_LEN(hostile); i++) {
		printf("  talk %-20s transport %-10s handshake %d error '%s'\n", hostile[i].name,
		       probe_transport_name(hj[i]->t[0]), hj[i]->hs_done[0], hj[i]->error[0]);
		assert_int_equal(hj[i]->got, 1);
		assert_int_equal(hj[i]->t[0], hostile[i].want);
		assert_false(hj[i]->hs_done[0]);
		if (hostile[i].want == PROBE_T_DONE)
			assert_true(hj[i]->error[0][0] != '\0'); /* OpenSSL said why */
	}
	assert_string_equal(hj[ARRAY_LEN(hostile) - 1]->error[0], "alert:handshake_failure");
	/* s_server: three full handshakes at once, each got its certificate */
	assert_int_equal(js->got, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(js->t[i], PROBE_T_DONE);
		assert_true(js->hs_done[i]);
		assert_int_equal(js->version[i], 0x0304); /* s_server's default maximum */
		assert_string_equal(js->leaf[i], want_leaf);
		assert_true(js->total[i] > 0);
	}
	assert_int_equal(fds_before, fds_after);
	hso_ctx_free(hctx);
	hctx = NULL;
}

/* ---- 5. the driver ----------------------------------------------------------------------- */

struct got {
	char target[TGT_NAME_MAX];
	bool has_error;
	char error[SCANRES_ERR_MAX];
	bool tls12, tls13;
	unsigned connections;
	uint64_t at_ms;
};

struct collect {
	struct got got[MAX_JOBS];
	size_t n;
	uint64_t t0;
	unsigned progress_calls;
	bool saw_final;
};

static void on_result(void *ctx, const struct tgt_endpoint *ep, const struct scan_result *r)
{
	struct collect *c = ctx;
	assert_true(c->n < MAX_JOBS);
	struct got *g = &c->got[c->n++];
	tgt_endpoint_name(ep, g->target);
	assert_string_equal(r->target, g->target);
	g->has_error = r->has_error;
	snprintf(g->error, sizeof(g->error), "%s", r->error);
	g->tls12 = r->ver[SCANRES_TLS12].supported == SCANRES_YES;
	g->tls13 = r->ver[SCANRES_TLS13].supported == SCANRES_YES;
	g->connections = r->connections;
	g->at_ms = now_ms() - c->t0;
}

static void on_progress(void *ctx, const struct scan_progress *p)
{
	struct collect *c = ctx;
	c->progress_calls++;
	assert_true(p->done <= p->total);
	if (p->final) {
		c->saw_final = true;
		assert_int_equal(p->done, p->total);
	}
}

static const struct got *find(const struct collect *c, const char *target)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->got[i].target, target) == 0)
			return &c->got[i];
	fail_msg("no result for %s", target);
	return NULL;
}

static void test_scan_run(void **state)
{
	(void)state;
	static struct collect c;
	memset(&c, 0, sizeof(c));
	memset(sh, 0, sizeof(*sh));
	static const enum beh hostile[] = { B_GARBAGE, B_HUGE, B_ENDLESS, B_CLOSE_MID,
					    B_SILENT, B_TRICKLE, B_RST };
	static const char *const label[] = { "garbage", "huge record length", "endless records",
					     "close mid-handshake", "never answers", "trickles",
					     "reset", "openssl s_server", "refused" };
	char words[MAX_JOBS][64], err[256];
	size_t n = 0;
	for (size_t i = 0; i < ARRAY_LEN(hostile); i++) {
		size_t s = add_srv(hostile[i], AF_INET);
		snprintf(words[n++], sizeof(words[0]), "127.0.0.1:%u", sh->srv[s].port);
	}
	snprintf(words[n++], sizeof(words[0]), "127.0.0.1:%u", ssl_port);
	snprintf(words[n++], sizeof(words[0]), "127.0.0.1:%u", free_port());
	/* No unresolvable name here: looking one up would send a DNS query off the machine. */
	struct tgt_opts to = { .default_port = 443 };
	struct tgt_list *l = tgt_list_new(&to);
	assert_non_null(l);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(tgt_list_add(l, words[i], err, sizeof(err)), TGT_OK);
	assert_int_equal(tgt_list_resolve(l, err, sizeof(err)), TGT_OK);
	start_servers();
	int fds_before = count_fds();
	struct scan_opts o = { .concurrency = 32, .timeout_ms = TIMEOUT_MS,
			       .progress = on_progress };
	c.t0 = now_ms();
	assert_int_equal(scan_run(&o, l, on_result, &c), 0);
	uint64_t total = now_ms() - c.t0;
	int fds_after = count_fds();
	stop_pid(&srv_pid);

	printf("scan_run: %llu ms in all\n", (unsigned long long)total);
	assert_int_equal(c.n, n);
	for (size_t i = 0; i < n; i++) {
		const struct got *g = find(&c, words[i]);
		printf("  %-20s %-26s %-22s %3u connection(s) %5llu ms\n", label[i], g->target,
		       g->has_error ? g->error : "(no error)", g->connections,
		       (unsigned long long)g->at_ms);
	}
	for (size_t i = 0; i < n; i++) {
		const struct got *g = find(&c, words[i]);
		/* The engine ends every probe at its timeout (test_hostile), and the planner
		 * starts no new probe of an endpoint that failed before answering TLS while
		 * others are out: every endpoint ends within one timeout. */
		assert_true(g->at_ms < TIMEOUT_MS + SLACK_MS);
		if (i == ARRAY_LEN(hostile)) { /* openssl s_server */
			if (g->has_error)
				fail_msg("s_server: %s", g->error);
			assert_true(g->tls12);
			assert_true(g->tls13);
		} else {
			assert_true(g->has_error);
		}
	}
	assert_string_equal(find(&c, words[n - 1])->error, "connection refused");
	assert_true(c.saw_final);
	assert_int_equal(fds_before, fds_after);
	tgt_list_free(l);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_hostile, stop_servers),
		cmocka_unit_test_teardown(test_retry, stop_servers),
		cmocka_unit_test_teardown(test_limits, stop_servers),
		cmocka_unit_test_teardown(test_starttls, stop_servers),
		cmocka_unit_test_teardown(test_talk, stop_servers),
		cmocka_unit_test_teardown(test_scan_run, stop_servers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
