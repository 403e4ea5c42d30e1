/* SPDX-License-Identifier: BSD-3-Clause */
/* Soak sampling: a thread reads /proc/PID/statm and /proc/PID/fd every interval; growth is judged at the end. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "harness/soak.h"
#include "iopath/util.h"

#define SOAK_OFF(f) offsetof(struct iop_soak_cfg, f)

static const struct iop_option soak_options[] = {
	{"soak", NULL, IOP_OPT_TIME, SOAK_OFF(interval_ns), "0", 0, 0, NULL,
	 "sample RSS and open fds every INTERVAL; fail when they grow (needs --runtime)"},
	{"target-pid", "target_pid", IOP_OPT_UINT, SOAK_OFF(target_pid), "0", 0, 4194304, NULL,
	 "also sample this process (the target), and report its CPU"},
	{"soak-max-rss", "soak_max_rss", IOP_OPT_SIZE, SOAK_OFF(max_rss), "16m", 0, 0, NULL,
	 "allowed RSS growth after the first sample"},
	{"soak-max-fds", "soak_max_fds", IOP_OPT_UINT, SOAK_OFF(max_fds), "4", 0, 0, NULL,
	 "allowed growth of the open fd count after the first sample"},
	{NULL},
};

struct iop_soak {
	struct iop_soak_cfg cfg;
	struct iop_soak_proc p[2];  /* [0] this process, [1] the target */
	unsigned int np;
	uint64_t nsamples;
	bool vanished;              /* the target process went away */
	pthread_t tid;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
};

const struct iop_option *
iop_soak_options(void)
{
	return soak_options;
}

int
iop_soak_sample(pid_t pid, uint64_t *rss, uint64_t *fds)
{
	char path[64];
	unsigned long long size, res;
	struct dirent *de;
	uint64_t n = 0;
	FILE *f;
	DIR *d;

	if (pid) {
		snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	} else {
		snprintf(path, sizeof(path), "/proc/self/statm");
	}
	f = fopen(path, "re");
	if (!f) {
		return -errno;
	}
	if (fscanf(f, "%llu %llu", &size, &res) != 2) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*rss = (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
	if (pid) {
		snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	} else {
		snprintf(path, sizeof(path), "/proc/self/fd");
	}
	d = opendir(path);
	if (!d) {
		return -errno;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] != '.') {
			n++;
		}
	}
	closedir(d);
	*fds = pid ? n : n - 1; /* our own count includes the directory being read */
	return 0;
}

static void
soak_take(struct iop_soak *s)
{
	for (unsigned int i = 0; i < s->np; i++) {
		struct iop_soak_proc *p = &s->p[i];
		uint64_t rss, fds;

		if (iop_soak_sample(p->pid, &rss, &fds)) {
			if (p->pid) {
				s->vanished = true;
			}
			continue;
		}
		if (!s->nsamples) {
			p->rss0 = rss;
			p->fds0 = fds;
		} else {
			p->ok = true;
		}
		p->rss_last = rss;
		p->fds_last = fds;
		p->rss_max = IOP_MAX(p->rss_max, rss);
		p->fds_max = IOP_MAX(p->fds_max, fds);
	}
	s->nsamples++;
}

static void *
soak_main(void *arg)
{
	struct iop_soak *s = arg;
	struct timespec ts;
	uint64_t next;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	next = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	pthread_mutex_lock(&s->lock);
	/* the first sample is taken one interval in (start-up allocations done) */
	while (!s->stop) {
		next += s->cfg.interval_ns;
		ts.tv_sec = (time_t)(next / 1000000000ull);
		ts.tv_nsec = (long)(next % 1000000000ull);
		while (!s->stop && pthread_cond_timedwait(&s->cond, &s->lock, &ts) != ETIMEDOUT) {
		}
		if (!s->stop) {
			soak_take(s);
		}
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int
iop_soak_start(const struct iop_soak_cfg *cfg, struct iop_soak **out)
{
	struct iop_soak *s = calloc(1, sizeof(*s));
	pthread_condattr_t ca;
	int rc;

	if (!s) {
		return -ENOMEM;
	}
	s->cfg = *cfg;
	s->p[s->np++].pid = 0;
	if (cfg->target_pid) {
		s->p[s->np++].pid = (pid_t)cfg->target_pid;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &ca);
	pthread_condattr_destroy(&ca);
	rc = pthread_create(&s->tid, NULL, soak_main, s);
	if (rc) {
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->cond);
		free(s);
		return -rc;
	}
	*out = s;
	return 0;
}

bool
iop_soak_within(const struct iop_soak_cfg *cfg, const struct iop_soak_proc *p)
{
	return p->rss_last <= p->rss0 + cfg->max_rss && p->fds_last <= p->fds0 + cfg->max_fds;
}

int
iop_soak_stop(struct iop_soak *s, FILE *f)
{
	int ret = 0;

	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->tid, NULL);
	for (unsigned int i = 0; i < s->np; i++) {
		const struct iop_soak_proc *p = &s->p[i];
		bool ok = iop_soak_within(&s->cfg, p);

		if (!p->ok) {
			fprintf(f, "soak: %s: fewer than 2 samples (run longer than 2 intervals)\n",
				i ? "target" : "initiator");
			ret = 1;
			continue;
		}
		fprintf(f, "soak: %s pid %d: rss %llu -> %llu KiB (peak %llu, bound +%llu), "
			"fds %llu -> %llu (peak %llu, bound +%llu): %s\n",
			i ? "target" : "initiator", i ? (int)p->pid : (int)getpid(),
			(unsigned long long)(p->rss0 >> 10), (unsigned long long)(p->rss_last >> 10),
			(unsigned long long)(p->rss_max >> 10), (unsigned long long)(s->cfg.max_rss >> 10),
			(unsigned long long)p->fds0, (unsigned long long)p->fds_last,
			(unsigned long long)p->fds_max, (unsigned long long)s->cfg.max_fds,
			ok ? "flat" : "GREW");
		if (!ok) {
			ret = 1;
		}
	}
	if (s->vanished) {
		fprintf(f, "soak: target pid %llu went away during the run\n",
			(unsigned long long)s->cfg.target_pid);
		ret = 1;
	}
	fprintf(f, "soak: %llu samples every %.3f s: %s\n", (unsigned long long)s->nsamples,
		(double)s->cfg.interval_ns / 1e9, ret ? "FAIL" : "ok");
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s);
	return ret;
}
