/*
 * Unit tests of the two chain and OCSP verdicts, OpenSSL's (scanner/vossl.h) and GnuTLS's
 * (scanner/vgnutls.h), over the test PKI that tests/pki/mkpki.sh makes in $TMPDIR (with the
 * 300-certificate chain). Every expected value comes from a command-line tool run on the same
 * files at test time, never from our own output:
 *
 *   OpenSSL verdicts                      independent source
 *   trusted, error_code, error_depth,     openssl verify -purpose sslserver -CAfile root.pem
 *     error                                 [-untrusted rest.pem] leaf.pem  (exit status and
 *                                           "error N at D depth lookup: TEXT")
 *   path_len, anchor, unused              the same with -show_chain -nameopt RFC2253 (when it
 *                                           fails: rerun with -no_check_time and no purpose,
 *                                           checks made after the path is built)
 *   complete                              those runs: one is OK → YES; else error 20 at a
 *                                           non-CA certificate (openssl x509 -ext
 *                                           basicConstraints) → NO; else NULL
 *   hostname_match                        openssl x509 -checkhost / -checkip, and for trusted
 *                                           chains openssl verify -verify_hostname/-verify_ip
 *   in_order                              openssl pkcs7 -print_certs (issuer i == subject i+1)
 *                                           and, for short chains, openssl verify
 *                                           -partial_chain -CAfile cert[i+1] cert[i]
 *   OCSP status, times, reason,           openssl ocsp -no_nonce -respin R -issuer int.pem
 *     verified, fresh, responder, SCTs      -cert leaf.pem -CAfile root.pem -resp_text
 *
 *   GnuTLS verdicts
 *   trusted, error                        certtool --verify --load-ca-certificate root.pem
 *                                           --verify-purpose serverAuth --infile chain.pem
 *                                           ("Chain verification output: ...")
 *   hostname_match                        the same with --verify-hostname
 *   OCSP verified                         ocsptool -e --load-signer int.pem --infile R
 *   OCSP status, times                    ocsptool -j --infile R
 *
 * One documented difference: a chain longer than GnuTLS's default verify depth (16) is
 * refused by a GnuTLS TLS client and by vgnutls, while certtool (no such limit) verifies it;
 * the test checks both facts for the 300-certificate chain.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "scanner/vgnutls.h"
#include "scanner/vossl.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_CERTS 320
#define PATHCAP 1024

static char g_dir[256];             /* the PKI */
static struct vossl_trust *g_ot;
static struct vgnutls_trust *g_gt;

/* ---- helpers --------------------------------------------------------------------------- */

__attribute__((format(printf, 1, 2)))
static char *run(const char *fmt, ...)
{
	static char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	size_t cap = 1 << 16, n = 0;
	char *out = malloc(cap);
	assert_non_null(out);
	char full[8300];
	snprintf(full, sizeof(full), "%s 2>&1", cmd);
	FILE *p = popen(full, "r");
	assert_non_null(p);
	size_t r;
	while ((r = fread(out + n, 1, cap - n - 1, p)) > 0) {
		n += r;
		if (n + 1 == cap) {
			cap *= 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
	}
	out[n] = '\0';
	int st = pclose(p);
	/* the exit status goes after the NUL, read by status_of */
	out = realloc(out, n + 2 + sizeof(int));
	assert_non_null(out);
	int code = WIFEXITED(st) ? WEXITSTATUS(st) : 255;
	memcpy(out + n + 1, &code, sizeof(int));
	return out;
}

static int status_of(const char *out)
{
	int code;
	memcpy(&code, out + strlen(out) + 1, sizeof(int));
	return code;
}

struct ders {
	uint8_t *der[MAX_CERTS];
	size_t len[MAX_CERTS];
	size_t n;
};

static void ders_add_pem(struct ders *d, const char *file)
{
	char path[PATHCAP];
	snprintf(path, sizeof(path), "%s/%s", g_dir, file);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	X509 *x;
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		assert_true(d->n < MAX_CERTS);
		unsigned char *p = NULL;
		int l = i2d_X509(x, &p);
		assert_true(l > 0);
		d->der[d->n] = p;
		d->len[d->n++] = (size_t)l;
		X509_free(x);
	}
	fclose(f);
}

static void ders_free(struct ders *d)
{
	for (size_t i = 0; i < d->n; i++)
		OPENSSL_free(d->der[i]);
	d->n = 0;
}

/* Writes certificates d[from..to) as PEM into g_dir/name. */
static void write_pem(const struct ders *d, size_t from, size_t to, const char *name)
{
	char path[PATHCAP];
	snprintf(path, sizeof(path), "%s/%s", g_dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (size_t i = from; i < to; i++) {
		const unsigned char *p = d->der[i];
		X509 *x = d2i_X509(NULL, &p, (long)d->len[i]);
		assert_non_null(x);
		assert_int_equal(PEM_write_X509(f, x), 1);
		X509_free(x);
	}
	fclose(f);
}

/* The rest of the line after the first occurrence of key in s, into buf. */
static bool line_after(const char *s, const char *key, char *buf, size_t cap)
{
	const char *p = strstr(s, key);
	if (!p)
		return false;
	p += strlen(key);
	size_t l = strcspn(p, "\r\n");
	if (l >= cap)
		l = cap - 1;
	memcpy(buf, p, l);
	buf[l] = '\0';
	return true;
}

static int month_of(const char *m)
{
	static const char *names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	for (int i = 0; i < 12; i++)
		if (strcmp(m, names[i]) == 0)
			return i;
	return -1;
}

/* "Nov 22 08:43:06 2026 GMT" (openssl) or "Sun Nov 22 08:43:06 UTC 2026" (ocsptool) as
 * RFC 3339; "" when s is neither. */
static void cli_time(const char *s, char out[32])
{
	char mon[8], wday[8];
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	out[0] = '\0';
	if (sscanf(s, " %3s %d %d:%d:%d %d GMT", mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
	           &tm.tm_sec, &tm.tm_year) != 6 &&
	    sscanf(s, " %3s %3s %d %d:%d:%d UTC %d", wday, mon, &tm.tm_mday, &tm.tm_hour,
	           &tm.tm_min, &tm.tm_sec, &tm.tm_year) != 7)
		return;
	tm.tm_mon = month_of(mon);
	if (tm.tm_mon < 0)
		return;
	snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static const char *tri(enum scanres_tri t)
{
	return t == SCANRES_YES ? "yes" : t == SCANRES_NO ? "no" : "null";
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- setup ------------------------------------------------------------------------------ */

static int group_setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(g_dir, sizeof(g_dir), "%s/pki", tmp && *tmp ? tmp : "/tmp");
	char *out = run("bash tests/pki/mkpki.sh '%s' long", g_dir);
	if (status_of(out) != 0) {
		fprintf(stderr, "mkpki.sh failed: %s\n", out);
		free(out);
		return -1;
	}
	free(out);
	char root[PATHCAP], err[256];
	snprintf(root, sizeof(root), "%s/root.pem", g_dir);
	g_ot = vossl_trust_new(root, err, sizeof(err));
	if (!g_ot) {
		fprintf(stderr, "vossl_trust_new: %s\n", err);
		return -1;
	}
	g_gt = vgnutls_trust_new(root, err, sizeof(err));
	if (!g_gt) {
		fprintf(stderr, "vgnutls_trust_new: %s\n", err);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	vossl_trust_free(g_ot);
	vgnutls_trust_free(g_gt);
	return 0;
}

/* ---- chains ----------------------------------------------------------------------------- */

struct chain_case {
	const char *name;
	const char *files[4];  /* concatenated, in order: what the server sends */
	const char *host, *ip;
	bool long_chain;       /* more than GnuTLS's verify depth: see the top of this file */
};

static const struct chain_case chain_cases[] = {
	{"good-rsa", {"good-rsa-chain.pem"}, "localhost", NULL, false},
	{"good-ec", {"good-ec-chain.pem"}, NULL, "127.0.0.1", false},
	{"good-ec-iphost", {"good-ec-chain.pem"}, "127.0.0.1", NULL, false},
	{"leaf-only", {"good-ec.pem"}, "localhost", NULL, false},
	{"misordered-root-int", {"good-ec.pem", "root.pem", "int.pem"}, "localhost", NULL, false},
	{"misordered-extra", {"good-ec.pem", "sni-a.pem", "int.pem"}, "localhost", NULL, false},
	{"int-then-leaf", {"int.pem", "good-ec.pem"}, "localhost", NULL, false},
	{"with-root", {"good-ec-chain.pem", "root.pem"}, "localhost", NULL, false},
	{"expired", {"expired-chain.pem"}, "localhost", NULL, false},
	{"selfsigned", {"selfsigned.pem"}, "localhost", NULL, false},
	{"wronghost", {"wronghost-chain.pem"}, "localhost", NULL, false},
	{"wrongip", {"sni-a-chain.pem"}, NULL, "127.0.0.1", false},
	{"sni-a", {"sni-a-chain.pem"}, "a.test", NULL, false},
	{"muststaple", {"muststaple-chain.pem"}, "localhost", NULL, false},
	{"nocheck", {"nocheck-chain.pem"}, NULL, NULL, false},
	{"revoked", {"revoked-chain.pem"}, "localhost", NULL, false},
	{"hugesan", {"hugesan-chain.pem"}, "localhost", NULL, false},
	{"hugesan-last", {"hugesan-chain.pem"}, "n5000.hugesan.test", NULL, false},
	{"hugesan-miss", {"hugesan-chain.pem"}, "n5001.hugesan.test", NULL, false},
	{"ocsp-signer-as-leaf", {"ocsp.pem", "int.pem"}, "localhost", NULL, false},
	{"long-300", {"long-chain.pem"}, "localhost", NULL, true},
};

/* OpenSSL's view of one case, from `openssl verify`. */
struct ossl_truth {
	bool ok;
	int code, depth;
	char text[128];
	bool have_path;                 /* a -show_chain listing (maybe with -no_check_time) */
	unsigned path_len;
	char names[MAX_CERTS][300];     /* the listed subjects */
	bool untrusted_mark[MAX_CERTS];
	char anchor[256];
};

static void parse_show_chain(const char *out, struct ossl_truth *t)
{
	const char *p = strstr(out, "Chain:\n");
	if (!p)
		return;
	t->have_path = true;
	while ((p = strstr(p, "depth=")) != NULL && t->path_len < MAX_CERTS) {
		p = strchr(p, ':');
		if (!p)
			break;
		p += 2;
		size_t l = strcspn(p, "\n");
		char line[300];
		snprintf(line, sizeof(line), "%.*s", (int)l, p);
		char *u = strstr(line, " (untrusted)");
		t->untrusted_mark[t->path_len] = u != NULL;
		if (u)
			*u = '\0';
		snprintf(t->names[t->path_len++], sizeof(t->names[0]), "%s", line);
		p += l;
	}
	if (t->path_len > 0 && !t->untrusted_mark[t->path_len - 1])
		snprintf(t->anchor, sizeof(t->anchor), "%s", t->names[t->path_len - 1]);
}

static void openssl_truth(const struct chain_case *c, size_t n, struct ossl_truth *t)
{
	memset(t, 0, sizeof(*t));
	char rest[PATHCAP] = "";
	if (n > 1)
		snprintf(rest, sizeof(rest), "-untrusted '%s/case-rest.pem'", g_dir);
	const char *base = "openssl verify -purpose sslserver -show_chain -nameopt RFC2253";
	char *out = run("%s -CAfile '%s/root.pem' %s '%s/case-leaf.pem'", base, g_dir, rest,
	                g_dir);
	t->ok = status_of(out) == 0 && strstr(out, ": OK") != NULL;
	t->depth = -1;
	if (t->ok) {
		parse_show_chain(out, t);
	} else {
		const char *e = strstr(out, "\nerror ");
		if (!e || sscanf(e, "\nerror %d at %d depth lookup: %127[^\n]", &t->code, &t->depth,
		                 t->text) != 3)
			fail_msg("%s: cannot parse openssl verify: %s", c->name, out);
		/* Time and purpose checks come after path building: the path without them. */
		char *out2 = run("openssl verify -show_chain -nameopt RFC2253 -no_check_time "
		                 "-CAfile '%s/root.pem' %s '%s/case-leaf.pem'", g_dir, rest, g_dir);
		if (status_of(out2) == 0)
			parse_show_chain(out2, t);
		free(out2);
	}
	free(out);
}

/* The subject of certificate i, as -show_chain prints it (RFC 2253). */
static void subject_rfc2253(const struct ders *d, size_t i, char *buf, size_t cap)
{
	const unsigned char *p = d->der[i];
	X509 *x = d2i_X509(NULL, &p, (long)d->len[i]);
	assert_non_null(x);
	BIO *b = BIO_new(BIO_s_mem());
	X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253);
	int r = BIO_read(b, buf, (int)cap - 1);
	buf[r > 0 ? r : 0] = '\0';
	BIO_free(b);
	X509_free(x);
}

/* in_order from the CLI: pkcs7 -print_certs names, and -partial_chain signatures. */
static bool in_order_truth(const struct chain_case *c, size_t n)
{
	char *out = run("openssl crl2pkcs7 -nocrl -certfile '%s/case-all.pem' | "
	                "openssl pkcs7 -print_certs -noout", g_dir);
	assert_int_equal(status_of(out), 0);
	static char subj[MAX_CERTS][200], iss[MAX_CERTS][200];
	size_t ns = 0, ni = 0;
	for (const char *p = out; (p = strstr(p, "subject=")) != NULL && ns < MAX_CERTS; p++)
		sscanf(p, "subject=%199[^\n]", subj[ns++]);
	for (const char *p = out; (p = strstr(p, "issuer=")) != NULL && ni < MAX_CERTS; p++)
		sscanf(p, "issuer=%199[^\n]", iss[ni++]);
	free(out);
	if (ns != n || ni != n)
		fail_msg("%s: pkcs7 listed %zu subjects, %zu issuers for %zu certs", c->name, ns, ni,
		         n);
	bool names_ok = true;
	for (size_t i = 0; i + 1 < n; i++)
		if (strcmp(iss[i], subj[i + 1]) != 0)
			names_ok = false;
	if (!names_ok || n > 4)
		return names_ok;   /* the long chain: names only (one process per pair is slow) */
	for (size_t i = 0; i + 1 < n; i++) {
		char *o = run("openssl verify -partial_chain -no_check_time -CAfile '%s/case-%zu.pem' "
		              "'%s/case-%zu.pem'", g_dir, i + 1, g_dir, i);
		bool ok = status_of(o) == 0;
		free(o);
		if (!ok)
			return false;
	}
	return true;
}

static void check_openssl(const struct chain_case *c, const struct ders *d)
{
	static struct ossl_truth t;
	openssl_truth(c, d->n, &t);

	struct vossl_chain v;
	double t0 = now_s();
	assert_int_equal(vossl_verify_chain(g_ot, (const uint8_t *const *)d->der, d->len, d->n,
	                                    c->host, c->ip, &v), 0);
	double dt = now_s() - t0;
	/* the time is printed, never asserted (speed belongs to benchmarks) */
	print_message("%-22s vossl: %.3f s\n", c->name, dt);

	print_message("%-22s openssl: %s%s%s | ours: trusted=%s code=%d depth=%d '%s' host=%s "
	              "in_order=%d complete=%s path=%u unused=%u anchor='%s'\n", c->name,
	              t.ok ? "OK" : "error ", t.ok ? "" : t.text, "", tri(v.trusted), v.error_code,
	              v.error_depth, v.error, tri(v.hostname_match), v.in_order, tri(v.complete),
	              v.path_len, v.unused, v.anchor);
	if (t.ok) {
		if (v.trusted != SCANRES_YES || v.error_code != 0 || v.error[0] || v.error_depth != -1)
			fail_msg("%s: openssl verify says OK, vossl trusted=%s '%s'", c->name,
			         tri(v.trusted), v.error);
	} else {
		if (v.trusted != SCANRES_NO || v.error_code != t.code || v.error_depth != t.depth ||
		    strcmp(v.error, t.text) != 0)
			fail_msg("%s: openssl verify says error %d at %d '%s', vossl %s %d at %d '%s'",
			         c->name, t.code, t.depth, t.text, tri(v.trusted), v.error_code,
			         v.error_depth, v.error);
	}

	/* path, anchor, unused, complete */
	if (t.have_path) {
		assert_int_equal(v.path_len, t.path_len);
		assert_string_equal(v.anchor, t.anchor);
		unsigned unused = 0;
		for (size_t i = 0; i < d->n; i++) {
			char s[256];
			subject_rfc2253(d, i, s, sizeof(s));
			bool in = false;
			for (unsigned k = 0; k < t.path_len; k++)
				in = in || strcmp(s, t.names[k]) == 0;
			unused += !in;
		}
		assert_int_equal(v.unused, unused);
		if (v.complete != SCANRES_YES)
			fail_msg("%s: the path reaches the anchor, complete=%s", c->name,
			         tri(v.complete));
	} else if (!t.ok && t.code == 20) {
		/* error 20 at depth D: is the certificate there a CA? */
		char *o = run("openssl x509 -noout -ext basicConstraints -in '%s/case-%d.pem'", g_dir,
		              t.depth);
		bool ca = strstr(o, "CA:TRUE") != NULL;
		free(o);
		assert_int_equal(v.complete, ca ? SCANRES_NULL : SCANRES_NO);
		assert_string_equal(v.anchor, "");
	} else {
		assert_int_equal(v.complete, SCANRES_NULL);
		assert_string_equal(v.anchor, "");
	}

	/* host name */
	if (!c->host && !c->ip) {
		assert_int_equal(v.hostname_match, SCANRES_NULL);
	} else {
		const char *name = c->host ? c->host : c->ip;
		bool ip = !c->host || strspn(name, "0123456789.:") == strlen(name);
		char *o = run("openssl x509 -noout -in '%s/case-leaf.pem' -check%s '%s'", g_dir,
		              ip ? "ip" : "host", name);
		bool match = strstr(o, "does match") != NULL;
		if (!match && !strstr(o, "does NOT match"))
			fail_msg("%s: cannot parse openssl x509 -check: %s", c->name, o);
		free(o);
		if (v.hostname_match != (match ? SCANRES_YES : SCANRES_NO))
			fail_msg("%s: openssl x509 says match=%d, vossl %s", c->name, match,
			         tri(v.hostname_match));
		if (t.ok) {
			char rest[PATHCAP] = "";
			if (d->n > 1)
				snprintf(rest, sizeof(rest), "-untrusted '%s/case-rest.pem'", g_dir);
			o = run("openssl verify -purpose sslserver -verify_%s '%s' -CAfile '%s/root.pem' "
			        "%s '%s/case-leaf.pem'", ip ? "ip" : "hostname", name, g_dir, rest, g_dir);
			bool vok = status_of(o) == 0;
			if (!vok && !strstr(o, ip ? "IP address mismatch" : "hostname mismatch"))
				fail_msg("%s: openssl verify -verify_*: %s", c->name, o);
			free(o);
			assert_int_equal(vok, match);
		}
	}

	bool order = in_order_truth(c, d->n);
	if (v.in_order != order)
		fail_msg("%s: in_order: openssl says %d, vossl %d", c->name, order, v.in_order);
}

/* GnuTLS's view, from certtool. want_text: the output after "Chain verification output: ". */
static bool certtool_verify(const char *extra, char *text, size_t cap)
{
	char *o = run("certtool --verify --load-ca-certificate '%s/root.pem' --infile "
	              "'%s/case-all.pem' --verify-purpose 1.3.6.1.5.5.7.3.1 %s", g_dir, g_dir,
	              extra);
	if (!line_after(o, "Chain verification output: ", text, cap))
		fail_msg("cannot parse certtool output: %s", o);
	free(o);
	size_t l = strlen(text);
	while (l > 0 && text[l - 1] == ' ')
		text[--l] = '\0';
	if (strncmp(text, "Verified.", 9) == 0)
		return true;
	if (strncmp(text, "Not verified. ", 14) != 0)
		fail_msg("unexpected certtool verdict: %s", text);
	memmove(text, text + 14, strlen(text + 14) + 1);
	return false;
}

static void check_gnutls(const struct chain_case *c, const struct ders *d)
{
	char text[512];
	bool ok = certtool_verify("", text, sizeof(text));

	struct vgnutls_chain g;
	double t0 = now_s();
	assert_int_equal(vgnutls_verify_chain(g_gt, (const uint8_t *const *)d->der, d->len, d->n,
	                                      c->host, c->ip, &g), 0);
	double dt = now_s() - t0;
	print_message("%-22s vgnutls: %.3f s\n", c->name, dt);
	print_message("%-22s certtool: %s %s | ours: trusted=%s host=%s status=0x%x '%s'\n",
	              c->name, ok ? "Verified." : "Not verified.", ok ? "" : text, tri(g.trusted),
	              tri(g.hostname_match), g.status, g.error);

	if (c->long_chain) {
		/* certtool has no depth limit; a GnuTLS client (and vgnutls) refuses the chain */
		assert_true(d->n > VGNUTLS_MAX_DEPTH);
		assert_true(ok);
		assert_int_equal(g.trusted, SCANRES_NO);
		assert_non_null(strstr(g.error, "exceeds GnuTLS's verify depth"));
	} else if (ok) {
		if (g.trusted != SCANRES_YES || g.error[0])
			fail_msg("%s: certtool says Verified, vgnutls %s '%s'", c->name, tri(g.trusted),
			         g.error);
	} else {
		if (g.trusted != SCANRES_NO || strcmp(g.error, text) != 0)
			fail_msg("%s: certtool says '%s', vgnutls %s '%s'", c->name, text,
			         tri(g.trusted), g.error);
	}

	if (!c->host && !c->ip) {
		assert_int_equal(g.hostname_match, SCANRES_NULL);
		return;
	}
	char extra[300];
	snprintf(extra, sizeof(extra), "--verify-hostname '%s'", c->host ? c->host : c->ip);
	certtool_verify(extra, text, sizeof(text));
	bool mismatch = strstr(text, "The name in the certificate does not match the expected") !=
	                NULL;
	if (g.hostname_match != (mismatch ? SCANRES_NO : SCANRES_YES))
		fail_msg("%s: certtool --verify-hostname says '%s', vgnutls host=%s", c->name, text,
		         tri(g.hostname_match));
}

static void test_chains(void **state)
{
	(void)state;
	for (size_t k = 0; k < ARRAY_LEN(chain_cases); k++) {
		const struct chain_case *c = &chain_cases[k];
		struct ders d = {.n = 0};
		for (size_t f = 0; f < ARRAY_LEN(c->files) && c->files[f]; f++)
			ders_add_pem(&d, c->files[f]);
		assert_true(d.n > 0);
		write_pem(&d, 0, d.n, "case-all.pem");
		write_pem(&d, 0, 1, "case-leaf.pem");
		write_pem(&d, 1, d.n, "case-rest.pem");
		for (size_t i = 0; i < d.n && d.n <= 4; i++) {
			char name[32];
			snprintf(name, sizeof(name), "case-%zu.pem", i);
			write_pem(&d, i, i + 1, name);
		}
		check_openssl(c, &d);
		check_gnutls(c, &d);
		ders_free(&d);
	}
}

/* Certificates that do not parse, and bad arguments. */
static void test_chain_garbage(void **state)
{
	(void)state;
	struct ders d = {.n = 0};
	ders_add_pem(&d, "good-ec-chain.pem");
	uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};
	const uint8_t *der[3] = {d.der[0], junk, d.der[1]};
	size_t len[3] = {d.len[0], sizeof(junk), d.len[1]};
	struct vossl_chain v;
	struct vgnutls_chain g;

	/* a bad intermediate: rejected (as libssl and GnuTLS clients reject the message) */
	assert_int_equal(vossl_verify_chain(g_ot, der, len, 3, "localhost", NULL, &v), 0);
	assert_int_equal(v.trusted, SCANRES_NO);
	assert_int_equal(v.parsed, 2);
	assert_int_equal(v.error_depth, 1);
	assert_false(v.in_order);
	assert_int_equal(v.hostname_match, SCANRES_YES);
	assert_int_equal(vgnutls_verify_chain(g_gt, der, len, 3, "localhost", NULL, &g), 0);
	assert_int_equal(g.trusted, SCANRES_NO);
	assert_non_null(strstr(g.error, "certificate 1 is not DER"));
	assert_int_equal(g.hostname_match, SCANRES_YES);

	/* a bad leaf */
	der[0] = junk;
	len[0] = sizeof(junk);
	assert_int_equal(vossl_verify_chain(g_ot, der, len, 1, "localhost", NULL, &v), 0);
	assert_int_equal(v.trusted, SCANRES_NO);
	assert_int_equal(v.hostname_match, SCANRES_NULL);
	assert_int_equal(vgnutls_verify_chain(g_gt, der, len, 1, "localhost", NULL, &g), 0);
	assert_int_equal(g.trusted, SCANRES_NO);

	/* trailing bytes after a certificate */
	uint8_t *padded = malloc(d.len[0] + 1);
	assert_non_null(padded);
	memcpy(padded, d.der[0], d.len[0]);
	padded[d.len[0]] = 0;
	der[0] = padded;
	len[0] = d.len[0] + 1;
	assert_int_equal(vossl_verify_chain(g_ot, der, len, 1, NULL, NULL, &v), 0);
	assert_int_equal(v.trusted, SCANRES_NO);
	assert_int_equal(v.parsed, 0);
	free(padded);

	assert_int_equal(vossl_verify_chain(g_ot, der, len, 0, NULL, NULL, &v), -1);
	assert_int_equal(vgnutls_verify_chain(g_gt, der, len, 0, NULL, NULL, &g), -1);

	char err[128];
	assert_null(vossl_trust_new("/nonexistent/ca.pem", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/ca.pem"));
	assert_null(vgnutls_trust_new("/nonexistent/ca.pem", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/ca.pem"));
	ders_free(&d);
}

/* ---- OCSP ------------------------------------------------------------------------------- */

struct ocsp_case {
	const char *resp;
	const char *leaf;   /* X: the chain is X-chain.pem, the leaf X.pem */
};

static const struct ocsp_case ocsp_cases[] = {
	{"ocsp-good-rsa.der", "good-rsa"},
	{"ocsp-good-ec.der", "good-ec"},
	{"ocsp-muststaple.der", "muststaple"},
	{"ocsp-revoked.der", "revoked"},
	{"ocsp-stale.der", "good-rsa"},
	{"ocsp-badsig.der", "good-rsa"},
	{"ocsp-good-ec.der", "good-rsa"},   /* a response for another certificate */
};

static uint8_t *slurp(const char *file, size_t *len)
{
	char path[PATHCAP];
	snprintf(path, sizeof(path), "%s/%s", g_dir, file);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	uint8_t *buf = malloc(1 << 16);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 16, f);
	fclose(f);
	return buf;
}

/* "Responder Id: CN = x" (one RDN) as RFC 2253 "CN=x". */
static void oneline_to_rfc2253(const char *in, char *out, size_t cap)
{
	const char *eq = strstr(in, " = ");
	assert_non_null(eq);
	assert_null(strchr(in, ','));   /* one RDN: the two forms differ only in " = " */
	snprintf(out, cap, "%.*s=%s", (int)(eq - in), in, eq + 3);
}

static void test_ocsp(void **state)
{
	(void)state;
	for (size_t k = 0; k < ARRAY_LEN(ocsp_cases); k++) {
		const struct ocsp_case *c = &ocsp_cases[k];
		char chainf[64];
		snprintf(chainf, sizeof(chainf), "%s-chain.pem", c->leaf);
		struct ders d = {.n = 0};
		ders_add_pem(&d, chainf);
		size_t rlen;
		uint8_t *resp = slurp(c->resp, &rlen);

		/* OpenSSL's CLI */
		char *o = run("openssl ocsp -no_nonce -respin '%s/%s' -issuer '%s/int.pem' -cert "
		              "'%s/%s.pem' -CAfile '%s/root.pem' -resp_text", g_dir, c->resp, g_dir,
		              g_dir, c->leaf, g_dir);
		bool vok = strstr(o, "Response verify OK") != NULL;
		if (!vok && !strstr(o, "Response Verify Failure"))
			fail_msg("%s: cannot parse openssl ocsp: %s", c->resp, o);
		char key[PATHCAP + 64], st[64] = "", tu[80] = "", nu[80] = "", rt[80] = "", rr[64] = "";
		char want_tu[32] = "", want_nu[32] = "", want_rt[32] = "", resp_id[256] = "";
		snprintf(key, sizeof(key), "%s/%s.pem: ", g_dir, c->leaf);
		const char *sline = strstr(o, key);
		assert_non_null(sline);
		sscanf(sline + strlen(key), "%63[^\n]", st);
		bool stale = strstr(st, "WARNING: Status times invalid.") != NULL;
		if (stale) {
			/* the status is on the line after the OpenSSL error line */
			const char *p = strstr(sline, "\ngood\n") ? "good" :
			                strstr(sline, "\nrevoked\n") ? "revoked" : "unknown";
			snprintf(st, sizeof(st), "%s", p);
		}
		bool no_status = strstr(st, "No Status found") != NULL;
		if (line_after(sline, "This Update: ", tu, sizeof(tu)))
			cli_time(tu, want_tu);
		if (line_after(sline, "Next Update: ", nu, sizeof(nu)))
			cli_time(nu, want_nu);
		if (line_after(sline, "Revocation Time: ", rt, sizeof(rt)))
			cli_time(rt, want_rt);
		line_after(sline, "Reason: ", rr, sizeof(rr));
		char rid[200];
		assert_true(line_after(o, "Responder Id: ", rid, sizeof(rid)));
		oneline_to_rfc2253(rid, resp_id, sizeof(resp_id));
		int scts = 0;
		for (const char *p = o; (p = strstr(p, "Signed Certificate Timestamp:")); p++)
			scts++;
		free(o);

		struct vossl_ocsp v;
		assert_int_equal(vossl_verify_ocsp(g_ot, (const uint8_t *const *)d.der, d.len, d.n,
		                                   resp, rlen, &v), 0);
		print_message("%-20s %-10s openssl: verify=%d status='%s' this='%s' next='%s' | "
		              "ours: verified=%s status='%s' fresh=%s this=%s next=%s err='%s'\n",
		              c->resp, c->leaf, vok, st, want_tu, want_nu, tri(v.verified),
		              v.cert_status, tri(v.fresh), v.this_update, v.next_update, v.error);
		assert_true(v.parsed);
		assert_string_equal(v.response_status, "successful");
		assert_int_equal(v.verified, vok ? SCANRES_YES : SCANRES_NO);
		assert_string_equal(v.responder, resp_id);
		assert_int_equal(v.sct_count, scts);
		if (no_status) {
			assert_string_equal(v.cert_status, "");
			assert_int_equal(v.fresh, SCANRES_NULL);
		} else {
			assert_string_equal(v.cert_status, st);
			assert_string_equal(v.this_update, want_tu);
			assert_string_equal(v.next_update, want_nu);
			assert_string_equal(v.revocation_time, want_rt);
			assert_string_equal(v.revocation_reason, rr);
			assert_int_equal(v.fresh, stale ? SCANRES_NO : SCANRES_YES);
		}
		if (!vok)
			assert_true(v.error[0] != '\0');

		/* GnuTLS's CLI */
		o = run("ocsptool -e --load-signer '%s/int.pem' --infile '%s/%s'", g_dir, g_dir,
		        c->resp);
		bool gok = strstr(o, "Verifying OCSP Response: Success.") != NULL;
		if (!gok && !strstr(o, "Verifying OCSP Response: Failure"))
			fail_msg("%s: cannot parse ocsptool -e: %s", c->resp, o);
		free(o);
		o = run("ocsptool -j --infile '%s/%s'", g_dir, c->resp);
		char gst[32] = "", gtu[80] = "", gnu[80] = "", gwant_tu[32] = "", gwant_nu[32] = "";
		assert_true(line_after(o, "Certificate Status: ", gst, sizeof(gst)));
		if (line_after(o, "This Update: ", gtu, sizeof(gtu)))
			cli_time(gtu, gwant_tu);
		if (line_after(o, "Next Update: ", gnu, sizeof(gnu)))
			cli_time(gnu, gwant_nu);
		free(o);

		struct vgnutls_ocsp g;
		assert_int_equal(vgnutls_verify_ocsp(g_gt, (const uint8_t *const *)d.der, d.len, d.n,
		                                     resp, rlen, &g), 0);
		print_message("%-20s %-10s ocsptool: verify=%d status='%s' | ours: verified=%s "
		              "status='%s' fresh=%s err='%s'\n", c->resp, c->leaf, gok, gst,
		              tri(g.verified), g.cert_status, tri(g.fresh), g.error);
		assert_true(g.parsed);
		assert_int_equal(g.verified, gok ? SCANRES_YES : SCANRES_NO);
		if (no_status) {   /* openssl found no status for this leaf */
			assert_string_equal(g.cert_status, "");
		} else {
			assert_string_equal(g.cert_status, gst);
			assert_string_equal(g.this_update, gwant_tu);
			assert_string_equal(g.next_update, gwant_nu);
			assert_int_equal(g.fresh, stale ? SCANRES_NO : SCANRES_YES);
		}
		free(resp);
		ders_free(&d);
	}
}

/* Responses that are not OCSP, or not successful. */
static void test_ocsp_garbage(void **state)
{
	(void)state;
	struct ders d = {.n = 0};
	ders_add_pem(&d, "good-ec-chain.pem");
	const uint8_t *const *der = (const uint8_t *const *)d.der;
	struct vossl_ocsp v;
	struct vgnutls_ocsp g;

	uint8_t junk[] = {0x30, 0x03, 0x0a, 0x01, 0x00};   /* OCSPResponse, status only... */
	/* ...successful (0) without responseBytes: malformed for both libraries */
	assert_int_equal(vossl_verify_ocsp(g_ot, der, d.len, d.n, junk, sizeof(junk), &v), 0);
	assert_int_equal(v.verified, SCANRES_NULL);
	assert_int_equal(vgnutls_verify_ocsp(g_gt, der, d.len, d.n, junk, sizeof(junk), &g), 0);
	assert_int_equal(g.verified, SCANRES_NULL);

	/* tryLater (3): RFC 6960 §4.2.1, a response with no body; the DER made by hand:
	 * SEQUENCE { ENUMERATED 3 } */
	uint8_t later[] = {0x30, 0x03, 0x0a, 0x01, 0x03};
	assert_int_equal(vossl_verify_ocsp(g_ot, der, d.len, d.n, later, sizeof(later), &v), 0);
	assert_true(v.parsed);
	assert_string_equal(v.response_status, "tryLater");
	assert_int_equal(v.verified, SCANRES_NULL);
	assert_string_equal(v.cert_status, "");

	uint8_t text[] = "not DER at all";
	assert_int_equal(vossl_verify_ocsp(g_ot, der, d.len, d.n, text, sizeof(text), &v), 0);
	assert_false(v.parsed);
	assert_true(v.error[0] != '\0');
	assert_int_equal(vgnutls_verify_ocsp(g_gt, der, d.len, d.n, text, sizeof(text), &g), 0);
	assert_false(g.parsed);
	assert_true(g.error[0] != '\0');
	assert_int_equal(vossl_verify_ocsp(g_ot, der, d.len, d.n, NULL, 0, &v), 0);
	assert_false(v.parsed);
	assert_int_equal(vgnutls_verify_ocsp(g_gt, der, d.len, d.n, NULL, 0, &g), 0);
	assert_false(g.parsed);
	assert_int_equal(vossl_verify_ocsp(g_ot, der, d.len, 0, text, sizeof(text), &v), -1);
	assert_int_equal(vgnutls_verify_ocsp(g_gt, der, d.len, 0, text, sizeof(text), &g), -1);
	ders_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chains),
		cmocka_unit_test(test_chain_garbage),
		cmocka_unit_test(test_ocsp),
		cmocka_unit_test(test_ocsp_garbage),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
