#include <string.h>

#include "capture/wire/bld.h"

void bld_init(struct bld *b, uint8_t *buf, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->p = buf;
	b->cap = cap;
}

void bld_bytes(struct bld *b, const void *p, size_t n)
{
	if (b->failed)
		return;
	if (n > b->cap - b->len) {
		b->failed = true;
		return;
	}
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void put_be(struct bld *b, uint32_t v, int width)
{
	uint8_t tmp[4];
	for (int i = 0; i < width; i++)
		tmp[i] = (uint8_t)(v >> (8 * (width - 1 - i)));
	bld_bytes(b, tmp, (size_t)width);
}

void bld_u8(struct bld *b, uint8_t v) { put_be(b, v, 1); }
void bld_u16(struct bld *b, uint16_t v) { put_be(b, v, 2); }
void bld_u24(struct bld *b, uint32_t v) { put_be(b, v, 3); }
void bld_u32(struct bld *b, uint32_t v) { put_be(b, v, 4); }

void bld_open(struct bld *b, int width)
{
	if (b->failed)
		return;
	if (b->depth == BLD_MAX_DEPTH || width < 1 || width > 3) {
		b->failed = true;
		return;
	}
	b->open_at[b->depth] = b->len;
	b->open_width[b->depth] = (uint8_t)width;
	put_be(b, 0, width);
	if (!b->failed)
		b->depth++;
}

void bld_close(struct bld *b)
{
	if (b->failed)
		return;
	if (b->depth == 0) {
		b->failed = true;
		return;
	}
	b->depth--;
	size_t at = b->open_at[b->depth];
	int width = b->open_width[b->depth];
	size_t body = b->len - at - (size_t)width;
	if (body >> (8 * width)) {
		b->failed = true;
		return;
	}
	for (int i = 0; i < width; i++)
		b->p[at + (size_t)i] = (uint8_t)(body >> (8 * (width - 1 - i)));
}
