/*
 * TLS connection tracker. See tconn.h for the contract and the state diagram.
 *
 * Implementation notes:
 *  - Per flow there is a small struct tconn_flow (prelude scanning state); the TLS state
 *    (struct tls_state: two struct tls_rec, the record being built, message buffers) exists
 *    only between the recognition of TLS and the emission of the record.
 *  - Where TLS may start ("candidates"): the first byte of each delivered chunk (a TCP
 *    segment, or the bytes a late segment made contiguous) and, for a ClientHello only, the
 *    byte after each line feed. A candidate needs at most CAND_MAX bytes to be decided; when a
 *    chunk ends before that, its bytes wait in scan->cand for the next chunk.
 *  - Strict check (before either side is known to speak TLS): TLS record header with type 22,
 *    version 3.0-3.4, length 1..2^14+2048, then handshake type 1 (or 2 at a chunk start),
 *    24-bit length 38..2^17-1 and a hello version 3.x (ServerHello also 0x7fNN, the TLS 1.3
 *    drafts); or an SSLv2 CLIENT-HELLO (RFC 6101 E.1, RFC 5246 E.2) whose cipher-spec,
 *    session-id and challenge lengths add up to the record length. Random or encrypted bytes
 *    pass this with a probability below 2^-30 per candidate, which is what keeps captures that
 *    start mid-stream free of false records.
 *  - Relaxed check (the other side already speaks TLS: find this side's first record): any
 *    TLS record header (type 20-24, version 3.x, sane length), or at a chunk start an SSLv2
 *    header (not at line starts: text with high-bit characters would pass too often).
 *  - Message buffers start at TCONN_MSG_INIT bytes. rec.c reports handshake_message_too_long
 *    right after it has read a message's 4-byte header and before it copies any body byte,
 *    and it re-reads buf/cap for every copy: the anomaly callback grows the buffer to the
 *    message's size for the messages we parse (ClientHello; ServerHello, Certificate) and
 *    lets rec.c cut the others (we do not read them). The check below makes sure that state
 *    holds before it touches the buffer, so a change in rec.c can only cost a cut message.
 *  - TLS 1.3 (RFC 8446 §5, D.4): a ServerHello with supported_versions > TLS 1.2 or a
 *    HelloRetryRequest makes both directions' ChangeCipherSpec a no-op; a client CCS that came
 *    before (sent right after the first ClientHello) is undone, so that the second
 *    ClientHello after an HRR is read in clear. The server direction is encrypted after the
 *    final ServerHello.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capture/tconn.h"
#include "capture/wire/cur.h"
#include "capture/wire/rec.h"

#define CAND_MAX 11          /* bytes that decide a candidate */
#define UNIT_MAX 48          /* bytes of a line / chunk start kept for prelude classification */
#define HELLO_MIN_LEN 38     /* smallest ClientHello / ServerHello body (RFC 5246 §7.4.1) */
#define HELLO_MAX_LEN 0x1ffff

enum flow_state { FS_SCAN = 0, FS_TLS, FS_DONE };
enum dir_state { DS_SCAN = 0, DS_SEEK, DS_TLS, DS_DONE };
enum cand { CAND_NO = 0, CAND_MORE, CAND_CH, CAND_SH, CAND_V2CH, CAND_REC };
enum cand_mode { MODE_HELLO = 0, MODE_CH_ONLY, MODE_RELAXED, MODE_RELAXED_LINE };

struct scan {
	uint32_t seen;           /* bytes of this direction before TLS (saturating) */
	uint8_t cand[CAND_MAX];  /* a candidate whose bytes are still coming */
	uint8_t cand_have;
	uint8_t cand_mode;       /* enum cand_mode of the pending candidate */
};

struct tls_state;

struct tconn_flow {
	uint8_t state;           /* enum flow_state */
	uint8_t dstate[2];       /* enum dir_state, by flow direction */
	int8_t client_dir;       /* flow direction of the client; -1 before TLS */
	uint8_t cmd, cmd_dir;    /* STARTTLS-like command seen (enum tconn_prelude), its dir */
	uint8_t label;           /* the command's go-ahead seen: enum tconn_prelude */
	uint16_t flow_anoms;     /* bit (1 << enum flow_anom) */
	struct scan scan[2];
	struct flow_info fi;
	struct tls_state *tls;
};

struct tls_state {
	struct tconn *tc;
	struct tconn_flow *f;
	struct tls_rec rec[2];   /* by side */
	uint8_t *buf[2];
	bool started[2];         /* the side's bytes go to rec[side] */
	bool over[2];            /* the side has nothing more to say in clear */
	bool appdata[2];
	bool seek_bytes[2];      /* bytes came while the side's first record was sought */
	bool fatal;
	bool tls13;
	bool ch_tried, sh_final, cert_seen, full_flight;
	bool v2_done[2];         /* SSLv2: client sent CLIENT-MASTER-KEY / server SERVER-HELLO */
	uint8_t ch_sid[32];
	size_t ch_sid_len;
	uint8_t *der;            /* certificate copies (TCONN_DER_MAX at most) */
	size_t der_size;
	struct tconn_record r;
};

struct tconn {
	tconn_emit_fn emit;
	void *ctx;
	struct tconn_stats st;
};

/* ---- memory accounting ------------------------------------------------------------------ */

static void *mem_alloc(struct tconn *tc, size_t n)
{
	void *p = calloc(1, n);
	if (p) {
		tc->st.mem_now += n;
		if (tc->st.mem_now > tc->st.mem_peak)
			tc->st.mem_peak = tc->st.mem_now;
	}
	return p;
}

static void mem_free(struct tconn *tc, void *p, size_t n)
{
	if (!p)
		return;
	free(p);
	tc->st.mem_now -= n;
}

/* Grows *p from old to n bytes (n > old). Returns false (nothing changed) when out of memory. */
static bool mem_grow(struct tconn *tc, uint8_t **p, size_t old, size_t n)
{
	uint8_t *q = realloc(*p, n);
	if (!q)
		return false;
	*p = q;
	tc->st.mem_now += n - old;
	if (tc->st.mem_now > tc->st.mem_peak)
		tc->st.mem_peak = tc->st.mem_now;
	return true;
}

/* ---- names ------------------------------------------------------------------------------ */

const char *tconn_anom_name(const struct tconn_anom *a)
{
	if (a->kind == TCONN_ANOM_FLOW)
		return flow_anom_name((enum flow_anom)a->code);
	return tls_anom_name((enum tls_anom)a->code);
}

const char *tconn_side_name(enum tconn_side s)
{
	switch (s) {
	case TCONN_CLIENT: return "client";
	case TCONN_SERVER: return "server";
	default: return "tcp";
	}
}

const char *tconn_prelude_name(enum tconn_prelude p)
{
	static const char *const names[TCONN_PRE_COUNT] = {
		NULL, "smtp", "imap", "pop3", "ftp", "xmpp", "ldap", "postgres", "socks",
		"http-connect", "other",
	};
	return (unsigned)p < TCONN_PRE_COUNT ? names[p] : NULL;
}

const char *tconn_end_name(enum tconn_end e)
{
	switch (e) {
	case TCONN_END_HANDSHAKE: return "handshake";
	case TCONN_END_ALERT: return "alert";
	case TCONN_END_FLOW_CLOSED: return "closed";
	case TCONN_END_FLOW_IDLE: return "idle";
	case TCONN_END_FLOW_EVICTED: return "evicted";
	default: return "flush";
	}
}

/* ---- candidates ------------------------------------------------------------------------- */

/* SSLv2 CLIENT-HELLO (RFC 6101 E.1; RFC 5246 E.2): 2-byte header, msg_type 1, version,
 * cipher_specs_length, session_id_length, challenge_length, adding up to the record. */
static enum cand check_v2_hello(const uint8_t *p, size_t n)
{
	struct cur c = cur_make(p, n);
	uint16_t hdr, ver, cs, sid, chal;
	uint8_t type;

	if (!cur_u16(&c, &hdr))
		return CAND_MORE;
	if (!cur_u8(&c, &type))
		return CAND_MORE;
	if (type != 1)
		return CAND_NO;
	if (!cur_u16(&c, &ver))
		return CAND_MORE;
	if (ver != TLS_V_SSL2 && (ver < TLS_V_SSL3 || ver > TLS_V_TLS13))
		return CAND_NO;
	if (!cur_u16(&c, &cs))
		return CAND_MORE;
	if (cs == 0 || cs % 3 != 0)
		return CAND_NO;
	if (!cur_u16(&c, &sid))
		return CAND_MORE;
	if (sid > 32)
		return CAND_NO;
	if (!cur_u16(&c, &chal))
		return CAND_MORE;
	if (chal < 16 || chal > 32)
		return CAND_NO;
	return (size_t)(hdr & 0x7fff) == 9u + cs + sid + chal ? CAND_V2CH : CAND_NO;
}

/* A TLS record opening with a ClientHello (or ServerHello unless ch_only), or an SSLv2
 * CLIENT-HELLO. Reads at most CAND_MAX bytes. */
static enum cand check_hello(const uint8_t *p, size_t n, bool ch_only)
{
	struct cur c = cur_make(p, n), body;
	uint8_t b0, major, minor, type, vmaj, vmin;
	uint16_t rlen;
	uint32_t hlen;
	enum cand want;
	bool whole;

	if (!cur_u8(&c, &b0))
		return CAND_MORE;
	if (b0 & 0x80)
		return check_v2_hello(p, n);
	if (b0 != TLS_CT_HANDSHAKE)
		return CAND_NO;
	if (!cur_u8(&c, &major))
		return CAND_MORE;
	if (major != 3)
		return CAND_NO;
	if (!cur_u8(&c, &minor))
		return CAND_MORE;
	if (minor > 4)
		return CAND_NO;
	if (!cur_u16(&c, &rlen))
		return CAND_MORE;
	if (rlen == 0 || rlen > TLS_REC_MAX_LEN)
		return CAND_NO;
	/* The hello's first bytes, as far as they are inside this record (a record may carry
	 * a single byte of the message: the rest is then in the next record). */
	whole = cur_left(&c) >= rlen;
	body = cur_make(c.p, whole ? rlen : cur_left(&c));
	if (!cur_u8(&body, &type))
		return CAND_MORE;
	if (type == TLS_HS_CLIENT_HELLO)
		want = CAND_CH;
	else if (type == TLS_HS_SERVER_HELLO && !ch_only)
		want = CAND_SH;
	else
		return CAND_NO;
	if (!cur_u24(&body, &hlen))
		return whole ? want : CAND_MORE;
	if (hlen < HELLO_MIN_LEN || hlen > HELLO_MAX_LEN)
		return CAND_NO;
	if (!cur_u8(&body, &vmaj))
		return whole ? want : CAND_MORE;
	if (vmaj != 3 && !(want == CAND_SH && vmaj == 0x7f))
		return CAND_NO;
	if (!cur_u8(&body, &vmin))
		return whole ? want : CAND_MORE;
	if (vmaj == 3 && vmin > 4)
		return CAND_NO;
	return want;
}

/* Any TLS record header, or (v2) an SSLv2 record header with a known message type. */
static enum cand check_record(const uint8_t *p, size_t n, bool v2)
{
	struct cur c = cur_make(p, n);
	uint8_t b0, b1, b2;
	uint16_t len;

	if (!cur_u8(&c, &b0))
		return CAND_MORE;
	if ((b0 & 0x80) && v2) {
		if (!cur_u8(&c, &b1) || !cur_u8(&c, &b2))
			return CAND_MORE;
		return ((b0 & 0x7f) || b1) && b2 <= 8 ? CAND_REC : CAND_NO;
	}
	if (b0 < TLS_CT_CCS || b0 > TLS_CT_HEARTBEAT)
		return CAND_NO;
	if (!cur_u8(&c, &b1) || !cur_u8(&c, &b2))
		return CAND_MORE;
	if (b1 != 3 || b2 > 4)
		return CAND_NO;
	if (!cur_u16(&c, &len))
		return CAND_MORE;
	return len <= TLS_REC_MAX_LEN ? CAND_REC : CAND_NO;
}

static enum cand check_cand(const uint8_t *p, size_t n, enum cand_mode m)
{
	switch (m) {
	case MODE_HELLO: return check_hello(p, n, false);
	case MODE_CH_ONLY: return check_hello(p, n, true);
	case MODE_RELAXED: return check_record(p, n, true);
	default: return check_record(p, n, false);
	}
}

/* ---- prelude classification ------------------------------------------------------------- */

static bool has_prefix_ci(const uint8_t *u, size_t n, const char *s)
{
	size_t k = strlen(s);
	return n >= k && strncasecmp((const char *)u, s, k) == 0;
}

static bool contains(const uint8_t *u, size_t n, const char *s)
{
	size_t k = strlen(s);
	for (size_t i = 0; k && i + k <= n; i++) {
		const uint8_t *q = memchr(u + i, s[0], n - i - k + 1);
		if (!q)
			return false;
		i = (size_t)(q - u);
		if (memcmp(q, s, k) == 0)
			return true;
	}
	return false;
}

/* u without trailing CR/LF/spaces. */
static size_t trim(const uint8_t *u, size_t n)
{
	while (n > 0 && (u[n - 1] == '\n' || u[n - 1] == '\r' || u[n - 1] == ' '))
		n--;
	return n;
}

/* The word after the first space (IMAP: the command after the tag). */
static const uint8_t *second_word(const uint8_t *u, size_t n, size_t *len)
{
	const uint8_t *sp = memchr(u, ' ', n);
	if (!sp)
		return NULL;
	*len = n - (size_t)(sp + 1 - u);
	return sp + 1;
}

/* A client command that asks for TLS, or TCONN_PRE_NONE. */
static enum tconn_prelude client_command(const uint8_t *u, size_t n)
{
	const uint8_t *w;
	size_t wn;

	n = trim(u, n);
	if (n == 8 && has_prefix_ci(u, n, "STARTTLS"))
		return TCONN_PRE_SMTP;
	if (n == 4 && has_prefix_ci(u, n, "STLS"))
		return TCONN_PRE_POP3;
	if (has_prefix_ci(u, n, "AUTH TLS") || has_prefix_ci(u, n, "AUTH SSL"))
		return TCONN_PRE_FTP;
	while (n > 0 && (*u == ' ' || *u == '\t' || *u == '\r' || *u == '\n')) {
		u++;
		n--;
	}
	if (has_prefix_ci(u, n, "<starttls")) /* not the server's <stream:features> */
		return TCONN_PRE_XMPP;
	w = second_word(u, n, &wn);
	if (w && wn == 8 && has_prefix_ci(w, wn, "STARTTLS"))
		return TCONN_PRE_IMAP;
	return TCONN_PRE_NONE;
}

/* Whether a server unit is the go-ahead for command cmd. */
static bool server_go_ahead(enum tconn_prelude cmd, const uint8_t *u, size_t n)
{
	const uint8_t *w;
	size_t wn;

	switch (cmd) {
	case TCONN_PRE_SMTP: return has_prefix_ci(u, n, "220");
	case TCONN_PRE_POP3: return has_prefix_ci(u, n, "+OK");
	case TCONN_PRE_FTP: return has_prefix_ci(u, n, "234");
	case TCONN_PRE_XMPP: return contains(u, n, "<proceed");
	case TCONN_PRE_IMAP:
		w = second_word(u, n, &wn);
		return w && has_prefix_ci(w, wn, "OK");
	case TCONN_PRE_LDAP: return n > 0 && u[0] == 0x30; /* LDAPMessage SEQUENCE */
	case TCONN_PRE_POSTGRES: return n == 1 && u[0] == 'S';
	case TCONN_PRE_SOCKS: return (n >= 2 && u[0] == 0 && u[1] == 0x5a) ||
				     (n >= 2 && u[0] == 5 && u[1] == 0);
	case TCONN_PRE_HTTP_CONNECT: return has_prefix_ci(u, n, "HTTP/1.") && n >= 10 &&
					    u[9] == '2';
	default: return false;
	}
}

/* The first chunk of a direction: binary requests that precede TLS. */
static enum tconn_prelude first_chunk(const uint8_t *p, size_t n)
{
	static const uint8_t pg_ssl[8] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f };
	struct cur c = cur_make(p, n);
	uint8_t b0, b1;

	if (n == sizeof(pg_ssl) && memcmp(p, pg_ssl, n) == 0)
		return TCONN_PRE_POSTGRES; /* SSLRequest, code 80877103 */
	if (n >= 8 && memcmp(p, "CONNECT ", 8) == 0)
		return TCONN_PRE_HTTP_CONNECT;
	if (cur_u8(&c, &b0) && cur_u8(&c, &b1)) {
		if (b0 == 4 && b1 == 1 && n >= 9)
			return TCONN_PRE_SOCKS; /* SOCKS4 CONNECT */
		if (b0 == 5 && b1 >= 1 && n == 2u + b1)
			return TCONN_PRE_SOCKS; /* SOCKS5 method selection (RFC 1928 §3) */
	}
	return TCONN_PRE_NONE;
}

/* A line (or chunk start) u of flow direction d before TLS. */
static void classify_unit(struct tconn_flow *f, int d, const uint8_t *u, size_t n)
{
	enum tconn_prelude c;

	if (n > UNIT_MAX)
		n = UNIT_MAX;
	/* A command may also appear in a server's capability list ("STLS" in POP3's CAPA
	 * answer): the last command wins, and only the other side's answer is a go-ahead. */
	c = client_command(u, n);
	if (c != TCONN_PRE_NONE) {
		f->cmd = (uint8_t)c;
		f->cmd_dir = (uint8_t)d;
		f->label = TCONN_PRE_NONE;
	} else if (f->cmd != TCONN_PRE_NONE && d != f->cmd_dir && f->label == TCONN_PRE_NONE &&
		   server_go_ahead((enum tconn_prelude)f->cmd, u, n)) {
		f->label = f->cmd;
	}
}

/* A chunk start: binary preludes (LDAP StartTLS, PostgreSQL, SOCKS, CONNECT). */
static void classify_chunk(struct tconn_flow *f, int d, const uint8_t *p, size_t n)
{
	enum tconn_prelude c = TCONN_PRE_NONE;
	size_t k = n < 64 ? n : 64;

	if (f->scan[d].seen == 0)
		c = first_chunk(p, n);
	if (c == TCONN_PRE_NONE && n > 0 && p[0] == 0x30 &&
	    contains(p, k, "1.3.6.1.4.1.1466.20037"))
		c = TCONN_PRE_LDAP; /* ExtendedRequest requestName (RFC 4511 §4.14.1) */
	if (c != TCONN_PRE_NONE && !(f->cmd != TCONN_PRE_NONE && d != f->cmd_dir)) {
		f->cmd = (uint8_t)c;
		f->cmd_dir = (uint8_t)d;
		f->label = TCONN_PRE_NONE;
	} else if (f->cmd != TCONN_PRE_NONE && d != f->cmd_dir && f->label == TCONN_PRE_NONE &&
		   (f->cmd == TCONN_PRE_LDAP || f->cmd == TCONN_PRE_POSTGRES ||
		    f->cmd == TCONN_PRE_SOCKS)) {
		if (server_go_ahead((enum tconn_prelude)f->cmd, p, k))
			f->label = f->cmd;
	}
}

/* ---- the record ------------------------------------------------------------------------- */

static void add_anom(struct tls_state *t, enum tconn_anom_kind kind, unsigned code, int side)
{
	struct tconn_record *r = &t->r;
	for (size_t i = 0; i < r->n_anoms; i++)
		if (r->anoms[i].kind == kind && r->anoms[i].code == code && r->anoms[i].side == side)
			return;
	if (r->n_anoms == TCONN_ANOMS_MAX)
		return;
	r->anoms[r->n_anoms].kind = (uint8_t)kind;
	r->anoms[r->n_anoms].side = (uint8_t)side;
	r->anoms[r->n_anoms].code = (uint16_t)code;
	r->n_anoms++;
}

static void add_anoms(struct tls_state *t, const struct tls_anoms *s, int side)
{
	for (unsigned i = 0; i < s->n; i++)
		add_anom(t, TCONN_ANOM_TLS, s->list[i], side);
}

static void take_client_hello(struct tls_state *t, const struct tls_client_hello *ch)
{
	struct tconn_record *r = &t->r;
	size_t used = 0;

	r->have_ch = true;
	r->ch_sslv2 = ch->sslv2;
	r->ch_version = ch->legacy_version;
	add_anoms(t, &ch->anoms, TCONN_CLIENT);
	if (ch->sni.p) {
		r->has_sni = true;
		r->sni_len = ch->sni.len < TCONN_SNI_MAX ? ch->sni.len : TCONN_SNI_MAX;
		memcpy(r->sni, ch->sni.p, r->sni_len);
	}
	for (size_t i = 0; i < ch->n_alpn && r->n_alpn < TCONN_ALPN_MAX; i++) {
		struct tls_bytes a = tls_alpn_at(ch->alpn, i);
		if (a.len > sizeof(r->alpn_bytes) - used)
			break;
		if (a.len)
			memcpy(r->alpn_bytes + used, a.p, a.len);
		r->alpn_off[r->n_alpn] = (uint16_t)used;
		r->alpn_len[r->n_alpn] = (uint16_t)a.len;
		r->n_alpn++;
		used += a.len;
	}
	fp_ja3(ch, r->ja3);
	fp_ja4(ch, FP_JA4_TCP, r->ja4);
	for (size_t i = 0; i < ch->n_suites; i++)
		if (tls_ch_suite(ch, i) == 0x5600) /* TLS_FALLBACK_SCSV, RFC 7507 */
			r->fallback_scsv = true;
	if (ch->session_id.len <= sizeof(t->ch_sid)) {
		t->ch_sid_len = ch->session_id.len;
		if (t->ch_sid_len)
			memcpy(t->ch_sid, ch->session_id.p, t->ch_sid_len);
	}
}

static void set_tls13(struct tls_state *t)
{
	if (t->tls13)
		return;
	t->tls13 = true;
	tls_rec_set_tls13(&t->rec[TCONN_SERVER]);
	tls_rec_set_tls13(&t->rec[TCONN_CLIENT]);
	/* A client ChangeCipherSpec seen before this was TLS 1.3's compatibility record
	 * (RFC 8446 D.4) sent right after the first ClientHello: it changed nothing. */
	t->rec[TCONN_CLIENT].encrypted = false;
}

static void take_server_hello(struct tls_state *t, const struct tls_server_hello *sh)
{
	struct tconn_record *r = &t->r;

	if (sh->is_hrr || sh->version > TLS_V_TLS12)
		set_tls13(t);
	if (sh->is_hrr) {
		r->hello_retry_request = true;
		return;
	}
	t->sh_final = true;
	r->have_sh = true;
	r->version = sh->version;
	r->cipher = sh->cipher;
	fp_ja3s(sh, r->ja3s);
	if (sh->alpn.p) {
		r->has_alpn_selected = true;
		r->alpn_selected_len = sh->alpn.len < sizeof(r->alpn_selected)
					       ? sh->alpn.len
					       : sizeof(r->alpn_selected);
		memcpy(r->alpn_selected, sh->alpn.p, r->alpn_selected_len);
	}
	r->downgrade = sh->downgrade;
	if (sh->version > TLS_V_TLS12) {
		r->resumed = tls_ext_find(sh->exts, sh->n_exts, TLS_EXT_PRE_SHARED_KEY) != NULL;
		tls_rec_set_encrypted(&t->rec[TCONN_SERVER]);
	} else if (sh->session_id.len > 0 && sh->session_id.len == t->ch_sid_len &&
		   memcmp(sh->session_id.p, t->ch_sid, t->ch_sid_len) == 0) {
		r->resumed = true; /* RFC 5246 §7.4.1.3: the server resumes the session */
	}
}

/* Hashes (and copies, within TCONN_DER_MAX) the server's certificates, leaf first. */
static void take_chain(struct tls_state *t, const struct tls_bytes *certs, size_t n,
		       size_t n_total)
{
	struct tconn_record *r = &t->r;
	size_t keep = 0, bytes = 0, off = 0;

	if (n > TCONN_CHAIN_MAX)
		n = TCONN_CHAIN_MAX;
	while (keep < n && bytes + certs[keep].len <= TCONN_DER_MAX)
		bytes += certs[keep++].len;
	if (bytes) {
		t->der = mem_alloc(t->tc, bytes);
		if (t->der)
			t->der_size = bytes;
		else
			keep = 0;
	}
	for (size_t i = 0; i < n; i++) {
		digest_sha256(certs[i].p, certs[i].len, r->certs[i].sha256);
		r->certs[i].len = certs[i].len;
		r->certs[i].der = NULL;
		if (i < keep && certs[i].len) {
			memcpy(t->der + off, certs[i].p, certs[i].len);
			r->certs[i].der = t->der + off;
			off += certs[i].len;
		}
	}
	r->n_certs = n;
	r->n_certs_sent = n_total;
}

/* ---- record-layer callbacks ------------------------------------------------------------- */

static void on_client_hs(void *ctx, uint8_t type, const uint8_t *body, size_t len,
			 size_t full_len, uint16_t rec_version)
{
	struct tls_state *t = ctx;
	struct tls_client_hello ch;
	enum tls_anom why = TLS_ANOM_NONE;
	enum tls_status st;
	(void)rec_version;

	if (type != TLS_HS_CLIENT_HELLO)
		return;
	t->r.n_client_hellos++;
	if (t->ch_tried || len < full_len) /* cut: handshake_message_too_long was noted */
		return;
	t->ch_tried = true;
	st = tls_msg_client_hello(body, len, &ch, &why);
	if (st == TLS_OK)
		take_client_hello(t, &ch);
	else
		add_anom(t, TCONN_ANOM_TLS, st == TLS_NEED_MORE ? TLS_ANOM_HS_SHORT : why,
			 TCONN_CLIENT);
}

static void on_server_hs(void *ctx, uint8_t type, const uint8_t *body, size_t len,
			 size_t full_len, uint16_t rec_version)
{
	struct tls_state *t = ctx;
	enum tls_anom why = TLS_ANOM_NONE;
	enum tls_status st = TLS_OK;
	(void)rec_version;

	if (type == TLS_HS_SERVER_HELLO && !t->sh_final && len == full_len) {
		struct tls_server_hello sh;
		st = tls_msg_server_hello(body, len, &sh, &why);
		if (st == TLS_OK) {
			add_anoms(t, &sh.anoms, TCONN_SERVER);
			take_server_hello(t, &sh);
		}
	} else if (type == TLS_HS_CERTIFICATE && t->sh_final && !t->tls13 && !t->cert_seen) {
		t->cert_seen = true;
		if (len == full_len) {
			struct tls_certificate c;
			st = tls_msg_certificate(body, len, false, &c, &why);
			if (st == TLS_OK) {
				add_anoms(t, &c.anoms, TCONN_SERVER);
				take_chain(t, c.certs, c.n_certs, c.n_total);
			}
		}
	}
	if (type >= TLS_HS_CERTIFICATE && type <= TLS_HS_SERVER_HELLO_DONE)
		t->full_flight = true; /* Certificate .. ServerHelloDone: not abbreviated */
	if (st != TLS_OK)
		add_anom(t, TCONN_ANOM_TLS, st == TLS_NEED_MORE ? TLS_ANOM_HS_SHORT : why,
			 TCONN_SERVER);
}

static void on_client_v2(void *ctx, const uint8_t *msg, size_t len)
{
	struct tls_state *t = ctx;
	struct tls_client_hello ch;
	enum tls_anom why = TLS_ANOM_NONE;
	struct cur c = cur_make(msg, len);
	uint8_t type;

	if (!cur_u8(&c, &type))
		return;
	if (type == 2) { /* CLIENT-MASTER-KEY: what follows is encrypted */
		t->v2_done[TCONN_CLIENT] = true;
		return;
	}
	if (type != 1)
		return;
	t->r.n_client_hellos++;
	if (t->ch_tried)
		return;
	t->ch_tried = true;
	if (tls_msg_sslv2_client_hello(msg, len, &ch, &why) == TLS_OK)
		take_client_hello(t, &ch);
	else
		add_anom(t, TCONN_ANOM_TLS, why ? why : TLS_ANOM_HS_SHORT, TCONN_CLIENT);
}

static void on_server_v2(void *ctx, const uint8_t *msg, size_t len)
{
	struct tls_state *t = ctx;
	struct tls_sslv2_server_hello sh;
	enum tls_anom why = TLS_ANOM_NONE;
	struct cur c = cur_make(msg, len);
	uint8_t type;

	if (!cur_u8(&c, &type) || type != 4 || t->sh_final)
		return;
	/* SERVER-HELLO; everything after it is encrypted */
	t->v2_done[TCONN_SERVER] = true;
	if (tls_msg_sslv2_server_hello(msg, len, &sh, &why) != TLS_OK) {
		add_anom(t, TCONN_ANOM_TLS, why ? why : TLS_ANOM_HS_SHORT, TCONN_SERVER);
		return;
	}
	t->sh_final = true;
	t->r.have_sh = true;
	t->r.sh_sslv2 = true;
	t->r.version = TLS_V_SSL2;
	if (sh.certificate.len)
		take_chain(t, &sh.certificate, 1, 1);
}

static void on_alert(struct tls_state *t, int side, const uint8_t *body, size_t len)
{
	struct tls_alert a;
	enum tls_anom why = TLS_ANOM_NONE;

	if (tls_msg_alert(body, len, &a, &why) != TLS_OK) {
		add_anom(t, TCONN_ANOM_TLS, why ? why : TLS_ANOM_ALERT_BAD_LENGTH, side);
		return;
	}
	if (t->r.n_alerts < TCONN_ALERTS_MAX) {
		struct tconn_alert *o = &t->r.alerts[t->r.n_alerts++];
		o->side = (uint8_t)side;
		o->level = a.level;
		o->desc = a.desc;
	}
	if (a.level == 2) /* fatal (RFC 5246 §7.2) */
		t->fatal = true;
}

static void on_client_alert(void *ctx, const uint8_t *b, size_t n)
{
	on_alert(ctx, TCONN_CLIENT, b, n);
}

static void on_server_alert(void *ctx, const uint8_t *b, size_t n)
{
	on_alert(ctx, TCONN_SERVER, b, n);
}

static void on_server_ccs(void *ctx)
{
	struct tls_state *t = ctx;
	const struct tls_rec *r = &t->rec[TCONN_SERVER];
	/* TLS <= 1.2: a ChangeCipherSpec right after the ServerHello (NewSessionTicket aside),
	 * without Certificate .. ServerHelloDone, ends an abbreviated handshake (RFC 5246 §7.3,
	 * figure 2; RFC 5077 §3.1). A message still incomplete (a Certificate whose length
	 * overruns) counts as a full flight. */
	if (t->sh_final && !t->tls13 && !t->full_flight &&
	    !(r->hs_hdr_have > 0 && r->hs_hdr[0] != TLS_HS_NEW_SESSION_TICKET))
		t->r.resumed = true;
}

static void on_client_opaque(void *ctx, uint8_t type, size_t len)
{
	struct tls_state *t = ctx;
	(void)len;
	if (type == TLS_CT_APPDATA)
		t->appdata[TCONN_CLIENT] = true;
}

static void on_server_opaque(void *ctx, uint8_t type, size_t len)
{
	struct tls_state *t = ctx;
	(void)len;
	if (type == TLS_CT_APPDATA)
		t->appdata[TCONN_SERVER] = true;
}

/* The messages each side's parser needs whole. */
static bool wanted(int side, uint8_t type)
{
	if (side == TCONN_CLIENT)
		return type == TLS_HS_CLIENT_HELLO;
	return type == TLS_HS_SERVER_HELLO || type == TLS_HS_CERTIFICATE;
}

static void on_anomaly(struct tls_state *t, int side, enum tls_anom a)
{
	struct tls_rec *r = &t->rec[side];

	if (a == TLS_ANOM_HS_TOO_LONG && r->hs_hdr_have == 4 && r->hs_have == 0 &&
	    r->buf == t->buf[side] && r->hs_len > r->cap) {
		/* a message header was just read; no body byte copied yet (see the top) */
		if (!wanted(side, r->hs_hdr[0]))
			return; /* not parsed: cut it, nothing to report */
		if (r->hs_len <= HS_MAX_MSG &&
		    mem_grow(t->tc, &t->buf[side], r->cap, r->hs_len)) {
			r->buf = t->buf[side];
			r->cap = r->hs_len;
			return;
		}
	}
	add_anom(t, TCONN_ANOM_TLS, a, side);
}

static void on_client_anomaly(void *ctx, enum tls_anom a) { on_anomaly(ctx, TCONN_CLIENT, a); }
static void on_server_anomaly(void *ctx, enum tls_anom a) { on_anomaly(ctx, TCONN_SERVER, a); }

static const struct tls_rec_sink client_sink = {
	.handshake = on_client_hs,
	.sslv2 = on_client_v2,
	.alert = on_client_alert,
	.opaque = on_client_opaque,
	.anomaly = on_client_anomaly,
};

static const struct tls_rec_sink server_sink = {
	.handshake = on_server_hs,
	.sslv2 = on_server_v2,
	.alert = on_server_alert,
	.ccs = on_server_ccs,
	.opaque = on_server_opaque,
	.anomaly = on_server_anomaly,
};

/* ---- TLS state -------------------------------------------------------------------------- */

static int side_of(const struct tconn_flow *f, int dir)
{
	return dir == f->client_dir ? TCONN_CLIENT : TCONN_SERVER;
}

static void tls_free(struct tconn *tc, struct tconn_flow *f)
{
	struct tls_state *t = f->tls;
	if (!t)
		return;
	for (int s = 0; s < 2; s++)
		mem_free(tc, t->buf[s], t->started[s] ? t->rec[s].cap : 0);
	mem_free(tc, t->der, t->der_size);
	mem_free(tc, t, sizeof(*t));
	f->tls = NULL;
	tc->st.tls_now--;
}

static void emit(struct tconn *tc, struct tconn_flow *f, enum tconn_end end, uint64_t ts)
{
	struct tls_state *t = f->tls;
	struct tconn_record *r = &t->r;
	int cd = f->client_dir, sd = 1 - cd;

	r->ts_us = f->fi.first_ts_us;
	r->end_ts_us = ts;
	r->end = end;
	r->family = f->fi.family;
	memcpy(r->client_ip, f->fi.addr[cd], 16);
	memcpy(r->server_ip, f->fi.addr[sd], 16);
	r->client_port = f->fi.port[cd];
	r->server_port = f->fi.port[sd];
	r->client_initiated = cd == 0;
	if (t->seek_bytes[TCONN_SERVER] && !t->started[TCONN_SERVER])
		add_anom(t, TCONN_ANOM_TLS, TLS_ANOM_NOT_TLS, TCONN_SERVER);
	for (int side = 0; side < 2; side++)
		if (!t->started[side])
			r->prelude_bytes[side] = f->scan[side == TCONN_CLIENT ? cd : sd].seen;
	/* a go-ahead that came after the client's hello (pipelined) */
	if (r->prelude == TCONN_PRE_OTHER && f->label != TCONN_PRE_NONE)
		r->prelude = (enum tconn_prelude)f->label;
	for (unsigned a = 0; a < FLOW_ANOM_COUNT && a < 16; a++)
		if (f->flow_anoms & (1u << a))
			add_anom(t, TCONN_ANOM_FLOW, a, TCONN_NOSIDE);
	tc->emit(tc->ctx, r);
	tls_free(tc, f);
	f->state = FS_DONE;
}

/* Starts feeding side's rec. Returns false when out of memory. */
static bool side_start(struct tconn *tc, struct tls_state *t, int side, uint8_t b0, uint8_t b1)
{
	size_t cap = TCONN_MSG_INIT;
	if (b0 & 0x80) { /* SSLv2 record: rec.c keeps its body whole up to cap */
		size_t v2 = ((size_t)(b0 & 0x7f) << 8) | b1;
		if (v2 > cap)
			cap = v2;
	}
	t->buf[side] = mem_alloc(tc, cap);
	if (!t->buf[side])
		return false;
	tls_rec_init(&t->rec[side], t->buf[side], cap);
	if (t->tls13)
		tls_rec_set_tls13(&t->rec[side]);
	t->started[side] = true;
	return true;
}

/* Updates over[] after side was fed. */
static void update_over(struct tls_state *t, int side)
{
	struct tls_rec *r = &t->rec[side];
	if (!t->started[side] || t->over[side])
		return;
	if (tls_rec_error(r) != TLS_ANOM_NONE) {
		add_anom(t, TCONN_ANOM_TLS, tls_rec_error(r), side);
		t->over[side] = true;
	} else if (t->v2_done[side]) {
		t->over[side] = true;
	} else if (side == TCONN_SERVER) {
		t->over[side] = r->encrypted || t->appdata[side];
	} else {
		/* The client is done once it encrypts, but not before the server's final hello:
		 * a HelloRetryRequest may still make its ChangeCipherSpec a TLS 1.3 no-op. */
		t->over[side] = (r->encrypted || t->appdata[side]) &&
				(t->sh_final || t->over[TCONN_SERVER]);
	}
}

static void feed_side(struct tconn_flow *f, int side, const uint8_t *p, size_t n)
{
	struct tls_state *t = f->tls;
	if (!n || t->over[side])
		return;
	(void)tls_rec_feed(&t->rec[side], p, n,
			   side == TCONN_CLIENT ? &client_sink : &server_sink, t);
	update_over(t, side);
	update_over(t, 1 - side);
}

/* Emits when the handshake is over. Returns true when the flow is done. */
static bool check_done(struct tconn *tc, struct tconn_flow *f, uint64_t ts)
{
	struct tls_state *t = f->tls;
	if (f->state != FS_TLS)
		return f->state == FS_DONE;
	if (t->fatal)
		emit(tc, f, TCONN_END_ALERT, ts);
	else if (t->over[TCONN_CLIENT] && t->over[TCONN_SERVER])
		emit(tc, f, TCONN_END_HANDSHAKE, ts);
	return f->state == FS_DONE;
}

/* TLS starts in flow direction d with the bytes a[0..an) then b[0..bn) (an + bn > 0). */
static void start_tls(struct tconn *tc, struct tconn_flow *f, int d, enum cand kind,
		      const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	struct tls_state *t = f->tls;
	uint8_t b01[2] = { 0, 0 };
	int side;

	for (size_t i = 0; i < 2; i++)
		b01[i] = i < an ? a[i] : (i - an < bn ? b[i - an] : 0);
	if (f->state == FS_SCAN) {
		t = mem_alloc(tc, sizeof(*t));
		if (!t) {
			f->state = FS_DONE;
			return;
		}
		t->tc = tc;
		t->f = f;
		f->tls = t;
		f->state = FS_TLS;
		f->client_dir = (int8_t)(kind == CAND_SH ? 1 - d : d);
		/* a command names the prelude only with its go-ahead ("STARTTLS" answered by
		 * "670" is IRC, not SMTP) */
		if (f->label != TCONN_PRE_NONE)
			t->r.prelude = (enum tconn_prelude)f->label;
		else if (f->scan[0].seen || f->scan[1].seen)
			t->r.prelude = TCONN_PRE_OTHER;
		f->dstate[1 - d] = DS_SEEK;
		f->scan[1 - d].cand_have = 0;
		tc->st.tls++;
		tc->st.tls_now++;
		if (tc->st.tls_now > tc->st.tls_peak)
			tc->st.tls_peak = tc->st.tls_now;
		if (t->r.prelude != TCONN_PRE_NONE)
			tc->st.prelude++;
		if (kind == CAND_SH)
			tc->st.server_only++;
	}
	side = side_of(f, d);
	f->dstate[d] = DS_TLS;
	t->r.prelude_bytes[side] = f->scan[d].seen;
	if (!side_start(tc, t, side, b01[0], b01[1])) {
		f->dstate[d] = DS_DONE;
		t->over[side] = true;
		return;
	}
	feed_side(f, side, a, an);
	feed_side(f, side, b, bn);
}

/* ---- scanning ----------------------------------------------------------------------------- */

/* Evaluates the candidate at p[0..n) (more bytes may follow in later chunks). When undecided,
 * keeps its bytes in s->cand. */
static enum cand try_cand(struct scan *s, const uint8_t *p, size_t n, enum cand_mode m)
{
	enum cand r = check_cand(p, n < CAND_MAX ? n : CAND_MAX, m);
	if (r == CAND_MORE && s->cand_have == 0) {
		memcpy(s->cand, p, n);
		s->cand_have = (uint8_t)n;
		s->cand_mode = (uint8_t)m;
	}
	return r;
}

static bool is_start(enum cand r) { return r != CAND_NO && r != CAND_MORE; }

/* Bytes of flow direction d before its TLS start. */
static void scan_dir(struct tconn *tc, struct tconn_flow *f, int d, const uint8_t *p, size_t n)
{
	struct scan *s = &f->scan[d];
	bool seek = f->dstate[d] == DS_SEEK;
	enum cand_mode seg_mode = seek ? MODE_RELAXED : MODE_HELLO;
	enum cand_mode line_mode = seek ? MODE_RELAXED_LINE : MODE_CH_ONLY;
	size_t at = 0;
	bool first_is_cand = true;

	if (seek && f->tls)
		f->tls->seek_bytes[side_of(f, d)] = true;
	if (s->cand_have) {
		/* a candidate from an earlier chunk: complete it */
		uint8_t tmp[CAND_MAX];
		size_t have = s->cand_have, take = CAND_MAX - have < n ? CAND_MAX - have : n;
		enum cand r;
		memcpy(tmp, s->cand, have);
		memcpy(tmp + have, p, take);
		r = check_cand(tmp, have + take, (enum cand_mode)s->cand_mode);
		if (is_start(r)) {
			s->cand_have = 0;
			s->seen = s->seen > have ? s->seen - (uint32_t)have : 0;
			start_tls(tc, f, d, r, tmp, have, p, n);
			return;
		}
		if (r == CAND_MORE) {
			memcpy(s->cand + have, p, take);
			s->cand_have = (uint8_t)(have + take);
			first_is_cand = false;
		} else {
			s->cand_have = 0;
		}
	}
	classify_chunk(f, d, p, n);
	while (at < n) {
		const uint8_t *nl = memchr(p + at, '\n', n - at);
		size_t end = nl ? (size_t)(nl - p) + 1 : n;
		if (at > 0 || first_is_cand) {
			enum cand r = try_cand(s, p + at, n - at, at == 0 ? seg_mode : line_mode);
			if (is_start(r)) {
				s->seen += (uint32_t)at;
				start_tls(tc, f, d, r, NULL, 0, p + at, n - at);
				return;
			}
		}
		classify_unit(f, d, p + at, end - at);
		at = end;
	}
	s->seen = n > UINT32_MAX - s->seen ? UINT32_MAX : s->seen + (uint32_t)n;
}

/* ---- flow callbacks ----------------------------------------------------------------------- */

static void *on_open(void *ctx, const struct flow_info *fi)
{
	struct tconn *tc = ctx;
	struct tconn_flow *f = mem_alloc(tc, sizeof(*f));
	if (!f)
		return NULL;
	f->fi = *fi;
	f->client_dir = -1;
	tc->st.flows++;
	tc->st.flows_now++;
	return f;
}

static bool on_data(void *ctx, void *user, int dir, const uint8_t *p, size_t n, uint64_t ts)
{
	struct tconn *tc = ctx;
	struct tconn_flow *f = user;

	if (dir < 0 || dir > 1 || f->state == FS_DONE)
		return false;
	switch (f->dstate[dir]) {
	case DS_SCAN:
	case DS_SEEK:
		scan_dir(tc, f, dir, p, n);
		if (f->dstate[dir] != DS_TLS && f->scan[dir].seen > TCONN_PRELUDE_MAX) {
			if (f->state == FS_SCAN) {
				f->state = FS_DONE; /* not TLS: no record */
				tc->st.given_up++;
				return false;
			}
			f->dstate[dir] = DS_DONE;
			f->tls->over[side_of(f, dir)] = true;
		}
		break;
	case DS_TLS:
		feed_side(f, side_of(f, dir), p, n);
		break;
	default:
		return false;
	}
	if (check_done(tc, f, ts))
		return false;
	if (f->state == FS_TLS && f->dstate[dir] == DS_TLS && f->tls->over[side_of(f, dir)])
		f->dstate[dir] = DS_DONE;
	return f->dstate[dir] != DS_DONE;
}

static void on_gap(void *ctx, void *user, int dir, uint64_t n)
{
	struct tconn_flow *f = user;
	struct scan *s;
	(void)ctx;

	if (dir < 0 || dir > 1 || f->state == FS_DONE)
		return;
	s = &f->scan[dir];
	switch (f->dstate[dir]) {
	case DS_SCAN:
	case DS_SEEK:
		s->cand_have = 0;
		s->seen = n > UINT32_MAX - s->seen ? UINT32_MAX : s->seen + (uint32_t)n;
		break;
	case DS_TLS: {
		int side = side_of(f, dir);
		/* the stream cannot be resynchronised: this side's parsing ends */
		add_anom(f->tls, TCONN_ANOM_FLOW, FLOW_ANOM_GAP, side);
		f->tls->over[side] = true;
		f->dstate[dir] = DS_DONE;
		break;
	}
	default:
		break;
	}
}

static void on_flow_anomaly(void *ctx, void *user, enum flow_anom a)
{
	struct tconn_flow *f = user;
	(void)ctx;
	/* gaps are reported with their side by on_gap */
	if (a != FLOW_ANOM_GAP && a != FLOW_ANOM_NONE && (unsigned)a < 16)
		f->flow_anoms |= (uint16_t)(1u << a);
}

static void on_close(void *ctx, void *user, enum flow_end why, uint64_t ts)
{
	struct tconn *tc = ctx;
	struct tconn_flow *f = user;
	static const enum tconn_end ends[] = {
		[FLOW_END_CLOSED] = TCONN_END_FLOW_CLOSED,
		[FLOW_END_IDLE] = TCONN_END_FLOW_IDLE,
		[FLOW_END_EVICTED] = TCONN_END_FLOW_EVICTED,
		[FLOW_END_FLUSH] = TCONN_END_FLOW_FLUSH,
	};

	if (f->state == FS_TLS)
		emit(tc, f, (unsigned)why < sizeof(ends) / sizeof(ends[0]) ? ends[why]
									     : TCONN_END_FLOW_FLUSH,
		     ts);
	tls_free(tc, f);
	mem_free(tc, f, sizeof(*f));
	tc->st.flows_now--;
}

const struct flow_ops tconn_flow_ops = {
	.open = on_open,
	.data = on_data,
	.gap = on_gap,
	.flags = NULL,
	.anomaly = on_flow_anomaly,
	.close = on_close,
};

/* ---- tracker ------------------------------------------------------------------------------ */

struct tconn *tconn_new(tconn_emit_fn emit_fn, void *ctx)
{
	struct tconn *tc = calloc(1, sizeof(*tc));
	if (!tc)
		return NULL;
	tc->emit = emit_fn;
	tc->ctx = ctx;
	return tc;
}

void tconn_free(struct tconn *tc)
{
	free(tc);
}

void tconn_stats(const struct tconn *tc, struct tconn_stats *st)
{
	*st = tc->st;
}
