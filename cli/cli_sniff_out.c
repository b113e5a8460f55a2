/*
 * cli_sniff_out: the "tls" object, its text line and its storing, shared by `tlsscope sniff`
 * and `tlsscope demo`. See cli_sniff_out.h.
 *
 * The JSON line is written directly from the record (cli_json.h); the jansson object is that
 * line parsed back, so the line, the text output and the store cannot disagree. Building the
 * object first and serializing it cost a third of the sensor's time on a capture dense in
 * handshakes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <jansson.h>

#include "analyzer/certinfo.h"
#include "analyzer/store/store.h"
#include "capture/tconn.h"
#include "capture/wire/digest.h"
#include "capture/wire/registry.h"
#include "cli/cli_json.h"
#include "cli/cli_sniff_out.h"

void cli_sniff_out_ts(uint64_t us, char out[CLI_SNIFF_OUT_TS_SIZE])
{
	time_t s = (time_t)(us / 1000000);
	struct tm tm;
	char day[24];
	if (!gmtime_r(&s, &tm) || !strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm)) {
		snprintf(out, 32, "1970-01-01T00:00:00.000000Z");
		return;
	}
	snprintf(out, 32, "%s.%06uZ", day, (unsigned)(us % 1000000));
}

static void fmt_ip(const struct tconn_record *r, const uint8_t *a, char out[INET6_ADDRSTRLEN])
{
	if (!inet_ntop(r->family == 6 ? AF_INET6 : AF_INET, a, out, INET6_ADDRSTRLEN))
		snprintf(out, INET6_ADDRSTRLEN, "?");
}

/* Bytes from the wire as a JSON string: as they are when valid UTF-8 without NUL, else each
 * byte as the Latin-1 character (NUL as '?'), which is also how tshark shows them. */
static void wire_string(struct cli_jw *w, const uint8_t *p, size_t n)
{
	char stack[2 * TCONN_SNI_MAX];
	char *u = stack;
	size_t k = 0;

	if (!memchr(p, 0, n) && cli_utf8_valid(p, n)) {
		cli_jw_str(w, (const char *)p, n);
		return;
	}
	if (n > TCONN_SNI_MAX && !(u = malloc(2 * n))) {
		cli_jw_fail(w);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i] == 0) {
			u[k++] = '?';
		} else if (p[i] < 0x80) {
			u[k++] = (char)p[i];
		} else {
			u[k++] = (char)(0xc0 | (p[i] >> 6));
			u[k++] = (char)(0x80 | (p[i] & 0x3f));
		}
	}
	cli_jw_str(w, u, k);
	if (u != stack)
		free(u);
}

static const char *version_name(uint16_t v, char buf[7])
{
	const char *n = tls_reg_version_name(v);
	if (n)
		return n;
	snprintf(buf, 7, "0x%04x", v);
	return buf;
}

static const char *downgrade_name(enum tls_downgrade d)
{
	switch (d) {
	case TLS_DOWNGRADE_TLS12: return "TLSv1.2";
	case TLS_DOWNGRADE_TLS11: return "TLSv1.1";
	default: return NULL;
	}
}

/* A fingerprint string, or null when empty. */
static void str_or_null(struct cli_jw *w, const char *s)
{
	cli_jw_cstr(w, s && *s ? s : NULL);
}

char *cli_sniff_out_line(const struct tconn_record *r, size_t *len)
{
	char ts[32], cip[INET6_ADDRSTRLEN], sip[INET6_ADDRSTRLEN], vb[7], cb[7];
	char hex[2 * DIGEST_SHA256_LEN + 1];
	struct cli_jw w;

	cli_sniff_out_ts(r->ts_us, ts);
	fmt_ip(r, r->client_ip, cip);
	fmt_ip(r, r->server_ip, sip);
	cli_jw_init(&w);
	cli_jw_obj(&w);
	cli_jw_key(&w, "type");
	cli_jw_cstr(&w, "tls");
	cli_jw_key(&w, "ts");
	cli_jw_cstr(&w, ts);
	cli_jw_key(&w, "client_ip");
	cli_jw_cstr(&w, cip);
	cli_jw_key(&w, "client_port");
	cli_jw_int(&w, r->client_port);
	cli_jw_key(&w, "server_ip");
	cli_jw_cstr(&w, sip);
	cli_jw_key(&w, "server_port");
	cli_jw_int(&w, r->server_port);
	cli_jw_key(&w, "sni");
	if (r->has_sni)
		wire_string(&w, r->sni, r->sni_len);
	else
		cli_jw_null(&w);
	cli_jw_key(&w, "version");
	cli_jw_cstr(&w, r->have_sh ? version_name(r->version, vb) : NULL);
	cli_jw_key(&w, "cipher");
	cli_jw_cstr(&w, r->have_sh && !r->sh_sslv2 ? tls_reg_suite_name(r->cipher, cb) : NULL);
	cli_jw_key(&w, "alpn_offered");
	cli_jw_arr(&w);
	for (size_t i = 0; i < r->n_alpn; i++)
		wire_string(&w, r->alpn_bytes + r->alpn_off[i], r->alpn_len[i]);
	cli_jw_end(&w);
	cli_jw_key(&w, "alpn_selected");
	if (r->has_alpn_selected)
		wire_string(&w, r->alpn_selected, r->alpn_selected_len);
	else
		cli_jw_null(&w);
	cli_jw_key(&w, "ja3");
	str_or_null(&w, r->ja3);
	cli_jw_key(&w, "ja3s");
	str_or_null(&w, r->ja3s);
	cli_jw_key(&w, "ja4");
	str_or_null(&w, r->ja4);
	cli_jw_key(&w, "server_cert_sha256");
	cli_jw_cstr(&w, r->n_certs ? digest_hex(r->certs[0].sha256, DIGEST_SHA256_LEN, hex)
				   : NULL);
	cli_jw_key(&w, "server_chain_sha256");
	cli_jw_arr(&w);
	for (size_t i = 0; i < r->n_certs; i++)
		cli_jw_cstr(&w, digest_hex(r->certs[i].sha256, DIGEST_SHA256_LEN, hex));
	cli_jw_end(&w);
	cli_jw_key(&w, "fallback_scsv");
	cli_jw_bool(&w, r->fallback_scsv);
	cli_jw_key(&w, "downgrade_sentinel");
	cli_jw_cstr(&w, downgrade_name(r->downgrade));
	cli_jw_key(&w, "resumed");
	cli_jw_bool(&w, r->resumed);
	cli_jw_key(&w, "hello_retry_request");
	cli_jw_bool(&w, r->hello_retry_request);
	cli_jw_key(&w, "alerts");
	cli_jw_arr(&w);
	for (size_t i = 0; i < r->n_alerts; i++) {
		const struct tconn_alert *x = &r->alerts[i];
		cli_jw_obj(&w);
		cli_jw_key(&w, "from");
		cli_jw_cstr(&w, tconn_side_name((enum tconn_side)x->side));
		cli_jw_key(&w, "level");
		cli_jw_int(&w, x->level);
		cli_jw_key(&w, "desc");
		cli_jw_int(&w, x->desc);
		cli_jw_end(&w);
	}
	cli_jw_end(&w);
	cli_jw_key(&w, "anomalies");
	cli_jw_arr(&w);
	for (size_t i = 0; i < r->n_anoms; i++) {
		const struct tconn_anom *x = &r->anoms[i];
		cli_jw_obj(&w);
		cli_jw_key(&w, "name");
		cli_jw_cstr(&w, tconn_anom_name(x));
		cli_jw_key(&w, "from");
		cli_jw_cstr(&w, tconn_side_name((enum tconn_side)x->side));
		cli_jw_end(&w);
	}
	cli_jw_end(&w);
	cli_jw_key(&w, "starttls");
	cli_jw_cstr(&w, tconn_prelude_name(r->prelude));
	cli_jw_key(&w, "n_client_hellos");
	cli_jw_int(&w, r->n_client_hellos);
	cli_jw_end(&w);
	return cli_jw_take(&w, len);
}

json_t *cli_sniff_out_json(const struct tconn_record *r)
{
	size_t n;
	char *line = cli_sniff_out_line(r, &n);
	json_t *o = line ? json_loadb(line, n, 0, NULL) : NULL;
	free(line);
	return o;
}

/* ---- the store ---------------------------------------------------------------------------- */

/*
 * The facts (certinfo JSON object) of certificate `hex`, stored with store_put_cert just now:
 * built only when the store has none yet (the sensor sees the same few certificates over and
 * over); DER that OpenSSL cannot parse simply gets none. Sets *oom when the JSON text cannot
 * be made.
 */
static int put_facts(struct store *st, const uint8_t *der, size_t len, const char *hex,
		     bool *oom)
{
	struct certinfo *ci;
	json_t *j = NULL;
	char *text = NULL;
	bool has = false;
	int rc = store_cert_has_facts(st, hex, &has);
	if (rc != STORE_OK || has)
		return rc;
	ci = certinfo_from_der(der, len, NULL, 0);
	if (!ci)
		return STORE_OK;
	j = certinfo_json(ci);
	text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (text) {
		rc = store_put_cert_facts(st, hex, text);
	} else {
		rc = STORE_EIO;
		*oom = true;
	}
	free(text);
	json_decref(j);
	certinfo_free(ci);
	return rc;
}

int cli_sniff_out_store(struct store *st, const char *source, const struct tconn_record *r,
			const json_t *o, bool *oom)
{
	char hexes[STORE_CHAIN_MAX][STORE_SHA256_HEX_SIZE];
	const char *chain[STORE_CHAIN_MAX];
	size_t n_chain = 0;
	char *alpn = NULL, *al = NULL, *an = NULL;
	int64_t id;
	int rc = STORE_OK;

	/* the chain as sent, as far as its DER was kept (the store links stored certs only) */
	for (size_t i = 0; i < r->n_certs && i < STORE_CHAIN_MAX && r->certs[i].der; i++) {
		rc = store_put_cert(st, r->certs[i].der, r->certs[i].len, hexes[n_chain]);
		if (rc == STORE_OK)
			rc = put_facts(st, r->certs[i].der, r->certs[i].len, hexes[n_chain], oom);
		if (rc != STORE_OK)
			return rc;
		chain[n_chain] = hexes[n_chain];
		n_chain++;
	}
	alpn = json_dumps(json_object_get(o, "alpn_offered"), JSON_COMPACT);
	al = json_dumps(json_object_get(o, "alerts"), JSON_COMPACT);
	an = json_dumps(json_object_get(o, "anomalies"), JSON_COMPACT);
	if (!alpn || !al || !an) {
		rc = STORE_EIO;
		*oom = true;
		goto out;
	}
	struct store_conn c = {
		.ts = json_string_value(json_object_get(o, "ts")),
		.client_ip = json_string_value(json_object_get(o, "client_ip")),
		.client_port = r->client_port,
		.server_ip = json_string_value(json_object_get(o, "server_ip")),
		.server_port = r->server_port,
		.sni = json_string_value(json_object_get(o, "sni")),
		.version = json_string_value(json_object_get(o, "version")),
		.cipher = json_string_value(json_object_get(o, "cipher")),
		.alpn_offered_json = alpn,
		.alpn_selected = json_string_value(json_object_get(o, "alpn_selected")),
		.ja3 = json_string_value(json_object_get(o, "ja3")),
		.ja3s = json_string_value(json_object_get(o, "ja3s")),
		.ja4 = json_string_value(json_object_get(o, "ja4")),
		.server_cert_sha256 = json_string_value(json_object_get(o, "server_cert_sha256")),
		.fallback_scsv = r->fallback_scsv,
		.downgrade_sentinel = downgrade_name(r->downgrade),
		.resumed = r->resumed,
		.hello_retry_request = r->hello_retry_request,
		.alerts_json = al,
		.anomalies_json = an,
		.source = source,
		.chain_sha256 = chain,
		.chain_len = n_chain,
	};
	rc = store_add_connection(st, &c, &id);
	for (size_t i = 0; rc == STORE_OK && i < r->n_anoms; i++) {
		struct store_anomaly a = {
			.ref_kind = STORE_REF_CONNECTION,
			.ref_id = id,
			.name = tconn_anom_name(&r->anoms[i]),
			.detail = tconn_side_name((enum tconn_side)r->anoms[i].side),
			.ts = c.ts,
		};
		rc = store_add_anomaly(st, &a, NULL);
	}
out:
	free(alpn);
	free(al);
	free(an);
	return rc;
}

void cli_sniff_out_text(FILE *f, const struct tconn_record *r, const json_t *o)
{
	const char *v = json_string_value(json_object_get(o, "version"));
	const char *c = json_string_value(json_object_get(o, "cipher"));
	const char *sni = json_string_value(json_object_get(o, "sni"));
	const char *pre = tconn_prelude_name(r->prelude);
	fprintf(f, "%s %s:%u -> %s:%u %s %s sni=%s ja3=%s ja4=%s%s%s\n",
		json_string_value(json_object_get(o, "ts")),
		json_string_value(json_object_get(o, "client_ip")), r->client_port,
		json_string_value(json_object_get(o, "server_ip")), r->server_port, v ? v : "-",
		c ? c : "-", sni ? sni : "-", *r->ja3 ? r->ja3 : "-", *r->ja4 ? r->ja4 : "-",
		pre ? " starttls=" : "", pre ? pre : "");
}
