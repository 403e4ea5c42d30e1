/* SPDX-License-Identifier: BSD-3-Clause */
/* Passive rule checks over JSON Lines message traces: vfio-user (VFU-NNN), vhost-user (VHU-NNN). */
#ifndef IOPATH_CONFORMANCE_MSG_CHECK_H
#define IOPATH_CONFORMANCE_MSG_CHECK_H

#include "conformance/check/verdict.h"
#include "conformance/trace/jsonl.h"

/** Run every passive VFU rule over t. \return 0 or -ENOMEM. */
int iop_conf_check_vfio_user(const struct iop_jtrace *t, struct iop_conf_verdicts *v);
/** Run every passive VHU rule over t. \return 0 or -ENOMEM. */
int iop_conf_check_vhost_user(const struct iop_jtrace *t, struct iop_conf_verdicts *v);

#endif
