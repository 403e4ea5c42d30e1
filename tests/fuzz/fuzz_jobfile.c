/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer: fio INI job file parser (harness/job.c) and validation of what it returns. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "iopath/job.h"
#include "iopath/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iop_job *jobs = NULL;
	unsigned int nr = 0;
	char err[256], *text = malloc(size + 1);

	if (!text) {
		return 0;
	}
	memcpy(text, data, size);
	text[size] = '\0';
	if (!iop_jobfile_parse(text, "fuzz.fio", NULL, &jobs, &nr, err, sizeof(err))) {
		for (unsigned int i = 0; i < nr; i++) {
			iop_job_validate(&jobs[i], err, sizeof(err));
		}
		iop_jobs_free(jobs, nr);
	}
	free(text);
	return 0;
}
