/* SPDX-License-Identifier: BSD-3-Clause */
/* vfio-user transport internals shared by its files: framing, validation, DMA table, trace, PCI. */
#ifndef IOPATH_VFU_INTERNAL_H
#define IOPATH_VFU_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <pthread.h>
#include "iopath/vfio_user_spec.h"

#define VFU_MAX_FDS        32u   /* fds we accept in one message (our max_msg_fds) */
#define VFU_MAX_MSG        (VFIO_USER_DEF_MAX_DATA_XFER + 4096u) /* largest message we read */
#define VFU_RECV_TIMEOUT_S 2     /* a started message must finish arriving within this */

/* ---- framing (msg.c) ---- */

/** One received message. payload points into buf; fds are owned until vfu_msg_reset. */
struct vfu_msg {
	struct vfio_user_hdr hdr;
	uint8_t *payload;
	uint32_t len;          /* payload bytes */
	int fds[VFU_MAX_FDS];
	unsigned int nfds;
	uint8_t *buf;
	size_t cap;
	bool truncated;        /* msg_size > max: payload was discarded (len = 0) */
};

void vfu_msg_init(struct vfu_msg *m);
/** Close unclaimed fds (entries still >= 0) and forget them. */
void vfu_msg_reset(struct vfu_msg *m);
void vfu_msg_fini(struct vfu_msg *m);

/**
 * Read one whole message from a stream socket (blocking; the socket should have a receive
 * timeout). A msg_size below 16 is reported as a header-only message with hdr.msg_size kept so
 * the caller can answer EINVAL; a msg_size above max is drained and flagged truncated.
 * \return 0, -ECONNRESET on EOF at a message boundary, -EPROTO on EOF or timeout inside a
 * message, -EBADMSG when more fds than VFU_MAX_FDS arrived, other negative errno.
 */
int vfu_msg_recv(int sock, struct vfu_msg *m, uint32_t max);

/**
 * Send header + up to two payload pieces (+ fds as SCM_RIGHTS) as one message. hdr->msg_size
 * is filled in. \return 0 or negative errno (-EPIPE when the peer is gone).
 */
int vfu_msg_send(int sock, struct vfio_user_hdr *hdr, const void *p1, size_t l1, const void *p2,
		 size_t l2, const int *fds, unsigned int nfds);

/* ---- validation (proto.c) ---- */

/**
 * Check a command's header and payload length against the spec (fixed sizes, argsz, region
 * access counts vs max_data_xfer). \return 0 or the errno to put in the error reply.
 */
int vfu_cmd_check(const struct vfio_user_hdr *hdr, const void *payload, uint32_t len,
		  unsigned int nfds, uint32_t max_xfer);

/** Peer capabilities from VERSION JSON. */
struct vfu_caps {
	uint32_t max_msg_fds;
	uint32_t max_data_xfer_size;
	uint32_t max_dma_maps;
	uint64_t pgsizes;
	uint32_t migration_pgsize; /* 0: absent */
	bool write_multiple;       /* REGION_WRITE_MULTI offered */
};
/** Defaults of the spec for absent capabilities. */
void vfu_caps_default(struct vfu_caps *c);
/**
 * Parse a VERSION payload (major, minor, optional NUL-terminated JSON). Unknown keys are
 * ignored; a present key of the wrong type is an error.
 * \return 0, -EINVAL (short payload, JSON not terminated/not an object, bad field type).
 */
int vfu_version_parse(const void *payload, uint32_t len, uint16_t *major, uint16_t *minor,
		      struct vfu_caps *caps);
/** Write the JSON capability object for caps into buf. \return length (without NUL) or -ENOSPC. */
int vfu_caps_json(const struct vfu_caps *caps, char *buf, size_t len);

/* ---- DMA table (dma.c) ---- */

struct vfu_dma_region {
	uint64_t addr;
	uint64_t size;
	uint64_t offset;
	uint32_t prot;         /* VFIO_USER_F_DMA_REGION_READ/WRITE */
	int fd;                /* -1: not mappable, use DMA_READ/WRITE messages */
	uint8_t *map;          /* mmap of fd at offset, NULL when fd < 0 */
};

struct vfu_dma {
	struct vfu_dma_region *r; /* sorted by addr, non-overlapping */
	unsigned int n, cap, max;
	unsigned int last;        /* index of the last translate hit */
};

void vfu_dma_init(struct vfu_dma *d, unsigned int max_maps);
/**
 * Add a region; fd (consumed on success only) is mmapped when >= 0.
 * \return 0, -EINVAL (size 0, wraps, bad flags/offset), -EEXIST (overlaps a mapping),
 * -ENOSPC (max maps), or the mmap errno.
 */
int vfu_dma_add(struct vfu_dma *d, uint64_t addr, uint64_t size, uint64_t offset, uint32_t prot,
		int fd);
/** Remove the region matching addr/size exactly. \return 0 or -ENOENT. */
int vfu_dma_remove(struct vfu_dma *d, uint64_t addr, uint64_t size);
void vfu_dma_remove_all(struct vfu_dma *d);
/** Remove all and free the table. */
void vfu_dma_fini(struct vfu_dma *d);
/**
 * Find the region wholly containing [addr, addr+len) that allows the access.
 * \return the region or NULL (-> Data Transfer Error for the NVMe command).
 */
const struct vfu_dma_region *vfu_dma_find(struct vfu_dma *d, uint64_t addr, uint64_t len,
					  bool write);
/** Pointer to [addr, len) in mapped memory, or NULL if not entirely inside one mmapped region
 * with the needed permission. */
void *vfu_dma_ptr(struct vfu_dma *d, uint64_t addr, uint64_t len, bool write);

/* ---- trace (trace.c) ---- */

struct vfu_trace {
	FILE *f;
	uint64_t seq;
	bool server;           /* which end writes: decides c2s/s2c of sent/received */
	unsigned int conn;
	pthread_mutex_t lock;
};

/** Open path for appending JSON Lines. \return 0 or negative errno. */
int vfu_trace_open(struct vfu_trace *t, const char *path, bool server);
void vfu_trace_close(struct vfu_trace *t);
/** Record one message (hdr + payload bytes, nfds passed). sent: this end sent it. */
void vfu_trace_msg(struct vfu_trace *t, bool sent, const struct vfio_user_hdr *hdr,
		   const void *payload, uint32_t len, unsigned int nfds);
/** Record an event ("connect", "eof", "close", "error"). */
void vfu_trace_event(struct vfu_trace *t, const char *event, const char *detail);


/* ---- PCI function model (pci.c): config space, BAR layout, MSI-X table/PBA ---- */

/*
 * Device layout (region indexes of <linux/vfio.h>):
 *   BAR0 (region 0): 16 KiB, 64-bit memory. 0x0000-0x0fff NVMe controller registers (trapped:
 *     REGION_READ/WRITE), 0x1000-0x1fff doorbells (sparse mmap of a shared memfd page).
 *   BAR4 (region 4): 8 KiB, 32-bit memory: MSI-X table at 0, PBA at 0x1000 (trapped).
 *   config (region 7): 4 KiB PCIe config space: class 010802h, MSI-X cap at 0x40, PCIe cap at
 *     0x60. Other BARs, ROM and VGA have size 0.
 */
#define VFU_BAR0_SIZE      0x4000u
#define VFU_DB_OFFSET      0x1000u
#define VFU_DB_SIZE        0x1000u
#define VFU_BAR4_SIZE      0x2000u
#define VFU_PBA_OFFSET     0x1000u
#define VFU_CFG_SIZE       0x1000u
#define VFU_CAP_MSIX       0x40u
#define VFU_CAP_PCIE       0x60u
#define VFU_MAX_VECTORS    64u

struct vfu_pci {
	uint8_t cfg[VFU_CFG_SIZE];
	uint8_t wmask[VFU_CFG_SIZE];       /* writable bits of each config byte */
	uint32_t nvec;
	uint32_t msix_table[VFU_MAX_VECTORS][4]; /* addr lo, addr hi, data, vector control */
	uint64_t pba;                      /* pending bits */
};

/** Build config space with the given IDs and nvec MSI-X vectors (1..VFU_MAX_VECTORS). */
void vfu_pci_init(struct vfu_pci *p, uint16_t vendor, uint16_t device, uint32_t nvec);
/** Config space access. \return 0 or -EINVAL (outside the 4 KiB space). */
int vfu_pci_cfg_access(struct vfu_pci *p, uint64_t off, void *buf, uint32_t count, bool write);
/** BAR4 (MSI-X table / PBA) access; writes may unmask vectors whose pending bit then fires
 * through fire(). \return 0 or -EINVAL (outside BAR4 or PBA write). */
int vfu_pci_msix_access(struct vfu_pci *p, uint64_t off, void *buf, uint32_t count, bool write,
			void (*fire)(void *arg, uint32_t vec), void *arg);
bool vfu_pci_msix_enabled(const struct vfu_pci *p);
/** Interrupt for vector vec: \return true to signal it now, false when masked (set pending). */
bool vfu_pci_msix_route(struct vfu_pci *p, uint32_t vec);
/** \return true when INTx may be signalled (MSI-X off, INTx not disabled in COMMAND). */
bool vfu_pci_intx_allowed(const struct vfu_pci *p);

/* ---- NVMe controller glue (nvme_dev.c): BAR0 registers, doorbells, queues in client memory ---- */

struct iop_target_cfg;
struct vfu_nvme;

/** What the controller needs from the vfio-user server. */
struct vfu_nvme_env {
	struct vfu_dma *dma;            /* client memory: every queue/PRP address is checked here */
	volatile uint32_t *db;          /* doorbell page (shared memfd, BAR0 + 0x1000) */
	/** Raise MSI-X vector vec (or INTx when MSI-X is off). */
	void (*irq)(void *arg, uint32_t vec);
	void *arg;                      /* passed to irq and dma_rw */
	/** Copy to/from client memory that was mapped without an fd (DMA_READ/DMA_WRITE messages,
	 * synchronous). \return 0 or negative errno. NULL: such memory is never accessed. */
	int (*dma_rw)(void *arg, bool write, uint64_t iova, void *buf, uint64_t len);
};

/** Create the controller on cfg's backends. \return 0 or negative errno. */
int vfu_nvme_create(const struct iop_target_cfg *cfg, const struct vfu_nvme_env *env,
		    struct vfu_nvme **out);
void vfu_nvme_destroy(struct vfu_nvme *n);
/** Controller register access, BAR0 offsets 0..0xfff. \return 0 or -EINVAL (bad size/offset). */
int vfu_nvme_reg_access(struct vfu_nvme *n, uint64_t off, void *buf, uint32_t count, bool write);
/** Scan doorbells, run commands, reap backend completions, post CQEs. \return work done (>= 0). */
int vfu_nvme_poll(struct vfu_nvme *n);
/** Controller reset (DEVICE_RESET, client gone): queues deleted, CC/CSTS cleared, data kept. */
void vfu_nvme_reset(struct vfu_nvme *n);
/** Before a DMA unmap: wait until no request holds pointers into client memory. */
void vfu_nvme_quiesce(struct vfu_nvme *n);
/** After a DMA unmap: queues whose memory vanished stop the controller (CSTS.CFS). */
void vfu_nvme_dma_changed(struct vfu_nvme *n);
/** \return true when work waits on something other than a doorbell kick or a backend fd
 * (completions held back by a full CQ, a Delete I/O SQ draining): poll again soon. */
bool vfu_nvme_busy(struct vfu_nvme *n);
/** \return true when a CQ with interrupts enabled holds entries the host has not consumed
 * (level-triggered INTx re-asserts on unmask). */
bool vfu_nvme_irq_pending(struct vfu_nvme *n);
/** fd that is readable when backend completions are ready (interrupt mode), or -1. */
int vfu_nvme_wait_fd(struct vfu_nvme *n);
/** Number of MSI-X vectors the controller wants. */
uint32_t vfu_nvme_nvec(void);

/* ---- client session (client.c): the VMM end of the socket ---- */

struct vfu_client {
	int sock;
	uint16_t next_id;
	struct vfu_msg msg;           /* last reply (payload valid until the next call) */
	struct vfu_caps peer;         /* server capabilities */
	struct vfu_trace *trace;      /* NULL: not recording */
	pthread_mutex_t lock;         /* one command in flight at a time */
	/** Serve server->client DMA_READ/WRITE: pointer to [addr, len) or NULL (-> EFAULT). */
	void *(*dma_ptr)(void *arg, uint64_t addr, uint64_t len, bool write);
	void *dma_arg;
};

/** Connect to the server socket at path. \return 0, -ENOENT, -ECONNREFUSED, ... */
int vfu_client_connect(struct vfu_client *c, const char *path, struct vfu_trace *trace);
void vfu_client_close(struct vfu_client *c);
/**
 * Send a command and wait for its reply, serving DMA_READ/DMA_WRITE requests meanwhile. On
 * success the reply payload is c->msg.payload/len and its fds c->msg.fds (claim by setting the
 * slot to -1). \return 0, the negated errno of an error reply, -EPROTO (mismatched reply), or a
 * transport errno.
 */
int vfu_client_call(struct vfu_client *c, uint16_t cmd, const void *p1, size_t l1, const void *p2,
		    size_t l2, const int *fds, unsigned int nfds);
/** VERSION negotiation. \return 0, -EPROTO (bad reply), ... */
int vfu_client_version(struct vfu_client *c);
/** REGION_READ/WRITE of count bytes. \return 0 or negative errno. */
int vfu_client_region_read(struct vfu_client *c, uint32_t region, uint64_t off, void *buf,
			   uint32_t count);
int vfu_client_region_write(struct vfu_client *c, uint32_t region, uint64_t off, const void *buf,
			    uint32_t count);
/**
 * Serve DMA_READ/DMA_WRITE commands already waiting on the socket (non-blocking; skipped when
 * another thread holds the session). \return commands served (>= 0) or negative errno.
 */
int vfu_client_service(struct vfu_client *c);

/* ---- client memory arena (hostmem.c): one memfd shared with the server by DMA_MAP ---- */

struct vfu_hostmem {
	int fd;
	uint8_t *base;
	uint64_t size;
	uint64_t iova;             /* DMA address of base */
	uint64_t *bitmap;          /* one bit per 4 KiB page, 1 = used */
	uint64_t npages;
	uint64_t hint;
	pthread_mutex_t lock;
};

/** Create a memfd of size bytes (multiple of 4 KiB) mapped at DMA address iova. */
int vfu_hostmem_init(struct vfu_hostmem *m, uint64_t size, uint64_t iova);
void vfu_hostmem_fini(struct vfu_hostmem *m);
/** Page-aligned, zeroed allocation. \return pointer or NULL (arena full). */
void *vfu_hostmem_alloc(struct vfu_hostmem *m, size_t len);
void vfu_hostmem_free(struct vfu_hostmem *m, void *p, size_t len);
/** DMA address of [p, p+len) or 0 when it is not inside the arena. */
uint64_t vfu_hostmem_iova(const struct vfu_hostmem *m, const void *p, size_t len);
/** Pointer for a DMA address range, or NULL outside the arena. */
void *vfu_hostmem_ptr(const struct vfu_hostmem *m, uint64_t iova, uint64_t len);

#endif
