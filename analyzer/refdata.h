/*
 * refdata: the reference tables the rules join, created as TEMP tables on the store's
 * connection from the embedded data (embed.h) before the rules run. Documented for rule
 * authors in rules/README.md:
 *
 *   ref_suite        one row per IANA cipher suite: every column of data/tls-cipher-suites.csv
 *                    (name = iana_name; enc_key_bits, enc_effective_bits, block_bits as
 *                    integers; Y/N flags as 'Y'/'N'; membership columns as 'Y' or NULL)
 *   ref_group        IANA supported groups: code, name, recommended
 *   ref_group_alias  OpenSSL-style curve names of the Mozilla guidelines (X25519,
 *                    prime256v1, ...) -> our IANA names (x25519, secp256r1, ...)
 *   ref_doc          name, doc: the Mozilla guidelines ("mozilla-6.0", "mozilla-5.8") as JSON
 */
#ifndef TLSSCOPE_ANALYZER_REFDATA_H
#define TLSSCOPE_ANALYZER_REFDATA_H

#include <stddef.h>

struct store;

/* Creates (or re-creates) the tables. 0, or -1 with the store's message in err. */
int refdata_load(struct store *st, char *err, size_t errcap)
	__attribute__((warn_unused_result));

#endif
