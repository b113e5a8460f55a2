/*
 * Unit tests of the read cursor (cur.h) and the builder (bld.h).
 *
 * Expected values come from the definitions in the headers and from TLS's presentation
 * language (RFC 8446 §3: big-endian integers, vectors with a 1..3-byte length prefix), never
 * from running the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture/wire/bld.h"
#include "capture/wire/cur.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- cursor -------------------------------------------------------------------------- */

enum cur_op { OP_U8, OP_U16, OP_U24, OP_U32, OP_BYTES, OP_SKIP, OP_VEC8, OP_VEC16, OP_VEC24 };

struct cur_case {
	const char *name;
	const uint8_t *in;
	size_t in_len;
	enum cur_op op;
	size_t n;           /* OP_BYTES / OP_SKIP: count */
	bool want_ok;
	uint32_t want_val;  /* integer reads */
	size_t want_sub_off; /* vectors / bytes: offset of the sub-view in 'in' */
	size_t want_sub_len;
	size_t want_left;   /* bytes left in the parent afterwards */
};

static const uint8_t b9[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09 };
static const uint8_t ff4[] = { 0xff, 0xfe, 0xfd, 0xfc };
static const uint8_t v8_ok[] = { 0x03, 'a', 'b', 'c', 'x' };
static const uint8_t v8_empty[] = { 0x00, 'x' };
static const uint8_t v8_over[] = { 0x04, 'a', 'b', 'c' };
static const uint8_t v16_ok[] = { 0x00, 0x02, 0xaa, 0xbb };
static const uint8_t v16_over[] = { 0x01, 0x00, 0xaa, 0xbb };
static const uint8_t v16_half[] = { 0x00 };
static const uint8_t v24_ok[] = { 0x00, 0x00, 0x01, 0x7f, 0x01, 0x02 };
static const uint8_t v24_over[] = { 0x00, 0x01, 0x00, 0x7f };
static const uint8_t v24_two[] = { 0x00, 0x00 };
static const uint8_t v24_huge[] = { 0xff, 0xff, 0xff, 0x00 };

static const struct cur_case cur_cases[] = {
	{ "u8", b9, 9, OP_U8, 0, true, 0x01, 0, 0, 8 },
	{ "u16", b9, 9, OP_U16, 0, true, 0x0102, 0, 0, 7 },
	{ "u24", b9, 9, OP_U24, 0, true, 0x010203, 0, 0, 6 },
	{ "u32", b9, 9, OP_U32, 0, true, 0x01020304, 0, 0, 5 },
	{ "u32 high bits", ff4, 4, OP_U32, 0, true, 0xfffefdfc, 0, 0, 0 },
	{ "u16 high bits", ff4, 4, OP_U16, 0, true, 0xfffe, 0, 0, 2 },
	{ "u8 exact end", b9, 1, OP_U8, 0, true, 0x01, 0, 0, 0 },
	{ "u16 exact end", b9, 2, OP_U16, 0, true, 0x0102, 0, 0, 0 },
	{ "u24 exact end", b9, 3, OP_U24, 0, true, 0x010203, 0, 0, 0 },
	{ "u8 empty", b9, 0, OP_U8, 0, false, 0, 0, 0, 0 },
	{ "u16 short", b9, 1, OP_U16, 0, false, 0, 0, 0, 1 },
	{ "u24 short", b9, 2, OP_U24, 0, false, 0, 0, 0, 2 },
	{ "u32 short", b9, 3, OP_U32, 0, false, 0, 0, 0, 3 },
	{ "u8 null empty", NULL, 0, OP_U8, 0, false, 0, 0, 0, 0 },
	{ "bytes 4", b9, 9, OP_BYTES, 4, true, 0, 0, 4, 5 },
	{ "bytes all", b9, 9, OP_BYTES, 9, true, 0, 0, 9, 0 },
	{ "bytes 0", b9, 9, OP_BYTES, 0, true, 0, 0, 0, 9 },
	{ "bytes 0 of null", NULL, 0, OP_BYTES, 0, true, 0, 0, 0, 0 },
	{ "bytes short", b9, 9, OP_BYTES, 10, false, 0, 0, 0, 9 },
	{ "bytes huge", b9, 9, OP_BYTES, SIZE_MAX, false, 0, 0, 0, 9 },
	{ "skip 3", b9, 9, OP_SKIP, 3, true, 0, 0, 0, 6 },
	{ "skip short", b9, 2, OP_SKIP, 3, false, 0, 0, 0, 2 },
	{ "skip 0 of null", NULL, 0, OP_SKIP, 0, true, 0, 0, 0, 0 },
	{ "vec8", v8_ok, 5, OP_VEC8, 0, true, 0, 1, 3, 1 },
	{ "vec8 empty", v8_empty, 2, OP_VEC8, 0, true, 0, 1, 0, 1 },
	{ "vec8 overrun", v8_over, 4, OP_VEC8, 0, false, 0, 0, 0, 4 },
	{ "vec8 no length", v8_ok, 0, OP_VEC8, 0, false, 0, 0, 0, 0 },
	{ "vec16", v16_ok, 4, OP_VEC16, 0, true, 0, 2, 2, 0 },
	{ "vec16 overrun", v16_over, 4, OP_VEC16, 0, false, 0, 0, 0, 4 },
	{ "vec16 half length", v16_half, 1, OP_VEC16, 0, false, 0, 0, 0, 1 },
	{ "vec16 body cut by 1", v16_ok, 3, OP_VEC16, 0, false, 0, 0, 0, 3 },
	{ "vec24", v24_ok, 6, OP_VEC24, 0, true, 0, 3, 1, 2 },
	{ "vec24 overrun", v24_over, 4, OP_VEC24, 0, false, 0, 0, 0, 4 },
	{ "vec24 two length bytes", v24_two, 2, OP_VEC24, 0, false, 0, 0, 0, 2 },
	{ "vec24 16M", v24_huge, 4, OP_VEC24, 0, false, 0, 0, 0, 4 },
};

static void test_cur_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cur_cases); i++) {
		const struct cur_case *tc = &cur_cases[i];
		struct cur c = cur_make(tc->in, tc->in_len), before = c, sub = { NULL, 0 };
		const uint8_t *p = NULL;
		uint8_t v8 = 0;
		uint16_t v16 = 0;
		uint32_t v32 = 0, got = 0;
		bool ok = false;

		print_message("case %s\n", tc->name);
		switch (tc->op) {
		case OP_U8: ok = cur_u8(&c, &v8); got = v8; break;
		case OP_U16: ok = cur_u16(&c, &v16); got = v16; break;
		case OP_U24: ok = cur_u24(&c, &v32); got = v32; break;
		case OP_U32: ok = cur_u32(&c, &v32); got = v32; break;
		case OP_BYTES:
			ok = cur_bytes(&c, tc->n, &p);
			sub = cur_make(p, ok ? tc->n : 0);
			break;
		case OP_SKIP: ok = cur_skip(&c, tc->n); break;
		case OP_VEC8: ok = cur_vec8(&c, &sub); break;
		case OP_VEC16: ok = cur_vec16(&c, &sub); break;
		case OP_VEC24: ok = cur_vec24(&c, &sub); break;
		}
		assert_int_equal(ok, tc->want_ok);
		assert_int_equal(cur_left(&c), tc->want_left);
		if (!ok) {
			/* a failed read leaves the cursor exactly as it was */
			assert_ptr_equal(c.p, before.p);
			assert_int_equal(c.len, before.len);
			continue;
		}
		/* the cursor advanced by exactly what it consumed */
		assert_ptr_equal(c.p == NULL ? NULL : c.p,
				 tc->in == NULL ? NULL : tc->in + (tc->in_len - tc->want_left));
		switch (tc->op) {
		case OP_U8: case OP_U16: case OP_U24: case OP_U32:
			assert_int_equal(got, tc->want_val);
			break;
		case OP_BYTES: case OP_VEC8: case OP_VEC16: case OP_VEC24:
			assert_int_equal(cur_left(&sub), tc->want_sub_len);
			if (tc->in)
				assert_ptr_equal(sub.p, tc->in + tc->want_sub_off);
			break;
		case OP_SKIP:
			break;
		}
	}
}

/* Every read at every length of a buffer either succeeds with the right value or fails
 * without moving; run on exact-size heap copies so that ASan sees any overread. */
static void test_cur_short_reads_every_length(void **state)
{
	(void)state;
	for (size_t len = 0; len <= sizeof(b9); len++) {
		uint8_t *copy = malloc(len ? len : 1);
		assert_non_null(copy);
		memcpy(copy, b9, len);
		for (int op = OP_U8; op <= OP_VEC24; op++) {
			struct cur c = cur_make(copy, len), sub;
			const uint8_t *p;
			uint8_t v8;
			uint16_t v16;
			uint32_t v32;
			size_t need;
			bool ok;
			switch (op) {
			case OP_U8: ok = cur_u8(&c, &v8); need = 1; break;
			case OP_U16: ok = cur_u16(&c, &v16); need = 2; break;
			case OP_U24: ok = cur_u24(&c, &v32); need = 3; break;
			case OP_U32: ok = cur_u32(&c, &v32); need = 4; break;
			case OP_BYTES: ok = cur_bytes(&c, 5, &p); need = 5; break;
			case OP_SKIP: ok = cur_skip(&c, 6); need = 6; break;
			/* b9 starts 01 02 03: vec8 length 1, vec16 length 0x0102, vec24 0x010203 */
			case OP_VEC8: ok = cur_vec8(&c, &sub); need = 2; break;
			case OP_VEC16: ok = cur_vec16(&c, &sub); need = 2 + 0x0102; break;
			default: ok = cur_vec24(&c, &sub); need = 3 + 0x010203; break;
			}
			assert_int_equal(ok, len >= need);
			assert_int_equal(cur_left(&c), ok ? len - need : len);
		}
		free(copy);
	}
}

/* A sub-cursor is bounded by its vector, not by the parent's buffer. */
static void test_cur_sub_bounded(void **state)
{
	static const uint8_t in[] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd };
	struct cur c = cur_make(in, sizeof(in)), sub;
	uint16_t v;
	uint8_t x;
	(void)state;
	assert_true(cur_vec8(&c, &sub));
	assert_true(cur_u16(&sub, &v));
	assert_int_equal(v, 0xaabb);
	assert_false(cur_u8(&sub, &x)); /* 0xcc belongs to the parent */
	assert_true(cur_u8(&c, &x));
	assert_int_equal(x, 0xcc);
	assert_int_equal(cur_be16(in + 1, 0), 0xaabb);
	assert_int_equal(cur_be16(in + 1, 1), 0xccdd);
}

/* ---- builder ------------------------------------------------------------------------- */

enum bld_op { B_END, B_U8, B_U16, B_U24, B_U32, B_BYTES, B_ZEROS, B_OPEN, B_CLOSE };

struct bld_step {
	enum bld_op op;
	uint32_t v;          /* value, width for B_OPEN, count for B_ZEROS */
	const char *bytes;   /* B_BYTES: string without its NUL */
};

#define MAX_STEPS 24
struct bld_case {
	const char *name;
	size_t cap;
	struct bld_step steps[MAX_STEPS];
	bool want_ok;
	bool want_failed;        /* the sticky flag */
	int want_depth;
	size_t want_len;
	const uint8_t *want;     /* want_len bytes when want_ok, else NULL */
};

static const uint8_t want_ints[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
				     0x07, 0x08, 0x09, 0x0a };
/* vec16 { u8 0xaa, vec8 { "hi" }, vec24 { } } */
static const uint8_t want_nested[] = { 0x00, 0x07, 0xaa, 0x02, 'h', 'i', 0x00, 0x00, 0x00,
				       0xbb };
/* 255 zeros in a vec8: length ff */
static const uint8_t want_255[256] = { 0xff };
static const uint8_t want_empty_blocks[] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
/* eight nested vec8s, innermost holding one byte */
static const uint8_t want_depth8[] = { 8, 7, 6, 5, 4, 3, 2, 1, 0x55 };

static const struct bld_case bld_cases[] = {
	{ "ints", 16,
	  { { B_U8, 0x01, NULL }, { B_U16, 0x0203, NULL }, { B_U24, 0x040506, NULL },
	    { B_U32, 0x0708090a, NULL } },
	  true, false, 0, 10, want_ints },
	{ "ints exact cap", 10,
	  { { B_U8, 0x01, NULL }, { B_U16, 0x0203, NULL }, { B_U24, 0x040506, NULL },
	    { B_U32, 0x0708090a, NULL } },
	  true, false, 0, 10, want_ints },
	{ "u16 at exact cap", 2, { { B_U16, 0x0102, NULL } }, true, false, 0, 2,
	  want_ints },
	{ "nested patching", 16,
	  { { B_OPEN, 2, NULL }, { B_U8, 0xaa, NULL }, { B_OPEN, 1, NULL },
	    { B_BYTES, 0, "hi" }, { B_CLOSE, 0, NULL }, { B_OPEN, 3, NULL },
	    { B_CLOSE, 0, NULL }, { B_CLOSE, 0, NULL }, { B_U8, 0xbb, NULL } },
	  true, false, 0, 10, want_nested },
	{ "empty blocks", 8,
	  { { B_OPEN, 1, NULL }, { B_CLOSE, 0, NULL }, { B_OPEN, 2, NULL },
	    { B_CLOSE, 0, NULL }, { B_OPEN, 3, NULL }, { B_CLOSE, 0, NULL } },
	  true, false, 0, 6, want_empty_blocks },
	{ "255 bytes fit a 1-byte length", 300,
	  { { B_OPEN, 1, NULL }, { B_ZEROS, 255, NULL }, { B_CLOSE, 0, NULL } },
	  true, false, 0, 256, want_255 },
	{ "256 bytes do not fit a 1-byte length", 300,
	  { { B_OPEN, 1, NULL }, { B_ZEROS, 256, NULL }, { B_CLOSE, 0, NULL } },
	  false, true, 0, 257, NULL },
	{ "65536 bytes do not fit a 2-byte length", 70000,
	  { { B_OPEN, 2, NULL }, { B_ZEROS, 65536, NULL }, { B_CLOSE, 0, NULL } },
	  false, true, 0, 65538, NULL },
	{ "overflow", 3,
	  { { B_U16, 0x0102, NULL }, { B_U16, 0x0304, NULL } },
	  false, true, 0, 2, NULL },
	{ "overflow is sticky", 3,
	  { { B_U16, 0x0102, NULL }, { B_U16, 0x0304, NULL }, { B_U8, 0x05, NULL },
	    { B_OPEN, 1, NULL }, { B_CLOSE, 0, NULL }, { B_BYTES, 0, "x" } },
	  false, true, 0, 2, NULL },
	{ "overflow of a length field", 1,
	  { { B_U8, 1, NULL }, { B_OPEN, 2, NULL }, { B_CLOSE, 0, NULL } },
	  false, true, 0, 1, NULL },
	{ "zero capacity", 0, { { B_U8, 1, NULL } }, false, true, 0, 0, NULL },
	{ "zero capacity, nothing written", 0, { { B_END, 0, NULL } }, true, false, 0, 0,
	  NULL },
	{ "close without open", 8, { { B_CLOSE, 0, NULL } }, false, true, 0, 0, NULL },
	{ "close once too often", 8,
	  { { B_OPEN, 1, NULL }, { B_CLOSE, 0, NULL }, { B_CLOSE, 0, NULL },
	    { B_U8, 7, NULL } },
	  false, true, 0, 1, NULL },
	{ "left open", 8, { { B_OPEN, 2, NULL }, { B_U8, 1, NULL } }, false, false, 1, 3,
	  NULL },
	{ "width 0", 8, { { B_OPEN, 0, NULL } }, false, true, 0, 0, NULL },
	{ "width 4", 8, { { B_OPEN, 4, NULL } }, false, true, 0, 0, NULL },
	{ "depth 8 is the limit", 16,
	  { { B_OPEN, 1, NULL }, { B_OPEN, 1, NULL }, { B_OPEN, 1, NULL },
	    { B_OPEN, 1, NULL }, { B_OPEN, 1, NULL }, { B_OPEN, 1, NULL },
	    { B_OPEN, 1, NULL }, { B_OPEN, 1, NULL }, { B_U8, 0x55, NULL },
	    { B_CLOSE, 0, NULL }, { B_CLOSE, 0, NULL }, { B_CLOSE, 0, NULL },
	    { B_CLOSE, 0, NULL }, { B_CLOSE, 0, NULL }, { B_CLOSE, 0, NULL },
	    { B_CLOSE, 0, NULL }, { B_CLOSE, 0, NULL } },
	  true, false, 0, 9, want_depth8 },
	{ "depth 9 fails", 16,
	  { { B_OPEN, 1, NULL }, { B_OPEN, 1, NULL }, { B_OPEN, 1, NULL },
	    { B_OPEN, 1, NULL }, { B_OPEN, 1, NULL }, { B_OPEN, 1, NULL },
	    { B_OPEN, 1, NULL }, { B_OPEN, 1, NULL }, { B_OPEN, 1, NULL },
	    { B_U8, 0x55, NULL } },
	  false, true, 8, 8, NULL },
};

static void run_steps(struct bld *b, const struct bld_step *steps)
{
	static const uint8_t zeros[70000];
	for (size_t k = 0; k < MAX_STEPS && steps[k].op != B_END; k++) {
		const struct bld_step *s = &steps[k];
		switch (s->op) {
		case B_U8: bld_u8(b, (uint8_t)s->v); break;
		case B_U16: bld_u16(b, (uint16_t)s->v); break;
		case B_U24: bld_u24(b, s->v); break;
		case B_U32: bld_u32(b, s->v); break;
		case B_BYTES: bld_bytes(b, s->bytes, strlen(s->bytes)); break;
		case B_ZEROS: bld_bytes(b, zeros, s->v); break;
		case B_OPEN: bld_open(b, (int)s->v); break;
		case B_CLOSE: bld_close(b); break;
		case B_END: break;
		}
	}
}

static void test_bld_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(bld_cases); i++) {
		const struct bld_case *tc = &bld_cases[i];
		/* exact-size heap buffer: ASan catches any write past cap */
		uint8_t *buf = malloc(tc->cap ? tc->cap : 1);
		struct bld b;

		print_message("case %s\n", tc->name);
		assert_non_null(buf);
		bld_init(&b, tc->cap ? buf : NULL, tc->cap);
		run_steps(&b, tc->steps);
		assert_int_equal(bld_ok(&b), tc->want_ok);
		assert_int_equal(b.failed, tc->want_failed);
		assert_int_equal(b.depth, tc->want_depth);
		assert_int_equal(b.len, tc->want_len);
		if (tc->want)
			assert_memory_equal(buf, tc->want, tc->want_len);
		free(buf);
	}
}

/* A builder whose body is written and read back: every length it patched is what a cursor
 * finds when it opens the same vectors. */
static void test_bld_cur_roundtrip(void **state)
{
	uint8_t buf[600];
	struct bld b;
	/* initialized: gcc cannot see that a failed assert_true does not return */
	struct cur c, v1 = cur_make(NULL, 0), v2 = cur_make(NULL, 0), v3 = cur_make(NULL, 0);
	uint8_t x = 0;
	(void)state;
	for (size_t n = 0; n < 300; n += 37) {
		bld_init(&b, buf, sizeof(buf));
		bld_open(&b, 3);
		bld_open(&b, 2);
		for (size_t i = 0; i < n; i++)
			bld_u8(&b, (uint8_t)i);
		bld_close(&b);
		bld_open(&b, 1);
		bld_u8(&b, 0x42);
		bld_close(&b);
		bld_close(&b);
		assert_true(bld_ok(&b));
		assert_int_equal(b.len, 3 + 2 + n + 1 + 1);
		c = cur_make(buf, b.len);
		assert_true(cur_vec24(&c, &v1));
		assert_int_equal(cur_left(&c), 0);
		assert_true(cur_vec16(&v1, &v2));
		assert_int_equal(cur_left(&v2), n);
		for (size_t i = 0; i < n; i++) {
			assert_true(cur_u8(&v2, &x));
			assert_int_equal(x, (uint8_t)i);
		}
		assert_true(cur_vec8(&v1, &v3));
		assert_true(cur_u8(&v3, &x));
		assert_int_equal(x, 0x42);
		assert_int_equal(cur_left(&v1), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cur_table),
		cmocka_unit_test(test_cur_short_reads_every_length),
		cmocka_unit_test(test_cur_sub_bounded),
		cmocka_unit_test(test_bld_table),
		cmocka_unit_test(test_bld_cur_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
