/*
 * stls: STARTTLS preludes, as pure state machines (no I/O): the engine connects, then feeds
 * the server's bytes in and sends what the machine asks for, until it says READY (the next
 * byte on the wire is our ClientHello) or FAIL.
 *
 *   proto     client                                  server                    ready on
 *   smtp      (greeting) EHLO, STARTTLS               220 greeting, 250 EHLO    220 (RFC 3207)
 *   imap      (greeting) a1 STARTTLS                  * OK greeting             a1 OK (RFC 2595/9051)
 *   pop3      (greeting) STLS                         +OK greeting              +OK (RFC 2595)
 *   ftp       (greeting) AUTH TLS                     220 greeting              234 (RFC 4217)
 *   xmpp      <stream:stream to=DOMAIN> <starttls/>   features with <starttls>  <proceed/> (RFC 6120 §5.4)
 *   ldap      ExtendedRequest 1.3.6.1.4.1.1466.20037  -                         resultCode 0 (RFC 4511 §4.14)
 *   postgres  SSLRequest (8 bytes)                    -                         'S' (PostgreSQL protocol 53.2.10)
 *
 * Limits: a line (or LDAP message, XMPP element run) of STLS_LINE_MAX bytes, STLS_MAX_TOTAL
 * bytes and STLS_MAX_LINES lines in all; the caller applies its probe timeout. Any byte after
 * the server's go-ahead, before our ClientHello, is a failure (a server must not send it; a
 * man in the middle injecting it is the attack of CVE-2011-0411).
 */
#ifndef TLSSCOPE_SCANNER_STARTTLS_H
#define TLSSCOPE_SCANNER_STARTTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STLS_LINE_MAX 2048
#define STLS_MAX_TOTAL (32u << 10)
#define STLS_MAX_LINES 200
#define STLS_OUT_MAX 512

enum stls_proto {
	STLS_NONE = 0,
	STLS_SMTP,
	STLS_IMAP,
	STLS_POP3,
	STLS_FTP,
	STLS_XMPP,
	STLS_LDAP,
	STLS_POSTGRES,
	STLS_COUNT
};

enum stls_status {
	STLS_CONTINUE = 0, /* feed more server bytes (send s->out first when out_len > 0) */
	STLS_READY,        /* the prelude is done: send the ClientHello (and s->out before it
			      when out_len > 0: never the case for the protocols above) */
	STLS_FAIL,         /* s->why says what went wrong */
};

struct stls {
	enum stls_proto proto;
	int step;
	int ml;                  /* SMTP/FTP: code of the open multi-line reply, 0 = none */
	char domain[256];        /* XMPP stream 'to' */
	uint8_t out[STLS_OUT_MAX];
	size_t out_len;          /* bytes to send now; the caller clears it once sent */
	size_t total;            /* server bytes consumed */
	unsigned lines;
	bool offered;            /* SMTP: STARTTLS in the EHLO reply; XMPP: <starttls in features */
	const char *why;         /* static, set on STLS_FAIL */
	char why_buf[96];
};

/* The protocol named s ("smtp"), STLS_NONE for NULL or an unknown name. */
enum stls_proto stls_lookup(const char *s);
/* "smtp", ... ; "none" for STLS_NONE. Static string. */
const char *stls_name(enum stls_proto p);
/* The protocol's usual port where STARTTLS is spoken: smtp 25, imap 143, pop3 110, ftp 21,
 * xmpp 5222, ldap 389, postgres 5432; 443 for STLS_NONE. */
uint16_t stls_default_port(enum stls_proto p);

/*
 * Starts the prelude of proto p right after connect. domain (may be NULL: then "localhost")
 * is the XMPP domain; it is copied. Returns STLS_CONTINUE (with s->out set when the client
 * speaks first: xmpp, ldap, postgres) or STLS_READY for STLS_NONE.
 */
enum stls_status stls_start(struct stls *s, enum stls_proto p, const char *domain);

/*
 * Offers the server bytes received and not yet consumed, in[0..len). Consumes complete
 * lines (messages) and sets *used to their length (the caller drops them and keeps the
 * rest for the next call). Returns STLS_CONTINUE (when s->out_len > 0: send s->out, clear
 * out_len, then feed again with the bytes kept, if any, and whenever more arrive),
 * STLS_READY (only when every byte was consumed), or STLS_FAIL.
 */
enum stls_status stls_feed(struct stls *s, const uint8_t *in, size_t len, size_t *used)
	__attribute__((warn_unused_result));

#endif
