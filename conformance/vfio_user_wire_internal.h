/* SPDX-License-Identifier: BSD-3-Clause */
/* vfio-user message constants (QEMU docs/interop/vfio-user.rst) used by checker, probes, replay. */
#ifndef IOPATH_CONFORMANCE_VFIO_USER_WIRE_INTERNAL_H
#define IOPATH_CONFORMANCE_VFIO_USER_WIRE_INTERNAL_H

#define VU_HDR_LEN 16u
enum {
	VU_VERSION = 1, VU_DMA_MAP = 2, VU_DMA_UNMAP = 3, VU_DEVICE_GET_INFO = 4,
	VU_DEVICE_GET_REGION_INFO = 5, VU_DEVICE_GET_REGION_IO_FDS = 6, VU_DEVICE_GET_IRQ_INFO = 7,
	VU_DEVICE_SET_IRQS = 8, VU_REGION_READ = 9, VU_REGION_WRITE = 10, VU_DMA_READ = 11,
	VU_DMA_WRITE = 12, VU_DEVICE_RESET = 13, VU_REGION_WRITE_MULTI = 15,
	VU_DEVICE_FEATURE = 16, VU_MIG_DATA_READ = 17, VU_MIG_DATA_WRITE = 18,
};
#define VU_F_TYPE_MASK 0xfu
#define VU_F_REPLY 0x1u
#define VU_F_NO_REPLY 0x10u
#define VU_F_ERROR 0x20u
#define VU_DEFAULT_MAX_FDS 1u
#define VU_DEFAULT_MAX_XFER (1u << 20)

/** \return the command name ("DMA_MAP") or NULL when cmd is not in the Commands table. */
static inline const char *
vu_cmd_name(unsigned int cmd)
{
	static const char *const n[] = {
		NULL, "VERSION", "DMA_MAP", "DMA_UNMAP", "DEVICE_GET_INFO", "DEVICE_GET_REGION_INFO",
		"DEVICE_GET_REGION_IO_FDS", "DEVICE_GET_IRQ_INFO", "DEVICE_SET_IRQS", "REGION_READ",
		"REGION_WRITE", "DMA_READ", "DMA_WRITE", "DEVICE_RESET", NULL,
		"REGION_WRITE_MULTI", "DEVICE_FEATURE", "MIG_DATA_READ", "MIG_DATA_WRITE",
	};

	return cmd < sizeof(n) / sizeof(n[0]) ? n[cmd] : NULL;
}

#endif
