/* SPDX-License-Identifier: BSD-3-Clause */
/* vfio-user initiator internals shared by the NVMe driver (initiator.c) and VMM set-up (initiator_dev.c). */
#ifndef IOPATH_VFU_INITIATOR_INTERNAL_H
#define IOPATH_VFU_INITIATOR_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include "iopath/initiator.h"
#include "iopath/nvme_host.h"
#include "vfu_internal.h"

/*
 * Bring-up: VERSION -> DEVICE_GET_INFO -> region info (config, BAR0 with its sparse doorbell
 * area + fd, BAR4) -> DEVICE_RESET -> DMA_MAP of the whole memfd arena -> config space (memory
 * + bus master, MSI-X enable in interrupt mode) -> SET_IRQS (one eventfd per vector) ->
 * GET_REGION_IO_FDS (doorbell kick eventfd, interrupt mode) -> NVMe bring-up of the host core
 * (CC.EN=0, AQA/ASQ/ACQ, CC.EN=1, Identify, Number of Queues) over REGION_READ/WRITE.
 * I/O: SQE into the SQ in the arena, SQ tail doorbell written through the mmapped page (plus an
 * eventfd kick in interrupt mode); completions by phase-bit polling of the CQ, or after the
 * queue's MSI-X eventfd fired.
 */
#define INI_IOVA_BASE   0x100000000ull
#define INI_IOVA_DATA   0x200000000000ull /* dma=msg data arena */
#define INI_MEM_DEFAULT (256ull << 20)
#define INI_ADMIN_QSIZE 32u
#define INI_ADMIN_BUF   (64u * 1024u)
#define INI_MAX_IO      (1u << 20)    /* one PRP list page covers 2 MiB; keep 1 MiB */
#define INI_TIMEOUT_NS  10000000000ull
#define PG              4096ull

struct vfu_ini;

struct vfu_iq {
	struct iop_queue base;
	struct vfu_ini *ini;
	uint16_t qid;
	uint32_t qsize;
	struct iop_nvme_cmd *sq;
	struct iop_nvme_cpl *cq;
	uint32_t sq_tail;
	uint32_t cq_head;
	uint8_t phase;
	volatile uint32_t *sq_db;
	volatile uint32_t *cq_db;
	struct iop_nvme_hq hq;
	uint8_t *prp;              /* one PRP list page per slot */
	uint16_t *prp_free;        /* stack of free PRP page indexes */
	uint32_t prp_nfree;
	int efd;                   /* MSI-X vector eventfd (interrupt mode) */
	bool db_pending;           /* SQEs written, tail doorbell not yet rung */
	bool broken;
	uint32_t idle_polls;       /* polls that found nothing with commands outstanding */
	uint32_t gen;              /* reconnect: server generation this queue was created on */
};

struct vfu_ini {
	struct iop_initiator base;
	struct vfu_client cl;
	struct vfu_trace trace;
	bool tracing;
	bool interrupt;
	struct vfu_hostmem mem;        /* queues, PRP lists, admin data; I/O buffers by default */
	struct vfu_hostmem dmem;       /* dma=msg: I/O buffers mapped WITHOUT an fd */
	bool msg_dma;
	bool intx;                     /* irq=intx: one shared INTx eventfd, UNMASK after each */
	uint8_t *bar0_map;         /* mmap of the BAR0 fd (sparse doorbell area usable) */
	size_t bar0_map_len;
	volatile uint32_t *db;     /* doorbell base (BAR0 + 0x1000) */
	uint32_t dstrd;
	int kick_fd;               /* ioeventfd of the doorbells, -1 when none */
	uint32_t nvec;
	int vec_fd[VFU_MAX_VECTORS];
	struct vfu_iq admin;
	void *admin_buf;
	pthread_mutex_t admin_lock;
	struct iop_nvme_host_ctrlr nc;
	struct vfu_iq *queues[VFU_MAX_VECTORS];
	/* reconnect=TIME: on server loss the first queue that notices reconnects and brings the
	 * controller up again (gen++); every queue then re-creates itself on it and resubmits */
	uint64_t reconnect_ns;
	char path[108];
	struct iop_nvme_host_params hp;
	pthread_mutex_t recon_lock;
	uint32_t gen;
	int recon_err;                 /* the reconnect failed for good: every queue fails */
	void *old_map[8];              /* doorbell maps of dead servers (queues may still store) */
	size_t old_map_len[8];
	unsigned int nold_map;
};

/** Map the sparse doorbell area of BAR0 (region info with capabilities + fd). */
int vfu_ini_map_bar0(struct vfu_ini *v);
/** Config space: class check, memory + bus master, MSI-X enable in interrupt mode. */
int vfu_ini_pci_setup(struct vfu_ini *v);
/** SET_IRQS: one eventfd per MSI-X vector, or the INTx eventfd. */
int vfu_ini_irqs(struct vfu_ini *v);
/** GET_REGION_IO_FDS for the doorbell kick eventfd (absent support is not an error). */
void vfu_ini_io_fds(struct vfu_ini *v);
/** Client memory for server DMA_READ/DMA_WRITE (client.dma_ptr). */
void *vfu_ini_dma_ptr(void *arg, uint64_t addr, uint64_t len, bool write);
/** DMA_MAP the arenas (the data arena without an fd in dma=msg mode). */
int vfu_ini_dma_map(struct vfu_ini *v);
/** Parse "mem=SIZE,dma=fd|msg,irq=msix|intx,reconnect=TIME". \return 0 or -EINVAL. */
int vfu_ini_parse_opts(const char *opts, uint64_t *memsz, bool *msg_dma, bool *intx,
		       uint64_t *reconnect_ns);

#endif
