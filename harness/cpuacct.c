/* SPDX-License-Identifier: BSD-3-Clause */
/* CPU accounting: getrusage for this thread/process, /proc/PID/stat for another process. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "iopath/cpuacct.h"
#include "iopath/util.h"

static uint64_t
cpuacct_tv_ns(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000000ull + (uint64_t)tv->tv_usec * 1000ull;
}

/*
 * getrusage's usr/sys come from the scheduler's runtime, which for a running task is brought up
 * to date only at ticks and context switches (milliseconds stale); the CPU-time clocks update it
 * on read. So: the total from the clock (exact), split in getrusage's usr:sys proportion.
 */
static int
cpuacct_sample(int who, clockid_t clk, struct iop_cpu_sample *s)
{
	struct rusage ru;
	struct timespec ts;
	uint64_t u, k, total;

	if (getrusage(who, &ru) || clock_gettime(clk, &ts)) {
		return -errno;
	}
	s->wall_ns = iop_now_ns();
	u = cpuacct_tv_ns(&ru.ru_utime);
	k = cpuacct_tv_ns(&ru.ru_stime);
	total = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	if (total < u + k) {
		total = u + k;
	}
	if (u + k == 0) {
		s->usr_ns = total;
		s->sys_ns = 0;
	} else {
		s->sys_ns = (uint64_t)((double)total * ((double)k / (double)(u + k)));
		s->usr_ns = total - s->sys_ns;
	}
	return 0;
}

int
iop_cpu_thread(struct iop_cpu_sample *s)
{
	return cpuacct_sample(RUSAGE_THREAD, CLOCK_THREAD_CPUTIME_ID, s);
}

int
iop_cpu_self(struct iop_cpu_sample *s)
{
	return cpuacct_sample(RUSAGE_SELF, CLOCK_PROCESS_CPUTIME_ID, s);
}

int
iop_cpu_pid(pid_t pid, struct iop_cpu_sample *s)
{
	char path[64], buf[1024], *p;
	unsigned long long utime, stime;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f) {
		return errno == ENOENT ? -ESRCH : -errno;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	s->wall_ns = iop_now_ns();
	/* comm (field 2) may hold spaces and ')': fields after the LAST ')' are fixed. */
	p = strrchr(buf, ')');
	if (!p) {
		return -EIO;
	}
	/* After ") ": state(3) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
	 * utime(14) stime(15). */
	if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
		   &stime) != 2) {
		return -EIO;
	}
	if (hz <= 0) {
		hz = 100;
	}
	s->usr_ns = utime * (1000000000ull / (unsigned long long)hz);
	s->sys_ns = stime * (1000000000ull / (unsigned long long)hz);
	return 0;
}

void
iop_cpu_cores(const struct iop_cpu_sample *a, const struct iop_cpu_sample *b, double *usr,
	      double *sys)
{
	double wall = b->wall_ns > a->wall_ns ? (double)(b->wall_ns - a->wall_ns) : 0.0;

	*usr = wall > 0 && b->usr_ns >= a->usr_ns ? (double)(b->usr_ns - a->usr_ns) / wall : 0.0;
	*sys = wall > 0 && b->sys_ns >= a->sys_ns ? (double)(b->sys_ns - a->sys_ns) / wall : 0.0;
}
