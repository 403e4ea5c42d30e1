/* SPDX-License-Identifier: BSD-3-Clause */
/* Options as data rows (fio style): one generic parser for CLI flags, job files and module specs. */
#ifndef IOPATH_OPTION_H
#define IOPATH_OPTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum iop_opt_type {
	IOP_OPT_BOOL,  /* bool; "1/0/true/false/yes/no/on/off", bare name means true */
	IOP_OPT_UINT,  /* uint64_t, plain integer (decimal or 0x) */
	IOP_OPT_SIZE,  /* uint64_t, integer with k/m/g/t suffix (1024 based) */
	IOP_OPT_TIME,  /* uint64_t nanoseconds; "10", "10s", "500ms", "2m", "100us" (bare = seconds) */
	IOP_OPT_STR,   /* char * (strdup'd; freed by iop_opts_free) */
	IOP_OPT_ENUM,  /* int; index into choices[] */
};

struct iop_option {
	const char *name;     /* "iodepth" */
	const char *alias;    /* optional second name ("qd"), or NULL */
	enum iop_opt_type type;
	size_t off;           /* offsetof(target struct, field) */
	const char *def;      /* default as text, or NULL for zero/NULL */
	uint64_t min, max;    /* range for UINT/SIZE/TIME; max == 0 means unbounded */
	const char *const *choices; /* ENUM: NULL-terminated names */
	const char *help;
};

/** Apply the defaults of every row to obj. \return 0 or -EINVAL if a default is malformed. */
int iop_opts_defaults(const struct iop_option *tbl, void *obj);

/**
 * Set one option by name. err (may be NULL) receives a message naming the problem.
 * \return 0, -ENOENT for an unknown name, -EINVAL for a bad value, -ERANGE when out of range.
 */
int iop_opt_set(const struct iop_option *tbl, void *obj, const char *name, const char *val,
		char *err, size_t errlen);

/**
 * Parse "k1=v1,k2=v2" (module spec arguments, e.g. the part after "malloc:").
 * \return 0 or the first error of iop_opt_set (message in err).
 */
int iop_opts_parse_kv(const struct iop_option *tbl, void *obj, const char *kv, char *err,
		      size_t errlen);

/** Free the strings owned by STR rows. */
void iop_opts_free(const struct iop_option *tbl, void *obj);

/** Print "  name=TYPE  help (default)" rows to f (a FILE *). */
void iop_opts_help(const struct iop_option *tbl, void *f);

/** Find a row by name or alias; NULL when absent. */
const struct iop_option *iop_opt_find(const struct iop_option *tbl, const char *name);

#endif
