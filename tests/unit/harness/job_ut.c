/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: job options (iopath and fio names), validation, and fio INI job files with
 * [global] + 2 jobs; bad input is rejected with a message naming the problem. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "iopath/job.h"
#include "iopath/log.h"
#include "tests/common/ut.h"

static void
test_defaults(void)
{
	struct iop_job j;
	char err[128];

	CU_ASSERT_EQUAL(iop_job_init(&j), 0);
	CU_ASSERT_EQUAL(j.rw, IOP_RW_RANDREAD);
	CU_ASSERT_EQUAL(j.bs, 4096);
	CU_ASSERT_EQUAL(j.iodepth, 1);
	CU_ASSERT_EQUAL(j.numjobs, 1);
	CU_ASSERT_EQUAL(j.rwmixread, 50);
	CU_ASSERT_FALSE(j.verify);
	CU_ASSERT_FALSE(j.time_based);
	CU_ASSERT_PTR_NULL(j.cpus);
	CU_ASSERT_STRING_EQUAL(j.name, "job");
	CU_ASSERT_EQUAL(iop_job_validate(&j, err, sizeof(err)), 0);
	iop_job_free(&j);
}

static void
test_cli_options(void)
{
	static const struct { const char *k, *v; } set[] = {
		{"rw", "randrw"}, {"bs", "16k"}, {"iodepth", "32"}, {"numjobs", "4"},
		{"runtime", "3"}, {"ramp_time", "500ms"}, {"size", "1g"}, {"offset", "64k"},
		{"number_ios", "1000"}, {"verify", NULL}, {"cpus", "0-1"}, {"rwmixread", "70"},
		{"seed", "12345"}, {"time-based", "1"},
	};
	struct iop_job j;
	char err[128];

	iop_job_init(&j);
	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		CU_ASSERT_EQUAL(iop_job_set(&j, set[i].k, set[i].v, err, sizeof(err)), 0);
	}
	CU_ASSERT_EQUAL(j.rw, IOP_RW_RANDRW);
	CU_ASSERT_EQUAL(j.bs, 16384);
	CU_ASSERT_EQUAL(j.iodepth, 32);
	CU_ASSERT_EQUAL(j.numjobs, 4);
	CU_ASSERT_EQUAL(j.runtime_ns, 3000000000ull);
	CU_ASSERT_EQUAL(j.ramp_ns, 500000000ull);
	CU_ASSERT_EQUAL(j.size, 1ull << 30);
	CU_ASSERT_EQUAL(j.offset, 65536);
	CU_ASSERT_EQUAL(j.number_ios, 1000);
	CU_ASSERT_TRUE(j.verify);
	CU_ASSERT_TRUE(j.time_based);
	CU_ASSERT_STRING_EQUAL(j.cpus, "0-1");
	CU_ASSERT_EQUAL(j.rwmixread, 70);
	CU_ASSERT_EQUAL(j.seed, 12345);
	CU_ASSERT_EQUAL(iop_job_validate(&j, err, sizeof(err)), 0);
	CU_ASSERT(iop_rw_reads(j.rw) && iop_rw_writes(j.rw) && iop_rw_random(j.rw));
	CU_ASSERT_STRING_EQUAL(iop_rw_name(j.rw), "randrw");
	iop_job_free(&j);
}

static void
test_fio_names(void)
{
	struct iop_job j;
	char err[128];

	iop_job_init(&j);
	CU_ASSERT_EQUAL(iop_job_set(&j, "blocksize", "8k", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(j.bs, 8192);
	CU_ASSERT_EQUAL(iop_job_set(&j, "readwrite", "readwrite", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(j.rw, IOP_RW_RW);
	CU_ASSERT_EQUAL(iop_job_set(&j, "rwmixwrite", "30", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(j.rwmixread, 70);
	CU_ASSERT_EQUAL(iop_job_set(&j, "cpus_allowed", "1", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(j.cpus, "1");
	CU_ASSERT_EQUAL(iop_job_set(&j, "randseed", "7", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(j.seed, 7);
	CU_ASSERT_EQUAL(iop_job_set(&j, "verify", "md5", err, sizeof(err)), 0);
	CU_ASSERT_TRUE(j.verify);
	CU_ASSERT_EQUAL(iop_job_set(&j, "verify", "0", err, sizeof(err)), 0);
	CU_ASSERT_FALSE(j.verify);
	CU_ASSERT_EQUAL(iop_job_set(&j, "RUNTIME", "2m", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(j.runtime_ns, 120000000000ull);
	/* options that do not matter to iopath are accepted */
	CU_ASSERT_EQUAL(iop_job_set(&j, "ioengine", "libaio", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(iop_job_set(&j, "direct", "1", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(iop_job_set(&j, "filename", "/dev/nvme0n1", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(iop_job_set(&j, "group_reporting", NULL, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(iop_job_set(&j, "name", "seqmix", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(j.name, "seqmix");
	iop_job_free(&j);
}

static void
test_bad_options(void)
{
	static const struct { const char *k, *v; int rc; const char *msg; } bad[] = {
		/* Test1: unknown names are rejected and named */
		{"bogus", "1", -ENOENT, "unknown option 'bogus'"},
		{"rate_iops", "1000", -ENOENT, "rate_iops"},
		/* Test2: bad sizes and numbers */
		{"bs", "4q", -EINVAL, "bs"},
		{"bs", "", -EINVAL, "bs"},
		{"bs", "0", -ERANGE, "bs"},
		{"size", "50%", -EINVAL, "percentages"},
		{"bs", "4k,8k", -EINVAL, "separate read/write"},
		{"iodepth", "0", -ERANGE, "iodepth"},
		{"iodepth", "x", -EINVAL, "iodepth"},
		{"numjobs", "100000", -ERANGE, "numjobs"},
		{"runtime", "3 hours", -EINVAL, "runtime"},
		{"rwmixread", "101", -ERANGE, "rwmixread"},
		{"rwmixwrite", "200", -ERANGE, "rwmixwrite"},
		/* Test3: bad enums */
		{"rw", "randomread", -EINVAL, "randread"},
		{"rw", "randread:8", -EINVAL, "offset modifier"},
		{"verify", "maybe", -EINVAL, "verify"},
	};
	struct iop_job j;

	iop_job_init(&j);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[160] = "";
		int rc = iop_job_set(&j, bad[i].k, bad[i].v, err, sizeof(err));

		CU_ASSERT_EQUAL(rc, bad[i].rc);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].msg));
		if (rc != bad[i].rc || !strstr(err, bad[i].msg)) {
			fprintf(stderr, "case %zu (%s=%s): rc %d err '%s'\n", i, bad[i].k, bad[i].v,
				rc, err);
		}
	}
	/* the job is unchanged by the failed sets */
	CU_ASSERT_EQUAL(j.bs, 4096);
	CU_ASSERT_EQUAL(j.rwmixread, 50);
	iop_job_free(&j);
}

static void
test_validate(void)
{
	struct iop_job j;
	char err[160];

	iop_job_init(&j);
	/* Test1: offset not aligned to bs */
	j.offset = 1000;
	CU_ASSERT_EQUAL(iop_job_validate(&j, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "offset"));
	j.offset = 0;
	/* Test2: size smaller than bs */
	j.size = 512;
	CU_ASSERT_EQUAL(iop_job_validate(&j, err, sizeof(err)), -EINVAL);
	j.size = 0;
	/* Test3: bad cpu list */
	iop_job_set(&j, "cpus", "1-0", err, sizeof(err));
	CU_ASSERT_EQUAL(iop_job_validate(&j, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cpu list"));
	iop_job_set(&j, "cpus", "0", err, sizeof(err));
	/* Test4: time_based without runtime */
	j.time_based = true;
	CU_ASSERT_EQUAL(iop_job_validate(&j, err, sizeof(err)), -EINVAL);
	j.runtime_ns = 1000000000;
	CU_ASSERT_EQUAL(iop_job_validate(&j, err, sizeof(err)), 0);
	/* Test5: verify with bs not a multiple of 512 */
	j.verify = true;
	j.bs = 1000;
	CU_ASSERT_EQUAL(iop_job_validate(&j, err, sizeof(err)), -EINVAL);
	iop_job_free(&j);
}

static const char g_jobfile[] =
	"; a user's fio job, unchanged\n"
	"[global]\n"
	"ioengine=libaio\n"
	"direct=1\n"
	"  bs = 4k  \n"
	"iodepth=16\n"
	"size=256m\n"
	"runtime=2\n"
	"time_based\n"
	"group_reporting\n"
	"\n"
	"# first job\n"
	"[seq-write]\n"
	"rw=write\n"
	"bs=128k\n"
	"numjobs=2\n"
	"\n"
	"[rand-mix]\n"
	"wait_for_previous\n"
	"readwrite=randrw\n"
	"rwmixread=70\n"
	"iodepth=1\n"
	"verify=crc32c\n";

static void
test_jobfile(void)
{
	struct iop_job *jobs = NULL;
	unsigned int nr = 0;
	char err[256] = "";

	CU_ASSERT_EQUAL_FATAL(iop_jobfile_parse(g_jobfile, "t.fio", NULL, &jobs, &nr, err,
						sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(nr, 2);
	CU_ASSERT_STRING_EQUAL(jobs[0].name, "seq-write");
	CU_ASSERT_EQUAL(jobs[0].rw, IOP_RW_WRITE);
	CU_ASSERT_EQUAL(jobs[0].bs, 131072);       /* section overrides [global] */
	CU_ASSERT_EQUAL(jobs[0].iodepth, 16);      /* from [global] */
	CU_ASSERT_EQUAL(jobs[0].numjobs, 2);
	CU_ASSERT_EQUAL(jobs[0].size, 256ull << 20);
	CU_ASSERT_EQUAL(jobs[0].runtime_ns, 2000000000ull);
	CU_ASSERT_TRUE(jobs[0].time_based);
	CU_ASSERT_FALSE(jobs[0].verify);
	CU_ASSERT_STRING_EQUAL(jobs[1].name, "rand-mix");
	CU_ASSERT_EQUAL(jobs[1].rw, IOP_RW_RANDRW);
	CU_ASSERT_EQUAL(jobs[1].bs, 4096);         /* [global], not the previous section */
	CU_ASSERT_EQUAL(jobs[1].iodepth, 1);
	CU_ASSERT_EQUAL(jobs[1].numjobs, 1);
	CU_ASSERT_EQUAL(jobs[1].rwmixread, 70);
	CU_ASSERT_TRUE(jobs[1].verify);
	CU_ASSERT_FALSE(jobs[0].stonewall);
	CU_ASSERT_TRUE(jobs[1].stonewall);
	iop_jobs_free(jobs, nr);
}

static void
test_jobfile_no_sections(void)
{
	struct iop_job *jobs = NULL, base;
	unsigned int nr = 0;
	char err[256] = "";

	/* base values (e.g. the command line) sit beneath the file */
	iop_job_init(&base);
	base.iodepth = 8;
	CU_ASSERT_EQUAL_FATAL(iop_jobfile_parse("rw=read\nbs=64k\n", "dir/plain.fio", &base, &jobs,
						&nr, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(nr, 1);
	CU_ASSERT_STRING_EQUAL(jobs[0].name, "plain.fio");
	CU_ASSERT_EQUAL(jobs[0].rw, IOP_RW_READ);
	CU_ASSERT_EQUAL(jobs[0].bs, 65536);
	CU_ASSERT_EQUAL(jobs[0].iodepth, 8);
	iop_jobs_free(jobs, nr);
	iop_job_free(&base);
}

static void
test_jobfile_errors(void)
{
	static const struct { const char *text, *msg; } bad[] = {
		/* Test1: unknown option, with file and line */
		{"[global]\nbs=4k\n[a]\nfrobnicate=3\n", "t.fio:4: unknown option 'frobnicate'"},
		/* Test2: bad value in [global] */
		{"[global]\nbs=4x\n[a]\n", "t.fio:2: bad value '4x' for bs (in [global])"},
		/* Test3: broken section header */
		{"[a\nbs=4k\n", "t.fio:1: bad section header"},
		{"[]\n", "bad section header"},
		/* Test4: unsupported fio features are named */
		{"include other.fio\n[a]\n", "'include' is not supported"},
		{"[a]\nfilename=${DEV}\n", "environment variables"},
		/* Test5: inconsistent job */
		{"[a]\nbs=4k\noffset=100\n", "job 'a': offset (100) is not a multiple of bs"},
		/* Test6: nothing in it */
		{"; only a comment\n\n", "t.fio: no jobs defined"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct iop_job *jobs = NULL;
		unsigned int nr = 0;
		char err[256] = "";
		int rc = iop_jobfile_parse(bad[i].text, "t.fio", NULL, &jobs, &nr, err,
					   sizeof(err));

		CU_ASSERT_EQUAL(rc, -EINVAL);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].msg));
		if (!strstr(err, bad[i].msg)) {
			fprintf(stderr, "case %zu: got '%s'\n", i, err);
		}
		CU_ASSERT_PTR_NULL(jobs);
	}
}

static void
test_jobfile_load(void)
{
	char path[] = "/tmp/iopath-job-ut-XXXXXX", err[256];
	struct iop_job *jobs = NULL;
	unsigned int nr = 0;
	int fd = mkstemp(path);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL((size_t)write(fd, g_jobfile, sizeof(g_jobfile) - 1), sizeof(g_jobfile) - 1);
	close(fd);
	CU_ASSERT_EQUAL(iop_jobfile_load(path, NULL, &jobs, &nr, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(nr, 2);
	iop_jobs_free(jobs, nr);
	unlink(path);
	/* missing file: -ENOENT and the message names it */
	CU_ASSERT_EQUAL(iop_jobfile_load(path, NULL, &jobs, &nr, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
}

/* Mutated job files never crash the parser (run under ASAN in the sanitizer build). */
static void
test_jobfile_fuzz(void)
{
	static const char alphabet[] = "[]=;#\n \tabkmgrsw0123456789,:%${}-_";
	size_t len = sizeof(g_jobfile) - 1;
	char *t = malloc(len + 64);
	unsigned int ok = 0, bad = 0;
	uint64_t x = 88172645463325252ull;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	iop_log_set_quiet(true);
	for (int round = 0; round < 3000; round++) {
		struct iop_job *jobs = NULL;
		unsigned int nr = 0;
		char err[256];
		size_t n = len;

		memcpy(t, g_jobfile, len);
		for (int m = 0; m < 1 + round % 8; m++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			if (n == 0) {
				break;
			}
			if (x % 5 == 0 && n > 1) {
				n = x % n; /* truncate */
			} else {
				t[x % n] = alphabet[(x >> 32) % (sizeof(alphabet) - 1)];
			}
		}
		t[n] = '\0';
		if (iop_jobfile_parse(t, "fuzz.fio", NULL, &jobs, &nr, err, sizeof(err)) == 0) {
			CU_ASSERT(nr >= 1);
			for (unsigned int i = 0; i < nr; i++) {
				CU_ASSERT(jobs[i].bs > 0 && jobs[i].iodepth >= 1);
			}
			iop_jobs_free(jobs, nr);
			ok++;
		} else {
			CU_ASSERT(err[0] != '\0');
			bad++;
		}
	}
	iop_log_set_quiet(false);
	CU_ASSERT(ok > 0 && bad > 0);
	free(t);
}

static void
test_copy(void)
{
	struct iop_job a, b;
	char err[64];

	iop_job_init(&a);
	iop_job_set(&a, "cpus", "0-1", err, sizeof(err));
	CU_ASSERT_EQUAL(iop_job_copy(&b, &a), 0);
	CU_ASSERT_PTR_NOT_EQUAL(a.cpus, b.cpus);
	CU_ASSERT_STRING_EQUAL(b.cpus, "0-1");
	CU_ASSERT_PTR_NOT_EQUAL(a.name, b.name);
	iop_job_free(&a);
	iop_job_free(&b);
}

IOP_UT_MAIN("job", IOP_UT(test_defaults), IOP_UT(test_cli_options), IOP_UT(test_fio_names),
	    IOP_UT(test_bad_options), IOP_UT(test_validate), IOP_UT(test_jobfile),
	    IOP_UT(test_jobfile_no_sections), IOP_UT(test_jobfile_errors),
	    IOP_UT(test_jobfile_load), IOP_UT(test_jobfile_fuzz), IOP_UT(test_copy))
