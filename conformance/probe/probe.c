/* SPDX-License-Identifier: BSD-3-Clause */
/* Probe helpers shared by the suites. */
#include <string.h>
#include "conformance/probe/probe.h"

void
iop_probe_pos(struct iop_conf_pos *pos, const char *what)
{
	memset(pos, 0, sizeof(*pos));
	pos->offset = -1;
	pos->conn = -1;
	pos->seq = -1;
	pos->what = what;
}
