/*
 * Shared pieces of the fuzz targets: a record-layer sink that runs every message parser and
 * every fingerprint on whatever the stream delivers, so one input exercises the whole wire
 * library. Included by the fuzz_*.c files only.
 */
#ifndef TLSSCOPE_FUZZ_COMMON_H
#define TLSSCOPE_FUZZ_COMMON_H

#include <stdlib.h>
#include <string.h>

#include "capture/wire/cur.h"
#include "capture/wire/fp.h"
#include "capture/wire/msg.h"
#include "capture/wire/rec.h"
#include "capture/wire/registry.h"

/* Results are folded in here so that nothing a parser returns is ignored (gcc does not let
 * a (void) cast silence warn_unused_result). */
static volatile unsigned fuzz_results;
#define FUZZ_USE(x) (fuzz_results += (unsigned)(x))

struct fuzz_dir {
	struct tls_rec rec;
	uint8_t buf[HS_MAX_MSG];
	bool server;
	uint16_t version;  /* negotiated, from the server's ServerHello */
	uint16_t cipher;
};

static inline void fuzz_client_hello_body(const uint8_t *b, size_t n, bool sslv2)
{
	struct tls_client_hello ch;
	enum tls_anom why;
	enum tls_status st = sslv2 ? tls_msg_sslv2_client_hello(b, n, &ch, &why)
				   : tls_msg_client_hello(b, n, &ch, &why);
	if (st != TLS_OK)
		return;
	char ja3[FP_MD5_HEX], ja4[FP_JA4_LEN], raw[8192];
	fp_ja3(&ch, ja3);
	fp_ja4(&ch, 't', ja4);
	FUZZ_USE(fp_ja3_string(&ch, raw, sizeof(raw)));
	FUZZ_USE(fp_ja4_r(&ch, 't', raw, sizeof(raw)));
	for (size_t i = 0; i < ch.n_alpn; i++)
		FUZZ_USE(tls_alpn_at(ch.alpn, i).len);
	for (size_t i = 0; i < ch.n_key_shares; i++) {
		uint16_t g;
		struct tls_bytes k;
		FUZZ_USE(tls_key_share_at(ch.key_shares, i, &g, &k));
	}
	for (size_t i = 0; i < ch.n_suites; i++)
		FUZZ_USE(tls_ch_suite(&ch, i));
}

static void fuzz_server_message(struct fuzz_dir *d, uint8_t type, const uint8_t *b, size_t n)
{
	enum tls_anom why;
	switch (type) {
	case TLS_HS_SERVER_HELLO: {
		struct tls_server_hello sh;
		if (tls_msg_server_hello(b, n, &sh, &why) == TLS_OK) {
			char ja3s[FP_MD5_HEX], raw[4096];
			fp_ja3s(&sh, ja3s);
			FUZZ_USE(fp_ja3s_string(&sh, raw, sizeof(raw)));
			if (!sh.is_hrr) {
				d->version = sh.version;
				d->cipher = sh.cipher;
				if (sh.version == TLS_V_TLS13)
					tls_rec_set_tls13(&d->rec);
			}
		}
		break;
	}
	case TLS_HS_CERTIFICATE: {
		/* Large view: keep it off the stack. */
		struct tls_certificate *c = malloc(sizeof(*c));
		if (c) {
			FUZZ_USE(tls_msg_certificate(b, n, d->version == TLS_V_TLS13, c, &why));
			FUZZ_USE(tls_msg_certificate(b, n, d->version != TLS_V_TLS13, c, &why));
			free(c);
		}
		break;
	}
	case TLS_HS_CERTIFICATE_STATUS: {
		struct tls_cert_status cs;
		FUZZ_USE(tls_msg_cert_status(b, n, &cs, &why));
		break;
	}
	case TLS_HS_SERVER_KEY_EXCHANGE: {
		struct tls_server_key_exchange ske;
		const struct tls_suite_info *s = tls_reg_suite(d->cipher);
		FUZZ_USE(tls_msg_server_key_exchange(b, n, s ? s->ske_kx : TLS_KX_OTHER,
						     d->version == TLS_V_TLS12, &ske, &why));
		/* And every other interpretation, as a hostile server may lie about the suite. */
		for (int kx = TLS_KX_NONE; kx <= TLS_KX_OTHER; kx++)
			FUZZ_USE(tls_msg_server_key_exchange(b, n, (enum tls_kx)kx, kx & 1,
							     &ske, &why));
		break;
	}
	default:
		break;
	}
}

static void fuzz_on_handshake(void *ctx, uint8_t type, const uint8_t *body, size_t len,
			      size_t full_len, uint16_t rec_version)
{
	struct fuzz_dir *d = ctx;
	(void)full_len;
	(void)rec_version;
	if (type == TLS_HS_CLIENT_HELLO)
		fuzz_client_hello_body(body, len, false);
	else
		fuzz_server_message(d, type, body, len);
}

static void fuzz_on_sslv2(void *ctx, const uint8_t *msg, size_t len)
{
	(void)ctx;
	struct tls_sslv2_server_hello sh;
	enum tls_anom why;
	fuzz_client_hello_body(msg, len, true);
	FUZZ_USE(tls_msg_sslv2_server_hello(msg, len, &sh, &why));
}

static void fuzz_on_alert(void *ctx, const uint8_t *body, size_t len)
{
	(void)ctx;
	struct tls_alert a;
	enum tls_anom why;
	FUZZ_USE(tls_msg_alert(body, len, &a, &why));
}

static void fuzz_on_anomaly(void *ctx, enum tls_anom a)
{
	(void)ctx;
	FUZZ_USE(tls_anom_name(a)[0]);
}

static const struct tls_rec_sink fuzz_sink = {
	.handshake = fuzz_on_handshake,
	.sslv2 = fuzz_on_sslv2,
	.alert = fuzz_on_alert,
	.anomaly = fuzz_on_anomaly,
};

static inline struct fuzz_dir *fuzz_dir_new(bool server)
{
	struct fuzz_dir *d = calloc(1, sizeof(*d));
	if (d) {
		tls_rec_init(&d->rec, d->buf, sizeof(d->buf));
		d->server = server;
	}
	return d;
}

/* Feeds n bytes through an exact-size heap copy, so ASan catches reads past the chunk. */
static inline void fuzz_feed(struct fuzz_dir *d, const uint8_t *p, size_t n)
{
	uint8_t *copy = malloc(n ? n : 1);
	if (!copy)
		return;
	if (n)
		memcpy(copy, p, n);
	FUZZ_USE(tls_rec_feed(&d->rec, copy, n, &fuzz_sink, d));
	free(copy);
}

#endif
