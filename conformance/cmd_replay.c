/* SPDX-License-Identifier: BSD-3-Clause */
/* `iopath conform replay TRACE URI` (placeholder until the replayer lands). */
#include <stdio.h>
#include "conformance/conform_internal.h"

int
iop_conform_replay_main(int argc, char **argv)
{
	fprintf(stderr, "iopath conform replay: not implemented yet\n");
	return 2;
}
