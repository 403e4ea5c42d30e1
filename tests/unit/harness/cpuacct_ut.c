/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: CPU accounting of this thread, this process and a process by pid (/proc). */
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include "iopath/cpuacct.h"
#include "iopath/util.h"
#include "tests/common/ut.h"

static volatile uint64_t g_sink;

static uint64_t
thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Burn ms of CPU time (not wall time: the CI machine is shared and may be loaded). */
static void
burn_ms(unsigned int ms)
{
	uint64_t end = thread_cpu_ns() + ms * 1000000ull;

	while (thread_cpu_ns() < end) {
		g_sink++;
	}
}

static void
test_thread_and_self(void)
{
	struct iop_cpu_sample a, b, pa, pb;
	double usr, sys;

	CU_ASSERT_EQUAL(iop_cpu_thread(&a), 0);
	CU_ASSERT_EQUAL(iop_cpu_self(&pa), 0);
	burn_ms(100);
	CU_ASSERT_EQUAL(iop_cpu_thread(&b), 0);
	CU_ASSERT_EQUAL(iop_cpu_self(&pb), 0);
	/* getrusage has microsecond resolution here; allow 2 ms for rounding */
	CU_ASSERT(b.usr_ns + b.sys_ns + 2000000ull >= a.usr_ns + a.sys_ns + 100000000ull);
	CU_ASSERT(pb.usr_ns + pb.sys_ns >= b.usr_ns + b.sys_ns);
	iop_cpu_cores(&a, &b, &usr, &sys);
	/* one thread can use at most one core, whatever the load */
	CU_ASSERT(usr + sys > 0.0 && usr + sys < 1.05);
}

static void
test_pid(void)
{
	struct iop_cpu_sample a, b, s;
	double usr, sys;

	/* Test1: our own pid through /proc agrees with getrusage (10 ms tick granularity) */
	burn_ms(50);
	CU_ASSERT_EQUAL(iop_cpu_pid(getpid(), &a), 0);
	CU_ASSERT_EQUAL(iop_cpu_self(&s), 0);
	CU_ASSERT(a.usr_ns + a.sys_ns <= s.usr_ns + s.sys_ns + 20000000ull);
	CU_ASSERT(a.usr_ns + a.sys_ns + 40000000ull >= s.usr_ns + s.sys_ns);
	burn_ms(200);
	CU_ASSERT_EQUAL(iop_cpu_pid(getpid(), &b), 0);
	/* 200 ms burnt, seen through 10 ms ticks */
	CU_ASSERT(b.usr_ns + b.sys_ns >= a.usr_ns + a.sys_ns + 170000000ull);
	iop_cpu_cores(&a, &b, &usr, &sys);
	CU_ASSERT(usr + sys > 0.0 && usr + sys < 1.1);
	/* Test2: no such process */
	CU_ASSERT_EQUAL(iop_cpu_pid(0x3ffffff0, &a), -ESRCH);
	/* Test3: zero-length interval gives 0, not a division by zero */
	iop_cpu_cores(&a, &a, &usr, &sys);
	CU_ASSERT_DOUBLE_EQUAL(usr + sys, 0.0, 0);
}

IOP_UT_MAIN("cpuacct", IOP_UT(test_thread_and_self), IOP_UT(test_pid))
