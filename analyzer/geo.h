/*
 * geo: GeoIP / ASN enrichment of IP addresses from MaxMind DB files (libmaxminddb), for
 * `tlsscope sniff --geoip` and `tlsscope analyze --geoip`. The facts land in the store's
 * `geo` table (store_put_geo), which the rules may join on `ip` (rules/README.md).
 *
 * Databases
 *   A struct geo holds one or more MaxMind DB files, each classified by its metadata
 *   database_type:
 *     "...City..." or "...Enterprise..."  country.iso_code, city.names.en
 *     "...Country..."                     country.iso_code
 *     "...ASN..."                         autonomous_system_number, _organization
 *     "...ISP..."                         the same (organization: "isp" when the AS
 *                                         organization is missing)
 *   Any other type is refused. geo_open() checks every file before it is used: the
 *   metadata, every node of the search tree, and the first GEO_VERIFY_DATA_MAX data
 *   records, so a corrupt file is refused up front with libmaxminddb's message
 *   (MMDB_strerror) and the file's name. Corruption beyond that sample is still caught,
 *   and reported the same way, by the lookup that meets it (libmaxminddb checks every
 *   offset it follows): never a crash or a hang.
 *
 * Lookups
 *   Addresses are numeric IPv4 or IPv6 text (never resolved). Several databases merge by
 *   group: the location (country, city) comes whole from the first database, in the order
 *   given, that knows any of it, and so does the network (asn, as_org), so a city is never
 *   paired with another database's country. `source` names the databases that
 *   contributed, "<database_type> <build date>" (the build date in UTC) joined by ", ".
 *   An address the databases do not know (private, reserved, not in a test database) has
 *   no data: GEO_NODATA, not an error.
 *
 * Not thread-safe: one struct geo per thread (opening the same files twice is cheap:
 * they are memory-mapped). The library never prints and never exits.
 */
#ifndef TLSSCOPE_ANALYZER_GEO_H
#define TLSSCOPE_ANALYZER_GEO_H

#include <stddef.h>

#include "analyzer/store/store.h"

/* At most this many databases in one struct geo (City, Country, ASN, ISP and a few more). */
#define GEO_FILES_MAX 8

/* geo_open() decodes at most this many data records of each file to check them. */
#define GEO_VERIFY_DATA_MAX 4096

/* geo_enrich_store() handles at most this many distinct addresses per call. */
#define GEO_ENRICH_MAX 10000000u

/* Size of the error message buffer (geo_errmsg()). */
#define GEO_ERRMSG_SIZE 512

enum geo_status {
	GEO_OK = 0,
	GEO_NODATA,   /* the databases know nothing about the address (not an error) */
	GEO_EINVAL,   /* not a numeric IPv4/IPv6 address, or a bad argument */
	GEO_EDB,      /* a database failed during a lookup (corrupt data): geo_errmsg() */
	GEO_ESTORE,   /* geo_enrich_store(): the store failed: store_errmsg() says why */
	GEO_ENOMEM,   /* out of memory, or more than GEO_ENRICH_MAX addresses */
};

struct geo;

/*
 * Open and check the n (1..GEO_FILES_MAX) MaxMind DB files paths[0..n-1] (read during the
 * call only). Returns the new object (free with geo_close()), or NULL with a message in
 * err (errcap bytes, may be 0) that names the file and gives libmaxminddb's reason, e.g.
 * "'x.mmdb': The MaxMind DB file's search tree is corrupt (node 1)", or
 * "'x.mmdb': unsupported database type 'GeoIP2-Domain' (City, Country, ASN or ISP)".
 */
struct geo *geo_open(const char *const *paths, size_t n, char *err, size_t errcap)
	__attribute__((warn_unused_result));

/* Closes the databases and frees g. g may be NULL. */
void geo_close(struct geo *g);

/*
 * Look up the numeric address ip (IPv4 or IPv6 text; "::ffff:a.b.c.d" is looked up as
 * a.b.c.d) in every database and fill *out: out->ip = ip; country, city, as_org and
 * source point into g and stay valid until the next geo_lookup() or geo_close(); NULL and
 * asn 0 for what no database knows.
 * Returns GEO_OK (at least one field is known), GEO_NODATA (*out holds no facts),
 * GEO_EINVAL (ip is not a numeric address), GEO_EDB (a database is corrupt where the
 * lookup went: geo_errmsg() names the file and gives libmaxminddb's message).
 */
int geo_lookup(struct geo *g, const char *ip, struct store_geo *out)
	__attribute__((warn_unused_result));

/* The message of the last GEO_EDB / GEO_ENOMEM error, "no error" if none. Owned by g,
 * valid until the next call on g. */
const char *geo_errmsg(const struct geo *g);

/* What geo_enrich_store() did. */
struct geo_enrich_stats {
	size_t addresses; /* distinct addresses in the store */
	size_t found;     /* of which had data and were stored (store_put_geo) */
};

/*
 * Look up every distinct address of the store (endpoints.ip, connections.server_ip and
 * client_ip) and store what is known with store_put_geo() (batched: store_flush commits).
 * Addresses that are not numeric (hosts without an IP) or have no data are skipped.
 * out may be NULL.
 * Returns GEO_OK, GEO_EDB (geo_errmsg()), GEO_ESTORE (store_errmsg(st)), GEO_ENOMEM.
 */
int geo_enrich_store(struct geo *g, struct store *st, struct geo_enrich_stats *out)
	__attribute__((warn_unused_result));

#endif /* TLSSCOPE_ANALYZER_GEO_H */
