/*
 * cli_demo_lab: the demo's local TLS servers. See cli_demo_lab.h.
 *
 * The three configurations (the truth the demo's scan results are checked against in
 * tests/integration/cli_test.sh):
 *
 *   modern    openssl s_server: TLS 1.2 and 1.3 only; TLS 1.2 suites ECDHE with AES-GCM or
 *             ChaCha20-Poly1305 (with the RSA leaf: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
 *             ..._AES_256_GCM_SHA384, ..._CHACHA20_POLY1305_SHA256); the three TLS 1.3
 *             suites; groups x25519, secp256r1, secp384r1. Certificate: the leaf signed by
 *             the demo CA (sent with the CA).
 *   legacy    GnuTLS 3.7 with the priority LEGACY_PRIORITY: TLS 1.0, 1.1 and 1.2, no 1.3;
 *             RC4 (TLS_RSA_WITH_RC4_128_SHA, TLS_ECDHE_RSA_WITH_RC4_128_SHA) and 3DES
 *             (TLS_RSA_WITH_3DES_EDE_CBC_SHA, ...) next to CBC and AEAD suites, static RSA key
 *             exchange, SHA-1 MACs; the server's order. Same certificate as modern. (Debian's
 *             OpenSSL 3.0 is built without RC4 and 3DES, so s_server cannot play this part.)
 *   bad-cert  openssl s_server: TLS 1.2 and 1.3 with OpenSSL's default suites; certificate
 *             self-signed (CN bad-cert.tlsscope.test) and expired 30 days ago.
 *
 * Keys are RSA-2048, signatures SHA-256. The servers answer one connection at a time; the
 * scanner's connections queue in the listen backlog.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <gnutls/gnutls.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cli/cli_demo_lab.h"

extern char **environ;

#define START_DEADLINE_MS 15000 /* per server: from start to accepting */
#define STOP_GRACE_MS 2000      /* SIGTERM to SIGKILL */
#define LOG_TAIL 600            /* bytes of a failed server's log quoted in the message */
#define LEGACY_IO_TIMEOUT_S 5   /* the legacy server's per-connection read/write timeout */

#define LEGACY_PRIORITY                                                                     \
	"NORMAL:-VERS-TLS1.3:+VERS-TLS1.1:+VERS-TLS1.0:+ARCFOUR-128:+3DES-CBC:%SERVER_PRECEDENCE"
#define MODERN_TLS12 "ECDHE+AESGCM:ECDHE+CHACHA20"
#define MODERN_TLS13 "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"

static const struct cli_demo_server roles[CLI_DEMO_NROLES] = {
	[CLI_DEMO_MODERN] = { "modern", "modern.tlsscope.test",
			      "openssl s_server: TLS 1.2 + 1.3, ECDHE with AES-GCM or ChaCha20 "
			      "only, CA-signed certificate", 0, 0, -1 },
	[CLI_DEMO_LEGACY] = { "legacy", "legacy.tlsscope.test",
			      "GnuTLS: TLS 1.0 - 1.2, RC4, 3DES, CBC, static RSA, server order",
			      0, 0, -1 },
	[CLI_DEMO_BADCERT] = { "bad-cert", "bad-cert.tlsscope.test",
			       "openssl s_server: TLS 1.2 + 1.3, self-signed certificate that "
			       "expired 30 days ago", 0, 0, -1 },
};

/* For cli_demo_lab_kill (signal handlers). */
static volatile pid_t g_pids[CLI_DEMO_NROLES];
static volatile sig_atomic_t g_killed;

void cli_demo_lab_kill(void)
{
	g_killed = 1;
	for (int i = 0; i < CLI_DEMO_NROLES; i++)
		if (g_pids[i] > 0)
			kill(g_pids[i], SIGTERM);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool path_in(const struct cli_demo_lab *lab, const char *name, char *out, size_t cap)
{
	return (size_t)snprintf(out, cap, "%s/%s", lab->dir, name) < cap;
}

/* ---- certificates ------------------------------------------------------------------------- */

static bool add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	bool ok = e && X509_add_ext(x, e, -1) == 1;
	X509_EXTENSION_free(e);
	return ok;
}

/*
 * A certificate for key, valid from now + from_s to now + until_s, CN cn, signed by issuer
 * (issuer_key) or self-signed when issuer is NULL. ca: a CA certificate, else a TLS server
 * certificate for the names in san. NULL on failure.
 */
static X509 *make_cert(EVP_PKEY *key, const char *cn, const char *san, bool ca, long from_s,
		       long until_s, X509 *issuer, EVP_PKEY *issuer_key)
{
	X509 *x = X509_new();
	BIGNUM *serial = BN_new();
	X509V3_CTX ctx;
	bool ok = x && serial;

	ok = ok && X509_set_version(x, X509_VERSION_3) == 1;
	ok = ok && BN_rand(serial, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
	     BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) != NULL;
	ok = ok && X509_gmtime_adj(X509_getm_notBefore(x), from_s) != NULL &&
	     X509_gmtime_adj(X509_getm_notAfter(x), until_s) != NULL;
	ok = ok && X509_set_pubkey(x, key) == 1;
	ok = ok && X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "O", MBSTRING_ASC,
					      (const unsigned char *)"tlsscope demo", -1, -1,
					      0) == 1 &&
	     X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
					(const unsigned char *)cn, -1, -1, 0) == 1;
	ok = ok && X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer : x)) == 1;
	if (ok) {
		X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
		ok = add_ext(x, &ctx, NID_basic_constraints,
			     ca ? "critical,CA:TRUE" : "critical,CA:FALSE") &&
		     add_ext(x, &ctx, NID_key_usage,
			     ca ? "critical,keyCertSign,cRLSign"
				: "critical,digitalSignature,keyEncipherment") &&
		     add_ext(x, &ctx, NID_subject_key_identifier, "hash") &&
		     (!issuer || add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always")) &&
		     (ca || (add_ext(x, &ctx, NID_ext_key_usage, "serverAuth") &&
			     add_ext(x, &ctx, NID_subject_alt_name, san)));
	}
	ok = ok && X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0;
	BN_free(serial);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* Writes the certificates (and the key when key is set) to dir/name as PEM, mode 0600. */
static bool write_pem(const struct cli_demo_lab *lab, const char *name, X509 *const *certs,
		      size_t n, EVP_PKEY *key)
{
	char path[PATH_MAX];
	int fd;
	FILE *f;
	bool ok = true;

	if (!path_in(lab, name, path, sizeof(path)))
		return false;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return false;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		ok = ok && PEM_write_X509(f, certs[i]) == 1;
	if (key)
		ok = ok && PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1;
	return fclose(f) == 0 && ok;
}

/* ca.pem, leaf.pem + leaf.key (the CA's leaf), chain.pem (leaf then CA), expired.pem +
 * expired.key; and the bad certificate's notAfter in lab->bad_not_after. */
static bool make_certs(struct cli_demo_lab *lab)
{
	EVP_PKEY *ca_key = EVP_RSA_gen(2048), *leaf_key = EVP_RSA_gen(2048),
		 *bad_key = EVP_RSA_gen(2048);
	X509 *ca = NULL, *leaf = NULL, *bad = NULL;
	bool ok = ca_key && leaf_key && bad_key;
	const long day = 86400;
	time_t expiry = time(NULL) - 30 * day;
	struct tm tm;

	ok = ok && (ca = make_cert(ca_key, "tlsscope demo CA", NULL, true, -day, 30 * day, NULL,
				   NULL)) != NULL;
	ok = ok && (leaf = make_cert(leaf_key, "localhost",
				     "DNS:localhost,DNS:modern.tlsscope.test,"
				     "DNS:legacy.tlsscope.test,IP:127.0.0.1",
				     false, -day, 30 * day, ca, ca_key)) != NULL;
	ok = ok && (bad = make_cert(bad_key, "bad-cert.tlsscope.test",
				    "DNS:bad-cert.tlsscope.test", false, -395 * day, -30 * day,
				    NULL, NULL)) != NULL;
	if (ok) {
		X509 *chain[2] = { leaf, ca };
		ok = write_pem(lab, "ca.pem", &ca, 1, NULL) &&
		     write_pem(lab, "leaf.pem", &leaf, 1, NULL) &&
		     write_pem(lab, "leaf.key", NULL, 0, leaf_key) &&
		     write_pem(lab, "chain.pem", chain, 2, NULL) &&
		     write_pem(lab, "expired.pem", &bad, 1, NULL) &&
		     write_pem(lab, "expired.key", NULL, 0, bad_key);
	}
	gmtime_r(&expiry, &tm);
	strftime(lab->bad_not_after, sizeof(lab->bad_not_after), "%Y-%m-%d", &tm);
	X509_free(ca);
	X509_free(leaf);
	X509_free(bad);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(leaf_key);
	EVP_PKEY_free(bad_key);
	return ok;
}

/* ---- processes ---------------------------------------------------------------------------- */

/* The full path of prog on $PATH (or the default path), or false. */
static bool find_program(const char *prog, char *out, size_t cap)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		if (n > 0 && (size_t)snprintf(out, cap, "%.*s/%s", (int)n, path, prog) < cap &&
		    access(out, X_OK) == 0)
			return true;
		path += n;
		if (*path == ':')
			path++;
	}
	return false;
}

/* The environment for the openssl servers: ours with OPENSSL_CONF replaced by conf. One
 * malloc'd block (array and strings); free() it. NULL when out of memory. */
static char **server_env(const char *conf)
{
	size_t n = 0, bytes = strlen("OPENSSL_CONF=") + strlen(conf) + 1;
	for (char **e = environ; e && *e; e++, n++)
		bytes += strlen(*e) + 1;
	char **env = malloc((n + 2) * sizeof(char *) + bytes);
	if (!env)
		return NULL;
	char *p = (char *)(env + n + 2);
	size_t k = 0;
	for (char **e = environ; e && *e; e++) {
		if (strncmp(*e, "OPENSSL_CONF=", 13) == 0)
			continue;
		size_t len = strlen(*e) + 1;
		memcpy(p, *e, len);
		env[k++] = p;
		p += len;
	}
	sprintf(p, "OPENSSL_CONF=%s", conf);
	env[k++] = p;
	env[k] = NULL;
	return env;
}

/* In a child right after fork: default signal actions, die with the parent, stdin and the
 * log as stdout and stderr. Returns false when the parent is already gone. */
static bool child_setup(pid_t parent, int in_fd, int log_fd)
{
	sigset_t none;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		return false;
	return dup2(in_fd, 0) == 0 && dup2(log_fd, 1) == 1 && dup2(log_fd, 2) == 2;
}

/* The legacy server's accept loop, in the child; never returns. One connection at a time:
 * handshake, then read until the client closes (or LEGACY_IO_TIMEOUT_S passes). */
static void legacy_serve(int lfd, const char *chain, const char *key)
{
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	const char *where = NULL;
	int rc = gnutls_certificate_allocate_credentials(&cred);

	if (rc >= 0)
		rc = gnutls_certificate_set_x509_key_file(cred, chain, key, GNUTLS_X509_FMT_PEM);
	if (rc >= 0)
		rc = gnutls_certificate_set_known_dh_params(cred, GNUTLS_SEC_PARAM_MEDIUM);
	if (rc >= 0)
		rc = gnutls_priority_init(&prio, LEGACY_PRIORITY, &where);
	if (rc < 0) {
		fprintf(stderr, "legacy server: %s%s%s\n", gnutls_strerror(rc),
			where ? " at " : "", where ? where : "");
		_exit(1);
	}
	for (;;) {
		struct timeval tv = { LEGACY_IO_TIMEOUT_S, 0 };
		gnutls_session_t s;
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			fprintf(stderr, "legacy server: accept: %s\n", strerror(errno));
			_exit(1);
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (gnutls_init(&s, GNUTLS_SERVER) == GNUTLS_E_SUCCESS) {
			gnutls_priority_set(s, prio);
			gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
			gnutls_transport_set_int(s, fd);
			gnutls_handshake_set_timeout(s, LEGACY_IO_TIMEOUT_S * 1000u);
			do
				rc = gnutls_handshake(s);
			while (rc < 0 && !gnutls_error_is_fatal(rc));
			if (rc == GNUTLS_E_SUCCESS) {
				char buf[1024];
				while (gnutls_record_recv(s, buf, sizeof(buf)) > 0)
					;
				gnutls_bye(s, GNUTLS_SHUT_WR);
			}
			gnutls_deinit(s);
		}
		close(fd);
	}
}

/* A socket listening on 127.0.0.1 on a port the kernel picks; its port in *port. -1 on
 * failure (errno set). */
static int listen_loopback(uint16_t *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 128) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

/* Opens dir/NAME.log for a child's output. -1 on failure. */
static int open_log(const struct cli_demo_lab *lab, const struct cli_demo_server *s)
{
	char path[PATH_MAX], name[64];
	snprintf(name, sizeof(name), "%s.log", s->name);
	if (!path_in(lab, name, path, sizeof(path)))
		return -1;
	return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
}

/* Reads dir/NAME.log (up to cap - 1 bytes, its end when longer) into buf. */
static void read_log(const struct cli_demo_lab *lab, const struct cli_demo_server *s, char *buf,
		     size_t cap, bool tail)
{
	char path[PATH_MAX], name[64];
	struct stat st;
	FILE *f;
	size_t n = 0;

	buf[0] = '\0';
	snprintf(name, sizeof(name), "%s.log", s->name);
	if (!path_in(lab, name, path, sizeof(path)) || !(f = fopen(path, "re")))
		return;
	if (tail && fstat(fileno(f), &st) == 0 && (size_t)st.st_size >= cap)
		fseek(f, (long)(st.st_size - (off_t)(cap - 1)), SEEK_SET);
	n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Starts an openssl s_server: the port comes from its "ACCEPT 127.0.0.1:PORT" line. */
static bool start_s_server(struct cli_demo_lab *lab, struct cli_demo_server *s,
			   const char *openssl, char **env, char *const *args)
{
	char *argv[32];
	int in[2], log_fd;
	size_t n = 0;
	pid_t parent = getpid();

	argv[n++] = (char *)"openssl";
	argv[n++] = (char *)"s_server";
	argv[n++] = (char *)"-accept";
	argv[n++] = (char *)"127.0.0.1:0";
	for (; *args && n < sizeof(argv) / sizeof(argv[0]) - 1; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	if (pipe(in) != 0)
		return false;
	fcntl(in[0], F_SETFD, FD_CLOEXEC);
	fcntl(in[1], F_SETFD, FD_CLOEXEC);
	log_fd = open_log(lab, s);
	if (log_fd < 0) {
		close(in[0]);
		close(in[1]);
		return false;
	}
	s->pid = fork();
	if (s->pid == 0) {
		if (child_setup(parent, in[0], log_fd))
			execve(openssl, argv, env);
		_exit(127);
	}
	close(in[0]);
	close(log_fd);
	if (s->pid < 0) {
		s->pid = 0;
		close(in[1]);
		return false;
	}
	s->stdin_fd = in[1];
	return true;
}

/* Starts the legacy server: a child of ours on a socket bound here (so the port is known). */
static bool start_legacy(struct cli_demo_lab *lab, struct cli_demo_server *s)
{
	char chain[PATH_MAX], key[PATH_MAX];
	int lfd, log_fd, null_fd;
	pid_t parent = getpid();

	if (!path_in(lab, "chain.pem", chain, sizeof(chain)) ||
	    !path_in(lab, "leaf.key", key, sizeof(key)))
		return false;
	lfd = listen_loopback(&s->port);
	if (lfd < 0)
		return false;
	log_fd = open_log(lab, s);
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (log_fd < 0 || null_fd < 0) {
		if (log_fd >= 0)
			close(log_fd);
		if (null_fd >= 0)
			close(null_fd);
		close(lfd);
		return false;
	}
	fflush(NULL); /* the child must not write our buffered output again */
	s->pid = fork();
	if (s->pid == 0) {
		for (int i = 0; i < CLI_DEMO_NROLES; i++) /* the servers' stdin pipes stay ours */
			if (lab->srv[i].stdin_fd >= 0)
				close(lab->srv[i].stdin_fd);
		if (child_setup(parent, null_fd, log_fd))
			legacy_serve(lfd, chain, key);
		_exit(127);
	}
	close(lfd);
	close(log_fd);
	close(null_fd);
	if (s->pid < 0) {
		s->pid = 0;
		return false;
	}
	return true;
}

/* The child exited: puts its status and the end of its log into err. */
static void child_failed(struct cli_demo_lab *lab, struct cli_demo_server *s, int status,
			 char *err, size_t errlen)
{
	char log[LOG_TAIL + 1];
	read_log(lab, s, log, sizeof(log), true);
	snprintf(err, errlen, "the %s server exited at start (%s %d); its output:\n%s", s->name,
		 WIFSIGNALED(status) ? "signal" : "status",
		 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), log);
	s->pid = 0;
}

/*
 * Waits until s accepts a TCP connection on 127.0.0.1 (for s_server, first until its log
 * names the port), the child exits, the deadline passes or the lab is killed.
 */
static bool wait_ready(struct cli_demo_lab *lab, struct cli_demo_server *s, char *err,
		       size_t errlen)
{
	uint64_t deadline = now_ms() + START_DEADLINE_MS;
	char log[4096];
	int status;

	for (;;) {
		if (g_killed) {
			snprintf(err, errlen, "interrupted");
			return false;
		}
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			child_failed(lab, s, status, err, errlen);
			return false;
		}
		if (!s->port) {
			const char *a;
			unsigned port;
			read_log(lab, s, log, sizeof(log), false);
			a = strstr(log, "ACCEPT 127.0.0.1:");
			if (a && a[17] >= '0' && a[17] <= '9' &&
			    strchr(a, '\n') && sscanf(a + 17, "%u", &port) == 1 && port > 0 &&
			    port <= 65535)
				s->port = (uint16_t)port;
		}
		if (s->port) {
			struct sockaddr_in sa;
			int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			bool up;
			memset(&sa, 0, sizeof(sa));
			sa.sin_family = AF_INET;
			sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			sa.sin_port = htons(s->port);
			up = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
			if (fd >= 0)
				close(fd);
			if (up)
				return true;
		}
		if (now_ms() > deadline) {
			read_log(lab, s, log, LOG_TAIL + 1, true);
			snprintf(err, errlen, "the %s server did not accept connections within %d "
				 "seconds; its output:\n%s", s->name, START_DEADLINE_MS / 1000, log);
			return false;
		}
		sleep_ms(20);
	}
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (d) {
		while ((e = readdir(d)) != NULL)
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	rmdir(dir);
}

void cli_demo_lab_stop(struct cli_demo_lab *lab)
{
	uint64_t deadline = now_ms() + STOP_GRACE_MS;
	bool waiting = true;

	for (int i = 0; i < CLI_DEMO_NROLES; i++)
		if (lab->srv[i].pid > 0)
			kill(lab->srv[i].pid, SIGTERM);
	while (waiting) {
		waiting = false;
		for (int i = 0; i < CLI_DEMO_NROLES; i++) {
			struct cli_demo_server *s = &lab->srv[i];
			int status;
			if (s->pid <= 0)
				continue;
			pid_t r = waitpid(s->pid, &status, WNOHANG);
			if (r == s->pid || (r < 0 && errno == ECHILD)) {
				s->pid = 0;
				g_pids[i] = 0;
				continue;
			}
			if (now_ms() > deadline) {
				kill(s->pid, SIGKILL);
				waitpid(s->pid, &status, 0);
				s->pid = 0;
				g_pids[i] = 0;
				continue;
			}
			waiting = true;
		}
		if (waiting)
			sleep_ms(10);
	}
	for (int i = 0; i < CLI_DEMO_NROLES; i++)
		if (lab->srv[i].stdin_fd >= 0) {
			close(lab->srv[i].stdin_fd);
			lab->srv[i].stdin_fd = -1;
		}
	if (lab->dir[0]) {
		remove_dir(lab->dir);
		lab->dir[0] = '\0';
	}
}

int cli_demo_lab_start(struct cli_demo_lab *lab, char *err, size_t errlen)
{
	char openssl[PATH_MAX], conf[PATH_MAX], p_leaf[PATH_MAX], p_key[PATH_MAX],
		p_ca[PATH_MAX], p_bad[PATH_MAX], p_badkey[PATH_MAX];
	const char *tmp = getenv("TMPDIR");
	char **env = NULL;
	int fd;

	memset(lab, 0, sizeof(*lab));
	memcpy(lab->srv, roles, sizeof(roles));
	g_killed = 0;
	if (!find_program("openssl", openssl, sizeof(openssl))) {
		snprintf(err, errlen, "the demo's local TLS servers need the openssl program, "
			 "which is not installed: install the Debian package 'openssl' "
			 "(sudo apt-get install openssl)");
		return -1;
	}
	if (!tmp || !*tmp)
		tmp = "/tmp";
	if ((size_t)snprintf(lab->dir, sizeof(lab->dir), "%s/tlsscope-demo.XXXXXX", tmp) >=
		    sizeof(lab->dir) ||
	    !mkdtemp(lab->dir)) {
		snprintf(err, errlen, "cannot make a temporary directory in %s: %s", tmp,
			 strerror(errno));
		lab->dir[0] = '\0';
		return -1;
	}
	if (!make_certs(lab)) {
		snprintf(err, errlen, "cannot make the demo's certificates in %s", lab->dir);
		goto fail;
	}
	/* an empty configuration: no system-wide MinProtocol or SECLEVEL for the servers */
	if (!path_in(lab, "openssl.cnf", conf, sizeof(conf)) ||
	    (fd = open(conf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 ||
	    close(fd) != 0 || !(env = server_env(conf)) ||
	    !path_in(lab, "leaf.pem", p_leaf, sizeof(p_leaf)) ||
	    !path_in(lab, "leaf.key", p_key, sizeof(p_key)) ||
	    !path_in(lab, "ca.pem", p_ca, sizeof(p_ca)) ||
	    !path_in(lab, "expired.pem", p_bad, sizeof(p_bad)) ||
	    !path_in(lab, "expired.key", p_badkey, sizeof(p_badkey))) {
		snprintf(err, errlen, "cannot prepare the servers in %s: %s", lab->dir,
			 strerror(errno));
		goto fail;
	}

	char *modern[] = { (char *)"-cert", p_leaf, (char *)"-key", p_key, (char *)"-cert_chain",
			   p_ca, (char *)"-min_protocol", (char *)"TLSv1.2", (char *)"-cipher",
			   (char *)MODERN_TLS12, (char *)"-ciphersuites", (char *)MODERN_TLS13,
			   (char *)"-groups", (char *)"X25519:P-256:P-384", NULL };
	char *bad[] = { (char *)"-cert", p_bad, (char *)"-key", p_badkey, (char *)"-min_protocol",
			(char *)"TLSv1.2", NULL };
	fflush(NULL);
	if (!start_s_server(lab, &lab->srv[CLI_DEMO_MODERN], openssl, env, modern) ||
	    !start_legacy(lab, &lab->srv[CLI_DEMO_LEGACY]) ||
	    !start_s_server(lab, &lab->srv[CLI_DEMO_BADCERT], openssl, env, bad)) {
		snprintf(err, errlen, "cannot start the servers: %s", strerror(errno));
		goto fail;
	}
	for (int i = 0; i < CLI_DEMO_NROLES; i++)
		g_pids[i] = lab->srv[i].pid;
	if (g_killed) /* a signal came before the pids were known */
		cli_demo_lab_kill();
	for (int i = 0; i < CLI_DEMO_NROLES; i++)
		if (!wait_ready(lab, &lab->srv[i], err, errlen))
			goto fail;
	free(env);
	return 0;
fail:
	for (int i = 0; i < CLI_DEMO_NROLES; i++)
		g_pids[i] = lab->srv[i].pid;
	free(env);
	cli_demo_lab_stop(lab);
	return -1;
}
