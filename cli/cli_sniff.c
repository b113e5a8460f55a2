/*
 * tlsscope sniff: option parsing and validation. The passive sensor (capture/: pcap source,
 * flows, TCP reassembly) has not landed: after validation this says so and exits 2.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

#define CMD "sniff"
#define GEOIP_MAX 8 /* --geoip files: City, Country, ASN and a few more */

static const char help[] =
	"Usage: tlsscope sniff [OPTIONS] (-r FILE | -i IFACE) [BPF expression]\n"
	"Passive TLS sensor: reports every TLS handshake seen in a capture file or on an\n"
	"interface (versions, suites, SNI, ALPN, JA3/JA3S/JA4, certificate chain, alerts,\n"
	"parser anomalies).\n"
	"\n"
	"Options:\n"
	"  -r FILE             read packets from a pcap or pcapng file\n"
	"  -i IFACE            capture live on this interface\n"
	"  --json              NDJSON on stdout, one \"tls\" object per TLS connection\n"
	"  --db PATH           also store observations in this SQLite file\n"
	"  --geoip FILE        a MaxMind DB (City, Country or ASN); may repeat (up to 8)\n"
	"  -h, --help          show this help and exit\n"
	"\n"
	"The words after the options form a BPF filter expression, e.g. 'tcp port 443'.\n"
	"\n"
	"Exit status: 0 success, 2 usage or input error, 3 runtime failure.\n";

enum {
	OPT_JSON = 256,
	OPT_DB,
	OPT_GEOIP,
};

static const struct option longopts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "db", required_argument, NULL, OPT_DB },
	{ "geoip", required_argument, NULL, OPT_GEOIP },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cli_sniff(int argc, char **argv)
{
	const char *file = NULL, *iface = NULL, *db = NULL;
	const char *geoip[GEOIP_MAX];
	size_t n_geoip = 0;
	bool json = false;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hr:i:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(help, stdout);
			return CLI_OK;
		case 'r':
			if (file)
				return cli_usage_error(CMD, "-r given twice");
			file = optarg;
			break;
		case 'i':
			if (iface)
				return cli_usage_error(CMD, "-i given twice");
			iface = optarg;
			if (*iface == '\0')
				return cli_usage_error(CMD, "-i: empty interface name");
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_DB:
			db = optarg;
			if (!cli_check_creatable(CMD, "--db", db))
				return CLI_USAGE;
			break;
		case OPT_GEOIP:
			if (n_geoip == GEOIP_MAX)
				return cli_usage_error(CMD, "--geoip: at most %d files", GEOIP_MAX);
			if (!cli_check_readable(CMD, "--geoip", optarg))
				return CLI_USAGE;
			geoip[n_geoip++] = optarg;
			break;
		default:
			return cli_getopt_error(CMD, c, argv);
		}
	}
	if (file && iface)
		return cli_usage_error(CMD, "-r and -i exclude each other");
	if (!file && !iface)
		return cli_usage_error(CMD, "one of -r FILE or -i IFACE is required");
	if (file && !cli_check_readable(CMD, "-r", file))
		return CLI_USAGE;
	/* argv[optind..] is the BPF expression; it is compiled by the pcap source, which has
	 * not landed either. */

	(void)json, (void)db, (void)geoip;
	return cli_not_implemented(CMD, "passive sensor: issue 3");
}
