/* SPDX-License-Identifier: BSD-3-Clause */
/* Name-keyed registry kept sorted by name; duplicates abort at start-up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "iopath/registry.h"

void
iop_registry_add(struct iop_registry *r, const char *name, const void *ops)
{
	size_t i;

	if (iop_registry_find(r, name)) {
		fprintf(stderr, "iopath: duplicate %s '%s' registered\n", r->kind, name);
		abort();
	}
	if (r->count == IOP_REGISTRY_MAX) {
		fprintf(stderr, "iopath: too many %s modules\n", r->kind);
		abort();
	}
	for (i = r->count; i > 0 && strcmp(r->names[i - 1], name) > 0; i--) {
		r->names[i] = r->names[i - 1];
		r->items[i] = r->items[i - 1];
	}
	r->names[i] = name;
	r->items[i] = ops;
	r->count++;
}

const void *
iop_registry_find(const struct iop_registry *r, const char *name)
{
	for (size_t i = 0; i < r->count; i++) {
		if (!strcmp(r->names[i], name)) {
			return r->items[i];
		}
	}
	return NULL;
}

void
iop_registry_foreach(const struct iop_registry *r, void (*fn)(const void *ops, void *arg), void *arg)
{
	for (size_t i = 0; i < r->count; i++) {
		fn(r->items[i], arg);
	}
}
