/* SPDX-License-Identifier: BSD-3-Clause */
/* temporary */
#include <stdio.h>
#include "conformance/conform_internal.h"
int iop_conform_probe_main(int argc, char **argv) { return 2; }
int iop_conform_replay_main(int argc, char **argv) { return 2; }
