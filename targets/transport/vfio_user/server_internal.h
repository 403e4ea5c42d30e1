/* SPDX-License-Identifier: BSD-3-Clause */
/* vfio-user server internals shared by its session (server.c) and command (server_cmd.c) files. */
#ifndef IOPATH_VFU_SERVER_INTERNAL_H
#define IOPATH_VFU_SERVER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/un.h>
#include "iopath/target.h"
#include "vfu_internal.h"

/*
 * One client at a time (the protocol gives each client its own socket and device): while a
 * client is connected further connections wait in the listen backlog. One thread runs the
 * session: it polls the doorbell page and the backend, and checks the socket every
 * SRV_SOCK_EVERY loops. In interrupt mode it sleeps in poll() on the socket, the doorbell
 * ioeventfd (handed out by GET_REGION_IO_FDS) and the backend fd as soon as a pass finds
 * nothing to do (no timing-dependent spinning); a client that never took the ioeventfd is
 * still served by a 1 ms doorbell scan.
 */
#define SRV_SOCK_EVERY   128
#define SRV_NR_IRQ_IDX   (VFIO_PCI_REQ_IRQ_INDEX + 1)
#define SRV_MAX_DMA_MAPS 1024u
#define SRV_MAX_DEFERRED 8u

struct vfu_srv {
	struct iop_target base;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int lfd;
	int sock;
	bool interrupt;
	bool tracing;
	struct vfu_trace trace;
	struct vfu_msg msg;
	struct vfu_caps peer;
	bool versioned;
	bool peer_has_ioeventfd;
	uint16_t next_id;
	unsigned int conns;
	struct vfu_pci pci;
	struct vfu_dma dma;
	int bar0_fd;              /* memfd backing BAR0; only the doorbell page is mapped out */
	uint8_t *bar0;
	int ioev_fd;              /* doorbell kick eventfd (ioeventfd for the doorbell range) */
	int irq_fd[SRV_NR_IRQ_IDX][VFU_MAX_VECTORS];
	bool intx_masked;
	struct vfu_nvme *nvme;
	uint16_t vendor, device;
	struct vfu_msg rmsg;      /* replies to our DMA_READ/DMA_WRITE */
	struct vfu_msg deferred[SRV_MAX_DEFERRED]; /* commands that arrived during one */
	unsigned int ndeferred;
	bool broken;              /* drop the client once back in the main loop */
	const char *cpus;
};

/** Handle the command in s->msg. \return 0 (replied), EIO (send failed: drop the client) or
 * the positive errno to put in the error reply. */
int vfu_srv_dispatch(struct vfu_srv *s);
/** Error reply to the command in s->msg. \return 0 or negative errno (send failed). */
int vfu_srv_reply_err(struct vfu_srv *s, int err);
/** Controller interrupt (env.irq): MSI-X vector, or INTx when MSI-X is off. */
void vfu_srv_irq(void *arg, uint32_t vec);
/** Close every IRQ eventfd of the client. */
void vfu_srv_irq_close_all(struct vfu_srv *s);
/** env.dma_rw: DMA_READ/DMA_WRITE exchange with the client (synchronous). */
int vfu_srv_dma_rw(void *arg, bool write, uint64_t iova, void *buf, uint64_t len);

#endif
