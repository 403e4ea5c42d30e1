/* SPDX-License-Identifier: BSD-3-Clause */
/* CPU accounting: this thread, this process, or another process by pid (/proc/PID/stat). */
#ifndef IOPATH_CPUACCT_H
#define IOPATH_CPUACCT_H

#include <stdint.h>
#include <sys/types.h>

/** CPU time consumed so far, in nanoseconds, split user/system. */
struct iop_cpu_sample {
	uint64_t usr_ns;
	uint64_t sys_ns;
	uint64_t wall_ns;       /* iop_now_ns() when sampled */
};

/** Calling thread: total from CLOCK_THREAD_CPUTIME_ID (exact), split usr/sys in the proportion
 * of getrusage(RUSAGE_THREAD). \return 0 or negative errno. */
int iop_cpu_thread(struct iop_cpu_sample *s);
/** This process, every thread: CLOCK_PROCESS_CPUTIME_ID split like getrusage(RUSAGE_SELF).
 * \return 0 or negative errno. */
int iop_cpu_self(struct iop_cpu_sample *s);
/**
 * Another process, every thread, from /proc/PID/stat utime+stime (clock ticks, 10 ms at
 * USER_HZ=100: sample windows of a second or more).
 * \return 0, -ESRCH (no such process), -EIO (unparsable stat line).
 */
int iop_cpu_pid(pid_t pid, struct iop_cpu_sample *s);

/** Cores used between samples a and b: (b.usr - a.usr) / (b.wall - a.wall), same for sys.
 * 0 when the wall interval is 0. */
void iop_cpu_cores(const struct iop_cpu_sample *a, const struct iop_cpu_sample *b, double *usr,
		   double *sys);

#endif
