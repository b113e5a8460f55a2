/*
 * The reference tables of the rules. See refdata.h.
 */
#include <stdio.h>
#include <string.h>

#include "analyzer/embed.h"
#include "analyzer/refdata.h"
#include "analyzer/store/store.h"

/* The columns of data/tls-cipher-suites.csv, in its order (gen_embed.py keeps its keys). */
static const char suite_sql[] =
"CREATE TEMP TABLE ref_suite AS SELECT "
	"json_extract(value, '$.hex') AS hex, "
	"json_extract(value, '$.code') AS code, "
	"json_extract(value, '$.iana_name') AS name, "
	"json_extract(value, '$.openssl_name') AS openssl_name, "
	"json_extract(value, '$.openssl_name_source') AS openssl_name_source, "
	"json_extract(value, '$.gnutls_name') AS gnutls_name, "
	"json_extract(value, '$.tls13_only') AS tls13_only, "
	"json_extract(value, '$.openssl_min_version') AS openssl_min_version, "
	"json_extract(value, '$.kx') AS kx, "
	"json_extract(value, '$.auth') AS auth, "
	"json_extract(value, '$.pfs') AS pfs, "
	"json_extract(value, '$.enc') AS enc, "
	"json_extract(value, '$.enc_family') AS enc_family, "
	"CAST(json_extract(value, '$.enc_key_bits') AS INTEGER) AS enc_key_bits, "
	"CAST(json_extract(value, '$.enc_effective_bits') AS INTEGER) AS enc_effective_bits, "
	"CAST(json_extract(value, '$.block_bits') AS INTEGER) AS block_bits, "
	"json_extract(value, '$.mode') AS mode, "
	"json_extract(value, '$.aead') AS aead, "
	"json_extract(value, '$.mac') AS mac, "
	"json_extract(value, '$.prf') AS prf, "
	"json_extract(value, '$.export') AS export, "
	"json_extract(value, '$.iana_dtls_ok') AS iana_dtls_ok, "
	"json_extract(value, '$.iana_recommended') AS iana_recommended, "
	"json_extract(value, '$.csinfo_style_rating') AS csinfo_style_rating, "
	"json_extract(value, '$.weakness_tags') AS weakness_tags, "
	"json_extract(value, '$.mozilla_6_0_modern') AS mozilla_6_0_modern, "
	"json_extract(value, '$.mozilla_6_0_intermediate') AS mozilla_6_0_intermediate, "
	"json_extract(value, '$.mozilla_5_8_old') AS mozilla_5_8_old, "
	"json_extract(value, '$.nist_800_52r2_unverified') AS nist_800_52r2_unverified, "
	"json_extract(value, '$.bsi_tr02102_2_unverified') AS bsi_tr02102_2_unverified, "
	"json_extract(value, '$.iana_reference') AS iana_reference "
	"FROM json_each(?)";

static const char group_sql[] =
	"CREATE TEMP TABLE ref_group AS SELECT json_extract(value, '$.code') AS code,"
	" json_extract(value, '$.name') AS name, json_extract(value, '$.recommended') AS"
	" recommended FROM json_each(?)";

/* The Mozilla guidelines name curves as OpenSSL does; our outputs use IANA names. */
static const char alias_sql[] =
	"CREATE TEMP TABLE ref_group_alias AS SELECT column1 AS alias, column2 AS name FROM"
	" (VALUES ('X25519', 'x25519'), ('X448', 'x448'), ('prime256v1', 'secp256r1'),"
	" ('P-256', 'secp256r1'), ('secp256r1', 'secp256r1'), ('P-384', 'secp384r1'),"
	" ('secp384r1', 'secp384r1'), ('P-521', 'secp521r1'), ('secp521r1', 'secp521r1'),"
	" ('X25519MLKEM768', 'X25519MLKEM768'), ('SecP256r1MLKEM768', 'SecP256r1MLKEM768'),"
	" ('SecP384r1MLKEM1024', 'SecP384r1MLKEM1024'), ('ffdhe2048', 'ffdhe2048'),"
	" ('ffdhe3072', 'ffdhe3072'), ('ffdhe4096', 'ffdhe4096'), ('ffdhe6144', 'ffdhe6144'),"
	" ('ffdhe8192', 'ffdhe8192'))";

static const char doc_sql[] =
	"CREATE TEMP TABLE ref_doc (name TEXT PRIMARY KEY, doc TEXT NOT NULL)";

static int exec(struct store *st, const char *sql, const char *bind, char *err, size_t errcap)
{
	if (store_temp_exec(st, sql, bind) == STORE_OK)
		return 0;
	snprintf(err, errcap, "reference tables: %s", store_errmsg(st));
	return -1;
}

int refdata_load(struct store *st, char *err, size_t errcap)
{
	static const char *const drops[] = {
		"DROP TABLE IF EXISTS temp.ref_suite", "DROP TABLE IF EXISTS temp.ref_group",
		"DROP TABLE IF EXISTS temp.ref_group_alias", "DROP TABLE IF EXISTS temp.ref_doc",
	};
	for (size_t i = 0; i < sizeof(drops) / sizeof(drops[0]); i++)
		if (exec(st, drops[i], NULL, err, errcap) != 0)
			return -1;
	const struct embed_file *suites = embed_data("ref_suite");
	const struct embed_file *groups = embed_data("ref_group");
	if (!suites || !groups) {
		snprintf(err, errcap, "reference tables: not built into this program");
		return -1;
	}
	if (exec(st, suite_sql, (const char *)suites->data, err, errcap) != 0 ||
	    exec(st, group_sql, (const char *)groups->data, err, errcap) != 0 ||
	    exec(st, alias_sql, NULL, err, errcap) != 0 || exec(st, doc_sql, NULL, err, errcap) != 0)
		return -1;
	for (size_t i = 0; i < embed_n_datas; i++) {
		const struct embed_file *d = &embed_datas[i];
		if (d->name[0] != 'm') /* the documents: "mozilla-*" */
			continue;
		char sql[128];
		snprintf(sql, sizeof(sql), "INSERT INTO temp.ref_doc (name, doc) VALUES ('%s', ?)",
			 d->name);
		if (exec(st, sql, (const char *)d->data, err, errcap) != 0)
			return -1;
	}
	return 0;
}

const struct embed_file *embed_data(const char *name)
{
	for (size_t i = 0; i < embed_n_datas; i++)
		if (strcmp(embed_datas[i].name, name) == 0)
			return &embed_datas[i];
	return NULL;
}
