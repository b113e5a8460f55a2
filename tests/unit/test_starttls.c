/*
 * Unit tests of the STARTTLS preludes (scanner/starttls.h).
 *
 * Each case is a transcript: what the server says ("S:") and what the client must answer
 * ("C:"), ending in READY or a failure. The server's lines come from the RFC examples
 * (RFC 3207 §5 SMTP, RFC 2595 §6 and RFC 9051 IMAP, RFC 2595 §4 POP3, RFC 4217 §4 FTP,
 * RFC 6120 §5.4 and §9.1 XMPP, RFC 4511 §4.14 LDAP, PostgreSQL's protocol flow for
 * SSLRequest) or from servers' real greetings; binary messages are hex ("s:"/"c:").
 * Every transcript is replayed with the server's bytes whole and one byte at a time
 * (STYLE rule 24): the client's answers and the ending must be the same.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scanner/starttls.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define XMPP_HDR                                                                           \
	"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "                         \
	"xmlns:stream='http://etherx.jabber.org/streams' to='im.example.com' version='1.0'>"

struct stls_case {
	const char *name;
	enum stls_proto proto;
	const char *steps[16];   /* "S:text", "C:text", "s:hex", "c:hex" */
	enum stls_status want;
	const char *why;         /* substring of s->why on failure */
	bool whole_only;         /* bytes after the go-ahead: only seen when they come with it */
};

static const struct stls_case cases[] = {
	{ "smtp rfc3207", STLS_SMTP,
	  { "S:220 mail.imc.org SMTP service ready\r\n", "C:EHLO tlsscope.invalid\r\n",
	    "S:250-mail.imc.org offers a warm hug of welcome\r\n250-8BITMIME\r\n"
	    "250-STARTTLS\r\n250 DSN\r\n",
	    "C:STARTTLS\r\n", "S:220 Go ahead\r\n" },
	  STLS_READY, NULL, false },
	{ "smtp multi-line greeting, LF only", STLS_SMTP,
	  { "S:220-mx.example ESMTP\n220-no UCE\n220 ready\n", "C:EHLO tlsscope.invalid\r\n",
	    "S:250-mx.example\n250-PIPELINING\n250-SIZE 10240000\n250 starttls\n",
	    "C:STARTTLS\r\n", "S:220 2.0.0 Ready to start TLS\n" },
	  STLS_READY, NULL, false },
	{ "smtp STARTTLS not offered", STLS_SMTP,
	  { "S:220 mx ESMTP\r\n", "C:EHLO tlsscope.invalid\r\n", "S:250-mx\r\n250 8BITMIME\r\n" },
	  STLS_FAIL, "STARTTLS not offered", false },
	{ "smtp STARTTLS refused", STLS_SMTP,
	  { "S:220 mx ESMTP\r\n", "C:EHLO tlsscope.invalid\r\n", "S:250 STARTTLS\r\n",
	    "C:STARTTLS\r\n", "S:454 4.7.0 TLS not available due to temporary reason\r\n" },
	  STLS_FAIL, "smtp: STARTTLS refused (454)", false },
	{ "smtp busy greeting", STLS_SMTP,
	  { "S:554 mx.example no SMTP service here\r\n" }, STLS_FAIL, "greeting refused (554)", false },
	{ "smtp not smtp", STLS_SMTP, { "S:SSH-2.0-OpenSSH_9.2\r\n" }, STLS_FAIL,
	  "not an SMTP reply", false },
	{ "smtp bytes after go-ahead", STLS_SMTP,
	  { "S:220 mx\r\n", "C:EHLO tlsscope.invalid\r\n", "S:250 STARTTLS\r\n",
	    "C:STARTTLS\r\n", "S:220 go\r\nINJECTED\r\n" },
	  STLS_FAIL, "data after the STARTTLS go-ahead", true },
	{ "imap rfc2595", STLS_IMAP,
	  { "S:* OK IMAP4rev1 Server\r\n", "C:a1 STARTTLS\r\n",
	    "S:a1 OK Begin TLS negotiation now\r\n" },
	  STLS_READY, NULL, false },
	{ "imap capability greeting, untagged lines", STLS_IMAP,
	  { "S:* OK [CAPABILITY IMAP4rev2 STARTTLS LOGINDISABLED] Dovecot ready.\r\n",
	    "C:a1 STARTTLS\r\n", "S:* NOTICE whatever\r\na1 ok Begin TLS negotiation now.\r\n" },
	  STLS_READY, NULL, false },
	{ "imap refused", STLS_IMAP,
	  { "S:* OK ready\r\n", "C:a1 STARTTLS\r\n", "S:a1 BAD unknown command\r\n" },
	  STLS_FAIL, "imap: STARTTLS refused", false },
	{ "imap preauth", STLS_IMAP, { "S:* PREAUTH IMAP4rev1 server logged in as Smith\r\n" },
	  STLS_FAIL, "PREAUTH", false },
	{ "imap bye", STLS_IMAP, { "S:* BYE Autologout; idle for too long\r\n" }, STLS_FAIL,
	  "greeting refused", false },
	{ "pop3 rfc2595", STLS_POP3,
	  { "S:+OK POP3 server ready\r\n", "C:STLS\r\n", "S:+OK Begin TLS negotiation\r\n" },
	  STLS_READY, NULL, false },
	{ "pop3 refused", STLS_POP3,
	  { "S:+OK POP3 server ready\r\n", "C:STLS\r\n", "S:-ERR Command not permitted\r\n" },
	  STLS_FAIL, "pop3: STLS refused", false },
	{ "ftp rfc4217", STLS_FTP,
	  { "S:220-Welcome\r\n  to the example FTP service\r\n220 ready\r\n", "C:AUTH TLS\r\n",
	    "S:234 AUTH command ok. Expecting TLS Negotiation.\r\n" },
	  STLS_READY, NULL, false },
	{ "ftp delayed greeting", STLS_FTP,
	  { "S:120 Service ready in 1 minute\r\n220 ProFTPD Server\r\n", "C:AUTH TLS\r\n",
	    "S:234 AUTH TLS successful\r\n" },
	  STLS_READY, NULL, false },
	{ "ftp refused", STLS_FTP,
	  { "S:220 vsFTPd\r\n", "C:AUTH TLS\r\n", "S:530 Please login with USER and PASS.\r\n" },
	  STLS_FAIL, "ftp: AUTH TLS refused (530)", false },
	{ "xmpp rfc6120", STLS_XMPP,
	  { "C:" XMPP_HDR,
	    "S:<?xml version='1.0'?><stream:stream from='im.example.com' "
	    "id='t7AMCin9zjMNwQKDnplntZPIDEI=' to='juliet@im.example.com' version='1.0' "
	    "xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
	    "S:<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/>"
	    "</starttls></stream:features>",
	    "C:<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
	    "S:<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" },
	  STLS_READY, NULL, false },
	{ "xmpp failure", STLS_XMPP,
	  { "C:" XMPP_HDR,
	    "S:<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><stream:features>"
	    "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>",
	    "C:<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
	    "S:<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>" },
	  STLS_FAIL, "xmpp: STARTTLS refused", false },
	{ "xmpp not offered", STLS_XMPP,
	  { "C:" XMPP_HDR,
	    "S:<stream:stream><stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:"
	    "xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>" },
	  STLS_FAIL, "STARTTLS not offered", false },
	{ "xmpp stream error", STLS_XMPP,
	  { "C:" XMPP_HDR,
	    "S:<stream:stream><stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:"
	    "xmpp-streams'/></stream:error></stream:stream>" },
	  STLS_FAIL, "stream error", false },
	/* LDAP: ExtendedRequest { messageID 1, requestName 1.3.6.1.4.1.1466.20037 } */
	{ "ldap success", STLS_LDAP,
	  { "c:301d02010177188016312e332e362e312e342e312e313436362e3230303337",
	    "s:300c02010178070a010004000400" },
	  STLS_READY, NULL, false },
	{ "ldap success with responseName", STLS_LDAP,
	  { "c:301d02010177188016312e332e362e312e342e312e313436362e3230303337",
	    "s:3024020101781f0a0100040004008a16312e332e362e312e342e312e313436362e3230303337" },
	  STLS_READY, NULL, false },
	{ "ldap long-form length", STLS_LDAP,
	  { "c:301d02010177188016312e332e362e312e342e312e313436362e3230303337",
	    "s:30810d020101788107 0a010004000400" },
	  STLS_READY, NULL, false },
	/* protocolError (2), the answer of a server without StartTLS */
	{ "ldap refused", STLS_LDAP,
	  { "c:301d02010177188016312e332e362e312e342e312e313436362e3230303337",
	    "s:300c02010178070a010204000400" },
	  STLS_FAIL, "resultCode (2)", false },
	{ "ldap notice of disconnection", STLS_LDAP,
	  { "c:301d02010177188016312e332e362e312e342e312e313436362e3230303337",
	    "s:300c02010078070a013404000400" },
	  STLS_FAIL, "notice of disconnection", false },
	{ "ldap garbage", STLS_LDAP,
	  { "c:301d02010177188016312e332e362e312e342e312e313436362e3230303337",
	    "s:485454502f312e31" },
	  STLS_FAIL, "not an LDAPMessage", false },
	{ "postgres yes", STLS_POSTGRES, { "c:0000000804d2162f", "s:53" }, STLS_READY, NULL, false },
	{ "postgres no", STLS_POSTGRES, { "c:0000000804d2162f", "s:4e" }, STLS_FAIL,
	  "does not accept SSL", false },
	{ "postgres S and more", STLS_POSTGRES, { "c:0000000804d2162f", "s:5316" }, STLS_FAIL,
	  "data after", true },
};

static size_t decode(const char *step, uint8_t *out, size_t cap)
{
	const char *p = step + 2;
	if (step[0] == 'S' || step[0] == 'C') {
		size_t n = strlen(p);
		assert_true(n <= cap);
		memcpy(out, p, n);
		return n;
	}
	size_t n = 0;
	for (; *p; p++) {
		if (*p == ' ')
			continue;
		unsigned v;
		assert_int_equal(sscanf(p, "%2x", &v), 1);
		assert_true(n < cap);
		out[n++] = (uint8_t)v;
		p++;
	}
	return n;
}

/* Replays one case with the server's bytes in chunks of at most 'chunk' bytes. */
static void replay(const struct stls_case *c, size_t chunk)
{
	struct stls s;
	uint8_t buf[8192], data[4096], want[4096];
	size_t have = 0, step = 0, n_steps = 0;
	while (n_steps < ARRAY_LEN(c->steps) && c->steps[n_steps])
		n_steps++;
	enum stls_status st = stls_start(&s, c->proto, "im.example.com");
	assert_int_equal(st, STLS_CONTINUE);
	for (; step < n_steps; step++) {
		const char *sp = c->steps[step];
		if (sp[0] == 'C' || sp[0] == 'c') {
			size_t n = decode(sp, want, sizeof(want));
			if (s.out_len != n || memcmp(s.out, want, n) != 0)
				fail_msg("%s (chunk %zu) step %zu: client sent '%.*s', want '%.*s'",
					 c->name, chunk, step, (int)s.out_len, (const char *)s.out,
					 (int)n, (const char *)want);
			s.out_len = 0;
			continue;
		}
		assert_int_equal(s.out_len, 0);
		size_t n = decode(sp, data, sizeof(data));
		for (size_t off = 0; off < n;) {
			size_t k = n - off < chunk ? n - off : chunk;
			memcpy(buf + have, data + off, k);
			have += k;
			off += k;
			size_t used = 0;
			st = stls_feed(&s, buf, have, &used);
			memmove(buf, buf + used, have - used);
			have -= used;
			if (st != STLS_CONTINUE) {
				if (off < n && st == STLS_READY)
					fail_msg("%s: READY before the server's last byte", c->name);
				break;
			}
			if (s.out_len > 0 && off < n)
				fail_msg("%s (chunk %zu): answered in the middle of a reply", c->name,
					 chunk);
		}
		if (st != STLS_CONTINUE)
			break;
	}
	if (st != c->want)
		fail_msg("%s (chunk %zu): status %d, want %d (%s)", c->name, chunk, st, c->want,
			 s.why ? s.why : "");
	if (c->want == STLS_FAIL) {
		assert_non_null(s.why);
		if (!strstr(s.why, c->why))
			fail_msg("%s: why '%s', want '%s'", c->name, s.why, c->why);
	} else {
		assert_int_equal(step + 1, n_steps); /* READY on the last step */
		assert_int_equal(have, 0);
	}
}

static void test_transcripts(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		replay(&cases[i], SIZE_MAX);
		if (!cases[i].whole_only)
			replay(&cases[i], 1);
	}
}

static void test_limits(void **state)
{
	(void)state;
	struct stls s;
	static uint8_t big[STLS_LINE_MAX + 10];
	size_t used;
	/* a line without end */
	assert_int_equal(stls_start(&s, STLS_SMTP, NULL), STLS_CONTINUE);
	memset(big, 'x', sizeof(big));
	assert_int_equal(stls_feed(&s, big, sizeof(big), &used), STLS_FAIL);
	assert_non_null(strstr(s.why, "line too long"));
	/* endless multi-line greeting */
	assert_int_equal(stls_start(&s, STLS_SMTP, NULL), STLS_CONTINUE);
	const char *l = "220-more\r\n";
	enum stls_status st = STLS_CONTINUE;
	for (int i = 0; i < 1000 && st == STLS_CONTINUE; i++)
		st = stls_feed(&s, (const uint8_t *)l, strlen(l), &used);
	assert_int_equal(st, STLS_FAIL);
	assert_non_null(strstr(s.why, "too many lines"));
	/* XMPP features that never end */
	assert_int_equal(stls_start(&s, STLS_XMPP, "x.example"), STLS_CONTINUE);
	static uint8_t feat[STLS_MAX_TOTAL + 1];
	memset(feat, ' ', sizeof(feat));
	assert_int_equal(stls_feed(&s, feat, sizeof(feat), &used), STLS_FAIL);
	/* NONE: nothing to do, any byte is wrong */
	assert_int_equal(stls_start(&s, STLS_NONE, NULL), STLS_READY);
	assert_int_equal(stls_feed(&s, big, 1, &used), STLS_FAIL);
	/* the XMPP domain in the stream header */
	assert_int_equal(stls_start(&s, STLS_XMPP, "chat.example.org"), STLS_CONTINUE);
	assert_non_null(strstr((const char *)s.out, "to='chat.example.org'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transcripts),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
