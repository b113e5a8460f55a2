/*
 * The scan command's check of its targets. See cli_target.h.
 */
#include "cli/cli.h"
#include "cli/cli_target.h"
#include "scanner/target.h"

bool cli_check_target(const char *cmd, const char *t)
{
	char err[TGT_TARGET_MAX + 256];
	if (tgt_check(t, err, sizeof(err)) != TGT_OK) {
		cli_usage_error(cmd, "%s", err);
		return false;
	}
	return true;
}
