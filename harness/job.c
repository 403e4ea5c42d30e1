/* SPDX-License-Identifier: BSD-3-Clause */
/* Job options as data rows, fio-compatible option names, and fio INI job file parsing. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "iopath/job.h"
#include "iopath/log.h"
#include "iopath/reactor.h"
#include "iopath/util.h"

static const char *const job_rw_names[] = {"read", "write", "randread", "randwrite", "rw",
					   "randrw", NULL};

#define JOB_OFF(f) offsetof(struct iop_job, f)
static const struct iop_option job_options[] = {
	{"name", NULL, IOP_OPT_STR, JOB_OFF(name), "job", 0, 0, NULL, "job name"},
	{"rw", "readwrite", IOP_OPT_ENUM, JOB_OFF(rw), "randread", 0, 0, job_rw_names,
	 "read|write|randread|randwrite|rw|randrw"},
	{"rwmixread", NULL, IOP_OPT_UINT, JOB_OFF(rwmixread), "50", 0, 100, NULL,
	 "percent reads in rw/randrw (rwmixwrite sets 100 minus it)"},
	{"bs", "blocksize", IOP_OPT_SIZE, JOB_OFF(bs), "4k", 1, 1ull << 30, NULL, "block size"},
	{"size", NULL, IOP_OPT_SIZE, JOB_OFF(size), "0", 0, 0, NULL,
	 "bytes of the range (0: device size minus offset)"},
	{"offset", NULL, IOP_OPT_SIZE, JOB_OFF(offset), "0", 0, 0, NULL, "start of the range"},
	{"iodepth", "qd", IOP_OPT_UINT, JOB_OFF(iodepth), "1", 1, 65536, NULL,
	 "I/Os in flight per thread"},
	{"numjobs", NULL, IOP_OPT_UINT, JOB_OFF(numjobs), "1", 1, 256, NULL,
	 "threads, one queue each"},
	{"runtime", NULL, IOP_OPT_TIME, JOB_OFF(runtime_ns), "0", 0, 0, NULL,
	 "time limit (10, 10s, 500ms); 0 = none"},
	{"ramp_time", NULL, IOP_OPT_TIME, JOB_OFF(ramp_ns), "0", 0, 0, NULL,
	 "warm-up excluded from statistics"},
	{"number_ios", NULL, IOP_OPT_UINT, JOB_OFF(number_ios), "0", 0, 0, NULL,
	 "I/Os per thread after ramp (0 = no count limit)"},
	{"time_based", NULL, IOP_OPT_BOOL, JOB_OFF(time_based), "0", 0, 0, NULL,
	 "run for runtime even after covering size"},
	{"verify", NULL, IOP_OPT_BOOL, JOB_OFF(verify), "0", 0, 0, NULL,
	 "write header+crc32c blocks, check reads (fio verify=crc32c etc. mean on)"},
	{"cpus", "cpus_allowed", IOP_OPT_STR, JOB_OFF(cpus), NULL, 0, 0, NULL,
	 "pin job threads to these cpus (\"0\", \"0-1\")"},
	{"seed", "randseed", IOP_OPT_UINT, JOB_OFF(seed), "0", 0, 0, NULL, "PRNG seed"},
	{"stonewall", "wait_for_previous", IOP_OPT_BOOL, JOB_OFF(stonewall), "0", 0, 0, NULL,
	 "job file: start after the jobs before this one have finished"},
	{"verify_state", NULL, IOP_OPT_STR, JOB_OFF(verify_state), NULL, 0, 0, NULL,
	 "verify: record acknowledged writes in FILE (writers) / check reads against it"},
	{NULL},
};

/* fio options that do not change what iopath measures: accepted with a notice. */
static const char *const job_fio_ignored[] = {
	"ioengine", "direct", "buffered", "filename", "directory", "group_reporting", "thread",
	"norandommap", "randrepeat", "invalidate", "gtod_reduce", "clat_percentiles",
	"lat_percentiles", "slat_percentiles", "percentile_list", "disable_lat", "disable_clat",
	"disable_slat", "iodepth_batch", "iodepth_batch_submit", "iodepth_batch_complete",
	"iodepth_batch_complete_min", "iodepth_batch_complete_max", "iodepth_low",
	"refill_buffers", "scramble_buffers", "zero_buffers", "allow_file_create",
	"create_on_open", "fallocate", "end_fsync", "fsync_on_close", "exitall", "ioscheduler",
	"log_avg_msec", "per_job_logs", "status_interval", "hipri", "registerfiles", "fixedbufs",
	"sqthread_poll", "cpus_allowed_policy", "do_verify", "verify_fatal", "verify_backlog",
	"verify_dump", "new_group", "unified_rw_reporting",
	"significant_figures", "kb_base", "unit_base", "random_generator", "description",
	"lockmem", "nice", "prio", "prioclass", "write_bw_log", "write_lat_log", "write_iops_log",
	"write_hist_log", "log_hist_msec", "numa_cpu_nodes", "numa_mem_policy", "fadvise_hint",
	"overwrite", "serialize_overlap", "ioengine_opts", NULL,
};

const struct iop_option *
iop_job_options(void)
{
	return job_options;
}

const char *
iop_rw_name(int rw)
{
	return rw >= 0 && rw < IOP_RW_MAX ? job_rw_names[rw] : "?";
}

bool
iop_rw_reads(int rw)
{
	return rw == IOP_RW_READ || rw == IOP_RW_RANDREAD || rw == IOP_RW_RW || rw == IOP_RW_RANDRW;
}

bool
iop_rw_writes(int rw)
{
	return rw == IOP_RW_WRITE || rw == IOP_RW_RANDWRITE || rw == IOP_RW_RW ||
	       rw == IOP_RW_RANDRW;
}

bool
iop_rw_random(int rw)
{
	return rw == IOP_RW_RANDREAD || rw == IOP_RW_RANDWRITE || rw == IOP_RW_RANDRW;
}

int
iop_job_init(struct iop_job *job)
{
	memset(job, 0, sizeof(*job));
	return iop_opts_defaults(job_options, job);
}

void
iop_job_free(struct iop_job *job)
{
	iop_opts_free(job_options, job);
}

int
iop_job_copy(struct iop_job *dst, const struct iop_job *src)
{
	*dst = *src;
	dst->name = NULL;
	dst->cpus = NULL;
	dst->verify_state = NULL;
	if ((src->name && !(dst->name = strdup(src->name))) ||
	    (src->cpus && !(dst->cpus = strdup(src->cpus))) ||
	    (src->verify_state && !(dst->verify_state = strdup(src->verify_state)))) {
		iop_job_free(dst);
		return -ENOMEM;
	}
	return 0;
}

static bool
job_in_list(const char *const *list, const char *s)
{
	for (; *list; list++) {
		if (!strcasecmp(*list, s)) {
			return true;
		}
	}
	return false;
}

/* fio's verify= takes a checksum name; iopath always uses its own header + crc32c. */
static int
job_set_verify(struct iop_job *job, const char *val, char *err, size_t errlen)
{
	static const char *const off[] = {"0", "none", "no", "false", "off", NULL};
	static const char *const on[] = {"", "1", "yes", "true", "on", "crc32c", NULL};
	static const char *const fio_on[] = {"crc32c-intel", "crc32", "crc16", "crc7", "crc64",
					     "md5", "sha1", "sha256", "sha512", "sha3-224",
					     "sha3-256", "sha3-384", "sha3-512", "xxhash", "meta",
					     "pattern", NULL};

	if (!val) {
		val = "";
	}
	if (job_in_list(off, val)) {
		job->verify = false;
		return 0;
	}
	if (job_in_list(on, val)) {
		job->verify = true;
		return 0;
	}
	if (job_in_list(fio_on, val)) {
		IOP_NOTICE("verify=%s: iopath verifies with its own block header + crc32c", val);
		job->verify = true;
		return 0;
	}
	snprintf(err, errlen, "bad value '%s' for verify (0/1 or a fio checksum name)", val);
	return -EINVAL;
}

int
iop_job_set(struct iop_job *job, const char *name, const char *val, char *err, size_t errlen)
{
	char tmp[32];
	int rc;

	if (!err) {
		errlen = 0;
	}
	if (!strcasecmp(name, "verify")) {
		return job_set_verify(job, val, err, errlen);
	}
	if (!strcasecmp(name, "rwmixwrite")) {
		uint64_t saved = job->rwmixread;

		rc = iop_opt_set(job_options, job, "rwmixread", val, err, errlen);
		if (rc) {
			snprintf(err, errlen, "bad value '%s' for rwmixwrite (0..100)",
				 val ? val : "");
			job->rwmixread = saved;
			return rc;
		}
		job->rwmixread = 100 - job->rwmixread;
		return 0;
	}
	if ((!strcasecmp(name, "rw") || !strcasecmp(name, "readwrite")) && val) {
		if (!strcasecmp(val, "readwrite")) {
			val = "rw";
		} else if (strchr(val, ':')) {
			snprintf(err, errlen, "rw=%s: the ':N' offset modifier is not supported",
				 val);
			return -EINVAL;
		}
	}
	if ((!strcasecmp(name, "bs") || !strcasecmp(name, "blocksize")) && val &&
	    strchr(val, ',')) {
		snprintf(err, errlen, "bs=%s: separate read/write block sizes are not supported",
			 val);
		return -EINVAL;
	}
	if ((!strcasecmp(name, "size") || !strcasecmp(name, "offset")) && val &&
	    strchr(val, '%')) {
		snprintf(err, errlen, "%s=%s: percentages are not supported, give bytes", name,
			 val);
		return -EINVAL;
	}
	/* fio accepts "--name value" and "name=value"; option names are case-insensitive there. */
	snprintf(tmp, sizeof(tmp), "%s", name);
	for (char *p = tmp; *p; p++) {
		*p = (char)tolower((unsigned char)*p);
		if (*p == '-') {
			*p = '_';
		}
	}
	rc = iop_opt_set(job_options, job, tmp, val, err, errlen);
	if (rc == -ENOENT && job_in_list(job_fio_ignored, tmp)) {
		IOP_NOTICE("fio option '%s' ignored (does not apply to iopath)", name);
		return 0;
	}
	if (rc == -ENOENT) {
		snprintf(err, errlen, "unknown option '%s'", name);
	}
	return rc;
}

int
iop_job_validate(const struct iop_job *job, char *err, size_t errlen)
{
	if (job->bs == 0) {
		snprintf(err, errlen, "bs must be > 0");
		return -EINVAL;
	}
	if (job->rwmixread > 100) {
		snprintf(err, errlen, "rwmixread=%llu out of range [0, 100]",
			 (unsigned long long)job->rwmixread);
		return -EINVAL;
	}
	if (job->size && job->size < job->bs) {
		snprintf(err, errlen, "size (%llu) is smaller than bs (%llu)",
			 (unsigned long long)job->size, (unsigned long long)job->bs);
		return -EINVAL;
	}
	if (job->offset % job->bs) {
		snprintf(err, errlen, "offset (%llu) is not a multiple of bs (%llu)",
			 (unsigned long long)job->offset, (unsigned long long)job->bs);
		return -EINVAL;
	}
	if (job->verify_state && !job->verify) {
		snprintf(err, errlen, "verify_state needs verify");
		return -EINVAL;
	}
	if (job->verify && job->bs % 512) {
		snprintf(err, errlen, "verify needs bs to be a multiple of 512");
		return -EINVAL;
	}
	if (job->time_based && !job->runtime_ns && !job->number_ios) {
		snprintf(err, errlen, "time_based needs runtime");
		return -EINVAL;
	}
	if (job->cpus) {
		int cpus[IOP_JOB_MAX_CPUS];

		if (iop_cpulist_parse(job->cpus, cpus, IOP_JOB_MAX_CPUS) <= 0) {
			snprintf(err, errlen, "bad cpu list '%s' (e.g. \"0\", \"0-1,3\")",
				 job->cpus);
			return -EINVAL;
		}
	}
	return 0;
}

void
iop_jobs_free(struct iop_job *jobs, unsigned int nr)
{
	for (unsigned int i = 0; i < nr; i++) {
		iop_job_free(&jobs[i]);
	}
	free(jobs);
}

static char *
job_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s)) {
		s++;
	}
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1])) {
		*--e = '\0';
	}
	return s;
}

static int
job_push(struct iop_job **jobs, unsigned int *nr, const struct iop_job *tmpl, const char *name)
{
	struct iop_job *n = realloc(*jobs, (*nr + 1) * sizeof(**jobs));
	int rc;

	if (!n) {
		return -ENOMEM;
	}
	*jobs = n;
	rc = iop_job_copy(&n[*nr], tmpl);
	if (rc) {
		return rc;
	}
	free(n[*nr].name);
	n[*nr].name = strdup(name);
	if (!n[*nr].name) {
		iop_job_free(&n[*nr]);
		return -ENOMEM;
	}
	(*nr)++;
	return 0;
}

int
iop_jobfile_parse(const char *text, const char *fname, const struct iop_job *base,
		  struct iop_job **jobs_out, unsigned int *nr_out, char *err, size_t errlen)
{
	struct iop_job global, *jobs = NULL, *cur;
	unsigned int nr = 0, lineno = 0, nopts = 0;
	char *dup, *line, *save = NULL, e2[192];
	bool in_global = true;
	int rc;

	if (!fname) {
		fname = "<jobfile>";
	}
	rc = base ? iop_job_copy(&global, base) : iop_job_init(&global);
	if (rc) {
		return rc;
	}
	dup = strdup(text);
	if (!dup) {
		iop_job_free(&global);
		return -ENOMEM;
	}
	cur = &global;
	/* strtok_r would skip empty lines and lose the numbering: split by hand. */
	for (line = dup; line; line = save) {
		char *nl = strchr(line, '\n'), *s, *eq, *key, *val;

		save = nl ? nl + 1 : NULL;
		if (nl) {
			*nl = '\0';
		}
		lineno++;
		s = job_trim(line);
		if (!*s || *s == ';' || *s == '#') {
			continue;
		}
		if (*s == '[') {
			char *end = strchr(s, ']');

			if (!end || end == s + 1 || *job_trim(end + 1)) {
				snprintf(err, errlen, "%s:%u: bad section header '%s'", fname,
					 lineno, s);
				rc = -EINVAL;
				goto out;
			}
			*end = '\0';
			if (!strcmp(s + 1, "global")) {
				in_global = true;
				cur = &global;
				continue;
			}
			in_global = false;
			rc = job_push(&jobs, &nr, &global, s + 1);
			if (rc) {
				goto out;
			}
			cur = &jobs[nr - 1];
			continue;
		}
		if (!strncmp(s, "include ", 8)) {
			snprintf(err, errlen, "%s:%u: 'include' is not supported", fname, lineno);
			rc = -EINVAL;
			goto out;
		}
		eq = strchr(s, '=');
		if (eq) {
			*eq = '\0';
			key = job_trim(s);
			val = job_trim(eq + 1);
		} else {
			key = s;
			val = NULL;
		}
		if (val && strstr(val, "${")) {
			snprintf(err, errlen,
				 "%s:%u: environment variables in values are not supported", fname,
				 lineno);
			rc = -EINVAL;
			goto out;
		}
		nopts++;
		rc = iop_job_set(cur, key, val, e2, sizeof(e2));
		if (rc) {
			snprintf(err, errlen, "%s:%u: %s%s", fname, lineno, e2,
				 in_global ? " (in [global])" : "");
			rc = rc == -ENOMEM ? rc : -EINVAL;
			goto out;
		}
	}
	if (nr == 0 && !nopts) {
		snprintf(err, errlen, "%s: no jobs defined", fname);
		rc = -EINVAL;
		goto out;
	}
	if (nr == 0) {
		/* no job section: the whole file is one job */
		const char *bn = strrchr(fname, '/');

		rc = job_push(&jobs, &nr, &global, bn ? bn + 1 : fname);
		if (rc) {
			goto out;
		}
		if (global.name && strcmp(global.name, "job")) {
			free(jobs[0].name);
			jobs[0].name = strdup(global.name);
		}
	}
	for (unsigned int i = 0; i < nr; i++) {
		rc = iop_job_validate(&jobs[i], e2, sizeof(e2));
		if (rc) {
			snprintf(err, errlen, "%s: job '%s': %s", fname, jobs[i].name, e2);
			goto out;
		}
	}
out:
	free(dup);
	iop_job_free(&global);
	if (rc) {
		iop_jobs_free(jobs, nr);
		return rc;
	}
	*jobs_out = jobs;
	*nr_out = nr;
	return 0;
}

int
iop_jobfile_load(const char *path, const struct iop_job *base, struct iop_job **jobs,
		 unsigned int *nr, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t cap = 0, len = 0, n;
	int rc;

	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "cannot read job file '%s': %s", path, strerror(errno));
		return rc;
	}
	do {
		if (len + 4096 + 1 > cap) {
			char *t;

			cap = cap ? cap * 2 : 8192;
			if (cap > (16u << 20)) {
				snprintf(err, errlen, "job file '%s' is too large", path);
				free(text);
				fclose(f);
				return -EINVAL;
			}
			t = realloc(text, cap);
			if (!t) {
				free(text);
				fclose(f);
				return -ENOMEM;
			}
			text = t;
		}
		n = fread(text + len, 1, 4096, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		rc = errno ? -errno : -EIO;
		snprintf(err, errlen, "cannot read job file '%s'", path);
		free(text);
		fclose(f);
		return rc;
	}
	fclose(f);
	text[len] = '\0';
	if (strlen(text) != len) {
		snprintf(err, errlen, "job file '%s' is not text (NUL byte)", path);
		free(text);
		return -EINVAL;
	}
	rc = iop_jobfile_parse(text, path, base, jobs, nr, err, errlen);
	free(text);
	return rc;
}
