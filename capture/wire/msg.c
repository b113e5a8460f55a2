/*
 * Handshake message parsers. See msg.h for the contract.
 *
 * Conventions in this file:
 *  - every read goes through a struct cur; a short read of the message body means the body was
 *    cut (TLS_NEED_MORE), while an inner vector that overruns its enclosing block means the
 *    peer lied about a length (TLS_MALFORMED);
 *  - the FAIL/MORE macros return from the parser with the right status.
 */
#include <string.h>

#include "capture/wire/cur.h"
#include "capture/wire/msg.h"

#define MORE() return TLS_NEED_MORE
#define FAIL(a)                     \
	do {                        \
		*why = TLS_ANOM_##a; \
		return TLS_MALFORMED; \
	} while (0)

static const uint8_t hrr_random[TLS_RANDOM_LEN] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};
static const uint8_t downgrd[7] = { 'D', 'O', 'W', 'N', 'G', 'R', 'D' };

uint32_t tls_ch_suite(const struct tls_client_hello *ch, size_t i)
{
	const uint8_t *p = ch->suites.p;
	if (ch->sslv2)
		return ((uint32_t)p[3 * i] << 16) | ((uint32_t)p[3 * i + 1] << 8) | p[3 * i + 2];
	return cur_be16(p, i);
}

const struct tls_ext *tls_ext_find(const struct tls_ext *exts, size_t n, uint16_t type)
{
	for (size_t i = 0; i < n; i++)
		if (exts[i].type == type)
			return &exts[i];
	return NULL;
}

struct tls_bytes tls_alpn_at(struct tls_bytes list, size_t i)
{
	struct cur c = cur_make(list.p, list.len), name;
	struct tls_bytes out = { NULL, 0 };
	for (size_t k = 0; cur_vec8(&c, &name); k++) {
		if (k == i) {
			out.p = name.p;
			out.len = name.len;
			break;
		}
	}
	return out;
}

static struct tls_bytes bytes_of(struct cur c)
{
	struct tls_bytes b = { c.p, c.len };
	return b;
}

/* A vector of u16 values inside an extension: a 1- or 2-byte length, an even size, and the
 * whole extension consumed. Returns false on a bad length. */
static bool u16_list(struct cur body, int lenbytes, struct tls_u16s *out)
{
	struct cur v;
	bool ok = lenbytes == 1 ? cur_vec8(&body, &v) : cur_vec16(&body, &v);
	if (!ok || (v.len & 1) || cur_left(&body) != 0)
		return false;
	out->p = v.p;
	out->n = v.len / 2;
	return true;
}

/*
 * Extensions block (RFC 8446 §4.2):
 *   struct { ExtensionType extension_type; opaque extension_data<0..2^16-1>; } Extension;
 *   Extension extensions<0..2^16-1>;
 * Fills exts[]; returns a status. A duplicate type is a non-fatal anomaly.
 */
static enum tls_status parse_exts(struct cur *c, struct tls_ext *exts, size_t *n,
				  bool *has_block, struct tls_bytes *block_out,
				  struct tls_anoms *anoms, enum tls_anom *why)
{
	struct cur block;
	uint16_t blen;

	*n = 0;
	*has_block = false;
	block_out->p = NULL;
	block_out->len = 0;
	if (cur_left(c) == 0)
		return TLS_OK; /* RFC 5246 §7.4.1.2: the block may be absent */
	if (cur_left(c) < 2)
		MORE();
	{
		struct cur peek = *c;
		if (!cur_u16(&peek, &blen))
			MORE();
		if (blen > cur_left(&peek))
			MORE(); /* cut by the capture or a size limit */
	}
	if (!cur_vec16(c, &block))
		MORE();
	*has_block = true;
	*block_out = bytes_of(block);
	if (cur_left(c) != 0)
		tls_anoms_add(anoms, TLS_ANOM_HS_TRAILING);
	while (cur_left(&block) > 0) {
		uint16_t type;
		struct cur body;
		if (!cur_u16(&block, &type) || !cur_vec16(&block, &body))
			FAIL(EXT_BAD_LENGTH);
		if (tls_ext_find(exts, *n, type))
			tls_anoms_add(anoms, TLS_ANOM_EXT_DUPLICATE);
		if (*n == TLS_MAX_EXTS) {
			tls_anoms_add(anoms, TLS_ANOM_EXT_TOO_MANY);
			continue;
		}
		exts[*n].type = type;
		exts[*n].body = bytes_of(body);
		(*n)++;
	}
	return TLS_OK;
}

/* server_name (RFC 6066 §3): ServerNameList, keep the first host_name (type 0). */
static void decode_sni(struct cur body, struct tls_client_hello *ch)
{
	struct cur list, name;
	uint8_t type;
	if (!cur_vec16(&body, &list) || cur_left(&body) != 0 || cur_left(&list) == 0) {
		/* server_name_list<1..2^16-1> */
		tls_anoms_add(&ch->anoms, TLS_ANOM_SNI_BAD);
		return;
	}
	while (cur_left(&list) > 0) {
		if (!cur_u8(&list, &type) || !cur_vec16(&list, &name)) {
			tls_anoms_add(&ch->anoms, TLS_ANOM_SNI_BAD);
			return;
		}
		if (type == 0 && ch->sni.p == NULL) {
			ch->sni = bytes_of(name);
			if (name.len == 0)
				tls_anoms_add(&ch->anoms, TLS_ANOM_SNI_BAD);
		}
	}
}

/* ALPN (RFC 7301 §3.1): ProtocolNameList protocol_name_list<2..2^16-1>, names 1..255 bytes. */
static bool decode_alpn(struct cur body, struct tls_bytes *list, size_t *count,
			struct tls_anoms *anoms)
{
	struct cur v, walk, name;
	size_t n = 0;
	if (!cur_vec16(&body, &v) || cur_left(&body) != 0 || cur_left(&v) == 0)
		return false; /* protocol_name_list<2..2^16-1> */
	walk = v;
	while (cur_left(&walk) > 0) {
		if (!cur_vec8(&walk, &name))
			return false;
		if (name.len == 0)
			tls_anoms_add(anoms, TLS_ANOM_ALPN_EMPTY_VALUE);
		n++;
	}
	*list = bytes_of(v);
	*count = n;
	return true;
}

/* key_share (RFC 8446 §4.2.8), ClientHello form: KeyShareEntry client_shares<0..2^16-1>;
 * KeyShareEntry = { NamedGroup group; opaque key_exchange<1..2^16-1>; }. */
static bool decode_key_shares(struct cur body, struct tls_client_hello *ch)
{
	struct cur list, walk;
	size_t n = 0;
	if (!cur_vec16(&body, &list) || cur_left(&body) != 0)
		return false;
	walk = list;
	while (cur_left(&walk) > 0) {
		uint16_t g;
		struct cur kex;
		if (!cur_u16(&walk, &g) || !cur_vec16(&walk, &kex))
			return false;
		n++;
	}
	ch->key_shares = bytes_of(list);
	ch->n_key_shares = n;
	return true;
}

bool tls_key_share_at(struct tls_bytes list, size_t i, uint16_t *group, struct tls_bytes *kex)
{
	struct cur walk = cur_make(list.p, list.len), k;
	uint16_t g;
	for (size_t n = 0; cur_u16(&walk, &g) && cur_vec16(&walk, &k); n++) {
		if (n == i) {
			*group = g;
			*kex = bytes_of(k);
			return true;
		}
	}
	return false;
}

static void decode_client_exts(struct tls_client_hello *ch)
{
	for (size_t i = 0; i < ch->n_exts; i++) {
		const struct tls_ext *e = &ch->exts[i];
		struct cur body = cur_make(e->body.p, e->body.len);
		bool ok = true;

		if (tls_ext_find(ch->exts, i, e->type))
			continue; /* duplicates: the first one counts */
		switch (e->type) {
		case TLS_EXT_SERVER_NAME:
			if (e->body.len > 0)
				decode_sni(body, ch);
			break;
		case TLS_EXT_ALPN:
			if (!decode_alpn(body, &ch->alpn, &ch->n_alpn, &ch->anoms))
				tls_anoms_add(&ch->anoms, TLS_ANOM_ALPN_BAD);
			break;
		case TLS_EXT_SUPPORTED_GROUPS:
			ok = u16_list(body, 2, &ch->groups);
			break;
		case TLS_EXT_EC_POINT_FORMATS: {
			struct cur v;
			ok = cur_vec8(&body, &v) && cur_left(&body) == 0;
			if (ok)
				ch->point_formats = bytes_of(v);
			break;
		}
		case TLS_EXT_SIGNATURE_ALGORITHMS:
			ok = u16_list(body, 2, &ch->sig_algs);
			break;
		case TLS_EXT_SUPPORTED_VERSIONS:
			ok = u16_list(body, 1, &ch->versions);
			break;
		case TLS_EXT_COMPRESS_CERTIFICATE:
			ok = u16_list(body, 1, &ch->cert_compression);
			break;
		case TLS_EXT_KEY_SHARE:
			if (!decode_key_shares(body, ch))
				tls_anoms_add(&ch->anoms, TLS_ANOM_KEY_SHARE_BAD);
			break;
		case TLS_EXT_HEARTBEAT:
			ok = cur_u8(&body, &ch->heartbeat_mode) && cur_left(&body) == 0;
			break;
		default:
			break;
		}
		if (!ok)
			tls_anoms_add(&ch->anoms, TLS_ANOM_LIST_BAD_LENGTH);
	}
}

/*
 * ClientHello (RFC 8446 §4.1.2; RFC 5246 §7.4.1.2):
 *   ProtocolVersion legacy_version;           2
 *   Random random;                            32
 *   opaque legacy_session_id<0..32>;          vec8
 *   CipherSuite cipher_suites<2..2^16-2>;     vec16, 2 bytes each
 *   opaque legacy_compression_methods<1..2^8-1>;  vec8
 *   Extension extensions<8..2^16-1>;          vec16, optional before TLS 1.3
 */
enum tls_status tls_msg_client_hello(const uint8_t *body, size_t len,
				     struct tls_client_hello *ch, enum tls_anom *why)
{
	struct cur c = cur_make(body, len), v;
	const uint8_t *rnd;
	enum tls_status st;

	memset(ch, 0, sizeof(*ch));
	*why = TLS_ANOM_NONE;
	if (!cur_u16(&c, &ch->legacy_version) || !cur_bytes(&c, TLS_RANDOM_LEN, &rnd))
		MORE();
	ch->random.p = rnd;
	ch->random.len = TLS_RANDOM_LEN;
	if (!cur_vec8(&c, &v))
		MORE();
	if (v.len > 32)
		FAIL(SESSION_ID_TOO_LONG);
	ch->session_id = bytes_of(v);
	if (!cur_vec16(&c, &v))
		MORE();
	if (v.len & 1)
		FAIL(SUITES_BAD_LENGTH);
	if (v.len == 0)
		FAIL(SUITES_EMPTY);
	ch->suites = bytes_of(v);
	ch->n_suites = v.len / 2;
	if (!cur_vec8(&c, &v))
		MORE();
	if (v.len == 0)
		FAIL(COMPRESSION_BAD);
	ch->compression = bytes_of(v);
	st = parse_exts(&c, ch->exts, &ch->n_exts, &ch->has_ext_block, &ch->ext_block, &ch->anoms,
			why);
	if (st != TLS_OK)
		return st;
	decode_client_exts(ch);
	return TLS_OK;
}

/*
 * SSLv2 CLIENT-HELLO (RFC 6101 appendix E.1 / RFC 5246 appendix E.2), after the record header:
 *   uint8 msg_type = 1; uint16 version; uint16 cipher_spec_length; uint16 session_id_length;
 *   uint16 challenge_length; V2CipherSpec cipher_specs[cipher_spec_length] (3 bytes each);
 *   opaque session_id[...]; opaque challenge[...] (16..32 bytes).
 */
enum tls_status tls_msg_sslv2_client_hello(const uint8_t *msg, size_t len,
					   struct tls_client_hello *ch, enum tls_anom *why)
{
	struct cur c = cur_make(msg, len);
	uint8_t type;
	uint16_t spec_len, sid_len, chal_len;
	const uint8_t *p;

	memset(ch, 0, sizeof(*ch));
	*why = TLS_ANOM_NONE;
	ch->sslv2 = true;
	if (!cur_u8(&c, &type))
		MORE();
	if (type != 1)
		FAIL(SSLV2_BAD_TYPE);
	if (!cur_u16(&c, &ch->legacy_version) || !cur_u16(&c, &spec_len) ||
	    !cur_u16(&c, &sid_len) || !cur_u16(&c, &chal_len))
		MORE();
	if (spec_len == 0 || spec_len % 3)
		FAIL(SUITES_BAD_LENGTH);
	if (sid_len != 0 && sid_len != 16)
		FAIL(SESSION_ID_TOO_LONG);
	if (chal_len < 16 || chal_len > 32)
		FAIL(SSLV2_BAD_LENGTH);
	if (!cur_bytes(&c, spec_len, &p))
		MORE();
	ch->suites.p = p;
	ch->suites.len = spec_len;
	ch->n_suites = spec_len / 3u;
	if (!cur_bytes(&c, sid_len, &p))
		MORE();
	ch->session_id.p = p;
	ch->session_id.len = sid_len;
	if (!cur_bytes(&c, chal_len, &p))
		MORE();
	ch->random.p = p;
	ch->random.len = chal_len;
	if (cur_left(&c) != 0)
		tls_anoms_add(&ch->anoms, TLS_ANOM_HS_TRAILING);
	return TLS_OK;
}

static void decode_server_exts(struct tls_server_hello *sh)
{
	for (size_t i = 0; i < sh->n_exts; i++) {
		const struct tls_ext *e = &sh->exts[i];
		struct cur body = cur_make(e->body.p, e->body.len);
		bool ok = true;

		if (tls_is_grease(e->type))
			tls_anoms_add(&sh->anoms, TLS_ANOM_GREASE_IN_SERVER);
		if (tls_ext_find(sh->exts, i, e->type))
			continue;
		switch (e->type) {
		case TLS_EXT_SUPPORTED_VERSIONS:
			ok = cur_u16(&body, &sh->selected_version) && cur_left(&body) == 0;
			break;
		case TLS_EXT_KEY_SHARE:
			/* HRR: selected_group only; ServerHello: one KeyShareEntry. */
			if (sh->is_hrr) {
				ok = cur_u16(&body, &sh->key_share_group) && cur_left(&body) == 0;
			} else {
				struct cur kex;
				ok = cur_u16(&body, &sh->key_share_group) &&
				     cur_vec16(&body, &kex) && cur_left(&body) == 0;
			}
			if (!ok)
				tls_anoms_add(&sh->anoms, TLS_ANOM_KEY_SHARE_BAD);
			ok = true;
			break;
		case TLS_EXT_ALPN: {
			struct tls_bytes list;
			size_t n = 0;
			if (!decode_alpn(body, &list, &n, &sh->anoms) || n != 1)
				tls_anoms_add(&sh->anoms, TLS_ANOM_ALPN_BAD);
			else
				sh->alpn = tls_alpn_at(list, 0);
			break;
		}
		default:
			break;
		}
		if (!ok)
			tls_anoms_add(&sh->anoms, TLS_ANOM_LIST_BAD_LENGTH);
	}
}

/*
 * ServerHello (RFC 8446 §4.1.3; RFC 5246 §7.4.1.3):
 *   ProtocolVersion legacy_version; Random random; opaque legacy_session_id_echo<0..32>;
 *   CipherSuite cipher_suite; uint8 legacy_compression_method; Extension extensions<6..2^16-1>;
 * A HelloRetryRequest is a ServerHello whose random is SHA-256("HelloRetryRequest").
 * The last 8 bytes of random carry the downgrade sentinel (§4.1.3).
 * TLS 1.3 drafts 0-21 (draft-ietf-tls-tls13-21 §4.1.3) put the version being negotiated in
 * the first field (0x7f00 + draft, or 0x0304 before that convention) and have neither
 * session_id nor compression_method: ProtocolVersion version; Random random;
 * CipherSuite cipher_suite; Extension extensions<0..2^16-1>. Draft 22 adopted today's layout.
 */
enum tls_status tls_msg_server_hello(const uint8_t *body, size_t len,
				     struct tls_server_hello *sh, enum tls_anom *why)
{
	struct cur c = cur_make(body, len), v;
	const uint8_t *rnd;
	enum tls_status st;

	memset(sh, 0, sizeof(*sh));
	*why = TLS_ANOM_NONE;
	if (!cur_u16(&c, &sh->legacy_version) || !cur_bytes(&c, TLS_RANDOM_LEN, &rnd))
		MORE();
	bool draft = sh->legacy_version == TLS_V_TLS13 ||
		     (sh->legacy_version >= 0x7f00 && sh->legacy_version < 0x7f16);
	if ((sh->legacy_version >> 8) != 3 && !draft)
		FAIL(SH_BAD_VERSION);
	sh->random.p = rnd;
	sh->random.len = TLS_RANDOM_LEN;
	sh->is_hrr = memcmp(rnd, hrr_random, TLS_RANDOM_LEN) == 0;
	if (memcmp(rnd + 24, downgrd, sizeof(downgrd)) == 0) {
		if (rnd[31] == 0x01)
			sh->downgrade = TLS_DOWNGRADE_TLS12;
		else if (rnd[31] == 0x00)
			sh->downgrade = TLS_DOWNGRADE_TLS11;
	}
	if (!draft) {
		if (!cur_vec8(&c, &v))
			MORE();
		if (v.len > 32)
			FAIL(SESSION_ID_TOO_LONG);
		sh->session_id = bytes_of(v);
	}
	if (!cur_u16(&c, &sh->cipher) || (!draft && !cur_u8(&c, &sh->compression)))
		MORE();
	st = parse_exts(&c, sh->exts, &sh->n_exts, &sh->has_ext_block, &sh->ext_block, &sh->anoms,
			why);
	if (st != TLS_OK)
		return st;
	decode_server_exts(sh);
	sh->version = sh->selected_version ? sh->selected_version : sh->legacy_version;
	if (sh->is_hrr && sh->selected_version == 0)
		tls_anoms_add(&sh->anoms, TLS_ANOM_HRR_BAD);
	return TLS_OK;
}

/*
 * SSLv2 SERVER-HELLO, after the record header:
 *   uint8 msg_type = 4; uint8 session_id_hit; uint8 certificate_type; uint16 version;
 *   uint16 certificate_length; uint16 cipher_specs_length; uint16 connection_id_length;
 *   certificate, cipher_specs (3 bytes each), connection_id.
 */
enum tls_status tls_msg_sslv2_server_hello(const uint8_t *msg, size_t len,
					   struct tls_sslv2_server_hello *sh, enum tls_anom *why)
{
	struct cur c = cur_make(msg, len);
	uint8_t type;
	uint16_t cert_len, spec_len, cid_len;
	const uint8_t *p;

	memset(sh, 0, sizeof(*sh));
	*why = TLS_ANOM_NONE;
	if (!cur_u8(&c, &type))
		MORE();
	if (type != 4)
		FAIL(SSLV2_BAD_TYPE);
	if (!cur_u8(&c, &sh->session_id_hit) || !cur_u8(&c, &sh->certificate_type) ||
	    !cur_u16(&c, &sh->version) || !cur_u16(&c, &cert_len) || !cur_u16(&c, &spec_len) ||
	    !cur_u16(&c, &cid_len))
		MORE();
	if (spec_len % 3)
		FAIL(SUITES_BAD_LENGTH);
	if (cid_len < 16 || cid_len > 32)
		FAIL(SSLV2_BAD_LENGTH);
	if (!cur_bytes(&c, cert_len, &p))
		MORE();
	sh->certificate.p = p;
	sh->certificate.len = cert_len;
	if (!cur_bytes(&c, spec_len, &p))
		MORE();
	sh->specs.p = p;
	sh->specs.len = spec_len;
	sh->n_specs = spec_len / 3u;
	if (!cur_bytes(&c, cid_len, &p))
		MORE();
	sh->connection_id.p = p;
	sh->connection_id.len = cid_len;
	return TLS_OK;
}

/*
 * Certificate (RFC 5246 §7.4.2): ASN.1Cert certificate_list<0..2^24-1>, ASN.1Cert = vec24.
 * TLS 1.3 (RFC 8446 §4.4.2): opaque certificate_request_context<0..2^8-1>;
 *   CertificateEntry certificate_list<0..2^24-1>, entry = cert_data vec24 + extensions vec16.
 * A cut message keeps the certificates that arrived whole and returns TLS_NEED_MORE.
 */
enum tls_status tls_msg_certificate(const uint8_t *body, size_t len, bool tls13,
				    struct tls_certificate *cert, enum tls_anom *why)
{
	struct cur c = cur_make(body, len), list, v;
	uint32_t list_len;
	bool cut;

	memset(cert, 0, sizeof(*cert));
	*why = TLS_ANOM_NONE;
	if (tls13) {
		if (!cur_vec8(&c, &v))
			MORE();
		cert->context = bytes_of(v);
	}
	{
		struct cur peek = c;
		if (!cur_u24(&peek, &list_len))
			MORE();
		if (list_len < cur_left(&peek))
			tls_anoms_add(&cert->anoms, TLS_ANOM_HS_TRAILING);
		/* A list longer than the body: parse what is there, then report the cut. */
		cut = list_len > cur_left(&peek);
		list = cur_make(peek.p, cut ? cur_left(&peek) : list_len);
	}
	while (cur_left(&list) > 0) {
		struct cur der, exts;
		/* An entry overrunning a complete list is the peer's lie; in a cut list it is
		 * the cut. */
		if (!cur_vec24(&list, &der) || (tls13 && !cur_vec16(&list, &exts))) {
			if (!cut)
				FAIL(CERT_BAD_LENGTH);
			break;
		}
		if (der.len == 0)
			tls_anoms_add(&cert->anoms, TLS_ANOM_CERT_EMPTY_ENTRY);
		cert->n_total++;
		if (cert->n_certs < TLS_MAX_CERTS)
			cert->certs[cert->n_certs++] = bytes_of(der);
		else
			tls_anoms_add(&cert->anoms, TLS_ANOM_CERT_TOO_MANY);
	}
	if (cut)
		MORE();
	return TLS_OK;
}

/* CertificateStatus (RFC 6066 §8): CertificateStatusType status_type; select: ocsp →
 * opaque OCSPResponse<1..2^24-1>. */
enum tls_status tls_msg_cert_status(const uint8_t *body, size_t len,
				    struct tls_cert_status *cs, enum tls_anom *why)
{
	struct cur c = cur_make(body, len), v;

	memset(cs, 0, sizeof(*cs));
	*why = TLS_ANOM_NONE;
	if (!cur_u8(&c, &cs->status_type))
		MORE();
	if (cs->status_type != 1)
		FAIL(CERT_STATUS_BAD);
	if (!cur_vec24(&c, &v))
		MORE();
	if (v.len == 0)
		FAIL(CERT_STATUS_BAD);
	cs->response = bytes_of(v);
	if (cur_left(&c) != 0)
		FAIL(HS_TRAILING);
	return TLS_OK;
}

/* Significant bits of a big-endian unsigned integer. */
static unsigned bignum_bits(struct tls_bytes n)
{
	struct cur c = cur_make(n.p, n.len);
	uint8_t b = 0;
	size_t left;
	while (cur_u8(&c, &b) && b == 0)
		;
	if (b == 0)
		return 0;
	left = cur_left(&c);
	unsigned bits = 0;
	while (b) {
		bits++;
		b >>= 1;
	}
	return bits + 8u * (unsigned)left;
}

/*
 * ServerKeyExchange (RFC 5246 §7.4.3, RFC 8422 §5.4, RFC 4279 §2-4, RFC 5489, RFC 2246 export):
 *   PSK kinds first carry opaque psk_identity_hint<0..2^16-1>;
 *   ECDHE: ECCurveType curve_type (3 = named_curve); NamedCurve; opaque point<1..2^8-1>;
 *   DHE:   opaque dh_p<1..2^16-1>; opaque dh_g<1..2^16-1>; opaque dh_Ys<1..2^16-1>;
 *   RSA export: opaque rsa_modulus<1..2^16-1>; opaque rsa_exponent<1..2^16-1>;
 *   signed kinds end with [SignatureScheme (TLS 1.2)] opaque signature<0..2^16-1>.
 */
enum tls_status tls_msg_server_key_exchange(const uint8_t *body, size_t len, enum tls_kx kx,
					    bool tls12, struct tls_server_key_exchange *ske,
					    enum tls_anom *why)
{
	struct cur c = cur_make(body, len), v;
	bool psk = kx == TLS_KX_ECDHE_PSK || kx == TLS_KX_DHE_PSK || kx == TLS_KX_PSK ||
		   kx == TLS_KX_RSA_PSK;
	bool is_signed = kx == TLS_KX_ECDHE || kx == TLS_KX_DHE || kx == TLS_KX_RSA_EXPORT;

	memset(ske, 0, sizeof(*ske));
	*why = TLS_ANOM_NONE;
	ske->kx = kx;
	if (kx == TLS_KX_NONE || kx == TLS_KX_OTHER)
		return TLS_OK;
	if (psk) {
		if (!cur_vec16(&c, &v))
			MORE();
		ske->psk_hint = bytes_of(v);
	}
	switch (kx) {
	case TLS_KX_ECDHE:
	case TLS_KX_ECDH_ANON:
	case TLS_KX_ECDHE_PSK: {
		uint8_t curve_type;
		if (!cur_u8(&c, &curve_type))
			MORE();
		if (curve_type != 3)
			FAIL(SKE_CURVE_TYPE);
		if (!cur_u16(&c, &ske->group) || !cur_vec8(&c, &v))
			MORE();
		if (v.len == 0)
			FAIL(SKE_BAD);
		ske->point = bytes_of(v);
		break;
	}
	case TLS_KX_DHE:
	case TLS_KX_DH_ANON:
	case TLS_KX_DHE_PSK:
		if (!cur_vec16(&c, &v))
			MORE();
		ske->dh_p = bytes_of(v);
		if (!cur_vec16(&c, &v))
			MORE();
		ske->dh_g = bytes_of(v);
		if (!cur_vec16(&c, &v))
			MORE();
		ske->dh_ys = bytes_of(v);
		if (ske->dh_p.len == 0 || ske->dh_g.len == 0 || ske->dh_ys.len == 0)
			FAIL(SKE_BAD);
		ske->dh_bits = bignum_bits(ske->dh_p);
		break;
	case TLS_KX_RSA_EXPORT:
		if (!cur_vec16(&c, &v))
			MORE();
		ske->dh_p = bytes_of(v);
		if (!cur_vec16(&c, &v))
			MORE();
		ske->dh_g = bytes_of(v);
		ske->dh_bits = bignum_bits(ske->dh_p);
		break;
	default:
		break;
	}
	if (is_signed) {
		if (tls12 && !cur_u16(&c, &ske->sig_alg))
			MORE();
		if (!cur_vec16(&c, &v))
			MORE();
		ske->sig = bytes_of(v);
	}
	if (cur_left(&c) != 0)
		FAIL(HS_TRAILING);
	return TLS_OK;
}

/* Alert (RFC 8446 §6): AlertLevel level; AlertDescription description. */
enum tls_status tls_msg_alert(const uint8_t *body, size_t len, struct tls_alert *a,
			      enum tls_anom *why)
{
	struct cur c = cur_make(body, len);

	*why = TLS_ANOM_NONE;
	memset(a, 0, sizeof(*a));
	if (!cur_u8(&c, &a->level) || !cur_u8(&c, &a->desc))
		MORE();
	if (cur_left(&c) != 0)
		FAIL(ALERT_BAD_LENGTH);
	return TLS_OK;
}
