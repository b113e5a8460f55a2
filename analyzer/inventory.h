/*
 * inventory: reads the files of `tlsscope inventory import` into inventory entries, the
 * authorized (name, certificate | key | issuer) facts a certificate-transparency monitor keeps.
 * Parsing only: the entries go to the store through store_add_inventory() (the CLI does that);
 * this module never touches SQLite and never prints.
 *
 * Inputs (the format is recognised from the content, not from the file name):
 *   - PEM: every "CERTIFICATE" block of the file (a chain, a bundle; other blocks such as
 *     private keys are ignored). At least one certificate; a damaged block is an error.
 *   - DER: exactly one certificate (trailing bytes are an error).
 *   - crt.sh JSON: the array https://crt.sh/?q=NAME&output=json returns, objects with
 *     "issuer_name", "name_value" (names separated by '\n'), "common_name", "id",
 *     "serial_number", "not_before", "not_after" (more fields are ignored). crt.sh gives no
 *     certificate bytes, so its entries name only the issuer (see inventory_crtsh_issuer).
 *
 * The entries of a certificate: one per name, with cert_sha256 (lowercase hex of the DER),
 * spki_sha256 (base64, as pin-sha256), issuer (RFC 2253, as certinfo prints it), not_before
 * and not_after (RFC 3339 UTC), all from certinfo.h. The names are the caller's (--name)
 * when given, else the certificate's subjectAltName DNS names in certificate order. CA
 * certificates (basicConstraints CA:TRUE) of a chain or bundle are skipped (counted in
 * skipped_ca): a leaf's row already names its issuer. A leaf without a DNS name and without
 * caller names is an error (nothing would be recorded for it).
 *
 * The entries of a crt.sh object: one per name of name_value (or of common_name when
 * name_value is missing or empty; or the caller's names), with issuer, not_before and
 * not_after ("2023-04-25T00:00:00" read as UTC and written "2023-04-25T00:00:00Z");
 * cert_sha256 and spki_sha256 are NULL. The source is "crt.sh id=ID serial=SERIAL FILE", so
 * the serial is kept with the row (the store's key is (name, cert, key, issuer): several
 * certificates of one issuer for one name are one row, keeping the first one's source).
 *
 * Source of a certificate entry: the file name as given, with "#N" (1-based position) when
 * the file holds several certificates.
 *
 * Errors are all-or-nothing per file: inventory_add_file() appends every entry of the file or
 * none, so a caller that reads every file first and writes only when all were read imports
 * all or nothing.
 */
#ifndef TLSSCOPE_ANALYZER_INVENTORY_H
#define TLSSCOPE_ANALYZER_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#define INVENTORY_FILE_MAX (64u * 1024 * 1024)  /* larger files are refused */
#define INVENTORY_ENTRIES_MAX 1000000u          /* entries of one struct inventory */
#define INVENTORY_NAME_MAX 253                  /* bytes of one name (a DNS name's limit) */

/* One entry, as store_add_inventory() takes it. Strings are owned by the inventory. */
struct inventory_entry {
	char *name;           /* never NULL */
	char *cert_sha256;    /* lowercase hex, or NULL (crt.sh) */
	char *spki_sha256;    /* base64 pin-sha256, or NULL (crt.sh) */
	char *issuer;         /* RFC 2253, or NULL when a certificate's issuer is unreadable */
	char *not_before;     /* RFC 3339 UTC, or NULL */
	char *not_after;
	char *source;         /* never NULL */
};

enum inventory_format {
	INVENTORY_PEM,
	INVENTORY_DER,
	INVENTORY_CRTSH,
};

/* What one file held. */
struct inventory_file_stats {
	enum inventory_format format;
	size_t records;       /* certificates, or crt.sh objects */
	size_t skipped_ca;    /* CA certificates skipped */
	size_t entries;       /* entries appended */
};

struct inventory;

/* A new empty inventory, or NULL when out of memory. Free with inventory_free(). */
struct inventory *inventory_new(void) __attribute__((warn_unused_result));

/* Frees inv and every entry. NULL is a no-op. */
void inventory_free(struct inventory *inv);

/*
 * Reads the file at path (at most INVENTORY_FILE_MAX bytes) and appends its entries.
 * names: n_names caller names (--name) replacing the names of the input, or NULL/0; each
 * must be non-empty, without spaces or control characters and at most INVENTORY_NAME_MAX
 * bytes. Strings are only read during the call. stats (may be NULL) receives the figures.
 * Returns 0, or -1 with a NUL-terminated message in err (errcap > 0) that does not repeat
 * the file name ("not a certificate, PEM file or crt.sh JSON", "crt.sh JSON: element 3:
 * \"issuer_name\" is not a string", "cannot read: No such file or directory"); on error no
 * entry of the file was appended.
 */
int inventory_add_file(struct inventory *inv, const char *path, const char *const *names,
		       size_t n_names, struct inventory_file_stats *stats, char *err,
		       size_t errcap) __attribute__((warn_unused_result));

/*
 * The same for len bytes in memory; source is the file name used in the entries' source.
 * buf and source are only read during the call.
 */
int inventory_add_buffer(struct inventory *inv, const uint8_t *buf, size_t len,
			 const char *source, const char *const *names, size_t n_names,
			 struct inventory_file_stats *stats, char *err, size_t errcap)
	__attribute__((warn_unused_result));

/* The number of entries. */
size_t inventory_count(const struct inventory *inv);

/* Entry i (i < inventory_count()), valid until the next append or inventory_free(). */
const struct inventory_entry *inventory_at(const struct inventory *inv, size_t i);

/*
 * crt.sh's issuer_name in the RFC 2253 form certinfo prints (X509_NAME_print_ex with
 * XN_FLAG_RFC2253), so that inventory rows and certificate facts compare as strings.
 *
 * crt.sh prints names in certificate order, RDNs separated by ", ", the attributes of a
 * multi-valued RDN by " + ", a value that holds a special character in double quotes
 * ("O=\"Cloudflare, Inc.\""), other special characters escaped with '\' (also "\XX" hex),
 * non-ASCII as UTF-8: "C=US, O=\"Cloudflare, Inc.\", CN=Cloudflare Inc ECC CA-3".
 * RFC 2253 reverses the order and separates with ',' (and '+'), escaping specials with '\'
 * and, as OpenSSL does, bytes >= 0x80 as "\XX": "CN=Cloudflare Inc ECC CA-3,O=Cloudflare\,
 * Inc.,C=US". The conversion splits crt.sh's text into (type, value) pairs, rebuilds an
 * X509_NAME from them with OpenSSL and prints that with XN_FLAG_RFC2253; an attribute type
 * OpenSSL does not know is kept as written, its value escaped by RFC 2253's rules (section
 * 2.4). The string types of the certificate are unknown (crt.sh prints text), which does not
 * change the printed text.
 *
 * in: NUL-terminated; out: cap bytes. Returns 0, or -1 when in cannot be split (an RDN
 * without '=', an unterminated quote or escape) or out is too small.
 */
int inventory_crtsh_issuer(const char *in, char *out, size_t cap)
	__attribute__((warn_unused_result));

#endif
