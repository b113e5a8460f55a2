/*
 * certinfo: facts of certificates made at test time with the openssl CLI in $TMPDIR.
 *
 * Sources of the expected values (never certinfo's own output):
 *   [ossl]  the openssl CLI on the same certificate: `openssl x509 -noout -subject -issuer
 *           -nameopt RFC2253`, `-fingerprint -sha256`, `-serial`, `-startdate -enddate`,
 *           `-ext subjectAltName,basicConstraints,subjectKeyIdentifier`, `-text` (signature
 *           algorithm, key size, curve, TLS feature, SCT entries) and the pin pipeline of
 *           the spec (`x509 -pubkey | pkey -pubin -outform der | dgst -sha256 -binary |
 *           base64`);
 *   [cfg]   the configuration this test wrote (key type, digest, key usage, EKU, URLs,
 *           policies, chosen validity dates, CN);
 *   [spec]  the shared plan's rules: CA/B Forum maximum validity by notBefore (398, 200 from
 *           2026-03-15, 100 from 2027-03-15, 47 from 2029-03-15), IANA curve names;
 *           NIST SP 800-57 Part 1 table 2 for security bits (RSA 2048: 112, P-256 and
 *           Ed25519: 128, P-384: 192), RFC 8032 for Ed25519's 256-bit key.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "analyzer/certinfo.h"

static char dir[PATH_MAX];

/* ---- shell helpers ------------------------------------------------------------------ */

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void run(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	char full[sizeof(cmd) + sizeof(dir) + 32];
	assert_true(snprintf(full, sizeof(full), "(%s) >>%s/log 2>&1", cmd, dir) > 0);
	if (system(full) != 0) {
		print_error("command failed: %s\n", cmd);
		char show[sizeof(dir) + 32];
		assert_true(snprintf(show, sizeof(show), "tail -20 %s/log >&2", dir) > 0);
		if (system(show) != 0)
			print_error("(no log)\n");
		fail();
	}
}

/* The standard output of a shell command (malloc'd, NUL-terminated); fails on non-zero. */
static char *out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *out(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	assert_non_null(buf);
	size_t got;
	while ((got = fread(buf + len, 1, cap - len - 1, p)) > 0) {
		len += got;
		if (cap - len < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	buf[len] = '\0';
	int rc = pclose(p);
	if (rc != 0)
		print_error("command failed (%d): %s\n", rc, cmd);
	assert_int_equal(rc, 0);
	return buf;
}

/* The value after `key` up to the end of its line, in s (malloc'd), or NULL. */
static char *after(const char *s, const char *key)
{
	const char *p = strstr(s, key);
	if (!p)
		return NULL;
	p += strlen(key);
	size_t n = strcspn(p, "\n");
	char *r = strndup(p, n);
	assert_non_null(r);
	while (n > 0 && (r[n - 1] == ' ' || r[n - 1] == '\r'))
		r[--n] = '\0';
	return r;
}

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	uint8_t *b = malloc(n ? (size_t)n : 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void lower_strip_colons(char *s)
{
	char *o = s;
	for (; *s; s++)
		if (*s != ':')
			*o++ = (char)tolower((unsigned char)*s);
	*o = '\0';
}

/* "Mar 14 23:59:59 2026 GMT" (openssl's date) -> seconds since the epoch. */
static long long ossl_date(const char *s)
{
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	char m[4];
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	assert_int_equal(sscanf(s, "%3s %d %d:%d:%d %d GMT", m, &tm.tm_mday, &tm.tm_hour,
				&tm.tm_min, &tm.tm_sec, &tm.tm_year), 6);
	tm.tm_year -= 1900;
	tm.tm_mon = -1;
	for (int i = 0; i < 12; i++)
		if (strcmp(m, mon[i]) == 0)
			tm.tm_mon = i;
	assert_true(tm.tm_mon >= 0);
	return (long long)timegm(&tm);
}

/* "20260314235959Z" (the dates this test gives `openssl ca`) -> seconds since the epoch. */
static long long cfg_date(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	assert_int_equal(sscanf(s, "%4d%2d%2d%2d%2d%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
				&tm.tm_hour, &tm.tm_min, &tm.tm_sec), 6);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (long long)timegm(&tm);
}

static void rfc3339(long long t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	assert_non_null(gmtime_r(&tt, &tm));
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* An IP address in any text form (openssl prints IPv6 as 0:0:...:1) in inet_ntop form. */
static void ip_canon(const char *in, char *buf, size_t cap)
{
	unsigned char a[16];
	if (inet_pton(AF_INET, in, a) == 1)
		assert_non_null(inet_ntop(AF_INET, a, buf, (socklen_t)cap));
	else {
		assert_int_equal(inet_pton(AF_INET6, in, a), 1);
		assert_non_null(inet_ntop(AF_INET6, a, buf, (socklen_t)cap));
	}
}

/* ---- certinfo on a file ------------------------------------------------------------- */

static struct certinfo *load(const char *name, json_t **j)
{
	char path[PATH_MAX + 64], err[256];
	size_t len;
	snprintf(path, sizeof(path), "%s/%s.der", dir, name);
	uint8_t *der = read_all(path, &len);
	struct certinfo *ci = certinfo_from_der(der, len, err, sizeof(err));
	free(der);
	if (!ci)
		print_error("%s: %s\n", name, err);
	assert_non_null(ci);
	*j = certinfo_json(ci);
	assert_non_null(*j);
	/* Always serialisable (valid UTF-8 everywhere). */
	char *s = json_dumps(*j, JSON_COMPACT);
	assert_non_null(s);
	free(s);
	return ci;
}

static const char *jstr(const json_t *j, const char *k)
{
	const json_t *v = json_object_get(j, k);
	if (!json_is_string(v))
		print_error("field %s is not a string\n", k);
	assert_true(json_is_string(v));
	return json_string_value(v);
}

static long long jint(const json_t *j, const char *k)
{
	const json_t *v = json_object_get(j, k);
	if (!json_is_integer(v))
		print_error("field %s is not an integer\n", k);
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static bool jbool(const json_t *j, const char *k)
{
	const json_t *v = json_object_get(j, k);
	if (!json_is_boolean(v))
		print_error("field %s is not a boolean\n", k);
	assert_true(json_is_boolean(v));
	return json_is_true(v);
}

static void jnull(const json_t *j, const char *k)
{
	const json_t *v = json_object_get(j, k);
	if (!json_is_null(v))
		print_error("field %s is not null\n", k);
	assert_true(json_is_null(v));
}

/* Compares a JSON array of strings with a comma-separated list ("" = empty array). */
static void jlist(const json_t *j, const char *k, const char *want)
{
	const json_t *a = json_object_get(j, k);
	assert_true(json_is_array(a));
	char *w = strdup(want), *save = NULL;
	assert_non_null(w);
	size_t i = 0;
	for (char *t = strtok_r(w, ",", &save); t; t = strtok_r(NULL, ",", &save), i++) {
		if (i >= json_array_size(a))
			print_error("%s: missing %s\n", k, t);
		assert_true(i < json_array_size(a));
		assert_string_equal(json_string_value(json_array_get(a, i)), t);
	}
	assert_int_equal(json_array_size(a), i);
	free(w);
}

/* ---- the test PKI ------------------------------------------------------------------- */

struct cert_case {
	const char *name;
	const char *alg;      /* genpkey arguments */
	const char *md;       /* "-sha256" ..., "" for EdDSA */
	const char *subj;
	const char *issuer;   /* NULL: self-signed (req -x509); else the issuing case's name */
	const char *serial;   /* -set_serial */
	const char *ext;      /* the [ext] section's lines */
	/* [cfg] / [spec] expectations */
	const char *key_type;
	int key_bits;         /* 0: from `openssl x509 -text` "Public-Key: (N bit)" */
	int security_bits;
	const char *curve;    /* NULL: null */
	const char *sig_hash; /* NULL: null */
	const char *ku;       /* NULL: null */
	bool ku_critical;
	const char *eku;      /* NULL: null */
	const char *cn;       /* NULL: null */
	int cn_in_san;        /* -1: null */
	bool self_issued, self_signed, must_staple;
	const char *ocsp, *ca_issuers, *crl, *policies;
	int sct;              /* SCTs put in the extension (and counted by openssl -text) */
};

/* Two SignedCertificateTimestamps (RFC 6962 3.2) in a SignedCertificateTimestampList,
 * as the hex body of the embedded-SCT extension's OCTET STRING. Signatures are filler:
 * nobody verifies them here. */
#define SCT_ONE(id)                                                                        \
	"0037" "00" id id id id "0000017f00000000" "0000" "0403" "0008" "0102030405060708"
#define SCT_LOG_A "1111111111111111"
#define SCT_LOG_B "2222222222222222"
#define SCT_LIST "0072" SCT_ONE(SCT_LOG_A) SCT_ONE(SCT_LOG_B)

static const struct cert_case cases[] = {
	{"ca", "-algorithm RSA -pkeyopt rsa_keygen_bits:2048", "-sha256",
	 "/C=DE/O=tlsscope test/CN=certinfo Test CA", NULL, "0x01",
	 "basicConstraints=critical,CA:true,pathlen:1\nkeyUsage=critical,keyCertSign,cRLSign\n"
	 "subjectKeyIdentifier=hash\n",
	 "RSA", 0, 112, NULL, "sha256", "keyCertSign,cRLSign", true, NULL,
	 "certinfo Test CA", false, true, true, false, "", "", "", "", 0},
	{"rsa", "-algorithm RSA -pkeyopt rsa_keygen_bits:2048", "-sha256",
	 "/CN=rsa.test", "ca", "0x00ff01",
	 "subjectAltName=DNS:rsa.test,DNS:*.rsa.test,IP:127.0.0.1\n"
	 "keyUsage=critical,digitalSignature,keyEncipherment\n"
	 "extendedKeyUsage=serverAuth,clientAuth\n"
	 "authorityInfoAccess=OCSP;URI:http://127.0.0.1:9/ocsp,"
	 "caIssuers;URI:http://127.0.0.1:9/ca.der\n"
	 "crlDistributionPoints=URI:http://127.0.0.1:9/ca.crl\n"
	 "certificatePolicies=2.23.140.1.2.1,1.3.6.1.4.1.44947.1.1.1\n"
	 "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
	 "RSA", 0, 112, NULL, "sha256", "digitalSignature,keyEncipherment", true,
	 "serverAuth,clientAuth", "rsa.test", true, false, false, false,
	 "http://127.0.0.1:9/ocsp", "http://127.0.0.1:9/ca.der", "http://127.0.0.1:9/ca.crl",
	 "2.23.140.1.2.1,1.3.6.1.4.1.44947.1.1.1", 0},
	{"ec256", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256", "-sha256",
	 "/CN=ec256.test", "ca", "1234567",
	 "subjectAltName=DNS:other.test\nkeyUsage=digitalSignature\n"
	 "extendedKeyUsage=serverAuth,OCSPSigning,1.3.6.1.4.1.311.10.3.3\n",
	 "ECDSA", 0, 128, "secp256r1", "sha256", "digitalSignature", false,
	 "serverAuth,OCSPSigning,1.3.6.1.4.1.311.10.3.3", "ec256.test", false, false, false,
	 false, "", "", "", "", 0},
	{"ec384", "-algorithm EC -pkeyopt ec_paramgen_curve:P-384", "-sha384",
	 "/CN=ec384.test", NULL, "0x7fffffffffffffffffffffffffffffffffffff",
	 "subjectAltName=DNS:ec384.test\n" "1.3.6.1.4.1.11129.2.4.2=ASN1:FORMAT:HEX,OCTETSTRING:"
	 SCT_LIST "\n",
	 "ECDSA", 0, 192, "secp384r1", "sha384", NULL, false, NULL, "ec384.test", true, true,
	 true, false, "", "", "", "", 2},
	{"ed25519", "-algorithm ED25519", "", "/CN=ed.test", NULL, "3",
	 "subjectAltName=DNS:ed.test,IP:::1,IP:2001:db8::1,IP:192.0.2.7,email:a@ed.test\n"
	 "tlsfeature=status_request\n",
	 "Ed25519", 256, 128, NULL, NULL, NULL, false, NULL, "ed.test", true, true, true, true,
	 "", "", "", "", 0},
	{"intca", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256", "-sha384",
	 "/O=tlsscope test/CN=certinfo Intermediate", "ca", "0x80",
	 "basicConstraints=critical,CA:true,pathlen:2\nkeyUsage=critical,keyCertSign,cRLSign\n",
	 "ECDSA", 0, 128, "secp256r1", "sha384", "keyCertSign,cRLSign", true, NULL,
	 "certinfo Intermediate", false, false, false, false, "", "", "", "", 0},
	/* Same name as the CA, signed by the CA's key: self-issued, not self-signed. */
	{"selfissued", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256", "-sha256",
	 "/C=DE/O=tlsscope test/CN=certinfo Test CA", "ca", "0x02",
	 "basicConstraints=CA:false\n",
	 "ECDSA", 0, 128, "secp256r1", "sha256", NULL, false, NULL, "certinfo Test CA", false,
	 true, false, false, "", "", "", "", 0},
	{"utf8", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256", "-sha256",
	 "/O=Soci\xc3\xa9t\xc3\xa9 G\xc3\xa9n\xc3\xa9rale"
	 "/CN=Zo\xc3\xab M\xc3\xbcller \xe6\x97\xa5\xe6\x9c\xac",
	 "ca", "0x03", "subjectAltName=DNS:utf8.test\n",
	 "ECDSA", 0, 128, "secp256r1", "sha256", NULL, false, NULL,
	 "Zo\xc3\xab M\xc3\xbcller \xe6\x97\xa5\xe6\x9c\xac", false, false, false, false,
	 "", "", "", "", 0},
	{"nocn", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256", "-sha256",
	 "/O=no common name", "ca", "0x04", "subjectAltName=DNS:nocn.test\n",
	 "ECDSA", 0, 128, "secp256r1", "sha256", NULL, false, NULL, NULL, -1, false, false,
	 false, "", "", "", "", 0},
};

#define HUGE_SAN 5000

static void write_cnf(const char *name, const char *ext, unsigned huge)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s.cnf", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "[req]\ndistinguished_name=dn\nstring_mask=utf8only\nutf8=yes\n[dn]\n"
		   "[ext]\n%s", ext);
	if (huge) {
		fprintf(f, "subjectAltName=@alt\n[alt]\n");
		for (unsigned i = 1; i <= huge; i++)
			fprintf(f, "DNS.%u=h%u.huge.test\n", i, i);
	}
	assert_int_equal(fclose(f), 0);
}

static void make_cert(const struct cert_case *c, unsigned huge)
{
	const char *d = dir, *n = c->name;
	write_cnf(n, c->ext, huge);
	run("openssl genpkey %s -out %s/%s.key", c->alg, d, n);
	if (!c->issuer) {
		run("openssl req -new -x509 -config %s/%s.cnf -extensions ext -key %s/%s.key "
		    "-subj '%s' -utf8 %s -days 90 -set_serial %s -out %s/%s.pem",
		    d, n, d, n, c->subj, c->md, c->serial, d, n);
	} else {
		run("openssl req -new -config %s/%s.cnf -key %s/%s.key -subj '%s' -utf8 "
		    "-out %s/%s.csr", d, n, d, n, c->subj, d, n);
		run("openssl x509 -req -in %s/%s.csr -CA %s/%s.pem -CAkey %s/%s.key %s -days 90 "
		    "-set_serial %s -extfile %s/%s.cnf -extensions ext -out %s/%s.pem",
		    d, n, d, c->issuer, d, c->issuer, c->md, c->serial, d, n, d, n);
	}
	run("openssl x509 -in %s/%s.pem -outform DER -out %s/%s.der", d, n, d, n);
}

/* `openssl ca` configuration for certificates with chosen dates. */
static void write_ca_cnf(void)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/ca.conf", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "[ca]\ndefault_ca=cad\n[cad]\ndir=%s\ndatabase=$dir/index.txt\n"
		   "new_certs_dir=$dir/newcerts\nserial=$dir/serial\ndefault_md=sha256\n"
		   "policy=pol\nunique_subject=no\ncopy_extensions=none\n"
		   "[pol]\ncommonName=supplied\n"
		   "[leaf]\nsubjectAltName=DNS:dated.test\n", dir);
	assert_int_equal(fclose(f), 0);
	run("mkdir -p %s/newcerts && : > %s/index.txt && echo 1000 > %s/serial", dir, dir, dir);
}

static int setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/certinfo.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		make_cert(&cases[i], 0);
	static const struct cert_case huge = {
		"huge", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256", "-sha256",
		"/CN=h1.huge.test", "ca", "0x05", "", NULL, 0, 0, NULL, NULL, NULL, false, NULL,
		NULL, 0, false, false, false, NULL, NULL, NULL, NULL, 0};
	make_cert(&huge, HUGE_SAN);
	write_ca_cnf();
	run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out %s/dated.key",
	    dir);
	run("openssl req -new -config %s/ec256.cnf -key %s/dated.key -subj /CN=dated.test "
	    "-out %s/dated.csr", dir, dir, dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- facts every certificate shares, against openssl's output [ossl] ---------------- */

static void check_against_openssl(const char *name, const json_t *j,
				  const struct certinfo *ci)
{
	const char *d = dir;
	char *o = out("openssl x509 -in %s/%s.pem -noout -subject -issuer -nameopt RFC2253 "
		      "-serial -fingerprint -sha256 -startdate -enddate", d, name);
	char *subject = after(o, "subject="), *issuer = after(o, "issuer=");
	char *serial = after(o, "serial="), *fp = after(o, "sha256 Fingerprint=");
	char *nb = after(o, "notBefore="), *na = after(o, "notAfter=");
	assert_non_null(subject);
	assert_non_null(issuer);
	assert_non_null(serial);
	assert_non_null(fp);
	assert_string_equal(jstr(j, "subject"), subject);
	assert_string_equal(jstr(j, "issuer"), issuer);
	lower_strip_colons(serial);
	assert_string_equal(jstr(j, "serial"), serial);
	lower_strip_colons(fp);
	assert_string_equal(jstr(j, "sha256"), fp);
	assert_string_equal(certinfo_sha256_hex(ci), fp);
	char t[32];
	long long tnb = ossl_date(nb), tna = ossl_date(na);
	rfc3339(tnb, t);
	assert_string_equal(jstr(j, "not_before"), t);
	rfc3339(tna, t);
	assert_string_equal(jstr(j, "not_after"), t);
	assert_int_equal(jint(j, "validity_seconds"), tna - tnb + 1);
	free(subject), free(issuer), free(serial), free(fp), free(nb), free(na), free(o);

	/* The pin pipeline of the spec. */
	char *pin = out("openssl x509 -in %s/%s.pem -pubkey -noout | openssl pkey -pubin "
			"-outform der | openssl dgst -sha256 -binary | base64", d, name);
	pin[strcspn(pin, "\n")] = '\0';
	assert_string_equal(jstr(j, "spki_sha256"), pin);
	assert_string_equal(certinfo_spki_b64(ci), pin);
	/* The raw digest is the base64 one, decoded by openssl. */
	char *raw = out("echo '%s' | openssl base64 -d | od -An -v -tx1 | tr -d ' \\n'", pin);
	char hex[65];
	const uint8_t *spki = certinfo_spki_sha256(ci);
	assert_non_null(spki);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", spki[i]);
	assert_string_equal(hex, raw);
	free(raw), free(pin);

	/* -text: signature algorithm and key size. */
	char *text = out("openssl x509 -in %s/%s.pem -noout -text", d, name);
	char *sig = after(text, "Signature Algorithm: ");
	assert_non_null(sig);
	assert_string_equal(jstr(j, "sig_alg"), sig);
	char *bits = after(text, "Public-Key: (");
	if (bits)
		assert_int_equal(jint(j, "key_bits"), atoi(bits));
	free(bits), free(sig), free(text);

	/* Subject Alternative Names, in order. */
	char *ext = out("openssl x509 -in %s/%s.pem -noout -ext subjectAltName 2>/dev/null",
			d, name);
	char *line = strchr(ext, '\n');
	size_t count = 0, shown = 0;
	const json_t *san = json_object_get(j, "san");
	assert_true(json_is_array(san));
	if (line && line[1]) {
		char *save = NULL;
		line[strcspn(line + 1, "\n") + 1] = '\0';
		for (char *tok = strtok_r(line + 1, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			while (*tok == ' ')
				tok++;
			count++;
			char want[256];
			if (strncmp(tok, "DNS:", 4) == 0)
				snprintf(want, sizeof(want), "%s", tok + 4);
			else if (strncmp(tok, "IP Address:", 11) == 0)
				ip_canon(tok + 11, want, sizeof(want));
			else
				continue;
			if (shown < CERTINFO_SAN_MAX) {
				const char *got = json_string_value(json_array_get(san, shown));
				assert_non_null(got);
				assert_string_equal(got, want);
			}
			shown++;
		}
	}
	assert_int_equal(jint(j, "san_count"), count);
	assert_int_equal(json_array_size(san), shown < CERTINFO_SAN_MAX ? shown
									 : CERTINFO_SAN_MAX);
	assert_int_equal(jbool(j, "san_truncated"), shown > CERTINFO_SAN_MAX);
	free(ext);

	/* Basic constraints and the subject key identifier. */
	ext = out("openssl x509 -in %s/%s.pem -noout -ext basicConstraints 2>/dev/null", d,
		  name);
	const json_t *bc = json_object_get(j, "basic_constraints");
	if (!strstr(ext, "Basic Constraints")) {
		assert_true(json_is_null(bc));
	} else {
		assert_true(json_is_object(bc));
		assert_int_equal(jbool(bc, "critical"), strstr(ext, "critical") != NULL);
		assert_int_equal(jbool(bc, "ca"), strstr(ext, "CA:TRUE") != NULL);
		char *pl = after(ext, "pathlen:");
		if (pl)
			assert_int_equal(jint(bc, "path_len"), atoi(pl));
		else
			jnull(bc, "path_len");
		free(pl);
	}
	free(ext);
	ext = out("openssl x509 -in %s/%s.pem -noout -ext subjectKeyIdentifier 2>/dev/null", d,
		  name);
	char *ski = after(ext, "Identifier: \n    ");
	if (ski) {
		lower_strip_colons(ski);
		assert_string_equal(jstr(j, "subject_key_id"), ski);
	} else {
		jnull(j, "subject_key_id");
	}
	free(ski), free(ext);
}

/* The first ten keys are the contract fields, in the contract's order. */
static void check_contract_order(const json_t *j)
{
	static const char *const want[] = {"sha256", "spki_sha256", "subject", "issuer",
					   "not_before", "not_after", "key_type", "key_bits",
					   "sig_alg", "san"};
	void *it = json_object_iter((json_t *)j);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_non_null(it);
		assert_string_equal(json_object_iter_key(it), want[i]);
		it = json_object_iter_next((json_t *)j, it);
	}
}

static void check_case(const struct cert_case *c)
{
	json_t *j;
	struct certinfo *ci = load(c->name, &j);

	check_contract_order(j);
	check_against_openssl(c->name, j, ci);

	/* [cfg] / [spec] */
	assert_int_equal(jint(j, "version"), 3);
	assert_string_equal(jstr(j, "key_type"), c->key_type);
	if (c->key_bits)
		assert_int_equal(jint(j, "key_bits"), c->key_bits);
	assert_int_equal(jint(j, "security_bits"), c->security_bits);
	if (c->curve)
		assert_string_equal(jstr(j, "curve"), c->curve);
	else
		jnull(j, "curve");
	if (c->sig_hash)
		assert_string_equal(jstr(j, "sig_hash"), c->sig_hash);
	else
		jnull(j, "sig_hash");
	if (c->ku) {
		jlist(j, "key_usage", c->ku);
		assert_int_equal(jbool(j, "key_usage_critical"), c->ku_critical);
	} else {
		jnull(j, "key_usage");
		jnull(j, "key_usage_critical");
	}
	if (c->eku)
		jlist(j, "extended_key_usage", c->eku);
	else
		jnull(j, "extended_key_usage");
	if (c->cn)
		assert_string_equal(jstr(j, "cn"), c->cn);
	else
		jnull(j, "cn");
	if (c->cn_in_san < 0)
		jnull(j, "cn_in_san");
	else
		assert_int_equal(jbool(j, "cn_in_san"), c->cn_in_san);
	assert_int_equal(jbool(j, "self_issued"), c->self_issued);
	assert_int_equal(jbool(j, "self_signed"), c->self_signed);
	assert_int_equal(jbool(j, "must_staple"), c->must_staple);
	assert_int_equal(certinfo_must_staple(ci), c->must_staple);
	jlist(j, "ocsp_urls", c->ocsp);
	assert_int_equal(certinfo_has_ocsp_url(ci), c->ocsp[0] != '\0');
	jlist(j, "ca_issuers_urls", c->ca_issuers);
	jlist(j, "crl_urls", c->crl);
	jlist(j, "policies", c->policies);
	assert_int_equal(jint(j, "sct_count"), c->sct);
	assert_int_equal(certinfo_sct_count(ci), c->sct);

	/* [ossl] -text agrees with the configuration on TLS feature and SCTs. */
	char *text = out("openssl x509 -in %s/%s.pem -noout -text", dir, c->name);
	assert_int_equal(strstr(text, "TLS Feature") != NULL, c->must_staple);
	int scts = 0;
	for (const char *p = text; (p = strstr(p, "Signed Certificate Timestamp:")); p++)
		scts++;
	assert_int_equal(scts, c->sct);
	if (c->curve && strcmp(c->curve, "secp256r1") == 0)
		assert_non_null(strstr(text, "ASN1 OID: prime256v1"));
	else if (c->curve)
		assert_non_null(strstr(text, c->curve));
	free(text);

	/* The authority key identifier is the issuer's subject key identifier [ossl]. */
	if (c->issuer && strstr(c->ext, "authorityKeyIdentifier")) {
		char *ext = out("openssl x509 -in %s/%s.pem -noout -ext subjectKeyIdentifier",
				dir, c->issuer);
		char *ski = after(ext, "Identifier: \n    ");
		assert_non_null(ski);
		lower_strip_colons(ski);
		assert_string_equal(jstr(j, "authority_key_id"), ski);
		free(ski), free(ext);
	}
	json_decref(j);
	certinfo_free(ci);
}

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("  %s\n", cases[i].name);
		check_case(&cases[i]);
	}
}

/* 5000 DNS names: san_count counts them all, san and san_dns stop at 4096 [cfg][ossl]. */
static void test_huge_san(void **state)
{
	(void)state;
	json_t *j;
	struct certinfo *ci = load("huge", &j);
	check_against_openssl("huge", j, ci);
	assert_int_equal(jint(j, "san_count"), HUGE_SAN);
	assert_int_equal(json_array_size(json_object_get(j, "san")), CERTINFO_SAN_MAX);
	assert_int_equal(json_array_size(json_object_get(j, "san_dns")), CERTINFO_SAN_MAX);
	assert_true(jbool(j, "san_truncated"));
	char want[64];
	snprintf(want, sizeof(want), "h%u.huge.test", CERTINFO_SAN_MAX);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "san"),
							     CERTINFO_SAN_MAX - 1)), want);
	assert_string_equal(jstr(j, "cn"), "h1.huge.test");
	assert_true(jbool(j, "cn_in_san"));
	json_decref(j);
	certinfo_free(ci);
}

/* IP SANs: both the mixed list and the split arrays [cfg], in inet_ntop form. */
static void test_ip_san(void **state)
{
	(void)state;
	json_t *j;
	struct certinfo *ci = load("ed25519", &j);
	jlist(j, "san", "ed.test,::1,2001:db8::1,192.0.2.7");
	jlist(j, "san_dns", "ed.test");
	jlist(j, "san_ip", "::1,2001:db8::1,192.0.2.7");
	assert_int_equal(jint(j, "san_count"), 5); /* the e-mail name counts too */
	json_decref(j);
	certinfo_free(ci);
}

/* ---- validity and the CA/B Forum limit [cfg][spec] ---------------------------------- */

struct dated {
	const char *start, *end; /* as given to openssl ca */
	int max_days;
	bool ok;
};

static const struct dated dated[] = {
	/* 398 days before 2026-03-15: exactly at the limit, then one second over. */
	{"20260314235959Z", "20270416235958Z", 398, true},
	{"20260314235959Z", "20270416235959Z", 398, false},
	/* 200 days from 2026-03-15. */
	{"20260315000000Z", "20260930235959Z", 200, true},
	{"20260315000000Z", "20261001000000Z", 200, false},
	{"20270314235959Z", "20270930235958Z", 200, true},
	/* 100 days from 2027-03-15. */
	{"20270315000000Z", "20270622235959Z", 100, true},
	{"20270315000000Z", "20270623000000Z", 100, false},
	{"20290314235959Z", "20290622235958Z", 100, true},
	/* 47 days from 2029-03-15. */
	{"20290315000000Z", "20290430235959Z", 47, true},
	{"20290315000000Z", "20290501000000Z", 47, false},
	/* GeneralizedTime after 2049. */
	{"20491231000000Z", "20500115000000Z", 47, true},
};

static void test_dated(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(dated) / sizeof(dated[0]); i++) {
		const struct dated *d = &dated[i];
		const char *end = d->end;
		char name[32];
		snprintf(name, sizeof(name), "dated%zu", i);
		run("openssl ca -batch -config %s/ca.conf -cert %s/ca.pem -keyfile %s/ca.key "
		    "-in %s/dated.csr -startdate %s -enddate %s -extensions leaf -notext "
		    "-out %s/%s.pem", dir, dir, dir, dir, d->start, end, dir, name);
		run("openssl x509 -in %s/%s.pem -outform DER -out %s/%s.der", dir, name, dir, name);
		json_t *j;
		struct certinfo *ci = load(name, &j);
		print_message("  %s .. %s\n", d->start, end);
		check_against_openssl(name, j, ci);
		long long secs = cfg_date(end) - cfg_date(d->start) + 1;
		char t[32];
		rfc3339(cfg_date(d->start), t);
		assert_string_equal(jstr(j, "not_before"), t);
		rfc3339(cfg_date(end), t);
		assert_string_equal(jstr(j, "not_after"), t);
		assert_int_equal(jint(j, "validity_seconds"), secs);
		assert_int_equal(jint(j, "validity_days"), (secs + 86399) / 86400);
		assert_int_equal(jint(j, "cabf_max_days"), d->max_days);
		assert_int_equal(jbool(j, "cabf_validity_ok"), d->ok);
		assert_int_equal(d->ok, secs <= d->max_days * 86400LL);
		json_decref(j);
		certinfo_free(ci);
	}
}

/* ---- not certificates --------------------------------------------------------------- */

static void test_garbage(void **state)
{
	(void)state;
	char path[PATH_MAX + 64], err[256];
	size_t len;
	snprintf(path, sizeof(path), "%s/rsa.der", dir);
	uint8_t *der = read_all(path, &len);

	/* An RSA public key: DER, but not a certificate [cfg]. */
	run("openssl pkey -in %s/rsa.key -pubout -outform DER -out %s/pub.der", dir, dir);
	size_t publen;
	snprintf(path, sizeof(path), "%s/pub.der", dir);
	uint8_t *pub = read_all(path, &publen);
	snprintf(path, sizeof(path), "%s/rsa.pem", dir);
	size_t pemlen;
	uint8_t *pem = read_all(path, &pemlen);

	uint8_t noise[512];
	uint32_t s = 2463534242u;
	for (size_t i = 0; i < sizeof(noise); i++) {
		s ^= s << 13, s ^= s >> 17, s ^= s << 5;
		noise[i] = (uint8_t)s;
	}
	noise[0] = 0x30; /* a SEQUENCE tag, to get a little further */

	uint8_t *plus = malloc(len + 1);
	assert_non_null(plus);
	memcpy(plus, der, len);
	plus[len] = 0;

	const struct {
		const char *what;
		const uint8_t *p;
		size_t n;
		const char *prefix;
	} in[] = {
		{"empty", der, 0, "not a DER certificate"},
		{"NULL", NULL, 0, "not a DER certificate"},
		{"one byte", der, 1, "not a DER certificate"},
		{"header only", der, 4, "not a DER certificate"},
		{"half", der, len / 2, "not a DER certificate"},
		{"one byte short", der, len - 1, "not a DER certificate"},
		{"noise", noise, sizeof(noise), "not a DER certificate"},
		{"PEM text", pem, pemlen, "not a DER certificate"},
		{"public key", pub, publen, "not a DER certificate"},
		{"trailing byte", plus, len + 1, "trailing data"},
	};
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		memset(err, 'x', sizeof(err));
		struct certinfo *ci = certinfo_from_der(in[i].p, in[i].n, err, sizeof(err));
		if (ci)
			print_error("%s: parsed\n", in[i].what);
		assert_null(ci);
		assert_true(memchr(err, '\0', sizeof(err)) != NULL);
		assert_true(strncmp(err, in[i].prefix, strlen(in[i].prefix)) == 0);
		/* errcap 0 and a NULL err are fine too */
		assert_null(certinfo_from_der(in[i].p, in[i].n, NULL, 0));
	}
	/* The whole certificate, to be sure the inputs above were cut from a good one. */
	struct certinfo *ci = certinfo_from_der(der, len, err, sizeof(err));
	assert_non_null(ci);
	certinfo_free(ci);
	certinfo_free(NULL);
	free(plus), free(pem), free(pub), free(der);
}

/* A certificate whose bytes are flipped one at a time (from the signature inwards) never
 * crashes and always yields valid JSON when it parses. */
static void test_bitflips(void **state)
{
	(void)state;
	char path[PATH_MAX + 64], err[256];
	size_t len;
	snprintf(path, sizeof(path), "%s/rsa.der", dir);
	uint8_t *der = read_all(path, &len);
	uint8_t *b = malloc(len);
	assert_non_null(b);
	for (size_t i = 0; i < len; i += 3) {
		memcpy(b, der, len);
		b[i] ^= 0xa5;
		struct certinfo *ci = certinfo_from_der(b, len, err, sizeof(err));
		if (!ci) {
			assert_true(err[0] != '\0');
			continue;
		}
		json_t *j = certinfo_json(ci);
		assert_non_null(j);
		char *s = json_dumps(j, JSON_COMPACT);
		assert_non_null(s);
		free(s);
		json_decref(j);
		certinfo_free(ci);
	}
	free(b);
	free(der);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_huge_san),
		cmocka_unit_test(test_ip_san),
		cmocka_unit_test(test_dated),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_bitflips),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
