/* SPDX-License-Identifier: BSD-3-Clause */
/* `iopath result FILE.json...`: validate result files (type-checked) and print fields or CSV. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "iopath/cmd.h"
#include "iopath/result.h"

#define RESULT_MAX_GET 32

enum result_kind { RK_STR, RK_U64, RK_DBL };

struct result_field {
	const char *name;
	enum result_kind kind;
	size_t off;
};

#define RF(n, k, f) {n, k, offsetof(struct iop_result, f)}
static const struct result_field result_fields[] = {
	RF("cell", RK_STR, cell), RF("uri", RK_STR, uri), RF("transport", RK_STR, transport),
	RF("backend", RK_STR, backend), RF("name", RK_STR, name), RF("rw", RK_STR, rw),
	RF("bs", RK_U64, bs), RF("size", RK_U64, size), RF("runtime_ns", RK_U64, runtime_ns),
	RF("ios", RK_U64, ios), RF("bytes", RK_U64, bytes), RF("iops", RK_DBL, iops),
	RF("bw_bytes", RK_DBL, bw), RF("lat.n", RK_U64, lat.n), RF("lat.min", RK_U64, lat.min),
	RF("lat.max", RK_U64, lat.max), RF("lat.mean", RK_DBL, lat.mean),
	RF("lat.stdev", RK_DBL, lat.stdev), RF("lat.p50", RK_U64, lat.p50),
	RF("lat.p90", RK_U64, lat.p90), RF("lat.p99", RK_U64, lat.p99),
	RF("lat.p99.9", RK_U64, lat.p999), RF("lat.p99.99", RK_U64, lat.p9999),
	RF("read.ios", RK_U64, read.ios), RF("read.iops", RK_DBL, read.iops),
	RF("read.lat.p99", RK_U64, read.lat.p99), RF("write.ios", RK_U64, write.ios),
	RF("write.iops", RK_DBL, write.iops), RF("write.lat.p99", RK_U64, write.lat.p99),
	RF("cpu.initiator_usr", RK_DBL, cpu_ini.usr), RF("cpu.initiator_sys", RK_DBL, cpu_ini.sys),
	RF("cpu.target_usr", RK_DBL, cpu_tgt.usr), RF("cpu.target_sys", RK_DBL, cpu_tgt.sys),
	RF("cpu.total", RK_DBL, cpu_total), RF("iops_per_core", RK_DBL, iops_per_core),
	RF("iops_per_core_target", RK_DBL, iops_per_core_target),
	RF("bw_per_core", RK_DBL, bw_per_core), RF("cores_per_gbps", RK_DBL, cores_per_gbps),
	RF("errors", RK_U64, errors), RF("verify_errors", RK_U64, verify_errors),
	RF("error_msg", RK_STR, error_msg), RF("commit", RK_STR, env.commit),
	RF("kernel", RK_STR, env.kernel), RF("cpu_model", RK_STR, env.cpu_model),
	{NULL},
};

static const struct result_field *
result_find(const char *name)
{
	for (const struct result_field *f = result_fields; f->name; f++) {
		if (!strcmp(f->name, name)) {
			return f;
		}
	}
	return NULL;
}

static void
result_print_field(const struct iop_result *r, const struct result_field *f)
{
	const char *p = (const char *)r + f->off;

	switch (f->kind) {
	case RK_STR: printf("%s\n", p); break;
	case RK_U64: printf("%llu\n", (unsigned long long)*(const uint64_t *)p); break;
	case RK_DBL: printf("%.6g\n", *(const double *)p); break;
	}
}

static void
result_usage(FILE *f)
{
	fprintf(f, "usage: iopath result [--get FIELD]... [--csv] [--output-format=fio-json] FILE.json...\n"
		   "  Reads result files (schema " IOP_RESULT_SCHEMA "), checking every field.\n"
		   "  default   one summary line per file\n"
		   "  --get F   print field F of each file, one per line (repeatable)\n"
		   "  --csv     print summary.csv (header + one row per file)\n"
		   "  --output-format=fio-json  print all files as one fio JSON document (one\n"
		   "            jobs[] entry per file); a directory (a bench run: results/latest)\n"
		   "            stands for every result file in it\n"
		   "  exit status: 0 all valid, 1 a file is missing or invalid, 2 usage\n"
		   "fields:");
	for (const struct result_field *r = result_fields; r->name; r++) {
		fprintf(f, " %s", r->name);
	}
	fprintf(f, "\n");
}

/* Add one result file to *rs. quiet: a file that is not a result is skipped silently (inside
 * a run directory). \return 0, 1 on a bad file, -1 out of memory. */
static int
result_fio_add(const char *path, bool quiet, struct iop_result ***rs, unsigned int *n)
{
	struct iop_result **nrs = realloc(*rs, (*n + 1) * sizeof(**rs));
	char err[256];

	if (!nrs) {
		return -1;
	}
	*rs = nrs;
	nrs[*n] = malloc(sizeof(*nrs[*n]));
	if (!nrs[*n]) {
		return -1;
	}
	if (iop_result_read_json(path, nrs[*n], err, sizeof(err))) {
		if (!quiet) {
			fprintf(stderr, "iopath result: %s: %s\n", path, err);
		}
		free(nrs[*n]);
		return quiet ? 0 : 1;
	}
	(*n)++;
	return 0;
}

/* A bench run directory: every iopath.result/1 file in it (skipped.json, fio's raw *.fio.json and
 * other JSON are left out). \return as result_fio_add. */
static int
result_fio_dir(const char *dir, struct iop_result ***rs, unsigned int *n)
{
	struct dirent **ents = NULL;
	int nent = scandir(dir, &ents, NULL, alphasort), rc = 0;

	if (nent < 0) {
		fprintf(stderr, "iopath result: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	for (int i = 0; i < nent; i++) {
		const char *name = ents[i]->d_name;
		size_t len = strlen(name);
		char path[4096];

		if (rc >= 0 && len > 5 && !strcmp(name + len - 5, ".json") &&
		    !(len > 9 && !strcmp(name + len - 9, ".fio.json"))) {
			snprintf(path, sizeof(path), "%s/%s", dir, name);
			rc = result_fio_add(path, true, rs, n);
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

/* --output-format=fio-json: every file (or every result in a run directory) as one jobs[] entry
 * of one fio document on stdout. */
static int
result_fio(int argc, char **argv)
{
	struct iop_result **rs = NULL;
	unsigned int n = 0;
	char *text = NULL;
	int ret = 0;

	for (int i = 1; i < argc && ret >= 0; i++) {
		struct stat st;
		int rc;

		if (argv[i][0] == '-') {
			if (!strcmp(argv[i], "--get")) {
				i++;
			}
			continue;
		}
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			rc = result_fio_dir(argv[i], &rs, &n);
		} else {
			rc = result_fio_add(argv[i], false, &rs, &n);
		}
		ret = rc < 0 ? rc : ret | rc;
	}
	if (ret < 0) {
		fprintf(stderr, "iopath result: out of memory\n");
	}
	text = n && ret >= 0 ? iop_result_to_fio_json((const struct iop_result *const *)rs, n)
			     : NULL;
	if (text) {
		printf("%s\n", text);
	} else {
		if (!n && ret == 0) {
			fprintf(stderr, "iopath result: no result file found\n");
		}
		ret = 1;
	}
	free(text);
	for (unsigned int i = 0; i < n; i++) {
		free(rs[i]);
	}
	free(rs);
	return ret < 0 ? 1 : ret;
}

static int
result_main(int argc, char **argv)
{
	const struct result_field *get[RESULT_MAX_GET];
	unsigned int nget = 0, nfiles = 0;
	bool csv = false, fio = false;
	struct iop_result *r;
	int ret = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			result_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--get") || !strncmp(argv[i], "--get=", 6)) {
			const char *name = NULL;

			if (argv[i][5] == '=') {
				name = argv[i] + 6;
			} else if (i + 1 < argc) {
				name = argv[++i];
			}

			if (!name) {
				fprintf(stderr, "iopath result: --get needs a field name\n");
				return 2;
			}
			if (nget == RESULT_MAX_GET || !(get[nget] = result_find(name))) {
				fprintf(stderr, "iopath result: unknown field '%s' "
						"(iopath result --help)\n", name);
				return 2;
			}
			nget++;
		} else if (!strcmp(argv[i], "--csv")) {
			csv = true;
		} else if (!strcmp(argv[i], "--output-format=fio-json") ||
			   !strcmp(argv[i], "--output-format=fio_json")) {
			fio = true;
		} else if (!strncmp(argv[i], "--output-format", 15) &&
			   strcmp(argv[i], "--output-format=normal")) {
			fprintf(stderr, "iopath result: --output-format takes normal or fio-json "
					"(with '=')\n");
			return 2;
		} else if (!strcmp(argv[i], "--output-format=normal")) {
			continue;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "iopath result: unknown option '%s'\n", argv[i]);
			result_usage(stderr);
			return 2;
		} else {
			nfiles++;
		}
	}
	if (!nfiles) {
		fprintf(stderr, "iopath result: no result file given\n");
		return 2;
	}
	if (fio) {
		return result_fio(argc, argv);
	}
	r = malloc(sizeof(*r));
	if (!r) {
		return 1;
	}
	if (csv) {
		printf("%s\n", iop_result_csv_header());
	}
	for (int i = 1; i < argc; i++) {
		char err[256];

		if (argv[i][0] == '-') {
			if (!strcmp(argv[i], "--get")) {
				i++;
			}
			continue;
		}
		if (iop_result_read_json(argv[i], r, err, sizeof(err))) {
			fprintf(stderr, "iopath result: %s: %s\n", argv[i], err);
			ret = 1;
			continue;
		}
		if (csv) {
			char row[2048];

			if (iop_result_csv_row(r, row, sizeof(row)) >= 0) {
				printf("%s\n", row);
			}
		} else if (nget) {
			for (unsigned int g = 0; g < nget; g++) {
				result_print_field(r, get[g]);
			}
		} else {
			printf("%s: %s %s bs=%llu qd=%u jobs=%u iops=%.0f p99=%lluns errors=%llu "
			       "verify_errors=%llu\n", argv[i], r->cell, r->rw,
			       (unsigned long long)r->bs, r->iodepth, r->numjobs, r->iops,
			       (unsigned long long)r->lat.p99, (unsigned long long)r->errors,
			       (unsigned long long)r->verify_errors);
		}
	}
	free(r);
	return ret;
}

static const struct iop_cmd result_cmd = {
	.name = "result",
	.summary = "check result JSON files and print fields or CSV (iopath result FILE...)",
	.main = result_main,
};
IOP_CMD_REGISTER(result_cmd)
