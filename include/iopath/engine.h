/* SPDX-License-Identifier: BSD-3-Clause */
/* The load engine: numjobs threads, each a closed loop at iodepth on one initiator queue. */
#ifndef IOPATH_ENGINE_H
#define IOPATH_ENGINE_H

/*
 * Concepts
 *
 * iop_engine_run() opens the endpoint named by icfg->uri through its initiator (registry keyed
 * by URI scheme), starts job->numjobs threads (pinned to job->cpus when set), each opening its
 * own iop_queue and keeping job->iodepth I/Os in flight: submit until the depth is reached,
 * poll, resubmit every completion at once (closed loop). Latency = completion time - submit time
 * (iop_now_ns), recorded into per-thread histograms (one per direction) that are merged at the
 * end. Nothing in the loop locks, allocates or makes a syscall of its own.
 *
 * Timeline: all threads open their queues, then start together (t0). I/Os completing before
 * t0 + ramp are not counted. The measured window ends when runtime elapses, or every thread has
 * done its number_ios / one pass over size (see job.h). CPU usage of this process, and of the
 * target process when ext->target_pid is given, is sampled at the window's start and end.
 *
 * Initiators may complete inline (the callback runs before submit returns, as local: does with
 * the null backend) or from poll(); -EAGAIN from submit means "poll, then retry".
 *
 * The bench runner builds on this: start a target, iop_engine_run() with target_pid set,
 * write the result with iop_result_write_json()/iop_result_csv_append().
 */

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include "iopath/initiator.h"
#include "iopath/job.h"
#include "iopath/result.h"

/** Optional extras for iop_engine_run (pass NULL for none). */
struct iop_engine_ext {
	/** > 0: sample this process's CPU (/proc/PID/stat) over the window into result->cpu_tgt. */
	pid_t target_pid;
	/** Optional: called on the controlling thread at the window start (start=true) and end,
	 * e.g. to sample the CPU of several target processes itself. */
	void (*window)(void *arg, bool start);
	void *window_arg;
	/** Optional: the run ends early (still a valid, shorter result) once *stop != 0. */
	volatile sig_atomic_t *stop;
};

/**
 * Run one job against one endpoint and fill out (which is iop_result_init'ed here, then
 * finalised: rates, percentiles, per-core figures and env are all set on return).
 *
 * icfg->uri selects the initiator; icfg->backend is the backend spec for local:. nr_queues and
 * queue_depth are taken from the job (the fields in icfg are ignored).
 *
 * \return 0 when the job ran (I/O errors and verify errors are counted in out->errors and
 * out->verify_errors, not returned), -EINVAL bad job for this endpoint (bs not a multiple of
 * the block size, range outside the device; out->error_msg says why), -ENOENT no initiator for
 * the URI scheme, or the negative errno from the initiator's open/queue_open (ECONNREFUSED...).
 * On failure out->error_msg holds a message naming the problem.
 */
int iop_engine_run(const struct iop_job *job, const struct iop_initiator_cfg *icfg,
		   const struct iop_engine_ext *ext, struct iop_result *out);

/**
 * Run several jobs at the same time (fio's default for the sections of a job file; `stonewall`
 * starts a new group) on one endpoint: one initiator open with a queue per thread of every job
 * (queue indexes unique across the group), all threads start together, each job has its own
 * ramp, runtime and limits, and its own result in outs[j] (each iop_result_init'ed here).
 * CPU: with one job, cpu_ini is the whole process; with several, each job's cpu_ini is its own
 * threads' CPU (as fio reports per job); the target's CPU is the same in every result.
 * \return as iop_engine_run; a job that does not fit the endpoint fails the whole group
 * (-EINVAL, message naming the job in every result).
 */
int iop_engine_run_group(const struct iop_job *jobs, unsigned int njobs,
			 const struct iop_initiator_cfg *icfg, const struct iop_engine_ext *ext,
			 struct iop_result *const *outs);

/**
 * Print a human summary of r (fio-like: IOPS, BW, latency mean/p50/p99/p99.9, CPU, errors) to
 * f (a FILE *).
 */
void iop_result_print(const struct iop_result *r, void *f);

#endif
