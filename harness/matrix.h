/* SPDX-License-Identifier: BSD-3-Clause */
/* Benchmark matrix files (workloads/NAME.matrix): INI sections whose list values are axes. */
#ifndef IOPATH_HARNESS_MATRIX_H
#define IOPATH_HARNESS_MATRIX_H

/*
 * Concepts
 *
 * A matrix file is INI text. Every "key = v1, v2, ..." line is an axis; each section is the
 * cartesian product of its axes (the first axis varies slowest), after inheriting the [global]
 * axes it does not set itself. Keys the bench runner interprets:
 *   transports  endpoint kinds (local, nvmf-tcp, nvmf-rdma, vfio-user, vhost-user-blk,
 *               vhost-user-scsi, vduse); "transport" is accepted too
 *   backend     backend spec(s) for local: and the targets (null:size=1G, malloc:size=1G ...)
 *   tool        "iopath" (default) or "fio" (fio's null engine, a comparison row)
 *   budget      [global] only: wall time the whole run should take; cell runtimes are derived
 *   min_runtime, runtime, ramp_time: per-cell timing (runtime caps the budget-derived value)
 *   uri.SCHEME  [global] only: override the URI template of a transport
 * Every other key is a job option (fio names: rw, bs, iodepth, numjobs, rwmixread ...).
 * Values may not contain commas; "#" and ";" start comments at the start of a line.
 */

#include <stdbool.h>
#include <stddef.h>

#define IOP_MATRIX_MAX_KEYS 32

struct iop_matrix_axis {
	char *key;
	char **vals;
	unsigned int nvals;
	unsigned int line;      /* where it was defined, for messages */
};

struct iop_matrix_section {
	char *name;
	struct iop_matrix_axis axes[IOP_MATRIX_MAX_KEYS];
	unsigned int naxes;
};

struct iop_matrix {
	char *fname;
	struct iop_matrix_section global;
	struct iop_matrix_section *secs;
	unsigned int nsecs;
};

/** One expanded cell: key/value pairs (pointers into the matrix) plus its section. */
struct iop_matrix_cell {
	const char *section;
	const char *keys[IOP_MATRIX_MAX_KEYS];
	const char *vals[IOP_MATRIX_MAX_KEYS];
	unsigned int n;
};

/**
 * Parse matrix text. fname names the source in messages.
 * \return 0, -EINVAL (err names file:line and the problem), -ENOMEM.
 */
int iop_matrix_parse(const char *text, const char *fname, struct iop_matrix *m, char *err,
		     size_t errlen);
/** Read and parse path. \return as iop_matrix_parse, or -ENOENT naming the file. */
int iop_matrix_load(const char *path, struct iop_matrix *m, char *err, size_t errlen);
void iop_matrix_free(struct iop_matrix *m);

/** The [global] axis named key, or NULL. */
const struct iop_matrix_axis *iop_matrix_global(const struct iop_matrix *m, const char *key);

/**
 * Expand every section (in file order) into cells: section axes plus inherited global axes,
 * global-only keys (budget, uri.*) left out. \return the number of cells and a malloc'd array
 * in *cells, or a negative errno.
 */
int iop_matrix_expand(const struct iop_matrix *m, struct iop_matrix_cell **cells);

/** Value of key in cell c, or NULL. */
const char *iop_matrix_cell_get(const struct iop_matrix_cell *c, const char *key);

#endif
