/*
 * Fuzz target: a whole capture file through the whole sensor (capture/sensor.h): libpcap
 * reading from memory (fmemopen + src_fopen_take), frame decoding, the flow table with small
 * limits (so that eviction and the byte budget are exercised), TCP reassembly and the TLS
 * tracker, then the final flush. Every record must be well formed and the tracker must give
 * back all its memory. Seeds: small captures from tests/pcap (TLS, STARTTLS, SSLv2, tunnels).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/sensor.h"
#include "tests/fuzz/fuzz_util.h"

static volatile unsigned fuzz_sink;

static void on_record(void *ctx, const struct tconn_record *r)
{
	(void)ctx;
	if (r->n_certs > TCONN_CHAIN_MAX || r->n_anoms > TCONN_ANOMS_MAX ||
	    r->n_alerts > TCONN_ALERTS_MAX || r->n_alpn > TCONN_ALPN_MAX ||
	    r->sni_len > TCONN_SNI_MAX)
		abort();
	for (size_t i = 0; i < r->n_certs; i++)
		if (r->certs[i].der && r->certs[i].len)
			fuzz_sink += r->certs[i].der[r->certs[i].len - 1];
	for (size_t i = 0; i < r->n_alpn; i++)
		if (r->alpn_off[i] + r->alpn_len[i] > TCONN_ALPN_BYTES)
			abort();
	fuzz_sink += (unsigned)r->ja3[0] + (unsigned)r->ja4[0] + (unsigned)r->ja3s[0];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct sensor_opts o;
	struct sensor_stats st;
	struct sensor *s;
	uint8_t *copy;

	struct src *src = fuzz_src_open(data, size, &copy);
	if (!src)
		return 0;
	memset(&o, 0, sizeof(o));
	o.on_record = on_record;
	o.flow.max_flows = 64;
	o.flow.max_bytes = 256u << 10;
	o.flow.idle_us = 5000000;
	s = sensor_open_src_take(src, &o, err, sizeof(err));
	if (s) {
		fuzz_sink += (unsigned)sensor_run(s);
		sensor_stats(s, &st);
		if (st.tconn.mem_now != 0 || st.tconn.tls_now != 0)
			abort(); /* the final flush emits and frees every connection */
		sensor_close(s);
	}
	free(copy);
	return 0;
}
