/* SPDX-License-Identifier: BSD-3-Clause */
/* Small shared helpers: container_of, branch hints, time, size parsing, registration macro. */
#ifndef IOPATH_UTIL_H
#define IOPATH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define IOP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define iop_container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))
#define iop_likely(x)   __builtin_expect(!!(x), 1)
#define iop_unlikely(x) __builtin_expect(!!(x), 0)
#define IOP_MIN(a, b)   ((a) < (b) ? (a) : (b))
#define IOP_MAX(a, b)   ((a) > (b) ? (a) : (b))
#define IOP_ALIGN_UP(x, a) (((x) + (a)-1) & ~((__typeof__(x))(a)-1))
#define IOP_CACHELINE 64

/** Monotonic time in nanoseconds (CLOCK_MONOTONIC, vDSO: ~20 ns). */
static inline uint64_t
iop_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/** Busy-wait hint for polling loops. */
static inline void
iop_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/**
 * Parse a size with optional binary suffix: "4k", "4KiB", "1G", "512", "1m".
 * k/K/KiB/KB all mean 1024 (fio's default kb_base=1024).
 * \return 0 and *out, or -EINVAL on a malformed string, -ERANGE on overflow.
 */
int iop_parse_size(const char *s, uint64_t *out);

/** Format bytes as "4KiB", "1MiB" (exact multiples) or a plain number into buf. */
const char *iop_fmt_size(uint64_t v, char *buf, size_t len);

/**
 * Run fn as a constructor: registration of modules into name-keyed registries.
 * Objects are linked directly (never through a .a) so constructors always run.
 */
#define IOP_CONSTRUCTOR(name) static void __attribute__((constructor)) name(void)

#endif
