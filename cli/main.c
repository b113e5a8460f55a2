/*
 * main() of the `tlsscope` program: top-level options and subcommand dispatch.
 * The command-line contract (README "Commands and exit codes"); the subcommands live in cli_*.c.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

struct cli_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct cli_cmd cmds[] = {
	{ "scan", cli_scan, "active scan of TLS endpoints (NDJSON, SQLite)" },
	{ "sniff", cli_sniff, "passive TLS sensor on a pcap file or an interface" },
	{ "analyze", cli_analyze, "run the rules and the model over a store, print findings" },
	{ "diff", cli_diff, "what changed between an endpoint's last two scans" },
	{ "report", cli_report, "write a compliance report (HTML, JSON, CSV) from a store" },
	{ "inventory", cli_inventory, "import and list the authorized certificates (PEM, DER,"
	  " crt.sh)" },
	{ "triage", cli_triage, "acknowledge a finding or mark it a false positive" },
	{ "demo", cli_demo, "the bundled end-to-end demonstration" },
};
#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static void usage(FILE *out)
{
	fputs("Usage: tlsscope COMMAND [OPTIONS] [ARGS]\n"
	      "       tlsscope help COMMAND | --help | --version\n"
	      "\n"
	      "TLS endpoint scanner, passive TLS sensor and SQL-rule analyzer.\n"
	      "\n"
	      "Commands:\n",
	      out);
	for (size_t i = 0; i < N_CMDS; i++)
		fprintf(out, "  %-10s %s\n", cmds[i].name, cmds[i].summary);
	fputs("\n"
	      "Run 'tlsscope COMMAND --help' for a command's options.\n"
	      "Exit status: 0 success, 1 findings at or above --fail-on, 2 usage or input error,\n"
	      "3 runtime failure.\n",
	      out);
}

static const struct cli_cmd *find(const char *name)
{
	for (size_t i = 0; i < N_CMDS; i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_USAGE;
	}
	const char *a = argv[1];
	if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
		usage(stdout);
		return CLI_OK;
	}
	if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
		printf("tlsscope %s\n", TLSSCOPE_VERSION);
		return CLI_OK;
	}
	if (strcmp(a, "help") == 0) {
		if (argc == 2) {
			usage(stdout);
			return CLI_OK;
		}
		const struct cli_cmd *c = find(argv[2]);
		if (!c || argc > 3) {
			fprintf(stderr, "tlsscope help: %s '%s'\n",
				c ? "unexpected argument" : "unknown command", argv[c ? 3 : 2]);
			fputs("Try 'tlsscope --help'.\n", stderr);
			return CLI_USAGE;
		}
		char *sub[] = { (char *)c->name, (char *)"--help", NULL };
		return c->run(2, sub);
	}
	const struct cli_cmd *c = find(a);
	if (!c) {
		fprintf(stderr, "tlsscope: unknown %s '%s'\nTry 'tlsscope --help'.\n",
			a[0] == '-' ? "option" : "command", a);
		return CLI_USAGE;
	}
	return c->run(argc - 1, argv + 1);
}
