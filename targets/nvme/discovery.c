/* SPDX-License-Identifier: BSD-3-Clause */
/* Discovery log page (LID 70h): one entry per (subsystem the host may use, listener). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "targets/nvme/nvme_internal.h"

/*
 * The page is built as a snapshot under the target lock, so a host reading it in pieces
 * (header first, then entries with an offset) sees a consistent page only if GENCTR did not
 * change between reads; that is the host's check per F 5.3 and the reason GENCTR exists.
 * Entries: the current discovery subsystem once per listener (subtype 3, as a host needs it to
 * find persistent discovery controllers), then each NVM subsystem per listener.
 */

static void
disc_fill_entry(struct iop_nvmf_disc_log_entry *e, const struct iop_nvme_listener *l,
		const char *nqn, uint8_t subtype)
{
	memset(e, 0, sizeof(*e));
	e->trtype = l->trtype;
	e->adrfam = l->adrfam;
	e->subtype = subtype;
	e->treq = l->treq ? l->treq : IOP_NVMF_TREQ_SECURE_NOT_REQUIRED;
	e->portid = l->portid;
	e->cntlid = IOP_NVMF_CNTLID_DYNAMIC;
	e->asqsz = 32;
	e->eflags = subtype == IOP_NVMF_SUBTYPE_DISCOVERY_CURRENT ? IOP_NVMF_EFLAGS_EPCSD : 0;
	nvme_fill_padded(e->trsvcid, sizeof(e->trsvcid), l->trsvcid);
	memcpy(e->subnqn, nqn, strnlen(nqn, sizeof(e->subnqn) - 1));
	nvme_fill_padded(e->traddr, sizeof(e->traddr), l->traddr);
	memcpy(e->tsas.raw, l->tsas, sizeof(e->tsas.raw));
}

int
nvme_disc_log_build(struct iop_nvme_tgt *tgt, const char *hostnqn, void **buf, size_t *len)
{
	struct iop_nvmf_disc_log_hdr *hdr;
	struct iop_nvmf_disc_log_entry *e;
	size_t n = 0, max;
	void *p;

	pthread_mutex_lock(&tgt->lock);
	max = (size_t)tgt->nlisteners * (tgt->nsubsys + 1);
	p = calloc(1, sizeof(*hdr) + max * sizeof(*e));
	if (!p) {
		pthread_mutex_unlock(&tgt->lock);
		return -ENOMEM;
	}
	hdr = p;
	e = (struct iop_nvmf_disc_log_entry *)(hdr + 1);
	for (unsigned int l = 0; l < tgt->nlisteners; l++) {
		disc_fill_entry(&e[n++], &tgt->listeners[l], IOP_NVME_DISC_NQN,
				IOP_NVMF_SUBTYPE_DISCOVERY_CURRENT);
	}
	for (unsigned int s = 0; s < tgt->nsubsys; s++) {
		struct iop_nvme_subsys *ss = tgt->subsys[s];

		if (!nvme_subsys_host_allowed_locked(ss, hostnqn)) {
			continue;
		}
		for (unsigned int l = 0; l < tgt->nlisteners; l++) {
			disc_fill_entry(&e[n++], &tgt->listeners[l], ss->nqn, IOP_NVMF_SUBTYPE_NVME);
		}
	}
	hdr->genctr = __atomic_load_n(&tgt->genctr, __ATOMIC_ACQUIRE);
	hdr->numrec = n;
	hdr->recfmt = 0;
	pthread_mutex_unlock(&tgt->lock);
	*buf = p;
	*len = sizeof(*hdr) + n * sizeof(*e);
	return 0;
}
