/*
 * cur: a bounds-checked read cursor over untrusted bytes.
 *
 * Every read of wire data in tlsscope goes through a cursor; nothing indexes a buffer with a
 * computed offset. A cursor is a view: it borrows the bytes it reads, which must outlive it.
 * Reads either succeed completely (advancing the cursor) or fail without advancing.
 *
 * Length-prefixed vectors (TLS "opaque x<0..2^16-1>") open as sub-cursors with
 * cur_vec8/16/24; the caller must consume a sub-cursor exactly (cur_left() == 0) or report the
 * leftover bytes as an anomaly (STYLE rule 2).
 *
 * Bounds checks compare lengths, never pointers past the end (pointer overflow is undefined
 * behaviour and compilers may delete such checks; see CERT VU#162289).
 */
#ifndef TLSSCOPE_WIRE_CUR_H
#define TLSSCOPE_WIRE_CUR_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct cur {
	const uint8_t *p; /* next unread byte (borrowed) */
	size_t len;       /* bytes left */
};

/* A cursor over [p, p+len). p may be NULL when len is 0. */
static inline struct cur cur_make(const uint8_t *p, size_t len)
{
	struct cur c = { p, len };
	return c;
}

static inline size_t cur_left(const struct cur *c) { return c->len; }

/* The functions below are inline: every field of every header and handshake message is
 * read through them, once per frame, and calls into cur.c were a tenth of the sensor's time
 * on frame decoding and hello parsing. */

/* Points *out at the next n bytes (borrowed from the cursor's buffer) and skips them. */
static inline __attribute__((warn_unused_result)) bool cur_bytes(struct cur *c, size_t n,
								 const uint8_t **out)
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

/* Skips n bytes. */
static inline __attribute__((warn_unused_result)) bool cur_skip(struct cur *c, size_t n)
{
	const uint8_t *unused;
	return cur_bytes(c, n, &unused);
}

/* Reads a big-endian integer of 1, 2, 3 or 4 bytes. Returns false (cursor unchanged) when
 * fewer bytes remain. */
static inline bool cur_read_be_(struct cur *c, size_t n, uint32_t *v)
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

static inline __attribute__((warn_unused_result)) bool cur_u8(struct cur *c, uint8_t *v)
{
	if (c->len < 1)
		return false;
	*v = c->p[0];
	c->p++;
	c->len--;
	return true;
}

static inline __attribute__((warn_unused_result)) bool cur_u16(struct cur *c, uint16_t *v)
{
	if (c->len < 2)
		return false;
	*v = (uint16_t)(c->p[0] << 8 | c->p[1]);
	c->p += 2;
	c->len -= 2;
	return true;
}

static inline __attribute__((warn_unused_result)) bool cur_u24(struct cur *c, uint32_t *v)
{
	return cur_read_be_(c, 3, v);
}

static inline __attribute__((warn_unused_result)) bool cur_u32(struct cur *c, uint32_t *v)
{
	return cur_read_be_(c, 4, v);
}

/* Reads a 1-, 2- or 3-byte length and makes *sub a cursor over that many following bytes,
 * which the parent skips. Returns false (parent unchanged) when the length or the body does
 * not fit. */
static inline bool cur_vec_(struct cur *c, size_t lenbytes, struct cur *sub)
{
	struct cur save = *c;
	uint32_t n;
	const uint8_t *p;

	if (!cur_read_be_(c, lenbytes, &n) || !cur_bytes(c, n, &p)) {
		*c = save;
		return false;
	}
	*sub = cur_make(p, n);
	return true;
}

static inline __attribute__((warn_unused_result)) bool cur_vec8(struct cur *c, struct cur *sub)
{
	return cur_vec_(c, 1, sub);
}

static inline __attribute__((warn_unused_result)) bool cur_vec16(struct cur *c, struct cur *sub)
{
	return cur_vec_(c, 2, sub);
}

static inline __attribute__((warn_unused_result)) bool cur_vec24(struct cur *c, struct cur *sub)
{
	return cur_vec_(c, 3, sub);
}

/* Reads the big-endian u16 at index i of an array view (p, n entries). i must be < n. */
static inline uint16_t cur_be16(const uint8_t *p, size_t i)
{
	return (uint16_t)((p[2 * i] << 8) | p[2 * i + 1]);
}

#endif
