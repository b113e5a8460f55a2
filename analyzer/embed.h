/*
 * embed: the bundled rule set (every .sql file under rules/) and the analyzer's reference data (data/),
 * compiled into the program by analyzer/gen_embed.py, so that `tlsscope analyze` needs no
 * file beside the program. Each blob is NUL-terminated text (len excludes the NUL).
 */
#ifndef TLSSCOPE_ANALYZER_EMBED_H
#define TLSSCOPE_ANALYZER_EMBED_H

#include <stddef.h>

struct embed_file {
	const char *name;            /* rules: path under the top ("rules/pci/x.sql");
					data: "ref_suite", "ref_group", "mozilla-6.0", ... */
	const unsigned char *data;
	size_t len;
};

/* Both arrays end with a { NULL, NULL, 0 } entry. */
extern const struct embed_file embed_rules[];
extern const size_t embed_n_rules;
extern const struct embed_file embed_datas[];
extern const size_t embed_n_datas;

/* The data blob of that name, NULL when none. */
const struct embed_file *embed_data(const char *name);

#endif
