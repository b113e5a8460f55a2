#include "capture/wire/cur.h"

bool cur_bytes(struct cur *c, size_t n, const uint8_t **out)
{
	if (n > c->len)
		return false;
	*out = c->p;
	if (n) { /* cur_make(NULL, 0) is allowed, and NULL + 0 is undefined behaviour */
		c->p += n;
		c->len -= n;
	}
	return true;
}

bool cur_skip(struct cur *c, size_t n)
{
	const uint8_t *unused;
	return cur_bytes(c, n, &unused);
}

static bool read_be(struct cur *c, size_t n, uint32_t *v)
{
	const uint8_t *p;
	uint32_t x = 0;

	if (!cur_bytes(c, n, &p))
		return false;
	for (size_t i = 0; i < n; i++)
		x = (x << 8) | p[i];
	*v = x;
	return true;
}

bool cur_u8(struct cur *c, uint8_t *v)
{
	uint32_t x;
	if (!read_be(c, 1, &x))
		return false;
	*v = (uint8_t)x;
	return true;
}

bool cur_u16(struct cur *c, uint16_t *v)
{
	uint32_t x;
	if (!read_be(c, 2, &x))
		return false;
	*v = (uint16_t)x;
	return true;
}

bool cur_u24(struct cur *c, uint32_t *v) { return read_be(c, 3, v); }
bool cur_u32(struct cur *c, uint32_t *v) { return read_be(c, 4, v); }

static bool vec(struct cur *c, size_t lenbytes, struct cur *sub)
{
	struct cur save = *c;
	uint32_t n;
	const uint8_t *p;

	if (!read_be(c, lenbytes, &n) || !cur_bytes(c, n, &p)) {
		*c = save;
		return false;
	}
	*sub = cur_make(p, n);
	return true;
}

bool cur_vec8(struct cur *c, struct cur *sub) { return vec(c, 1, sub); }
bool cur_vec16(struct cur *c, struct cur *sub) { return vec(c, 2, sub); }
bool cur_vec24(struct cur *c, struct cur *sub) { return vec(c, 3, sub); }
