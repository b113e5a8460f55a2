/*
 * tri: a fact that may be unknown. Tri-state facts of the scanner (scan results, verdicts)
 * use enum scanres_tri: SCANRES_NULL (not determined: printed as JSON null), SCANRES_NO,
 * SCANRES_YES. A zero-initialised field is SCANRES_NULL.
 */
#ifndef TLSSCOPE_SCANNER_TRI_H
#define TLSSCOPE_SCANNER_TRI_H

enum scanres_tri {
	SCANRES_NULL = 0, /* not determined */
	SCANRES_NO,
	SCANRES_YES,
};

#endif
