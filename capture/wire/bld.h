/*
 * bld: a builder of TLS structures into a caller-provided buffer, with length back-patching.
 *
 *   bld_open(b, 2);            reserve a 2-byte length
 *   ... write the body ...
 *   bld_close(b);              patch the length with the body's size
 *
 * Blocks nest up to BLD_MAX_DEPTH. Errors are sticky: after an overflow (buffer too small,
 * a body longer than its length field can say, nesting too deep, close without open) every
 * further call does nothing and bld_ok() returns false. The caller checks once at the end.
 */
#ifndef TLSSCOPE_WIRE_BLD_H
#define TLSSCOPE_WIRE_BLD_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define BLD_MAX_DEPTH 8

struct bld {
	uint8_t *p;   /* caller's buffer (borrowed) */
	size_t cap;   /* its size */
	size_t len;   /* bytes written */
	bool failed;  /* sticky error */
	int depth;
	size_t open_at[BLD_MAX_DEPTH];   /* offset of each open length field */
	uint8_t open_width[BLD_MAX_DEPTH];
};

/* Starts building into buf[0..cap). */
void bld_init(struct bld *b, uint8_t *buf, size_t cap);

void bld_u8(struct bld *b, uint8_t v);
void bld_u16(struct bld *b, uint16_t v);
void bld_u24(struct bld *b, uint32_t v);
void bld_u32(struct bld *b, uint32_t v);
void bld_bytes(struct bld *b, const void *p, size_t n);

/* Opens a block whose length (width 1, 2 or 3 bytes) is written when it is closed. */
void bld_open(struct bld *b, int width);
/* Closes the innermost open block, patching its length. */
void bld_close(struct bld *b);

/* True when nothing failed and no block is left open. */
static inline bool bld_ok(const struct bld *b) { return !b->failed && b->depth == 0; }

#endif
