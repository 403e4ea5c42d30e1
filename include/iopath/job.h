/* SPDX-License-Identifier: BSD-3-Clause */
/* Workload description (struct iop_job): option rows, CLI/fio-style setting, fio INI job files. */
#ifndef IOPATH_JOB_H
#define IOPATH_JOB_H

/*
 * Concepts
 *
 * A job is what fio calls a job section: one workload, run by numjobs threads, each keeping
 * iodepth I/Os in flight against [offset, offset + size) of the endpoint. Options are data rows
 * (iop_job_options()), so the CLI (--bs 4k), job files (bs=4k) and matrix definitions share one
 * parser and the same names as fio.
 *
 * End of a job: number_ios (per thread, ramp excluded) when set; else runtime when time_based
 * (the CLI sets time_based); else one pass over size (size/bs I/Os per thread, fio's default),
 * cut short by runtime when that is set.
 *
 * fio compatibility: iop_job_set() accepts fio option names; options that do not change what
 * iopath measures (ioengine, direct, filename, group_reporting, ...) are accepted with a notice,
 * anything else unknown is rejected with a message naming it. Job files are fio INI: [global]
 * sets defaults for the sections after it, each other section is one job. As in fio, the jobs of
 * a file run concurrently, and a job with stonewall (wait_for_previous) waits for the ones
 * before it and starts a new group (iop_engine_run_group runs one group).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "iopath/option.h"

enum iop_rw {
	IOP_RW_READ = 0,        /* sequential read */
	IOP_RW_WRITE,           /* sequential write */
	IOP_RW_RANDREAD,
	IOP_RW_RANDWRITE,
	IOP_RW_RW,              /* sequential mixed, rwmixread percent reads */
	IOP_RW_RANDRW,          /* random mixed */
	IOP_RW_MAX,
};

#define IOP_JOB_MAX_CPUS 256

struct iop_job {
	char *name;             /* section name / --name; strdup'd */
	int rw;                 /* enum iop_rw */
	uint64_t rwmixread;     /* percent of reads for rw/randrw (0..100) */
	uint64_t bs;            /* block size in bytes */
	uint64_t size;          /* bytes of the range; 0 = endpoint size minus offset */
	uint64_t offset;        /* start of the range in bytes */
	uint64_t iodepth;       /* I/Os in flight per thread */
	uint64_t numjobs;       /* threads, each with its own queue */
	uint64_t runtime_ns;    /* 0 = no time limit */
	uint64_t ramp_ns;       /* warm-up excluded from every statistic */
	uint64_t number_ios;    /* I/Os per thread after ramp; 0 = not count-limited */
	bool time_based;        /* run for runtime even when size is covered */
	bool verify;            /* header + CRC32C in written blocks, checked on read */
	char *cpus;             /* pin thread i to the i-th cpu of this list (mod its length) */
	uint64_t seed;          /* PRNG seed for offsets and the mix; 0 = fixed default */
	bool stonewall;         /* job file: wait for the jobs before this one (new group) */
	char *verify_state;     /* verify: file recording every acknowledged write (see engine.md) */
};

/** The option rows (name, alias, type, offset into struct iop_job, default, range, help). */
const struct iop_option *iop_job_options(void);

/** Name of rw value (enum iop_rw), "?" when out of range. */
const char *iop_rw_name(int rw);
/** \return true when rw reads (read, randread, rw, randrw). */
bool iop_rw_reads(int rw);
/** \return true when rw writes. */
bool iop_rw_writes(int rw);
/** \return true when rw picks random offsets. */
bool iop_rw_random(int rw);

/** Set defaults (rw=randread bs=4k iodepth=1 numjobs=1 ...). \return 0 or -ENOMEM. */
int iop_job_init(struct iop_job *job);
/** Free strings owned by job. Safe on a zeroed job. */
void iop_job_free(struct iop_job *job);
/** Deep copy src into dst (dst is overwritten, not freed first). \return 0 or -ENOMEM. */
int iop_job_copy(struct iop_job *dst, const struct iop_job *src);

/**
 * Set one option by iopath or fio name ("bs", "blocksize", "rw", "readwrite", "rwmixwrite",
 * "cpus_allowed", "verify=crc32c", ...). Ignorable fio options are accepted with a notice.
 * \return 0 (set or ignored), -ENOENT unknown option, -EINVAL bad value, -ERANGE out of range;
 * err names the problem.
 */
int iop_job_set(struct iop_job *job, const char *name, const char *val, char *err, size_t errlen);

/**
 * Check consistency (bs > 0, rwmixread <= 100, cpus parse, ...). Endpoint-dependent checks
 * (bs multiple of the block size, range inside the device) are done by the engine.
 * \return 0 or -EINVAL with err set.
 */
int iop_job_validate(const struct iop_job *job, char *err, size_t errlen);

/**
 * Parse fio INI text. [global] options become defaults of the following sections; each other
 * section is one job named after it; a file without sections is one job. base (may be NULL)
 * provides defaults beneath [global] (e.g. CLI options). Lines: "key=value", "key" (bool
 * true), comments start with ';' or '#'.
 * \return 0 and a malloc'd array in *jobs (free with iop_jobs_free), -EINVAL with err naming
 * the file line and problem, -ENOMEM.
 */
int iop_jobfile_parse(const char *text, const char *fname, const struct iop_job *base,
		      struct iop_job **jobs, unsigned int *nr, char *err, size_t errlen);

/** Read path and parse it with iop_jobfile_parse. \return as above, or -ENOENT (message names
 * the file) when it cannot be read. */
int iop_jobfile_load(const char *path, const struct iop_job *base, struct iop_job **jobs,
		     unsigned int *nr, char *err, size_t errlen);

/** Free an array from iop_jobfile_parse/load. */
void iop_jobs_free(struct iop_job *jobs, unsigned int nr);

#endif
