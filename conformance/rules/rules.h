/* SPDX-License-Identifier: BSD-3-Clause */
/* Conformance rule catalog: every rule as data (ID, spec, section, level, method, text). */
#ifndef IOPATH_CONFORMANCE_RULES_H
#define IOPATH_CONFORMANCE_RULES_H

#include <stddef.h>
#include <stdio.h>

/*
 * Concepts
 * A rule is one requirement taken from a specification (NVMe/TCP transport, NVMe-oF and NVMe base,
 * vfio-user, vhost-user, virtio). Its ID is stable (TCP-012); the catalog is the union of the
 * per-protocol tables (nvme_tcp_rules.c, fabrics_rules.c, vfio_user_rules.c, vhost_user_rules.c).
 * Checkers refer to rules by ID only; conformance/RULES.md is generated from these tables
 * (`iopath conform rules --markdown`) and a test keeps the two in sync.
 */

enum iop_rule_level { IOP_RULE_MUST, IOP_RULE_SHOULD };

/* How the rule is checked: over a recorded trace, by an active probe, or both. */
enum iop_rule_method {
	IOP_RULE_PASSIVE = 1,
	IOP_RULE_ACTIVE = 2,
	IOP_RULE_BOTH = 3,
};

struct iop_rule {
	const char *id;       /* "TCP-012" */
	const char *spec;     /* "NVMe/TCP 1.0" */
	const char *section;  /* section number and/or title in that spec */
	enum iop_rule_level level;
	enum iop_rule_method method;
	const char *text;     /* one line */
};

/* One table per protocol family, NULL-id terminated. */
struct iop_rule_table {
	const char *prefix;   /* "TCP" */
	const char *title;    /* "NVMe/TCP transport" */
	const struct iop_rule *rules;
};

extern const struct iop_rule_table iop_rules_nvme_tcp;
extern const struct iop_rule_table iop_rules_fabrics;
extern const struct iop_rule_table iop_rules_nvme_rdma;
extern const struct iop_rule_table iop_rules_vfio_user;
extern const struct iop_rule_table iop_rules_vhost_user;

/** \return number of rules in the whole catalog. */
size_t iop_rule_count(void);
/** \return rule number i (0 <= i < iop_rule_count()), catalog order. */
const struct iop_rule *iop_rule_at(size_t i);
/** \return the index of rule id, or -1 when unknown. */
int iop_rule_index(const char *id);
/** \return the rule named id, or NULL. */
const struct iop_rule *iop_rule_find(const char *id);
/** \return true when rule id starts with one of the comma-separated prefixes (NULL: all). */
int iop_rule_matches(const struct iop_rule *r, const char *prefixes);
/** \return "MUST"/"SHOULD" and "passive"/"active"/"both". */
const char *iop_rule_level_str(enum iop_rule_level l);
const char *iop_rule_method_str(enum iop_rule_method m);
/**
 * Validate the catalog: IDs unique, well formed (PREFIX-NNN) and in increasing order per table,
 * every field set. \return 0 or -EINVAL (first problem printed to stderr).
 */
int iop_rule_validate(void);
/** Write the catalog as Markdown (the content of conformance/RULES.md). */
void iop_rule_write_markdown(FILE *f);

#endif
