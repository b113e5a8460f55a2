/*
 * Fuzz target: both directions of a connection, delivered in pieces.
 * Input: a series of chunks, each "flags(1) length(1) bytes(length)": bit 0 of flags picks
 * the direction (0 client, 1 server). A last chunk that is short takes what is left.
 * Each chunk is fed through an exact-size heap copy (Suricata's harness does the same).
 */
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_dir *dir[2] = { fuzz_dir_new(false), fuzz_dir_new(true) };
	struct cur c = cur_make(data, size);
	uint8_t flags, len;

	if (!dir[0] || !dir[1])
		goto out;
	while (cur_u8(&c, &flags) && cur_u8(&c, &len)) {
		const uint8_t *p;
		size_t n = len <= cur_left(&c) ? len : cur_left(&c);
		if (!cur_bytes(&c, n, &p))
			break;
		fuzz_feed(dir[flags & 1], p, n);
	}
out:
	free(dir[0]);
	free(dir[1]);
	return 0;
}
