/* SPDX-License-Identifier: BSD-3-Clause */
/* Passive NVMe/RDMA transport rule checks (RDMA-NNN) over a decoded RoCEv2 capture. */
#ifndef IOPATH_CONFORMANCE_NVME_RDMA_CHECK_H
#define IOPATH_CONFORMANCE_NVME_RDMA_CHECK_H

#include "conformance/check/verdict.h"
#include "conformance/trace/roce.h"

/** Run every passive RDMA rule over t, recording verdicts in v. \return 0 or -ENOMEM. */
int iop_conf_check_nvme_rdma(const struct iop_roce_trace *t, struct iop_conf_verdicts *v);

#endif
