/*
 * Fuzz target: a whole capture file (pcap or pcapng) read by libpcap through src (from
 * memory, with fmemopen), every frame decoded by one pkt decoder per file, as the sensor
 * does. At most FUZZ_MAX_FRAMES frames per input so that no input can run for long.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/pkt.h"
#include "capture/src.h"
#include "tests/fuzz/fuzz_util.h"

#define FUZZ_MAX_FRAMES 10000

static volatile unsigned fuzz_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	struct src *s = fuzz_src_open(data, size, &copy);
	if (!s)
		return 0;
	struct pkt_decoder *d = pkt_decoder_new(src_linktype(s));
	struct src_frame f;
	for (int n = 0; d && n < FUZZ_MAX_FRAMES && src_next(s, &f) == SRC_FRAME; n++) {
		/* An exact-size heap copy, so that ASan sees any read past caplen. */
		uint8_t *frame = malloc(f.caplen ? f.caplen : 1);
		if (!frame)
			break;
		if (f.caplen)
			memcpy(frame, f.data, f.caplen);
		struct pkt p;
		enum pkt_anom an;
		enum pkt_status st = pkt_decode(d, frame, f.caplen, f.wirelen, f.ts_us, &p, &an);
		fuzz_sink += (unsigned)st + (unsigned)pkt_anom_name(an)[0];
		if (st == PKT_TCP) {
			/* Touch the whole view: it must lie in the frame or a reassembly buffer. */
			for (size_t i = 0; i < p.payload_len; i++)
				fuzz_sink += p.payload[i];
			if (p.payload_len > p.payload_wire_len)
				abort();
		}
		free(frame);
	}
	struct pkt_stats st;
	struct src_stats ss;
	if (d) {
		pkt_decoder_stats(d, &st);
		if (st.frag_bytes > PKT_FRAG_MAX_BYTES + (PKT_MAX_ENCAP + 2) * 65535u ||
		    st.frag_dgrams > PKT_FRAG_MAX_DGRAMS)
			abort();
	}
	fuzz_sink += src_stats(s, &ss);
	pkt_decoder_free(d);
	src_close(s);
	free(copy);
	return 0;
}
