/*
 * Fuzz target: the TLS connection tracker (capture/tconn.h) driven through its flow_ops as
 * the flow table drives it. The input is a series of chunks: flags(1) len(1) bytes(len),
 * the format of fuzz_record_stream (whose seeds, real handshakes, it shares):
 *   flags bit 0: direction (0 the flow's initiator, 1 the responder);
 *   flags bit 1: instead of bytes, a gap of len bytes in that direction (no payload follows);
 *   flags bit 2: instead of bytes, the flow anomaly (len % FLOW_ANOM_COUNT) (no payload).
 * Each data chunk is an exact-size heap copy. The flow ends (close) after the last chunk; the
 * tracker must emit at most one record and give back all its memory.
 */
#include <stdlib.h>
#include <string.h>

#include "capture/tconn.h"

static volatile unsigned fuzz_sink;
static unsigned n_records;

static void on_record(void *ctx, const struct tconn_record *r)
{
	(void)ctx;
	n_records++;
	fuzz_sink += (unsigned)r->n_anoms + r->n_certs + (unsigned)r->ja3[0];
	for (size_t i = 0; i < r->n_certs; i++)
		if (r->certs[i].der && r->certs[i].len)
			fuzz_sink += r->certs[i].der[r->certs[i].len - 1];
	for (size_t i = 0; i < r->n_anoms; i++)
		fuzz_sink += (unsigned)tconn_anom_name(&r->anoms[i])[0];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flow_info fi;
	struct tconn_stats st;
	struct tconn *tc = tconn_new(on_record, NULL);
	bool stopped[2] = { false, false };
	size_t off = 0;
	void *user;

	if (!tc)
		return 0;
	memset(&fi, 0, sizeof(fi));
	fi.family = 4;
	fi.addr[0][0] = 10;
	fi.addr[1][0] = 10;
	fi.addr[1][3] = 1;
	fi.port[0] = 40000;
	fi.port[1] = 443;
	user = tconn_flow_ops.open(tc, &fi);
	if (!user) {
		tconn_free(tc);
		return 0;
	}
	n_records = 0;
	while (off + 2 <= size) {
		uint8_t flags = data[off], len = data[off + 1];
		int dir = flags & 1;
		off += 2;
		if (flags & 2) {
			tconn_flow_ops.gap(tc, user, dir, len);
			continue;
		}
		if (flags & 4) {
			tconn_flow_ops.anomaly(tc, user, (enum flow_anom)(len % FLOW_ANOM_COUNT));
			continue;
		}
		size_t n = len < size - off ? len : size - off;
		if (n && !stopped[dir]) {
			uint8_t *copy = malloc(n);
			if (!copy)
				break;
			memcpy(copy, data + off, n);
			stopped[dir] = !tconn_flow_ops.data(tc, user, dir, copy, n, off);
			free(copy);
		}
		off += n;
	}
	tconn_flow_ops.close(tc, user, FLOW_END_FLUSH, size);
	tconn_stats(tc, &st);
	if (n_records > 1 || st.mem_now != 0 || st.flows_now != 0 || st.tls_now != 0)
		abort(); /* one record per connection at most, nothing leaked */
	tconn_free(tc);
	return 0;
}
