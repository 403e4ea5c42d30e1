/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe target objects: target options, subsystems, namespaces, allowed hosts, listeners. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "iopath/log.h"
#include "targets/nvme/nvme_internal.h"

void
iop_nvme_tgt_opts_default(struct iop_nvme_tgt_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_io_size = 128 * 1024;
	o->max_queue_depth = 128;
	o->max_admin_depth = 32;
	o->max_io_queues = 16;
	o->in_capsule_data = 8192;
	o->msdbd = 1;
}

void
nvme_fill_padded(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len);

	memset(dst, ' ', len);
	memcpy(dst, src, n);
}

static bool
subsys_nqn_valid(const char *nqn)
{
	size_t n = strnlen(nqn, IOP_NVME_NQN_MAX);

	/* F 7.2: at most 223 bytes (UTF-8), "nqn." prefix for the usual forms; accept any
	 * non-empty printable string without spaces so test NQNs work too. */
	if (n == 0 || n > 223) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (nqn[i] <= ' ' || nqn[i] == 0x7f) {
			return false;
		}
	}
	return true;
}

static void
subsys_bump_gen(struct iop_nvme_tgt *tgt)
{
	__atomic_add_fetch(&tgt->genctr, 1, __ATOMIC_RELEASE);
}

static struct iop_nvme_subsys *
subsys_alloc(struct iop_nvme_tgt *tgt, const char *nqn, const char *sn, const char *mn)
{
	struct iop_nvme_subsys *ss = calloc(1, sizeof(*ss));

	if (!ss) {
		return NULL;
	}
	ss->tgt = tgt;
	snprintf(ss->nqn, sizeof(ss->nqn), "%s", nqn);
	snprintf(ss->sn, sizeof(ss->sn), "%s", sn);
	snprintf(ss->mn, sizeof(ss->mn), "%s", mn);
	ss->next_cntlid = 1;
	return ss;
}

int
iop_nvme_tgt_create(const struct iop_nvme_tgt_opts *opts, struct iop_nvme_tgt **out)
{
	struct iop_nvme_tgt *tgt;
	struct iop_nvme_tgt_opts o;

	if (opts) {
		o = *opts;
	} else {
		iop_nvme_tgt_opts_default(&o);
	}
	if (o.max_io_size < 4096 || (o.max_io_size & (o.max_io_size - 1)) ||
	    o.max_io_size > (4096u << 15)) {
		IOP_ERR("nvme: max_io_size %u must be a power of two in 4 KiB..128 MiB\n",
			o.max_io_size);
		return -EINVAL;
	}
	if (o.max_queue_depth < 2 || o.max_queue_depth > 4096) {
		IOP_ERR("nvme: max_queue_depth %u must be in 2..4096\n", o.max_queue_depth);
		return -EINVAL;
	}
	if (o.max_io_queues == 0 || o.max_io_queues > IOP_NVME_MAX_IO_QUEUES) {
		IOP_ERR("nvme: max_io_queues %u must be in 1..%u\n", o.max_io_queues,
			IOP_NVME_MAX_IO_QUEUES);
		return -EINVAL;
	}
	if (o.in_capsule_data % 16) {
		IOP_ERR("nvme: in_capsule_data %u must be a multiple of 16\n", o.in_capsule_data);
		return -EINVAL;
	}
	if (!o.max_admin_depth) {
		o.max_admin_depth = 32;
	}
	if (!o.msdbd) {
		o.msdbd = 1;
	}
	tgt = calloc(1, sizeof(*tgt));
	if (!tgt) {
		return -ENOMEM;
	}
	tgt->opts = o;
	snprintf(tgt->serial, sizeof(tgt->serial), "%s", o.serial ? o.serial : "IOPATH0000");
	snprintf(tgt->model, sizeof(tgt->model), "%s", o.model ? o.model : "iopath NVMe");
	tgt->opts.serial = tgt->serial;
	tgt->opts.model = tgt->model;
	pthread_mutex_init(&tgt->lock, NULL);
	tgt->next_portid = 1;
	tgt->disc = subsys_alloc(tgt, IOP_NVME_DISC_NQN, tgt->serial, "iopath discovery");
	if (!tgt->disc) {
		free(tgt);
		return -ENOMEM;
	}
	tgt->disc->discovery = true;
	tgt->disc->allow_any = true;
	*out = tgt;
	return 0;
}

static void
subsys_free(struct iop_nvme_subsys *ss)
{
	for (unsigned int i = 0; i < ss->nhosts; i++) {
		free(ss->hosts[i]);
	}
	for (unsigned int i = 0; i < IOP_NVME_MAX_NS; i++) {
		free(ss->ns[i]);
	}
	free(ss);
}

void
iop_nvme_tgt_destroy(struct iop_nvme_tgt *tgt)
{
	if (!tgt) {
		return;
	}
	for (unsigned int i = 0; i < tgt->nsubsys; i++) {
		if (tgt->subsys[i]->nctrlrs) {
			IOP_WARN("nvme: destroying %s with %u controllers left\n",
				 tgt->subsys[i]->nqn, tgt->subsys[i]->nctrlrs);
		}
		subsys_free(tgt->subsys[i]);
	}
	subsys_free(tgt->disc);
	pthread_mutex_destroy(&tgt->lock);
	free(tgt);
}

const struct iop_nvme_tgt_opts *
iop_nvme_tgt_opts(const struct iop_nvme_tgt *tgt)
{
	return &tgt->opts;
}

int
iop_nvme_subsys_create(struct iop_nvme_tgt *tgt, const char *nqn, const char *serial,
		       const char *model, struct iop_nvme_subsys **out)
{
	struct iop_nvme_subsys *ss;
	int rc = 0;

	if (!nqn || !subsys_nqn_valid(nqn) || !strcmp(nqn, IOP_NVME_DISC_NQN)) {
		IOP_ERR("nvme: invalid subsystem NQN '%s'\n", nqn ? nqn : "(null)");
		return -EINVAL;
	}
	pthread_mutex_lock(&tgt->lock);
	for (unsigned int i = 0; i < tgt->nsubsys; i++) {
		if (!strcmp(tgt->subsys[i]->nqn, nqn)) {
			rc = -EEXIST;
			goto out;
		}
	}
	if (tgt->nsubsys == NVME_MAX_SUBSYS) {
		rc = -ENOSPC;
		goto out;
	}
	ss = subsys_alloc(tgt, nqn, serial ? serial : tgt->serial, model ? model : tgt->model);
	if (!ss) {
		rc = -ENOMEM;
		goto out;
	}
	tgt->subsys[tgt->nsubsys++] = ss;
	subsys_bump_gen(tgt);
	if (out) {
		*out = ss;
	}
out:
	pthread_mutex_unlock(&tgt->lock);
	if (!rc) {
		nvme_tgt_raise_disc_event(tgt);
	}
	return rc;
}

int
iop_nvme_subsys_destroy(struct iop_nvme_subsys *ss)
{
	struct iop_nvme_tgt *tgt = ss->tgt;
	int rc = -ENOENT;

	if (ss->discovery) {
		return -EINVAL;
	}
	pthread_mutex_lock(&tgt->lock);
	if (ss->nctrlrs) {
		pthread_mutex_unlock(&tgt->lock);
		return -EBUSY;
	}
	for (unsigned int i = 0; i < tgt->nsubsys; i++) {
		if (tgt->subsys[i] == ss) {
			tgt->subsys[i] = tgt->subsys[--tgt->nsubsys];
			rc = 0;
			break;
		}
	}
	if (!rc) {
		subsys_bump_gen(tgt);
	}
	pthread_mutex_unlock(&tgt->lock);
	if (!rc) {
		subsys_free(ss);
		nvme_tgt_raise_disc_event(tgt);
	}
	return rc;
}

struct iop_nvme_subsys *
iop_nvme_subsys_find(struct iop_nvme_tgt *tgt, const char *nqn)
{
	struct iop_nvme_subsys *found = NULL;

	if (!strcmp(nqn, IOP_NVME_DISC_NQN)) {
		return tgt->disc;
	}
	pthread_mutex_lock(&tgt->lock);
	for (unsigned int i = 0; i < tgt->nsubsys; i++) {
		if (!strcmp(tgt->subsys[i]->nqn, nqn)) {
			found = tgt->subsys[i];
			break;
		}
	}
	pthread_mutex_unlock(&tgt->lock);
	return found;
}

const char *
iop_nvme_subsys_nqn(const struct iop_nvme_subsys *ss)
{
	return ss->nqn;
}

/* 64-bit FNV-1a, for stable namespace identifiers derived from (NQN, NSID, salt). */
static uint64_t
subsys_fnv(const char *s, uint32_t nsid, uint32_t salt)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++) {
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	}
	for (int i = 0; i < 4; i++) {
		h = (h ^ ((nsid >> (8 * i)) & 0xff)) * 0x100000001b3ull;
		h = (h ^ ((salt >> (8 * i)) & 0xff)) * 0x100000001b3ull;
	}
	return h;
}

static void
subsys_ns_ids(struct iop_nvme_subsys *ss, struct iop_nvme_ns *ns)
{
	uint64_t a = subsys_fnv(ss->nqn, ns->nsid, 1), b = subsys_fnv(ss->nqn, ns->nsid, 2);
	uint64_t c = subsys_fnv(ss->nqn, ns->nsid, 3), d = subsys_fnv(ss->nqn, ns->nsid, 4);

	memcpy(ns->nguid, &a, 8);
	memcpy(ns->nguid + 8, &b, 8);
	memcpy(ns->uuid, &c, 8);
	memcpy(ns->uuid + 8, &d, 8);
	ns->uuid[6] = (ns->uuid[6] & 0x0f) | 0x40; /* RFC 4122 version 4 */
	ns->uuid[8] = (ns->uuid[8] & 0x3f) | 0x80; /* variant 10b */
}

int
iop_nvme_subsys_add_ns(struct iop_nvme_subsys *ss, struct iop_backend *be, uint32_t nsid,
		       uint32_t *nsid_out)
{
	struct iop_nvme_tgt *tgt = ss->tgt;
	uint32_t bs = be->info.block_size;
	struct iop_nvme_ns *ns;
	int rc = 0;

	if (ss->discovery || nsid > IOP_NVME_MAX_NS) {
		return -EINVAL;
	}
	if (bs < 512 || bs > 65536 || (bs & (bs - 1)) || be->info.size < bs) {
		IOP_ERR("nvme: backend block size %u / size %llu unusable\n", bs,
			(unsigned long long)be->info.size);
		return -EINVAL;
	}
	if (be->info.max_io && be->info.max_io < tgt->opts.max_io_size) {
		/* The core does not split I/Os: MDTS must fit every namespace's backend. */
		IOP_ERR("nvme: backend max I/O %u is below the target's max_io_size %u\n",
			be->info.max_io, tgt->opts.max_io_size);
		return -EINVAL;
	}
	ns = calloc(1, sizeof(*ns));
	if (!ns) {
		return -ENOMEM;
	}
	ns->be = be;
	ns->lba_shift = (unsigned int)__builtin_ctz(bs);
	ns->nblocks = be->info.size >> ns->lba_shift;
	pthread_mutex_lock(&tgt->lock);
	if (nsid == 0) {
		for (uint32_t i = 0; i < IOP_NVME_MAX_NS; i++) {
			if (!ss->ns[i]) {
				nsid = i + 1;
				break;
			}
		}
		if (nsid == 0) {
			rc = -ENOSPC;
			goto out;
		}
	} else if (ss->ns[nsid - 1]) {
		rc = -EEXIST;
		goto out;
	}
	if (tgt->next_slot == NVME_MAX_SLOTS) {
		rc = -ENOSPC;
		goto out;
	}
	ns->nsid = nsid;
	ns->slot = tgt->next_slot++;
	subsys_ns_ids(ss, ns);
	__atomic_store_n(&ss->ns[nsid - 1], ns, __ATOMIC_RELEASE);
	subsys_bump_gen(tgt);
out:
	pthread_mutex_unlock(&tgt->lock);
	if (rc) {
		free(ns);
		return rc;
	}
	if (nsid_out) {
		*nsid_out = nsid;
	}
	nvme_subsys_raise_event(ss, NVME_EVT_NS_ATTR, 1u << (nsid - 1));
	return 0;
}

int
iop_nvme_subsys_remove_ns(struct iop_nvme_subsys *ss, uint32_t nsid)
{
	struct iop_nvme_tgt *tgt = ss->tgt;
	struct iop_nvme_ns *ns;

	if (nsid == 0 || nsid > IOP_NVME_MAX_NS) {
		return -ENOENT;
	}
	pthread_mutex_lock(&tgt->lock);
	ns = ss->ns[nsid - 1];
	if (!ns) {
		pthread_mutex_unlock(&tgt->lock);
		return -ENOENT;
	}
	/* I/O threads dereference ns without a lock: only safe with nobody connected. */
	if (ss->nctrlrs) {
		pthread_mutex_unlock(&tgt->lock);
		return -EBUSY;
	}
	__atomic_store_n(&ss->ns[nsid - 1], NULL, __ATOMIC_RELEASE);
	subsys_bump_gen(tgt);
	pthread_mutex_unlock(&tgt->lock);
	free(ns);
	nvme_subsys_raise_event(ss, NVME_EVT_NS_ATTR, 1u << (nsid - 1));
	return 0;
}

struct iop_nvme_ns *
nvme_ns_get(struct iop_nvme_subsys *ss, uint32_t nsid)
{
	if (iop_unlikely(nsid == 0 || nsid > IOP_NVME_MAX_NS)) {
		return NULL;
	}
	return __atomic_load_n(&ss->ns[nsid - 1], __ATOMIC_ACQUIRE);
}

void
iop_nvme_subsys_allow_any_host(struct iop_nvme_subsys *ss, bool allow)
{
	pthread_mutex_lock(&ss->tgt->lock);
	ss->allow_any = allow || ss->discovery;
	subsys_bump_gen(ss->tgt);
	pthread_mutex_unlock(&ss->tgt->lock);
	nvme_tgt_raise_disc_event(ss->tgt);
}

int
iop_nvme_subsys_add_host(struct iop_nvme_subsys *ss, const char *hostnqn)
{
	int rc = 0;

	if (!hostnqn || !subsys_nqn_valid(hostnqn)) {
		return -EINVAL;
	}
	pthread_mutex_lock(&ss->tgt->lock);
	for (unsigned int i = 0; i < ss->nhosts; i++) {
		if (!strcmp(ss->hosts[i], hostnqn)) {
			rc = -EEXIST;
			goto out;
		}
	}
	if (ss->nhosts == IOP_NVME_MAX_HOSTS) {
		rc = -ENOSPC;
		goto out;
	}
	ss->hosts[ss->nhosts] = strdup(hostnqn);
	if (!ss->hosts[ss->nhosts]) {
		rc = -ENOMEM;
		goto out;
	}
	ss->nhosts++;
	subsys_bump_gen(ss->tgt);
out:
	pthread_mutex_unlock(&ss->tgt->lock);
	if (!rc) {
		nvme_tgt_raise_disc_event(ss->tgt);
	}
	return rc;
}

/* Caller holds tgt->lock or accepts a racy answer for a host list that only grows. */
static bool
subsys_host_allowed_locked(struct iop_nvme_subsys *ss, const char *hostnqn)
{
	if (ss->allow_any || ss->discovery) {
		return true;
	}
	for (unsigned int i = 0; i < ss->nhosts; i++) {
		if (!strcmp(ss->hosts[i], hostnqn)) {
			return true;
		}
	}
	return false;
}

bool
iop_nvme_subsys_host_allowed(struct iop_nvme_subsys *ss, const char *hostnqn)
{
	bool ok;

	pthread_mutex_lock(&ss->tgt->lock);
	ok = subsys_host_allowed_locked(ss, hostnqn);
	pthread_mutex_unlock(&ss->tgt->lock);
	return ok;
}

int
iop_nvme_tgt_add_listener(struct iop_nvme_tgt *tgt, const struct iop_nvme_listener *l)
{
	struct iop_nvme_listener *nl;
	int rc = 0;

	if (!l->traddr[0] || !l->trsvcid[0] || !l->trtype || !l->adrfam) {
		return -EINVAL;
	}
	pthread_mutex_lock(&tgt->lock);
	for (unsigned int i = 0; i < tgt->nlisteners; i++) {
		struct iop_nvme_listener *o = &tgt->listeners[i];

		if (o->trtype == l->trtype && !strcmp(o->traddr, l->traddr) &&
		    !strcmp(o->trsvcid, l->trsvcid)) {
			rc = -EEXIST;
			goto out;
		}
	}
	if (tgt->nlisteners == IOP_NVME_MAX_LISTENERS) {
		rc = -ENOSPC;
		goto out;
	}
	nl = &tgt->listeners[tgt->nlisteners++];
	*nl = *l;
	nl->traddr[sizeof(nl->traddr) - 1] = '\0';
	nl->trsvcid[sizeof(nl->trsvcid) - 1] = '\0';
	if (!nl->portid) {
		nl->portid = tgt->next_portid++;
	}
	subsys_bump_gen(tgt);
out:
	pthread_mutex_unlock(&tgt->lock);
	if (!rc) {
		nvme_tgt_raise_disc_event(tgt);
	}
	return rc;
}

int
iop_nvme_tgt_remove_listener(struct iop_nvme_tgt *tgt, uint8_t trtype, const char *traddr,
			     const char *trsvcid)
{
	int rc = -ENOENT;

	pthread_mutex_lock(&tgt->lock);
	for (unsigned int i = 0; i < tgt->nlisteners; i++) {
		struct iop_nvme_listener *o = &tgt->listeners[i];

		if (o->trtype == trtype && !strcmp(o->traddr, traddr) &&
		    !strcmp(o->trsvcid, trsvcid)) {
			tgt->listeners[i] = tgt->listeners[--tgt->nlisteners];
			subsys_bump_gen(tgt);
			rc = 0;
			break;
		}
	}
	pthread_mutex_unlock(&tgt->lock);
	if (!rc) {
		nvme_tgt_raise_disc_event(tgt);
	}
	return rc;
}

uint64_t
iop_nvme_tgt_genctr(struct iop_nvme_tgt *tgt)
{
	return __atomic_load_n(&tgt->genctr, __ATOMIC_ACQUIRE);
}

void
nvme_subsys_raise_event(struct iop_nvme_subsys *ss, uint32_t evt, uint32_t ns_mask)
{
	pthread_mutex_lock(&ss->tgt->lock);
	for (struct iop_nvme_ctrlr *c = ss->ctrlrs; c; c = c->next) {
		if (ns_mask) {
			__atomic_or_fetch(&c->changed_ns, ns_mask, __ATOMIC_RELEASE);
		}
		__atomic_or_fetch(&c->events, evt, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&ss->tgt->lock);
}

void
nvme_tgt_raise_disc_event(struct iop_nvme_tgt *tgt)
{
	nvme_subsys_raise_event(tgt->disc, NVME_EVT_DISC, 0);
}

bool
nvme_subsys_host_allowed_locked(struct iop_nvme_subsys *ss, const char *hostnqn)
{
	return subsys_host_allowed_locked(ss, hostnqn);
}

static int
subsys_allow_hosts(struct iop_nvme_subsys *ss, const char *allow_hosts)
{
	char *list, *save = NULL;
	int rc;

	if (!allow_hosts) {
		iop_nvme_subsys_allow_any_host(ss, true);
		return 0;
	}
	list = strdup(allow_hosts);
	rc = list ? 0 : -ENOMEM;
	for (char *h = list ? strtok_r(list, "+", &save) : NULL; h && !rc;
	     h = strtok_r(NULL, "+", &save)) {
		rc = iop_nvme_subsys_add_host(ss, h);
		if (rc) {
			IOP_ERR("allow_host %s: %s", h, strerror(-rc));
		}
	}
	free(list);
	return rc;
}

int
iop_nvme_tgt_setup_subsys(const struct iop_nvme_tgt_opts *opts, const char *nqn,
			  const char *allow_hosts, struct iop_backend *const *backends,
			  unsigned int nr, struct iop_nvme_tgt **tgt, struct iop_nvme_subsys **ss)
{
	int rc = iop_nvme_tgt_create(opts, tgt);

	if (rc) {
		return rc;
	}
	rc = iop_nvme_subsys_create(*tgt, nqn, NULL, NULL, ss);
	if (rc) {
		IOP_ERR("subsystem %s: %s", nqn, strerror(-rc));
		return rc;
	}
	rc = subsys_allow_hosts(*ss, allow_hosts);
	if (rc) {
		return rc;
	}
	for (unsigned int i = 0; i < nr; i++) {
		rc = iop_nvme_subsys_add_ns(*ss, backends[i], i + 1, NULL);
		if (rc) {
			IOP_ERR("namespace %u: %s", i + 1, strerror(-rc));
			return rc;
		}
	}
	return 0;
}
