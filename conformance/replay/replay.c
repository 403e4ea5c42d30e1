/* SPDX-License-Identifier: BSD-3-Clause */
/* Replay report: the list of compared exchanges. */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "conformance/replay/replay.h"

void
iop_replay_add(struct iop_replay_report *r, uint64_t pos, const char *what, bool match,
	       const char *expected, const char *actual)
{
	struct iop_replay_item *it;

	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 64;
		void *n = realloc(r->items, ncap * sizeof(*r->items));

		if (!n) {
			return;
		}
		r->items = n;
		r->cap = ncap;
	}
	it = &r->items[r->n++];
	it->pos = pos;
	it->match = match;
	snprintf(it->what, sizeof(it->what), "%s", what);
	snprintf(it->expected, sizeof(it->expected), "%s", expected);
	snprintf(it->actual, sizeof(it->actual), "%s", actual);
	if (match) {
		r->nmatch++;
	} else {
		r->ndiffer++;
	}
}

void
iop_replay_free(struct iop_replay_report *r)
{
	free(r->items);
	memset(r, 0, sizeof(*r));
}
