/*
 * cli_demo: the handshakes bundled with `tlsscope demo`.
 *
 * The lines of data/demo/handshakes.jsonl, embedded at build time by cli/SConscript (so the
 * demo runs from any directory). Each line is one JSON object: name, note, corpus, pcap,
 * stream, client_ip, client_port, server_ip, server_port, c2s and s2c (hex of the cleartext
 * handshake bytes of each direction) and expect (tshark's values, for the tests only: the
 * demo never reads them). Static storage, never freed.
 */
#ifndef TLSSCOPE_CLI_CLI_DEMO_H
#define TLSSCOPE_CLI_CLI_DEMO_H

#include <stddef.h>

extern const char *const cli_demo_lines[];
extern const size_t cli_demo_n_lines;

#endif
