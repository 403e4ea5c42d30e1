/* SPDX-License-Identifier: BSD-3-Clause */
/* Subcommands of the iopath binary (target, run, bench, conform, plot, gate...), registered by area. */
#ifndef IOPATH_CMD_H
#define IOPATH_CMD_H

#include "iopath/util.h"

struct iop_cmd {
	const char *name;     /* "run" */
	const char *summary;  /* one line for `iopath --help` */
	/** argv[0] is the subcommand name. \return process exit code (0 ok, 1 failure, 2 usage). */
	int (*main)(int argc, char **argv);
};

void iop_cmd_register(const struct iop_cmd *cmd);
#define IOP_CMD_REGISTER(cmd) \
	IOP_CONSTRUCTOR(iop_cmd_register_##cmd) { iop_cmd_register(&cmd); }

/** \return the command named name, or NULL. */
const struct iop_cmd *iop_cmd_find(const char *name);
/** Print the subcommand list to stdout. */
void iop_cmd_list(void);
/** Print every registered backend, initiator and target with its options (iopath --list). */
void iop_list_modules(void);

#endif
