/* SPDX-License-Identifier: BSD-3-Clause */
/* `iopath run URI [job options | JOBFILE]`: run the engine against one endpoint, print and save. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "harness/soak.h"
#include "iopath/cmd.h"
#include "iopath/engine.h"
#include "iopath/log.h"
#include "iopath/uri.h"

#define RUN_MAX_OPTS 64

static volatile sig_atomic_t g_run_stop;

static void
run_on_signal(int sig)
{
	g_run_stop = 1;
}

static void
run_usage(FILE *f)
{
	fprintf(f,
		"usage: iopath run URI [options] [--NAME VALUE ...] [JOBFILE.fio]\n"
		"  URI: local: (with --backend), nvmf-tcp://127.0.0.1:4420/NQN, vfio-user:///path,\n"
		"       ... (iopath --list)\n"
		"  -b, --backend SPEC   backend for local: (null:size=1G, malloc:size=1G, uring:path=F)\n"
		"  -j, --json FILE      write the result as JSON (schema iopath.result/1); with several\n"
		"                       jobs, FILE gets -JOBNAME before its extension\n"
		"      --csv FILE       append a summary.csv row per job\n"
		"      --fio-json FILE  also write fio-compatible JSON (jobs[].read.iops, clat_ns...)\n"
		"      --output-format=F  normal (text, default), json (iopath.result/1) or fio-json\n"
		"                       (fio's --output-format=json layout) on stdout instead of text\n"
		"      --output FILE    write what --output-format selects to FILE instead of stdout\n"
		"  -i, --interrupt      wait for completions instead of busy polling\n"
		"  -o, --opts K=V,...   transport options (see iopath --list)\n"
		"  -T, --trace FILE     record the session (pcap/jsonl) when the transport supports it\n"
		"      --nsid N         namespace to use (default: the first)\n"
		"  -q, --quiet          no notices\n"
		"      --soak INTERVAL  soak: sample RSS and open fds of this process (and of\n"
		"                       --target-pid PID) every INTERVAL; exit 1 when they grow by\n"
		"                       more than --soak-max-rss SIZE (16m) / --soak-max-fds N (4)\n"
		"                       between the first and the last sample (needs --runtime)\n"
		"  JOBFILE              fio-style INI job file: [global] + one section per job; jobs\n"
		"                       run concurrently, stonewall starts a new group (as in fio);\n"
		"                       --NAME VALUE options override the file\n"
		"job options (--NAME VALUE or --NAME=VALUE; fio names work too: blocksize, readwrite,\n"
		"cpus_allowed, rwmixwrite, randseed; fio-only options like ioengine are ignored):\n");
	iop_opts_help(iop_job_options(), f);
	fprintf(f, "Without a jobfile, --runtime implies time_based; with neither runtime nor\n"
		   "number_ios a job makes one pass over size (fio's default).\n"
		   "exit status: 0 ok, 1 run failed or I/O/verify errors, 2 usage error\n");
}

struct run_kv {
	const char *name;
	const char *val;
};

struct run_args {
	struct iop_initiator_cfg icfg;
	const char *json;
	const char *csv;
	const char *fio_json;
	const char *output_format; /* NULL/"normal", "json", "fio-json" */
	const char *output;        /* --output FILE (NULL: stdout) */
	const char *jobfile;
	struct run_kv kv[RUN_MAX_OPTS];
	unsigned int nkv;
	bool runtime_set, time_based_set;
	struct iop_soak_cfg soak;
};

static bool
run_is_bool_opt(const char *name)
{
	const struct iop_option *o = iop_opt_find(iop_job_options(), name);

	return o && o->type == IOP_OPT_BOOL;
}

/* \return 0, or 2 (usage error, message printed). */
static int
run_parse_args(int argc, char **argv, struct run_args *a)
{
	const char *positional[2];
	unsigned int npos = 0;

	iop_opts_defaults(iop_soak_options(), &a->soak);
	for (int i = 1; i < argc; i++) {
		char *arg = argv[i], *eq, name[64];
		const char *val = NULL;

		if (arg[0] != '-' || !arg[1]) {
			if (npos == 2) {
				fprintf(stderr, "iopath run: unexpected argument '%s' (one URI and at "
						"most one job file)\n", arg);
				return 2;
			}
			positional[npos++] = arg;
			continue;
		}
		/* short flags */
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			run_usage(stdout);
			exit(0);
		}
		if (!strcmp(arg, "-i") || !strcmp(arg, "--interrupt")) {
			a->icfg.interrupt = true;
			continue;
		}
		if (!strcmp(arg, "-q") || !strcmp(arg, "--quiet")) {
			iop_log_set_quiet(true);
			continue;
		}
		arg += arg[1] == '-' ? 2 : 1;
		eq = strchr(arg, '=');
		snprintf(name, sizeof(name), "%.*s", eq ? (int)(eq - arg) : (int)strlen(arg), arg);
		if (eq) {
			val = eq + 1;
		} else if (!run_is_bool_opt(name) || (i + 1 < argc && argv[i + 1][0] != '-' &&
						      strchr("01", argv[i + 1][0]) &&
						      !argv[i + 1][1])) {
			if (i + 1 >= argc) {
				fprintf(stderr, "iopath run: option '%s' needs a value\n", argv[i]);
				return 2;
			}
			val = argv[++i];
		}
		if (!strcmp(name, "b") || !strcmp(name, "backend")) {
			a->icfg.backend = val;
		} else if (!strcmp(name, "j") || !strcmp(name, "json")) {
			a->json = val;
		} else if (!strcmp(name, "csv")) {
			a->csv = val;
		} else if (!strcmp(name, "fio-json") || !strcmp(name, "fio_json")) {
			a->fio_json = val;
		} else if (!strcmp(name, "output-format") || !strcmp(name, "output_format")) {
			if (strcmp(val, "normal") && strcmp(val, "json") && strcmp(val, "fio-json") &&
			    strcmp(val, "fio_json")) {
				fprintf(stderr, "iopath run: --output-format must be normal, json or "
						"fio-json, not '%s'\n", val);
				return 2;
			}
			a->output_format = val;
		} else if (!strcmp(name, "output")) {
			a->output = val;
		} else if (!strcmp(name, "o") || !strcmp(name, "opts")) {
			a->icfg.opts = val;
		} else if (!strcmp(name, "T") || !strcmp(name, "trace")) {
			a->icfg.trace_path = val;
		} else if (iop_opt_find(iop_soak_options(), name)) {
			char err[200];

			if (iop_opt_set(iop_soak_options(), &a->soak, name, val, err, sizeof(err))) {
				fprintf(stderr, "iopath run: %s\n", err);
				return 2;
			}
		} else if (!strcmp(name, "nsid")) {
			char *end;
			unsigned long n = strtoul(val, &end, 10);

			if (!*val || *end || n > 0xffffffffUL) {
				fprintf(stderr, "iopath run: bad --nsid '%s'\n", val);
				return 2;
			}
			a->icfg.nsid = (unsigned int)n;
		} else {
			if (a->nkv == RUN_MAX_OPTS) {
				fprintf(stderr, "iopath run: too many options\n");
				return 2;
			}
			/* keep the name without dashes; it lives in argv (copy only the part before '=') */
			a->kv[a->nkv].name = strndup(arg, eq ? (size_t)(eq - arg) : strlen(arg));
			a->kv[a->nkv].val = val;
			if (!strcmp(name, "runtime")) {
				a->runtime_set = true;
			}
			if (!strcmp(name, "time_based") || !strcmp(name, "time-based")) {
				a->time_based_set = true;
			}
			a->nkv++;
		}
	}
	if (npos == 0) {
		fprintf(stderr, "iopath run: missing URI (e.g. iopath run local: --backend null:size=1G)\n");
		return 2;
	}
	a->icfg.uri = positional[0];
	a->jobfile = npos == 2 ? positional[1] : NULL;
	return 0;
}

/* Apply the command line's job options to job. \return 0 or 2 (message printed). */
static int
run_apply_kv(const struct run_args *a, struct iop_job *job)
{
	char err[256];

	for (unsigned int i = 0; i < a->nkv; i++) {
		int rc = iop_job_set(job, a->kv[i].name, a->kv[i].val, err, sizeof(err));

		if (rc == -ENOENT) {
			fprintf(stderr, "iopath run: unknown option '--%s' (iopath run --help)\n",
				a->kv[i].name);
			return 2;
		}
		if (rc) {
			fprintf(stderr, "iopath run: %s\n", err);
			return 2;
		}
	}
	return 0;
}

static void
run_json_path(const char *json, const char *jobname, unsigned int nr, char *buf, size_t len)
{
	const char *dot = strrchr(json, '.'), *slash = strrchr(json, '/');

	if (nr <= 1) {
		snprintf(buf, len, "%s", json);
	} else if (dot && (!slash || dot > slash)) {
		snprintf(buf, len, "%.*s-%s%s", (int)(dot - json), json, jobname, dot);
	} else {
		snprintf(buf, len, "%s-%s", json, jobname);
	}
}

/* Print one job's result and write its files. \return 0, or 1 on errors or a failed write. */
static int
run_report(const struct run_args *a, const struct iop_result *r, const char *jobname,
	   unsigned int nr)
{
	int rc, ret = 0;

	if (!a->output_format || !strcmp(a->output_format, "normal")) {
		iop_result_print(r, stdout);
		fflush(stdout);
	}
	if (r->errors || r->verify_errors) {
		ret = 1;
	}
	if (a->json) {
		char path[4096];

		run_json_path(a->json, jobname, nr, path, sizeof(path));
		rc = iop_result_write_json(r, path);
		if (rc) {
			fprintf(stderr, "iopath run: cannot write %s: %s\n", path, strerror(-rc));
			ret = 1;
		}
	}
	if (a->csv) {
		rc = iop_result_csv_append(r, a->csv);
		if (rc) {
			fprintf(stderr, "iopath run: cannot append to %s: %s\n", a->csv,
				strerror(-rc));
			ret = 1;
		}
	}
	return ret;
}

/* --output-format json|fio-json: the results on stdout or in --output. \return 0 or 1. */
static int
run_output(const struct run_args *a, struct iop_result **rs, unsigned int nres)
{
	bool fio = strcmp(a->output_format, "json") != 0;
	FILE *f = a->output ? fopen(a->output, "w") : stdout;
	int ret = 0;

	if (!f) {
		fprintf(stderr, "iopath run: cannot write %s: %s\n", a->output, strerror(errno));
		return 1;
	}
	for (unsigned int i = 0; i < (fio ? 1 : nres); i++) {
		char *text = fio ? iop_result_to_fio_json((const struct iop_result *const *)rs, nres)
				 : iop_result_to_json(rs[i]);

		if (!text) {
			ret = 1;
			break;
		}
		fputs(text, f);
		fputc('\n', f);
		free(text);
	}
	if (a->output ? fclose(f) : fflush(f)) {
		fprintf(stderr, "iopath run: cannot write %s\n", a->output ? a->output : "stdout");
		ret = 1;
	}
	return ret;
}

static int
run_main(int argc, char **argv)
{
	struct run_args a = {0};
	struct iop_job *jobs = NULL;
	unsigned int nr = 0;
	struct iop_result **rs = NULL;
	unsigned int nres = 0;
	struct sigaction sa = {.sa_handler = run_on_signal};
	struct iop_engine_ext ext = {.stop = &g_run_stop};
	struct iop_soak *soak = NULL;
	char err[512];
	int rc, ret = 2;

	rc = run_parse_args(argc, argv, &a);
	if (rc) {
		goto out;
	}
	if (!iop_initiator_find_uri(a.icfg.uri)) {
		char scheme[32];

		if (iop_uri_scheme(a.icfg.uri, scheme, sizeof(scheme))) {
			fprintf(stderr, "iopath run: '%s' is not an endpoint URI (expected local:, "
					"nvmf-tcp://host:port/nqn, vfio-user:///path, ...)\n",
				a.icfg.uri);
		} else {
			fprintf(stderr, "iopath run: no initiator for '%s:' in this build "
					"(iopath --list)\n", scheme);
		}
		goto out;
	}
	if (a.jobfile) {
		struct stat st;

		if (stat(a.jobfile, &st) == 0 && S_ISDIR(st.st_mode)) {
			fprintf(stderr, "iopath run: job file '%s' is a directory\n", a.jobfile);
			goto out;
		}
		rc = iop_jobfile_load(a.jobfile, NULL, &jobs, &nr, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "iopath run: %s\n", err);
			goto out;
		}
	} else {
		jobs = calloc(1, sizeof(*jobs));
		if (!jobs || iop_job_init(&jobs[0])) {
			fprintf(stderr, "iopath run: out of memory\n");
			free(jobs);
			jobs = NULL;
			ret = 1;
			goto out;
		}
		nr = 1;
		free(jobs[0].name);
		jobs[0].name = strdup("run");
	}
	for (unsigned int i = 0; i < nr; i++) {
		if (run_apply_kv(&a, &jobs[i])) {
			goto out;
		}
		if (!a.jobfile && a.runtime_set && !a.time_based_set) {
			jobs[i].time_based = jobs[i].runtime_ns != 0;
		}
		if (iop_job_validate(&jobs[i], err, sizeof(err))) {
			fprintf(stderr, "iopath run: job '%s': %s\n", jobs[i].name, err);
			goto out;
		}
	}
	if (a.soak.interval_ns && !a.runtime_set) {
		fprintf(stderr, "iopath run: --soak needs --runtime (a soak is bounded)\n");
		goto out;
	}
	ext.target_pid = (pid_t)a.soak.target_pid;
	rs = calloc(nr, sizeof(*rs));
	if (!rs) {
		fprintf(stderr, "iopath run: out of memory\n");
		ret = 1;
		goto out;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	ret = 0;
	if (a.soak.interval_ns) {
		rc = iop_soak_start(&a.soak, &soak);
		if (rc) {
			fprintf(stderr, "iopath run: cannot start soak sampling: %s\n", strerror(-rc));
			ret = 1;
			goto out;
		}
	}
	/* jobs run in groups, as in fio: a job with stonewall starts a new group */
	for (unsigned int g = 0, ge; g < nr && !g_run_stop; g = ge) {
		struct iop_result **grp = rs + nres;
		unsigned int n;

		for (ge = g + 1; ge < nr && !jobs[ge].stonewall; ge++) {
		}
		n = ge - g;
		for (unsigned int k = 0; k < n; k++) {
			grp[k] = malloc(sizeof(*grp[k]));
			if (!grp[k]) {
				fprintf(stderr, "iopath run: out of memory\n");
				for (unsigned int m = 0; m < k; m++) {
					free(grp[m]);
				}
				ret = 1;
				goto out_fio;
			}
		}
		rc = iop_engine_run_group(&jobs[g], n, &a.icfg, &ext, grp);
		if (rc) {
			fprintf(stderr, "iopath run: %s%s%s on %s failed: %s\n",
				n == 1 ? "job '" : "job group starting with '", jobs[g].name, "'",
				a.icfg.uri, grp[0]->error_msg[0] ? grp[0]->error_msg : strerror(-rc));
			for (unsigned int k = 0; k < n; k++) {
				free(grp[k]);
			}
			ret = 1;
			continue;
		}
		nres += n;
		for (unsigned int k = 0; k < n; k++) {
			if (run_report(&a, grp[k], jobs[g + k].name, nr)) {
				ret = 1;
			}
		}
	}
out_fio:
	if (soak && iop_soak_stop(soak, stdout)) {
		ret = 1;
	}
	if (a.fio_json && nres) {
		rc = iop_result_write_fio_json((const struct iop_result *const *)rs, nres,
					       a.fio_json);
		if (rc) {
			fprintf(stderr, "iopath run: cannot write %s: %s\n", a.fio_json,
				strerror(-rc));
			ret = 1;
		}
	}
	if (a.output_format && strcmp(a.output_format, "normal") && nres &&
	    run_output(&a, rs, nres)) {
		ret = 1;
	}
out:
	for (unsigned int i = 0; i < nres; i++) {
		free(rs[i]);
	}
	free(rs);
	for (unsigned int i = 0; i < a.nkv; i++) {
		free((char *)a.kv[i].name);
	}
	if (jobs) {
		iop_jobs_free(jobs, nr);
	}
	return ret;
}

static const struct iop_cmd run_cmd = {
	.name = "run",
	.summary = "run a job against one endpoint (iopath run URI [options|JOBFILE])",
	.main = run_main,
};
IOP_CMD_REGISTER(run_cmd)
