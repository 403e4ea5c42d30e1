/* SPDX-License-Identifier: BSD-3-Clause */
/* Name-keyed registry of module ops (backends, initiators, targets); rejects duplicates. */
#ifndef IOPATH_REGISTRY_H
#define IOPATH_REGISTRY_H

#include <stddef.h>

#define IOP_REGISTRY_MAX 32

struct iop_registry {
	const char *kind;                        /* "backend", "initiator", "target" */
	const void *items[IOP_REGISTRY_MAX];
	const char *names[IOP_REGISTRY_MAX];
	size_t count;
};

/** Add ops under name; a duplicate or a full registry aborts (a build error, not a runtime one). */
void iop_registry_add(struct iop_registry *r, const char *name, const void *ops);
/** \return the ops registered under name, or NULL. */
const void *iop_registry_find(const struct iop_registry *r, const char *name);
/** Call fn for each entry in name order. */
void iop_registry_foreach(const struct iop_registry *r, void (*fn)(const void *ops, void *arg),
			  void *arg);

#endif
