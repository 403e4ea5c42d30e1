/* SPDX-License-Identifier: BSD-3-Clause */
/* Registries of initiators (host side) and targets (device side), keyed by URI scheme. */
#include <stdio.h>
#include "iopath/initiator.h"
#include "iopath/registry.h"
#include "iopath/target.h"
#include "iopath/uri.h"

static struct iop_registry g_initiators = {.kind = "initiator"};
static struct iop_registry g_targets = {.kind = "target"};

void
iop_initiator_register(const struct iop_initiator_ops *ops)
{
	iop_registry_add(&g_initiators, ops->scheme, ops);
}

const struct iop_initiator_ops *
iop_initiator_find_uri(const char *uri)
{
	char scheme[32];

	if (iop_uri_scheme(uri, scheme, sizeof(scheme))) {
		return NULL;
	}
	return iop_registry_find(&g_initiators, scheme);
}

void
iop_initiator_foreach(void (*fn)(const struct iop_initiator_ops *ops, void *arg), void *arg)
{
	for (size_t i = 0; i < g_initiators.count; i++) {
		fn(g_initiators.items[i], arg);
	}
}

void
iop_target_register(const struct iop_target_ops *ops)
{
	iop_registry_add(&g_targets, ops->scheme, ops);
}

const struct iop_target_ops *
iop_target_find_uri(const char *uri)
{
	char scheme[32];

	if (iop_uri_scheme(uri, scheme, sizeof(scheme))) {
		return NULL;
	}
	return iop_registry_find(&g_targets, scheme);
}

void
iop_target_foreach(void (*fn)(const struct iop_target_ops *ops, void *arg), void *arg)
{
	for (size_t i = 0; i < g_targets.count; i++) {
		fn(g_targets.items[i], arg);
	}
}
