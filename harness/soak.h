/* SPDX-License-Identifier: BSD-3-Clause */
/* Soak sampling: RSS and open fds of this process and a target pid, checked for growth. */
#ifndef IOPATH_HARNESS_SOAK_H
#define IOPATH_HARNESS_SOAK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "iopath/option.h"

struct iop_soak_cfg {
	uint64_t interval_ns;   /* sampling period; 0 = soak off */
	uint64_t target_pid;    /* also sample this process (0 = none) */
	uint64_t max_rss;       /* allowed RSS growth in bytes past the first sample */
	uint64_t max_fds;       /* allowed growth of the open fd count past the first sample */
};

/* One process: first sample (baseline, taken after one interval of warm-up), last, peak. */
struct iop_soak_proc {
	pid_t pid;
	bool ok;                /* sampled at least twice */
	uint64_t rss0, rss_last, rss_max;
	uint64_t fds0, fds_last, fds_max;
};

struct iop_soak;

/** Option rows: soak (interval), target-pid, soak-max-rss, soak-max-fds. */
const struct iop_option *iop_soak_options(void);
/** Read RSS bytes and open fds of pid (0 = self). \return 0 or -errno (process gone). */
int iop_soak_sample(pid_t pid, uint64_t *rss, uint64_t *fds);
/** Start a sampling thread. \return 0 or -errno. */
int iop_soak_start(const struct iop_soak_cfg *cfg, struct iop_soak **out);
/**
 * Stop sampling, print the summary to f and free s. \return 0 when every process stayed
 * within its bounds, 1 when one grew beyond them (or the target vanished).
 */
int iop_soak_stop(struct iop_soak *s, FILE *f);
/** Judge one process's samples against cfg (used by iop_soak_stop; exposed for tests). */
bool iop_soak_within(const struct iop_soak_cfg *cfg, const struct iop_soak_proc *p);

#endif
