/* SPDX-License-Identifier: BSD-3-Clause */
/* Engine internals exposed for unit tests. */
#ifndef IOPATH_HARNESS_ENGINE_INTERNAL_H
#define IOPATH_HARNESS_ENGINE_INTERNAL_H

#include <stdint.h>

/** Override the stall timeout (no completion with I/O in flight: the thread gives up, default
 * 30 s) and the drain timeout (in-flight I/O at the end, default 5 s). Tests only. */
void iop_engine_set_timeouts(uint64_t stall_ns, uint64_t drain_ns);

#endif
