/*
 * tlsscope inventory: the authorized certificates, keys and issuers of each name, as a
 * certificate-transparency monitor keeps them (the table `inventory`, rules/README.md).
 *
 *   import: reads every FILE (analyzer/inventory.h: PEM, DER, crt.sh JSON) before it opens
 *           the store; one bad file refuses the whole import (exit 2, the file named). The
 *           entries are then written in one batch (a batch size above their number, so the
 *           store commits nothing before the final store_flush()): an error while writing
 *           commits nothing either (a fatal store error discards the open batch; the entries
 *           were checked as store_add_inventory() checks them, so no row can be refused).
 *   list:   the rows, as text or NDJSON ("type":"inventory").
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analyzer/inventory.h"
#include "analyzer/store/store.h"
#include "cli/cli.h"

#define CMD "inventory"
#define NAMES_MAX 256

static const char help[] =
	"Usage: tlsscope inventory import --db PATH [--name NAME]... FILE...\n"
	"       tlsscope inventory list --db PATH [--json]\n"
	"Records which certificates, keys and issuers are authorized for which names (as a\n"
	"certificate-transparency monitor keeps them); the rules compare what the scanner and\n"
	"the sensor see with it.\n"
	"\n"
	"import reads FILEs of any of these kinds (recognised by their content):\n"
	"  PEM           every CERTIFICATE block (a chain or bundle; other blocks are ignored)\n"
	"  DER           one certificate\n"
	"  crt.sh JSON   the array https://crt.sh/?q=NAME&output=json returns: the issuer of\n"
	"                each name (crt.sh has no certificate bytes); the serial is kept in the\n"
	"                row's source\n"
	"A certificate gives one row per subjectAltName DNS name (or per --name) with its\n"
	"SHA-256, its key's pin-sha256, its issuer (RFC 2253) and validity; CA certificates\n"
	"of a chain are skipped. Every file is read before anything is written: one bad file\n"
	"imports nothing.\n"
	"\n"
	"Options:\n"
	"  --db PATH     the SQLite store (import creates it when needed)\n"
	"  --name NAME   import: the names the entries are authorized for, instead of the\n"
	"                certificate's DNS names or crt.sh's name_value (repeatable)\n"
	"  --json        list: NDJSON on stdout, one \"inventory\" object per row\n"
	"  -h, --help    show this help and exit\n"
	"\n"
	"Exit status: 0 success, 2 usage or input error (a file that cannot be read, is not a\n"
	"certificate or is malformed JSON: nothing is imported), 3 runtime failure.\n";

enum {
	OPT_DB = 256,
	OPT_NAME,
	OPT_JSON,
};

static const struct option longopts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char *const format_names[] = {
	[INVENTORY_PEM] = "PEM",
	[INVENTORY_DER] = "DER",
	[INVENTORY_CRTSH] = "crt.sh JSON",
};

static int open_error(const char *cmd, const char *db, const struct store_error *e)
{
	return cli_fail(e->code == STORE_ENOTSTORE || e->code == STORE_ETOONEW ||
				e->code == STORE_ENOTDB ? CLI_USAGE : CLI_RUNTIME,
			cmd, "database '%s': %s", db, e->msg);
}

static int import(const char *cmd, const char *db, const char *const *names, size_t n_names,
		  char **files, int n_files)
{
	struct inventory *inv = inventory_new();
	if (!inv)
		return cli_fail(CLI_RUNTIME, cmd, "out of memory");
	char err[512];
	int ret = CLI_OK;
	for (int i = 0; i < n_files; i++) {
		struct inventory_file_stats fs;
		if (inventory_add_file(inv, files[i], names, n_names, &fs, err, sizeof(err)) != 0) {
			ret = cli_fail(strcmp(err, "out of memory") == 0 ? CLI_RUNTIME : CLI_USAGE,
				       cmd, "'%s': %s (nothing imported)", files[i], err);
			goto out;
		}
		printf("%s: %s, %zu %s", files[i], format_names[fs.format], fs.records,
		       fs.format == INVENTORY_CRTSH ? "records" : "certificates");
		if (fs.skipped_ca)
			printf(" (%zu CA skipped)", fs.skipped_ca);
		printf(", %zu entries\n", fs.entries);
	}

	size_t n = inventory_count(inv);
	struct store_error serr = { 0, "" };
	/* One batch for everything: the store commits only at store_flush() below. */
	struct store_options sopts = { (unsigned)n + 1, 0, "tlsscope " TLSSCOPE_VERSION };
	struct store *st = store_open(db, &sopts, &serr);
	if (!st) {
		ret = open_error(cmd, db, &serr);
		goto out;
	}
	size_t added = 0;
	for (size_t i = 0; i < n; i++) {
		const struct inventory_entry *e = inventory_at(inv, i);
		struct store_inventory si = {
			.name = e->name, .cert_sha256 = e->cert_sha256, .spki_sha256 = e->spki_sha256,
			.issuer = e->issuer, .not_before = e->not_before, .not_after = e->not_after,
			.source = e->source,
		};
		bool was_added = false;
		int rc = store_add_inventory(st, &si, &was_added);
		if (rc != STORE_OK) {
			/* A busy lock at the first write (nothing written) or a fatal error
			 * (the store discards the open batch). A refused entry after the first
			 * cannot happen (inventory.c checks what store_add_inventory checks);
			 * if it did, store_close() would commit the entries before it: say so. */
			bool fatal = rc == STORE_ENOTDB || rc == STORE_EIO;
			if (fatal || i == 0)
				ret = cli_fail(CLI_RUNTIME, cmd, "database '%s': %s (nothing"
					       " imported)", db, store_errmsg(st));
			else
				ret = cli_fail(CLI_RUNTIME, cmd, "database '%s': entry %zu: %s (the"
					       " %zu entries before it were imported)", db, i + 1,
					       store_errmsg(st), i);
			store_close(st);
			goto out;
		}
		added += was_added;
	}
	if (store_flush(st) != STORE_OK) {
		ret = cli_fail(CLI_RUNTIME, cmd, "database '%s': %s (nothing imported)", db,
			       store_errmsg(st));
		store_close(st);
		goto out;
	}
	store_close(st);
	printf("%zu entries from %d files: %zu new, %zu already in the inventory\n", n, n_files,
	       added, n - added);
	fflush(stdout);
	if (ferror(stdout))
		ret = cli_fail(CLI_RUNTIME, cmd, "cannot write output");
out:
	inventory_free(inv);
	return ret;
}

/* ---- list ------------------------------------------------------------------------------- */

struct list_ctx {
	bool json;
	bool oom;
	size_t rows;
};

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* Columns: id, name, cert_sha256, spki_sha256, issuer, not_before, not_after, source,
 * imported. */
static int on_row(void *vctx, int ncol, const char *const *names, const char *const *v)
{
	struct list_ctx *x = vctx;
	(void)names;
	if (ncol != 9)
		return 1;
	x->rows++;
	if (!x->json) {
		printf("%s\n", v[1]);
		if (v[2])
			printf("  certificate  %s\n", v[2]);
		if (v[3])
			printf("  pin-sha256   %s\n", v[3]);
		if (v[4])
			printf("  issuer       %s\n", v[4]);
		if (v[5] || v[6])
			printf("  valid        %s .. %s\n", v[5] ? v[5] : "?", v[6] ? v[6] : "?");
		printf("  source       %s (imported %s)\n", v[7], v[8]);
		return 0;
	}
	json_t *j = json_object();
	if (!j) {
		x->oom = true;
		return 1;
	}
	json_object_set_new(j, "type", json_string("inventory"));
	json_object_set_new(j, "id", json_integer(strtoll(v[0], NULL, 10)));
	json_object_set_new(j, "name", str_or_null(v[1]));
	json_object_set_new(j, "cert_sha256", str_or_null(v[2]));
	json_object_set_new(j, "spki_sha256", str_or_null(v[3]));
	json_object_set_new(j, "issuer", str_or_null(v[4]));
	json_object_set_new(j, "not_before", str_or_null(v[5]));
	json_object_set_new(j, "not_after", str_or_null(v[6]));
	json_object_set_new(j, "source", str_or_null(v[7]));
	json_object_set_new(j, "imported", str_or_null(v[8]));
	char *line = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!line) {
		x->oom = true;
		return 1;
	}
	puts(line);
	free(line);
	return 0;
}

static int list(const char *cmd, const char *db, bool json)
{
	if (!cli_check_readable(cmd, "--db", db))
		return CLI_USAGE;
	struct store_error serr = { 0, "" };
	struct store_options sopts = { 0, 0, "tlsscope " TLSSCOPE_VERSION };
	struct store *st = store_open(db, &sopts, &serr);
	if (!st)
		return open_error(cmd, db, &serr);
	struct list_ctx x = { .json = json };
	int ret = CLI_OK;
	if (store_query(st, "SELECT id, name, cert_sha256, spki_sha256, issuer, not_before,"
			    " not_after, source, imported FROM inventory ORDER BY name, id",
			on_row, &x) != STORE_OK)
		ret = cli_fail(CLI_RUNTIME, cmd, "database '%s': %s", db, store_errmsg(st));
	store_close(st);
	if (ret != CLI_OK)
		return ret;
	if (!json)
		printf("%zu inventory entries\n", x.rows);
	fflush(stdout);
	if (x.oom || ferror(stdout))
		return cli_fail(CLI_RUNTIME, cmd, x.oom ? "out of memory" : "cannot write output");
	return CLI_OK;
}

int cli_inventory(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error(CMD, "expected 'import' or 'list'");
	const char *sub = argv[1];
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		fputs(help, stdout);
		return CLI_OK;
	}
	bool is_import = strcmp(sub, "import") == 0;
	if (!is_import && strcmp(sub, "list") != 0)
		return cli_usage_error(CMD, "unknown subcommand '%s' (import, list)", sub);
	const char *cmd = is_import ? CMD " import" : CMD " list";

	const char *db = NULL;
	const char *names[NAMES_MAX];
	size_t n_names = 0;
	bool json = false;
	int c;
	argc--;
	argv++;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(help, stdout);
			return CLI_OK;
		case OPT_DB:
			db = optarg;
			break;
		case OPT_NAME:
			if (!is_import)
				return cli_usage_error(cmd, "--name is an option of import");
			if (n_names == NAMES_MAX)
				return cli_usage_error(cmd, "--name: more than %d names", NAMES_MAX);
			if (*optarg == '\0' || strlen(optarg) > INVENTORY_NAME_MAX ||
			    strpbrk(optarg, " \t\r\n"))
				return cli_usage_error(cmd, "--name: not a name: '%s'", optarg);
			names[n_names++] = optarg;
			break;
		case OPT_JSON:
			if (is_import)
				return cli_usage_error(cmd, "--json is an option of list");
			json = true;
			break;
		default:
			return cli_getopt_error(cmd, c, argv);
		}
	}
	if (!db)
		return cli_usage_error(cmd, "--db PATH is required");
	if (!is_import) {
		if (optind < argc)
			return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
		return list(cmd, db, json);
	}
	if (optind >= argc)
		return cli_usage_error(cmd, "no FILE to import");
	if (!cli_check_creatable(cmd, "--db", db))
		return CLI_USAGE;
	return import(cmd, db, names, n_names, argv + optind, argc - optind);
}
