/*
 * STARTTLS preludes. See starttls.h for the table of exchanges and the limits.
 *
 * Implementation notes:
 *  - Text protocols are read a line at a time (LF-terminated, CR stripped). SMTP and FTP
 *    replies share one reader (RFC 5321 §4.2.1, RFC 959 §4.2): "NNN-text" opens a multi-line
 *    reply, which ends at the line "NNN text" with the same code; FTP allows arbitrary text
 *    lines in between, SMTP does not send them, so one rule covers both.
 *  - XMPP is not parsed as XML: the exchange is short and fixed, so the reader looks for the
 *    end of the features element, then for <proceed/> or <failure/> (RFC 6120 §5.4.2).
 *  - LDAP is read through struct cur: one BER LDAPMessage (RFC 4511 §4.2, §4.12), definite
 *    lengths only.
 *
 *   smtp:  GREETING ─220─▶ send EHLO ─▶ EHLO ─250+STARTTLS─▶ send STARTTLS ─▶ GO ─220─▶ READY
 *   ftp:   GREETING ─220─▶ send AUTH TLS ─▶ GO ─234─▶ READY        (1xx: wait for the next)
 *   imap:  GREETING ─* OK─▶ send a1 STARTTLS ─▶ GO ─a1 OK─▶ READY  (untagged lines skipped)
 *   pop3:  GREETING ─+OK─▶ send STLS ─▶ GO ─+OK─▶ READY
 *   xmpp:  send header ─▶ FEATURES ─<starttls─▶ send <starttls/> ─▶ GO ─<proceed─▶ READY
 *   ldap:  send ExtendedRequest ─▶ GO ─resultCode 0─▶ READY
 *   postgres: send SSLRequest ─▶ GO ─'S'─▶ READY
 *   anything else ─▶ FAIL
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "capture/wire/cur.h"
#include "scanner/starttls.h"

static const char *const names[STLS_COUNT] = {
	[STLS_NONE] = "none", [STLS_SMTP] = "smtp", [STLS_IMAP] = "imap",
	[STLS_POP3] = "pop3", [STLS_FTP] = "ftp",   [STLS_XMPP] = "xmpp",
	[STLS_LDAP] = "ldap", [STLS_POSTGRES] = "postgres",
};

static const uint16_t ports[STLS_COUNT] = {
	[STLS_NONE] = 443, [STLS_SMTP] = 25,  [STLS_IMAP] = 143,   [STLS_POP3] = 110,
	[STLS_FTP] = 21,   [STLS_XMPP] = 5222, [STLS_LDAP] = 389, [STLS_POSTGRES] = 5432,
};

enum stls_proto stls_lookup(const char *s)
{
	for (int p = STLS_SMTP; s && p < STLS_COUNT; p++)
		if (strcmp(s, names[p]) == 0)
			return (enum stls_proto)p;
	return STLS_NONE;
}

const char *stls_name(enum stls_proto p)
{
	return (unsigned)p < STLS_COUNT ? names[p] : "none";
}

uint16_t stls_default_port(enum stls_proto p)
{
	return (unsigned)p < STLS_COUNT ? ports[p] : 443;
}

/* LDAP ExtendedRequest for StartTLS (RFC 4511 §4.14.1), messageID 1:
 * SEQUENCE { INTEGER 1, [APPLICATION 23] { [0] "1.3.6.1.4.1.1466.20037" } } */
static const uint8_t ldap_starttls[] = {
	0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16, '1', '.', '3', '.', '6', '.',
	'1', '.', '4', '.', '1', '.', '1', '4', '6', '6', '.', '2', '0', '0', '3', '7',
};

/* PostgreSQL SSLRequest: Int32 length 8, Int32 80877103 (protocol docs, "SSLRequest"). */
static const uint8_t pg_sslrequest[] = { 0x00, 0x00, 0x00, 0x08, 0x04, 0xd2, 0x16, 0x2f };

static void out_bytes(struct stls *s, const void *p, size_t n)
{
	if (n > sizeof(s->out))
		n = sizeof(s->out);
	memcpy(s->out, p, n);
	s->out_len = n;
}

static void out_str(struct stls *s, const char *str) { out_bytes(s, str, strlen(str)); }

static enum stls_status fail(struct stls *s, const char *why)
{
	s->why = why;
	return STLS_FAIL;
}

/* "PROTO: WHAT (CODE)" into why_buf. */
static enum stls_status fail_code(struct stls *s, const char *what, int code)
{
	snprintf(s->why_buf, sizeof(s->why_buf), "%s: %s (%d)", stls_name(s->proto), what, code);
	return fail(s, s->why_buf);
}

enum stls_status stls_start(struct stls *s, enum stls_proto p, const char *domain)
{
	memset(s, 0, sizeof(*s));
	s->proto = p;
	snprintf(s->domain, sizeof(s->domain), "%s", domain ? domain : "localhost");
	switch (p) {
	case STLS_XMPP: {
		char hdr[STLS_OUT_MAX];
		snprintf(hdr, sizeof(hdr),
			 "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
			 "xmlns:stream='http://etherx.jabber.org/streams' to='%s' "
			 "version='1.0'>", s->domain);
		out_str(s, hdr);
		return STLS_CONTINUE;
	}
	case STLS_LDAP:
		out_bytes(s, ldap_starttls, sizeof(ldap_starttls));
		return STLS_CONTINUE;
	case STLS_POSTGRES:
		out_bytes(s, pg_sslrequest, sizeof(pg_sslrequest));
		return STLS_CONTINUE;
	case STLS_SMTP:
	case STLS_IMAP:
	case STLS_POP3:
	case STLS_FTP:
		return STLS_CONTINUE; /* the server speaks first */
	case STLS_NONE:
	case STLS_COUNT:
		break;
	}
	return STLS_READY;
}

/* ---- text protocols ---------------------------------------------------------------------- */

/* Case-insensitive prefix test. */
static bool starts(const char *line, const char *prefix)
{
	return strncasecmp(line, prefix, strlen(prefix)) == 0;
}

/* Case-insensitive substring test. */
static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

/*
 * One SMTP/FTP reply line. *ml is the code of the open multi-line reply (0 = none). Returns
 * 1 when the line ends a reply (*code set), 0 for a line inside a multi-line reply, -1 when
 * it is not a reply line.
 */
static int reply_line(const char *line, int *ml, int *code)
{
	bool digits = isdigit((unsigned char)line[0]) && isdigit((unsigned char)line[1]) &&
		      isdigit((unsigned char)line[2]);
	int c = digits ? (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0') : -1;
	if (*ml) {
		if (c == *ml && (line[3] == ' ' || line[3] == '\0')) {
			*ml = 0;
			*code = c;
			return 1;
		}
		return 0;
	}
	if (!digits)
		return -1;
	if (line[3] == '-') {
		*ml = c;
		return 0;
	}
	if (line[3] != ' ' && line[3] != '\0')
		return -1;
	*code = c;
	return 1;
}

/* Steps of the text protocols: the reply awaited. */
enum { T_GREETING = 0, T_EHLO = 1, T_GO = 2 };

static enum stls_status smtp_line(struct stls *s, const char *line, int *ml)
{
	int code = 0, r = reply_line(line, ml, &code);
	if (r < 0)
		return fail(s, "smtp: not an SMTP reply");
	if (s->step == T_EHLO && strlen(line) >= 4 && contains_ci(line + 4, "STARTTLS"))
		s->offered = true;
	if (r == 0)
		return STLS_CONTINUE;
	switch (s->step) {
	case T_GREETING:
		if (code != 220)
			return fail_code(s, "greeting refused", code);
		out_str(s, "EHLO tlsscope.invalid\r\n");
		s->step = T_EHLO;
		return STLS_CONTINUE;
	case T_EHLO:
		if (code != 250)
			return fail_code(s, "EHLO refused", code);
		if (!s->offered)
			return fail(s, "smtp: STARTTLS not offered");
		out_str(s, "STARTTLS\r\n");
		s->step = T_GO;
		return STLS_CONTINUE;
	default:
		return code == 220 ? STLS_READY : fail_code(s, "STARTTLS refused", code);
	}
}

static enum stls_status ftp_line(struct stls *s, const char *line, int *ml)
{
	int code = 0, r = reply_line(line, ml, &code);
	if (r < 0)
		return fail(s, "ftp: not an FTP reply");
	if (r == 0 || (code >= 100 && code < 200)) /* 1xx: preliminary, another reply follows */
		return STLS_CONTINUE;
	if (s->step == T_GREETING) {
		if (code != 220)
			return fail_code(s, "greeting refused", code);
		out_str(s, "AUTH TLS\r\n");
		s->step = T_GO;
		return STLS_CONTINUE;
	}
	return code == 234 ? STLS_READY : fail_code(s, "AUTH TLS refused", code);
}

static enum stls_status imap_line(struct stls *s, const char *line)
{
	if (s->step == T_GREETING) {
		if (!starts(line, "* OK"))
			return fail(s, starts(line, "* PREAUTH") ? "imap: PREAUTH greeting"
								   : "imap: greeting refused");
		out_str(s, "a1 STARTTLS\r\n");
		s->step = T_GO;
		return STLS_CONTINUE;
	}
	if (starts(line, "* "))
		return STLS_CONTINUE; /* untagged: CAPABILITY, notices */
	if (starts(line, "a1 OK"))
		return STLS_READY;
	return fail(s, "imap: STARTTLS refused");
}

static enum stls_status pop3_line(struct stls *s, const char *line)
{
	if (s->step == T_GREETING) {
		if (!starts(line, "+OK"))
			return fail(s, "pop3: greeting refused");
		out_str(s, "STLS\r\n");
		s->step = T_GO;
		return STLS_CONTINUE;
	}
	return starts(line, "+OK") ? STLS_READY : fail(s, "pop3: STLS refused");
}

/* Reads lines of a text protocol. */
static enum stls_status feed_lines(struct stls *s, const uint8_t *in, size_t len, size_t *used)
{
	enum stls_status st = STLS_CONTINUE;
	size_t pos = 0;
	while (st == STLS_CONTINUE && s->out_len == 0 && pos < len) {
		const uint8_t *nl = memchr(in + pos, '\n', len - pos);
		if (!nl) {
			if (len - pos > STLS_LINE_MAX)
				st = fail(s, "line too long");
			break;
		}
		size_t n = (size_t)(nl - (in + pos)) + 1;
		char line[STLS_LINE_MAX + 1];
		if (n > STLS_LINE_MAX) {
			st = fail(s, "line too long");
			break;
		}
		if (++s->lines > STLS_MAX_LINES) {
			st = fail(s, "too many lines");
			break;
		}
		size_t k = n - 1;
		if (k > 0 && in[pos + k - 1] == '\r')
			k--;
		memcpy(line, in + pos, k);
		line[k] = '\0';
		if (memchr(line, '\0', k)) {
			st = fail(s, "NUL in a line");
			break;
		}
		pos += n;
		switch (s->proto) {
		case STLS_SMTP: st = smtp_line(s, line, &s->ml); break;
		case STLS_FTP: st = ftp_line(s, line, &s->ml); break;
		case STLS_IMAP: st = imap_line(s, line); break;
		default: st = pop3_line(s, line); break;
		}
	}
	*used = pos;
	return st;
}

/* ---- XMPP -------------------------------------------------------------------------------- */

static const uint8_t *find(const uint8_t *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; k <= n && i <= n - k; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return hay + i;
	return NULL;
}

static enum stls_status feed_xmpp(struct stls *s, const uint8_t *in, size_t len, size_t *used)
{
	*used = 0;
	if (find(in, len, "<stream:error"))
		return fail(s, "xmpp: stream error");
	if (s->step == 0) {
		const char *end_tag = "</stream:features>";
		const uint8_t *end = find(in, len, end_tag);
		if (!end)
			return len > STLS_LINE_MAX * 8 ? fail(s, "xmpp: no stream features")
						     : STLS_CONTINUE;
		size_t n = (size_t)(end - in) + strlen(end_tag);
		if (!find(in, n, "<starttls"))
			return fail(s, "xmpp: STARTTLS not offered");
		*used = n;
		out_str(s, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
		s->step = 1;
		return STLS_CONTINUE;
	}
	if (find(in, len, "<failure"))
		return fail(s, "xmpp: STARTTLS refused");
	const uint8_t *p = find(in, len, "<proceed");
	if (!p)
		return len > STLS_LINE_MAX ? fail(s, "xmpp: no answer to <starttls/>")
					   : STLS_CONTINUE;
	size_t off = (size_t)(p - in);
	const uint8_t *gt = memchr(p, '>', len - off);
	if (!gt)
		return STLS_CONTINUE;
	size_t n = (size_t)(gt - in) + 1;
	if (gt[-1] != '/') { /* <proceed ...> ... </proceed> */
		const uint8_t *close = find(gt, len - (n - 1), "</proceed>");
		if (!close)
			return STLS_CONTINUE;
		n = (size_t)(close - in) + strlen("</proceed>");
	}
	*used = n;
	return STLS_READY;
}

/* ---- LDAP -------------------------------------------------------------------------------- */

/* BER tag + definite length, then a sub-cursor over the contents. 0: need more bytes. */
static int ber_tlv(struct cur *c, uint8_t *tag, struct cur *sub)
{
	struct cur save = *c;
	uint8_t b;
	uint32_t n = 0;
	if (!cur_u8(c, tag) || !cur_u8(c, &b))
		goto more;
	if (b & 0x80) {
		unsigned k = b & 0x7f;
		if (k == 0 || k > 4)
			return -1; /* indefinite or absurd length */
		for (unsigned i = 0; i < k; i++) {
			uint8_t x;
			if (!cur_u8(c, &x))
				goto more;
			n = (n << 8) | x;
		}
	} else {
		n = b;
	}
	const uint8_t *body;
	if (!cur_bytes(c, n, &body))
		goto more;
	*sub = cur_make(body, n);
	return 1;
more:
	*c = save;
	return 0;
}

/* A small non-negative BER INTEGER or ENUMERATED contents (1..4 bytes). */
static bool ber_small_int(struct cur *c, uint32_t *v)
{
	size_t n = cur_left(c);
	if (n == 0 || n > 4)
		return false;
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t x;
		if (!cur_u8(c, &x))
			return false;
		*v = (*v << 8) | x;
	}
	return true;
}

static enum stls_status feed_ldap(struct stls *s, const uint8_t *in, size_t len, size_t *used)
{
	struct cur c = cur_make(in, len), msg, id, op, rc;
	uint8_t tag;
	uint32_t msgid, result;
	*used = 0;
	if (len > 0 && in[0] != 0x30)
		return fail(s, "ldap: not an LDAPMessage");
	int r = ber_tlv(&c, &tag, &msg);
	if (r == 0)
		return len > STLS_LINE_MAX ? fail(s, "ldap: response too long") : STLS_CONTINUE;
	if (r < 0 || tag != 0x30)
		return fail(s, "ldap: not an LDAPMessage");
	if (ber_tlv(&msg, &tag, &id) != 1 || tag != 0x02 || !ber_small_int(&id, &msgid))
		return fail(s, "ldap: bad messageID");
	if (ber_tlv(&msg, &tag, &op) != 1 || tag != 0x78)
		return fail(s, "ldap: not an ExtendedResponse");
	if (msgid != 1)
		return fail(s, "ldap: notice of disconnection");
	if (ber_tlv(&op, &tag, &rc) != 1 || tag != 0x0a || !ber_small_int(&rc, &result))
		return fail(s, "ldap: bad resultCode");
	*used = len - cur_left(&c);
	if (result != 0)
		return fail_code(s, "StartTLS refused, resultCode", (int)result);
	return STLS_READY;
}

/* ---- PostgreSQL -------------------------------------------------------------------------- */

static enum stls_status feed_pg(struct stls *s, const uint8_t *in, size_t len, size_t *used)
{
	*used = 0;
	if (len == 0)
		return STLS_CONTINUE;
	*used = 1;
	if (in[0] == 'S')
		return STLS_READY;
	return fail(s, in[0] == 'N' ? "postgres: server does not accept SSL"
				    : "postgres: error response to SSLRequest");
}

enum stls_status stls_feed(struct stls *s, const uint8_t *in, size_t len, size_t *used)
{
	enum stls_status st;
	*used = 0;
	if (s->why)
		return STLS_FAIL;
	switch (s->proto) {
	case STLS_SMTP:
	case STLS_IMAP:
	case STLS_POP3:
	case STLS_FTP:
		st = feed_lines(s, in, len, used);
		break;
	case STLS_XMPP:
		st = feed_xmpp(s, in, len, used);
		break;
	case STLS_LDAP:
		st = feed_ldap(s, in, len, used);
		break;
	case STLS_POSTGRES:
		st = feed_pg(s, in, len, used);
		break;
	default:
		return len ? fail(s, "data before the ClientHello") : STLS_READY;
	}
	s->total += *used;
	if (st == STLS_CONTINUE && s->total + (len - *used) > STLS_MAX_TOTAL)
		st = fail(s, "prelude too long");
	if (st == STLS_READY && *used != len)
		st = fail(s, "data after the STARTTLS go-ahead");
	return st;
}
