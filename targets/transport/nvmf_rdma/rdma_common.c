/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe/RDMA helpers shared by target and initiator: device presence. */
#include <infiniband/verbs.h>
#include "targets/transport/nvmf_rdma/nvmf_rdma_internal.h"

bool
nvmf_rdma_have_device(void)
{
	int n = 0;
	struct ibv_device **l = ibv_get_device_list(&n);

	if (l) {
		ibv_free_device_list(l);
	}
	return l && n > 0;
}
