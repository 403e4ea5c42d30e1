/* SPDX-License-Identifier: BSD-3-Clause */
/* Subcommand registry and `iopath --list` of every registered module. */
#include <stdio.h>
#include "iopath/backend.h"
#include "iopath/cmd.h"
#include "iopath/initiator.h"
#include "iopath/registry.h"
#include "iopath/target.h"

static struct iop_registry g_cmds = {.kind = "command"};

void
iop_cmd_register(const struct iop_cmd *cmd)
{
	iop_registry_add(&g_cmds, cmd->name, cmd);
}

const struct iop_cmd *
iop_cmd_find(const char *name)
{
	return iop_registry_find(&g_cmds, name);
}

void
iop_cmd_list(void)
{
	for (size_t i = 0; i < g_cmds.count; i++) {
		const struct iop_cmd *c = g_cmds.items[i];

		printf("  %-10s %s\n", c->name, c->summary);
	}
}

static void
list_backend(const struct iop_backend_ops *ops, void *arg)
{
	printf("  %-16s %s\n", ops->name, ops->help ? ops->help : "");
	iop_opts_help(ops->options, stdout);
}

static void
list_initiator(const struct iop_initiator_ops *ops, void *arg)
{
	printf("  %-16s %s\n", ops->scheme, ops->help ? ops->help : "");
}

static void
list_target(const struct iop_target_ops *ops, void *arg)
{
	printf("  %-16s %s\n", ops->scheme, ops->help ? ops->help : "");
}

void
iop_list_modules(void)
{
	printf("backends (--backend NAME:k=v,...):\n");
	iop_backend_foreach(list_backend, NULL);
	printf("initiators (iopath run URI):\n");
	iop_initiator_foreach(list_initiator, NULL);
	printf("targets (iopath target URI):\n");
	iop_target_foreach(list_target, NULL);
}
