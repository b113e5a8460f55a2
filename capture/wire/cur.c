/*
 * cur: every function is static inline in cur.h (they are on the hot path of frame decoding
 * and hello parsing); this file stays so that the header is compiled on its own.
 */
#include "capture/wire/cur.h"
