/*
 * cli_demo: the captures bundled with `tlsscope demo`.
 *
 * The capture files in data/demo/ (.pcap, .pcapng), embedded byte for byte at build time by
 * cli/SConscript (so the demo runs from any directory and reads nothing from the source
 * tree), in file-name order. Their origins and licences are in data/README.md. Static
 * storage, never freed.
 */
#ifndef TLSSCOPE_CLI_CLI_DEMO_H
#define TLSSCOPE_CLI_CLI_DEMO_H

#include <stddef.h>

struct cli_demo_pcap {
	const char *name;            /* file name under data/demo/, e.g. "ja4-latest.pcapng" */
	const unsigned char *bytes;  /* the whole file */
	size_t len;
};

extern const struct cli_demo_pcap cli_demo_pcaps[];
extern const size_t cli_demo_n_pcaps;

#endif
