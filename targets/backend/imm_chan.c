/* SPDX-License-Identifier: BSD-3-Clause */
/* Channels of the backends that complete at submit time (null, malloc): inline or poll mode. */
#include <errno.h>
#include <stdlib.h>
#include "iopath/log.h"
#include "targets/backend/backend_internal.h"

const char *const backend_imm_completion_names[] = {"inline", "poll", NULL};

int
backend_imm_geometry(const char *mod, uint64_t size, uint64_t bs)
{
	if (!backend_bs_valid(bs)) {
		IOP_ERR("%s: bs=%llu must be 512 or 4096\n", mod, (unsigned long long)bs);
		return -EINVAL;
	}
	if (size % bs) {
		IOP_ERR("%s: size=%llu is not a multiple of bs=%llu\n", mod,
			(unsigned long long)size, (unsigned long long)bs);
		return -EINVAL;
	}
	return 0;
}

int
backend_imm_chan_open(struct iop_backend *be, bool inline_cpl, unsigned int depth,
		      struct iop_backend_chan **out)
{
	struct backend_imm_chan *c;
	int rc;

	if (depth == 0) {
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		return -ENOMEM;
	}
	c->ch.be = be;
	c->inline_cpl = inline_cpl;
	c->depth = depth;
	if (!c->inline_cpl) {
		rc = backend_cq_init(&c->cq, depth);
		if (rc) {
			free(c);
			return rc;
		}
	}
	*out = &c->ch;
	return 0;
}

void
backend_imm_chan_close(struct iop_backend_chan *ch)
{
	struct backend_imm_chan *c = (struct backend_imm_chan *)ch;

	backend_cq_fini(&c->cq);
	free(c);
}

int
backend_imm_chan_fd(struct iop_backend_chan *ch)
{
	(void)ch;
	return -1;
}
