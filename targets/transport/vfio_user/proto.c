/* SPDX-License-Identifier: BSD-3-Clause */
/* vfio-user command validation (sizes, argsz, fds) and VERSION capability JSON (json-c). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "vfu_internal.h"

/*
 * Info queries: the request is the fixed structure (argsz = room for the reply). Clients such as
 * libvfio-user's send the whole argsz-sized buffer; accept a request longer than the structure
 * as long as it does not exceed argsz (the extra bytes are ignored).
 */
static int
proto_info_size(const void *payload, uint32_t len, unsigned int nfds, uint32_t fixed)
{
	uint32_t argsz;

	if (len < fixed || nfds) {
		return EINVAL;
	}
	memcpy(&argsz, payload, sizeof(argsz));
	return argsz >= fixed && len <= argsz ? 0 : EINVAL;
}

int
vfu_cmd_check(const struct vfio_user_hdr *hdr, const void *payload, uint32_t len,
	      unsigned int nfds, uint32_t max_xfer)
{

	if (hdr->msg_size < sizeof(*hdr)) {
		return EINVAL;
	}
	if ((hdr->flags & VFIO_USER_F_TYPE_MASK) != VFIO_USER_F_TYPE_CMD ||
	    (hdr->flags & VFIO_USER_F_ERROR) || (hdr->flags & ~0x3fu)) {
		return EINVAL;
	}
	switch (hdr->cmd) {
	case VFIO_USER_VERSION:
		return len >= sizeof(struct vfio_user_version) && !nfds ? 0 : EINVAL;
	case VFIO_USER_DMA_MAP: {
		const struct vfio_user_dma_map *m = payload;

		if (len != sizeof(*m) || m->argsz != sizeof(*m) || nfds > 1) {
			return EINVAL;
		}
		if (m->flags & ~(VFIO_USER_F_DMA_REGION_READ | VFIO_USER_F_DMA_REGION_WRITE)) {
			return EINVAL;
		}
		return 0;
	}
	case VFIO_USER_DMA_UNMAP: {
		const struct vfio_user_dma_unmap *u = payload;

		if (len != sizeof(*u) || u->argsz < sizeof(*u) || nfds) {
			return EINVAL;
		}
		if (u->flags & VFIO_USER_F_DMA_UNMAP_GET_DIRTY_BITMAP) {
			return ENOTSUP;
		}
		if (u->flags & ~VFIO_USER_F_DMA_UNMAP_ALL) {
			return EINVAL;
		}
		return 0;
	}
	case VFIO_USER_DEVICE_GET_INFO:
		return proto_info_size(payload, len, nfds, sizeof(struct vfio_user_device_info));
	case VFIO_USER_DEVICE_GET_REGION_INFO:
		return proto_info_size(payload, len, nfds, sizeof(struct vfio_user_region_info));
	case VFIO_USER_DEVICE_GET_REGION_IO_FDS:
		return proto_info_size(payload, len, nfds,
				       sizeof(struct vfio_user_region_io_fds_req));
	case VFIO_USER_DEVICE_GET_IRQ_INFO:
		return proto_info_size(payload, len, nfds, sizeof(struct vfio_user_irq_info));
	case VFIO_USER_DEVICE_SET_IRQS: {
		const struct vfio_user_irq_set *s = payload;
		uint32_t data_flags, action_flags;

		if (len < sizeof(*s) || s->argsz != len) {
			return EINVAL;
		}
		data_flags = s->flags & (VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_BOOL |
					 VFIO_IRQ_SET_DATA_EVENTFD);
		action_flags = s->flags & (VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_ACTION_UNMASK |
					   VFIO_IRQ_SET_ACTION_TRIGGER);
		if ((s->flags & ~(data_flags | action_flags)) ||
		    __builtin_popcount(data_flags) != 1 || __builtin_popcount(action_flags) != 1) {
			return EINVAL;
		}
		if (data_flags == VFIO_IRQ_SET_DATA_BOOL) {
			return len == sizeof(*s) + s->count && !nfds ? 0 : EINVAL;
		}
		if (data_flags == VFIO_IRQ_SET_DATA_EVENTFD) {
			return len == sizeof(*s) && (nfds == 0 || nfds == s->count) ? 0 : EINVAL;
		}
		return len == sizeof(*s) && !nfds ? 0 : EINVAL;
	}
	case VFIO_USER_REGION_READ: {
		const struct vfio_user_region_access *a = payload;

		if (len != VFIO_USER_REGION_ACCESS_HDR || nfds) {
			return EINVAL;
		}
		return a->count && a->count <= max_xfer ? 0 : EINVAL;
	}
	case VFIO_USER_REGION_WRITE: {
		const struct vfio_user_region_access *a = payload;

		if (len < VFIO_USER_REGION_ACCESS_HDR || nfds) {
			return EINVAL;
		}
		if (!a->count || a->count > max_xfer ||
		    len != VFIO_USER_REGION_ACCESS_HDR + (uint64_t)a->count) {
			return EINVAL;
		}
		return 0;
	}
	case VFIO_USER_DEVICE_RESET:
		return len == 0 && !nfds ? 0 : EINVAL;
	case VFIO_USER_DMA_READ:
	case VFIO_USER_DMA_WRITE:
		/* Server-to-client commands: a client must not send them. */
		return EINVAL;
	case VFIO_USER_REGION_WRITE_MULTI: {
		const struct vfio_user_write_multi_entry *e;
		uint64_t cnt;

		if (len < 8 || nfds) {
			return EINVAL;
		}
		memcpy(&cnt, payload, 8);
		if (!cnt || cnt > VFIO_USER_WRITE_MULTI_MAX || len != 8 + cnt * sizeof(*e)) {
			return EINVAL;
		}
		e = (const void *)((const uint8_t *)payload + 8);
		for (uint64_t i = 0; i < cnt; i++) {
			if (!e[i].count || e[i].count > sizeof(e[i].data)) {
				return EINVAL;
			}
		}
		return 0;
	}
	case VFIO_USER_DIRTY_PAGES:
	case VFIO_USER_DEVICE_FEATURE:
	case VFIO_USER_MIG_DATA_READ:
	case VFIO_USER_MIG_DATA_WRITE:
		return ENOTSUP;
	default:
		return ENOSYS;
	}
}

void
vfu_caps_default(struct vfu_caps *c)
{
	memset(c, 0, sizeof(*c));
	c->max_msg_fds = VFIO_USER_DEF_MAX_MSG_FDS;
	c->max_data_xfer_size = VFIO_USER_DEF_MAX_DATA_XFER;
	c->max_dma_maps = VFIO_USER_DEF_MAX_DMA_MAPS;
	c->pgsizes = VFIO_USER_DEF_PGSIZES;
}

/* Read an optional non-negative integer member. \return 0 (absent or ok) or -EINVAL. */
static int
caps_uint(json_object *o, const char *key, uint64_t max, uint64_t *out)
{
	json_object *v;
	int64_t x;

	if (!json_object_object_get_ex(o, key, &v)) {
		return 0;
	}
	if (!json_object_is_type(v, json_type_int)) {
		return -EINVAL;
	}
	x = json_object_get_int64(v);
	if (x < 0 || (uint64_t)x > max) {
		return -EINVAL;
	}
	*out = (uint64_t)x;
	return 0;
}

int
vfu_version_parse(const void *payload, uint32_t len, uint16_t *major, uint16_t *minor,
		  struct vfu_caps *caps)
{
	const struct vfio_user_version *v = payload;
	const char *json;
	uint32_t jlen;
	json_object *root = NULL, *c, *mig;
	enum json_tokener_error jerr;
	uint64_t x;
	int rc = -EINVAL;

	vfu_caps_default(caps);
	if (len < sizeof(*v)) {
		return -EINVAL;
	}
	*major = v->major;
	*minor = v->minor;
	jlen = len - (uint32_t)sizeof(*v);
	if (jlen == 0) {
		return 0;
	}
	json = v->data;
	if (memchr(json, 0, jlen) != json + jlen - 1) {
		return -EINVAL; /* must be exactly one NUL-terminated string */
	}
	root = json_tokener_parse_verbose(json, &jerr);
	if (!root || !json_object_is_type(root, json_type_object)) {
		goto out;
	}
	if (!json_object_object_get_ex(root, "capabilities", &c)) {
		rc = 0;
		goto out;
	}
	if (!json_object_is_type(c, json_type_object)) {
		goto out;
	}
	x = caps->max_msg_fds;
	if (caps_uint(c, "max_msg_fds", UINT32_MAX, &x)) {
		goto out;
	}
	caps->max_msg_fds = (uint32_t)x;
	x = caps->max_data_xfer_size;
	if (caps_uint(c, "max_data_xfer_size", UINT32_MAX, &x)) {
		goto out;
	}
	caps->max_data_xfer_size = (uint32_t)x;
	x = caps->max_dma_maps;
	if (caps_uint(c, "max_dma_maps", UINT32_MAX, &x)) {
		goto out;
	}
	caps->max_dma_maps = (uint32_t)x;
	if (caps_uint(c, "pgsizes", UINT64_MAX >> 1, &caps->pgsizes)) {
		goto out;
	}
	if (json_object_object_get_ex(c, "write_multiple", &mig)) {
		if (!json_object_is_type(mig, json_type_boolean)) {
			goto out;
		}
		caps->write_multiple = json_object_get_boolean(mig);
	}
	if (json_object_object_get_ex(c, "migration", &mig)) {
		if (!json_object_is_type(mig, json_type_object)) {
			goto out;
		}
		x = 0;
		if (caps_uint(mig, "pgsize", UINT32_MAX, &x)) {
			goto out;
		}
		caps->migration_pgsize = (uint32_t)x;
	}
	rc = 0;
out:
	json_object_put(root);
	return rc;
}

int
vfu_caps_json(const struct vfu_caps *caps, char *buf, size_t len)
{
	int n;

	n = snprintf(buf, len,
		     "{\"capabilities\":{\"max_msg_fds\":%" PRIu32 ",\"max_data_xfer_size\":%" PRIu32
		     ",\"max_dma_maps\":%" PRIu32 ",\"pgsizes\":%" PRIu64 "}}",
		     caps->max_msg_fds, caps->max_data_xfer_size, caps->max_dma_maps, caps->pgsizes);
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}
