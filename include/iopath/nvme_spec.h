/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe base (2.0/1.4) and NVMe over Fabrics (1.1) on-wire structures and constants. */
#ifndef IOPATH_NVME_SPEC_H
#define IOPATH_NVME_SPEC_H

/*
 * Concepts
 * --------
 * Everything here is little-endian as on the wire / in guest memory; iopath only runs on
 * little-endian hosts (x86_64, aarch64 LE), which the _Static_asserts below do not check, but
 * a big-endian build would need le*toh() on every field. Structures are laid out with natural
 * alignment where the spec does so and `packed` where a field is unaligned; every structure
 * carries a _Static_assert on its size (and on key offsets) so a typo fails the build.
 *
 * Bit fields inside dwords are not C bit-fields (their order is implementation-defined); use the
 * IOP_NVME_* shift/mask macros and the small inline helpers instead.
 *
 * Section references: "B" = NVM Express Base Specification 2.0, "F" = NVMe over Fabrics 1.1,
 * "TCP" = NVMe/TCP Transport Specification 1.0.
 */

#include <stddef.h>
#include <stdint.h>

#define IOP_NVME_NQN_MAX        256     /* bytes incl. NUL (F 7.2: NQN up to 223 chars) */
#define IOP_NVME_DISC_NQN       "nqn.2014-08.org.nvmexpress.discovery"
#define IOP_NVME_CMD_SIZE       64
#define IOP_NVME_CPL_SIZE       16
#define IOP_NVME_IDENTIFY_SIZE  4096
#define IOP_NVME_MAX_ADMIN_QSIZE 4096   /* entries */

/* ------------------------------------------------------------------------------------------ */
/* SGL descriptors (B 4.1.2 / F 2.3)                                                          */

enum iop_nvme_sgl_type {                 /* upper nibble of byte 15 */
	IOP_NVME_SGL_TYPE_DATA_BLOCK = 0x0,
	IOP_NVME_SGL_TYPE_BIT_BUCKET = 0x1,
	IOP_NVME_SGL_TYPE_SEGMENT = 0x2,
	IOP_NVME_SGL_TYPE_LAST_SEGMENT = 0x3,
	IOP_NVME_SGL_TYPE_KEYED_DATA_BLOCK = 0x4,
	IOP_NVME_SGL_TYPE_TRANSPORT_DATA_BLOCK = 0x5,
	IOP_NVME_SGL_TYPE_VENDOR = 0xf,
};

enum iop_nvme_sgl_subtype {              /* lower nibble of byte 15 */
	IOP_NVME_SGL_SUBTYPE_ADDRESS = 0x0,
	IOP_NVME_SGL_SUBTYPE_OFFSET = 0x1,   /* in-capsule data (fabrics) */
	IOP_NVME_SGL_SUBTYPE_TRANSPORT = 0xa, /* transport specific (NVMe/TCP: host buffer) */
	IOP_NVME_SGL_SUBTYPE_INVALIDATE_KEY = 0xf, /* keyed: RDMA send with invalidate */
};

/** SGL identifier byte: (type << 4) | subtype. */
#define IOP_NVME_SGL_ID(type, subtype) ((uint8_t)(((type) << 4) | (subtype)))
/* The identifiers fabrics hosts actually send. */
#define IOP_NVME_SGL_ID_INCAPSULE IOP_NVME_SGL_ID(IOP_NVME_SGL_TYPE_DATA_BLOCK, \
						  IOP_NVME_SGL_SUBTYPE_OFFSET)        /* 0x01 */
#define IOP_NVME_SGL_ID_TCP_HOSTBUF IOP_NVME_SGL_ID(IOP_NVME_SGL_TYPE_TRANSPORT_DATA_BLOCK, \
						    IOP_NVME_SGL_SUBTYPE_TRANSPORT)   /* 0x5a */
#define IOP_NVME_SGL_ID_KEYED IOP_NVME_SGL_ID(IOP_NVME_SGL_TYPE_KEYED_DATA_BLOCK, \
					      IOP_NVME_SGL_SUBTYPE_ADDRESS)           /* 0x40 */

/** One 16-byte SGL descriptor. */
struct iop_nvme_sgl_desc {
	uint64_t address;
	union {
		struct {                 /* data block, bit bucket, segment, transport data block */
			uint32_t length;
			uint8_t rsvd[3];
			uint8_t id;      /* IOP_NVME_SGL_ID(type, subtype) */
		} unkeyed;
		struct {                 /* keyed data block (RDMA) */
			uint8_t length[3]; /* 24-bit little-endian */
			uint8_t key[4];    /* 32-bit little-endian */
			uint8_t id;
		} keyed;
		uint8_t raw[8];
	};
} __attribute__((packed));
_Static_assert(sizeof(struct iop_nvme_sgl_desc) == 16, "sgl desc");

static inline uint8_t
iop_nvme_sgl_type(const struct iop_nvme_sgl_desc *d)
{
	return d->unkeyed.id >> 4;
}

static inline uint8_t
iop_nvme_sgl_subtype(const struct iop_nvme_sgl_desc *d)
{
	return d->unkeyed.id & 0xf;
}

static inline uint32_t
iop_nvme_sgl_keyed_len(const struct iop_nvme_sgl_desc *d)
{
	return d->keyed.length[0] | (uint32_t)d->keyed.length[1] << 8 |
	       (uint32_t)d->keyed.length[2] << 16;
}

static inline uint32_t
iop_nvme_sgl_keyed_key(const struct iop_nvme_sgl_desc *d)
{
	return d->keyed.key[0] | (uint32_t)d->keyed.key[1] << 8 | (uint32_t)d->keyed.key[2] << 16 |
	       (uint32_t)d->keyed.key[3] << 24;
}

static inline void
iop_nvme_sgl_set_keyed(struct iop_nvme_sgl_desc *d, uint64_t addr, uint32_t len, uint32_t key,
		       uint8_t subtype)
{
	d->address = addr;
	d->keyed.length[0] = len & 0xff;
	d->keyed.length[1] = (len >> 8) & 0xff;
	d->keyed.length[2] = (len >> 16) & 0xff;
	d->keyed.key[0] = key & 0xff;
	d->keyed.key[1] = (key >> 8) & 0xff;
	d->keyed.key[2] = (key >> 16) & 0xff;
	d->keyed.key[3] = (key >> 24) & 0xff;
	d->keyed.id = IOP_NVME_SGL_ID(IOP_NVME_SGL_TYPE_KEYED_DATA_BLOCK, subtype);
}

static inline void
iop_nvme_sgl_set_unkeyed(struct iop_nvme_sgl_desc *d, uint64_t addr, uint32_t len, uint8_t id)
{
	d->address = addr;
	d->unkeyed.length = len;
	d->unkeyed.rsvd[0] = d->unkeyed.rsvd[1] = d->unkeyed.rsvd[2] = 0;
	d->unkeyed.id = id;
}

/* ------------------------------------------------------------------------------------------ */
/* Submission queue entry (B 4.2)                                                             */

/* Byte 1 of the SQE: FUSE bits 1:0, PSDT bits 7:6. */
#define IOP_NVME_FUSE_MASK      0x03
#define IOP_NVME_PSDT_SHIFT     6
#define IOP_NVME_PSDT_MASK      0xc0
enum iop_nvme_psdt {
	IOP_NVME_PSDT_PRP = 0,
	IOP_NVME_PSDT_SGL_MPTR_CONTIG = 1,
	IOP_NVME_PSDT_SGL_MPTR_SGL = 2,
};

/** Generic 64-byte command. */
struct iop_nvme_cmd {
	uint8_t opc;
	uint8_t flags;           /* FUSE 1:0, PSDT 7:6 */
	uint16_t cid;
	uint32_t nsid;
	uint32_t cdw2;
	uint32_t cdw3;
	uint64_t mptr;
	union {
		struct {
			uint64_t prp1;
			uint64_t prp2;
		} prp;
		struct iop_nvme_sgl_desc sgl1;
	} dptr;
	uint32_t cdw10;
	uint32_t cdw11;
	uint32_t cdw12;
	uint32_t cdw13;
	uint32_t cdw14;
	uint32_t cdw15;
};
_Static_assert(sizeof(struct iop_nvme_cmd) == 64, "sqe");
_Static_assert(offsetof(struct iop_nvme_cmd, dptr) == 24, "sqe dptr");
_Static_assert(offsetof(struct iop_nvme_cmd, cdw10) == 40, "sqe cdw10");

static inline uint8_t
iop_nvme_cmd_psdt(const struct iop_nvme_cmd *c)
{
	return (c->flags & IOP_NVME_PSDT_MASK) >> IOP_NVME_PSDT_SHIFT;
}

/** Data direction encoded in opcode bits 1:0 (B 5 / 7: also fabrics FCTYPE bits 1:0). */
enum iop_nvme_xfer {
	IOP_NVME_XFER_NONE = 0,
	IOP_NVME_XFER_H2C = 1,   /* host to controller (write) */
	IOP_NVME_XFER_C2H = 2,   /* controller to host (read) */
	IOP_NVME_XFER_BIDIR = 3,
};

/* ------------------------------------------------------------------------------------------ */
/* Completion queue entry (B 4.6)                                                             */

struct iop_nvme_cpl {
	uint32_t cdw0;
	uint32_t cdw1;
	uint16_t sqhd;
	uint16_t sqid;
	uint16_t cid;
	uint16_t status;         /* P bit 0, SC 8:1, SCT 11:9, CRD 13:12, M 14, DNR 15 */
};
_Static_assert(sizeof(struct iop_nvme_cpl) == 16, "cqe");

/*
 * "Status" below means the 15-bit value (SCT << 8 | SC) plus DNR/More bits, i.e. the CQE status
 * field shifted right by one (no phase bit). This is what command handlers return; 0 = success.
 */
#define IOP_NVME_STATUS(sct, sc) ((uint16_t)(((sct) << 8) | (sc)))
#define IOP_NVME_STATUS_SC(s)    ((uint8_t)((s) & 0xff))
#define IOP_NVME_STATUS_SCT(s)   ((uint8_t)(((s) >> 8) & 0x7))
#define IOP_NVME_STATUS_CRD(s)   ((uint8_t)(((s) >> 11) & 0x3))
#define IOP_NVME_STATUS_MORE     0x2000  /* bit 13 of the status value (CQE bit 14) */
#define IOP_NVME_STATUS_DNR      0x4000  /* bit 14 of the status value (CQE bit 15) */

/** Phase tag of a CQE. */
static inline int
iop_nvme_cpl_phase(const struct iop_nvme_cpl *c)
{
	return c->status & 1;
}

/** Status value (no phase) of a CQE. */
static inline uint16_t
iop_nvme_cpl_status(const struct iop_nvme_cpl *c)
{
	return c->status >> 1;
}

static inline uint8_t
iop_nvme_cpl_sc(const struct iop_nvme_cpl *c)
{
	return IOP_NVME_STATUS_SC(c->status >> 1);
}

static inline uint8_t
iop_nvme_cpl_sct(const struct iop_nvme_cpl *c)
{
	return IOP_NVME_STATUS_SCT(c->status >> 1);
}

static inline int
iop_nvme_cpl_dnr(const struct iop_nvme_cpl *c)
{
	return !!(c->status & (IOP_NVME_STATUS_DNR << 1));
}

/** Store a status value (incl. DNR/More) keeping the CQE's current phase bit. */
static inline void
iop_nvme_cpl_set_status(struct iop_nvme_cpl *c, uint16_t status)
{
	c->status = (uint16_t)((status << 1) | (c->status & 1));
}

static inline int
iop_nvme_cpl_is_error(const struct iop_nvme_cpl *c)
{
	return (c->status >> 1) & 0x7ff;
}

enum iop_nvme_sct {
	IOP_NVME_SCT_GENERIC = 0x0,
	IOP_NVME_SCT_COMMAND_SPECIFIC = 0x1,
	IOP_NVME_SCT_MEDIA = 0x2,
	IOP_NVME_SCT_PATH = 0x3,
	IOP_NVME_SCT_VENDOR = 0x7,
};

/* Generic command status (SCT 0, B 4.6.1.2.1) */
enum iop_nvme_sc_generic {
	IOP_NVME_SC_SUCCESS = 0x00,
	IOP_NVME_SC_INVALID_OPCODE = 0x01,
	IOP_NVME_SC_INVALID_FIELD = 0x02,
	IOP_NVME_SC_CID_CONFLICT = 0x03,
	IOP_NVME_SC_DATA_TRANSFER_ERROR = 0x04,
	IOP_NVME_SC_ABORTED_POWER_LOSS = 0x05,
	IOP_NVME_SC_INTERNAL_DEVICE_ERROR = 0x06,
	IOP_NVME_SC_ABORTED_BY_REQUEST = 0x07,
	IOP_NVME_SC_ABORTED_SQ_DELETION = 0x08,
	IOP_NVME_SC_ABORTED_FAILED_FUSED = 0x09,
	IOP_NVME_SC_ABORTED_MISSING_FUSED = 0x0a,
	IOP_NVME_SC_INVALID_NAMESPACE_OR_FORMAT = 0x0b,
	IOP_NVME_SC_COMMAND_SEQUENCE_ERROR = 0x0c,
	IOP_NVME_SC_INVALID_SGL_SEG_DESCRIPTOR = 0x0d,
	IOP_NVME_SC_INVALID_NUM_SGL_DESCIRPTORS = 0x0e,
	IOP_NVME_SC_DATA_SGL_LENGTH_INVALID = 0x0f,
	IOP_NVME_SC_METADATA_SGL_LENGTH_INVALID = 0x10,
	IOP_NVME_SC_SGL_DESCRIPTOR_TYPE_INVALID = 0x11,
	IOP_NVME_SC_INVALID_CONTROLLER_MEM_BUF = 0x12,
	IOP_NVME_SC_INVALID_PRP_OFFSET = 0x13,
	IOP_NVME_SC_ATOMIC_WRITE_UNIT_EXCEEDED = 0x14,
	IOP_NVME_SC_OPERATION_DENIED = 0x15,
	IOP_NVME_SC_INVALID_SGL_OFFSET = 0x16,
	IOP_NVME_SC_HOSTID_INCONSISTENT_FORMAT = 0x18,
	IOP_NVME_SC_KEEP_ALIVE_EXPIRED = 0x19,
	IOP_NVME_SC_KEEP_ALIVE_INVALID = 0x1a,
	IOP_NVME_SC_ABORTED_PREEMPT = 0x1b,
	IOP_NVME_SC_SANITIZE_FAILED = 0x1c,
	IOP_NVME_SC_SANITIZE_IN_PROGRESS = 0x1d,
	IOP_NVME_SC_SGL_DATA_BLOCK_GRANULARITY_INVALID = 0x1e,
	IOP_NVME_SC_COMMAND_INVALID_IN_CMB = 0x1f,
	IOP_NVME_SC_NAMESPACE_IS_WRITE_PROTECTED = 0x20,
	IOP_NVME_SC_COMMAND_INTERRUPTED = 0x21,
	IOP_NVME_SC_TRANSIENT_TRANSPORT_ERROR = 0x22,
	/* NVM command set specific generic status */
	IOP_NVME_SC_LBA_OUT_OF_RANGE = 0x80,
	IOP_NVME_SC_CAPACITY_EXCEEDED = 0x81,
	IOP_NVME_SC_NAMESPACE_NOT_READY = 0x82,
	IOP_NVME_SC_RESERVATION_CONFLICT = 0x83,
	IOP_NVME_SC_FORMAT_IN_PROGRESS = 0x84,
};

/* Command specific status (SCT 1, B 4.6.1.2.2 and F 3.3/7) */
enum iop_nvme_sc_cmd_specific {
	IOP_NVME_SC_COMPLETION_QUEUE_INVALID = 0x00,
	IOP_NVME_SC_INVALID_QUEUE_IDENTIFIER = 0x01,
	IOP_NVME_SC_INVALID_QUEUE_SIZE = 0x02,
	IOP_NVME_SC_ABORT_COMMAND_LIMIT_EXCEEDED = 0x03,
	IOP_NVME_SC_ASYNC_EVENT_REQUEST_LIMIT_EXCEEDED = 0x05,
	IOP_NVME_SC_INVALID_FIRMWARE_SLOT = 0x06,
	IOP_NVME_SC_INVALID_FIRMWARE_IMAGE = 0x07,
	IOP_NVME_SC_INVALID_INTERRUPT_VECTOR = 0x08,
	IOP_NVME_SC_INVALID_LOG_PAGE = 0x09,
	IOP_NVME_SC_INVALID_FORMAT = 0x0a,
	IOP_NVME_SC_INVALID_QUEUE_DELETION = 0x0c,
	IOP_NVME_SC_FEATURE_ID_NOT_SAVEABLE = 0x0d,
	IOP_NVME_SC_FEATURE_NOT_CHANGEABLE = 0x0e,
	IOP_NVME_SC_FEATURE_NOT_NAMESPACE_SPECIFIC = 0x0f,
	IOP_NVME_SC_NAMESPACE_ALREADY_ATTACHED = 0x18,
	IOP_NVME_SC_NAMESPACE_NOT_ATTACHED = 0x1a,
	/* I/O command set specific */
	IOP_NVME_SC_CONFLICTING_ATTRIBUTES = 0x80,
	IOP_NVME_SC_INVALID_PROTECTION_INFO = 0x81,
	IOP_NVME_SC_ATTEMPTED_WRITE_TO_RO_RANGE = 0x82,
	/* Fabrics (F 3.3, Figure 20/21): Connect and Discovery */
	IOP_NVMF_SC_CONNECT_INCOMPATIBLE_FORMAT = 0x80,
	IOP_NVMF_SC_CONNECT_CONTROLLER_BUSY = 0x81,
	IOP_NVMF_SC_CONNECT_INVALID_PARAMETERS = 0x82,
	IOP_NVMF_SC_CONNECT_RESTART_DISCOVERY = 0x83,
	IOP_NVMF_SC_CONNECT_INVALID_HOST = 0x84,
	IOP_NVMF_SC_INVALID_QUEUE_TYPE = 0x85,
	IOP_NVMF_SC_DISCOVERY_RESTART = 0x90,
	IOP_NVMF_SC_AUTH_REQUIRED = 0x91,
};

/* Media and data integrity errors (SCT 2) */
enum iop_nvme_sc_media {
	IOP_NVME_SC_WRITE_FAULTS = 0x80,
	IOP_NVME_SC_UNRECOVERED_READ_ERROR = 0x81,
	IOP_NVME_SC_COMPARE_FAILURE = 0x85,
	IOP_NVME_SC_ACCESS_DENIED = 0x86,
	IOP_NVME_SC_DEALLOCATED_OR_UNWRITTEN = 0x87,
};

/* Path related (SCT 3) */
enum iop_nvme_sc_path {
	IOP_NVME_SC_INTERNAL_PATH_ERROR = 0x00,
	IOP_NVME_SC_ANA_PERSISTENT_LOSS = 0x01,
	IOP_NVME_SC_ANA_INACCESSIBLE = 0x02,
	IOP_NVME_SC_ANA_TRANSITION = 0x03,
	IOP_NVME_SC_CONTROLLER_PATH_ERROR = 0x60,
	IOP_NVME_SC_HOST_PATH_ERROR = 0x70,
	IOP_NVME_SC_ABORTED_BY_HOST = 0x71,
};

/* ------------------------------------------------------------------------------------------ */
/* Opcodes                                                                                    */

enum iop_nvme_admin_opc {
	IOP_NVME_OPC_DELETE_IO_SQ = 0x00,
	IOP_NVME_OPC_CREATE_IO_SQ = 0x01,
	IOP_NVME_OPC_GET_LOG_PAGE = 0x02,
	IOP_NVME_OPC_DELETE_IO_CQ = 0x04,
	IOP_NVME_OPC_CREATE_IO_CQ = 0x05,
	IOP_NVME_OPC_IDENTIFY = 0x06,
	IOP_NVME_OPC_ABORT = 0x08,
	IOP_NVME_OPC_SET_FEATURES = 0x09,
	IOP_NVME_OPC_GET_FEATURES = 0x0a,
	IOP_NVME_OPC_ASYNC_EVENT_REQUEST = 0x0c,
	IOP_NVME_OPC_NS_MANAGEMENT = 0x0d,
	IOP_NVME_OPC_FIRMWARE_COMMIT = 0x10,
	IOP_NVME_OPC_FIRMWARE_IMAGE_DOWNLOAD = 0x11,
	IOP_NVME_OPC_DEVICE_SELF_TEST = 0x14,
	IOP_NVME_OPC_NS_ATTACHMENT = 0x15,
	IOP_NVME_OPC_KEEP_ALIVE = 0x18,
	IOP_NVME_OPC_DIRECTIVE_SEND = 0x19,
	IOP_NVME_OPC_DIRECTIVE_RECEIVE = 0x1a,
	IOP_NVME_OPC_VIRTUALIZATION_MANAGEMENT = 0x1c,
	IOP_NVME_OPC_NVME_MI_SEND = 0x1d,
	IOP_NVME_OPC_NVME_MI_RECEIVE = 0x1e,
	IOP_NVME_OPC_DOORBELL_BUFFER_CONFIG = 0x7c,
	IOP_NVME_OPC_FABRIC = 0x7f,
	IOP_NVME_OPC_FORMAT_NVM = 0x80,
	IOP_NVME_OPC_SECURITY_SEND = 0x81,
	IOP_NVME_OPC_SECURITY_RECEIVE = 0x82,
	IOP_NVME_OPC_SANITIZE = 0x84,
	IOP_NVME_OPC_GET_LBA_STATUS = 0x86,
};

enum iop_nvme_io_opc {
	IOP_NVME_OPC_FLUSH = 0x00,
	IOP_NVME_OPC_WRITE = 0x01,
	IOP_NVME_OPC_READ = 0x02,
	IOP_NVME_OPC_WRITE_UNCORRECTABLE = 0x04,
	IOP_NVME_OPC_COMPARE = 0x05,
	IOP_NVME_OPC_WRITE_ZEROES = 0x08,
	IOP_NVME_OPC_DATASET_MANAGEMENT = 0x09,
	IOP_NVME_OPC_VERIFY = 0x0c,
	IOP_NVME_OPC_RESERVATION_REGISTER = 0x0d,
	IOP_NVME_OPC_RESERVATION_REPORT = 0x0e,
	IOP_NVME_OPC_RESERVATION_ACQUIRE = 0x11,
	IOP_NVME_OPC_RESERVATION_RELEASE = 0x15,
	IOP_NVME_OPC_COPY = 0x19,
};

/** Fabrics command type (F 2.1, byte 4 of a fabrics SQE whose opcode is 7Fh). */
enum iop_nvmf_fctype {
	IOP_NVMF_FCTYPE_PROPERTY_SET = 0x00,
	IOP_NVMF_FCTYPE_CONNECT = 0x01,
	IOP_NVMF_FCTYPE_PROPERTY_GET = 0x04,
	IOP_NVMF_FCTYPE_AUTH_SEND = 0x05,
	IOP_NVMF_FCTYPE_AUTH_RECV = 0x06,
	IOP_NVMF_FCTYPE_DISCONNECT = 0x08,
};

/* ------------------------------------------------------------------------------------------ */
/* Command dword fields                                                                       */

/* Read / Write / Write Zeroes / Compare / Verify (NVM command set) */
static inline uint64_t
iop_nvme_cmd_slba(const struct iop_nvme_cmd *c)
{
	return (uint64_t)c->cdw11 << 32 | c->cdw10;
}
#define IOP_NVME_RW_NLB(cdw12)  (((cdw12) & 0xffff) + 1u)   /* 0's based -> count */
#define IOP_NVME_RW_FUA         (1u << 30)
#define IOP_NVME_RW_LR          (1u << 31)
#define IOP_NVME_WZ_DEAC        (1u << 25)

/* Dataset Management */
#define IOP_NVME_DSM_NR(cdw10)  (((cdw10) & 0xff) + 1u)
#define IOP_NVME_DSM_IDR        (1u << 0)
#define IOP_NVME_DSM_IDW        (1u << 1)
#define IOP_NVME_DSM_AD         (1u << 2)
struct iop_nvme_dsm_range {
	uint32_t attributes;
	uint32_t length;         /* logical blocks (NOT 0's based) */
	uint64_t slba;
};
_Static_assert(sizeof(struct iop_nvme_dsm_range) == 16, "dsm range");
#define IOP_NVME_DSM_MAX_RANGES 256

/* Identify (CDW10 CNS 7:0, CNTID 31:16; CDW11 CNSSI 15:0, CSI 31:24) */
enum iop_nvme_cns {
	IOP_NVME_CNS_NS = 0x00,
	IOP_NVME_CNS_CTRLR = 0x01,
	IOP_NVME_CNS_ACTIVE_NS_LIST = 0x02,
	IOP_NVME_CNS_NS_DESC_LIST = 0x03,
	IOP_NVME_CNS_NVM_SET_LIST = 0x04,
	IOP_NVME_CNS_CSI_NS = 0x05,
	IOP_NVME_CNS_CSI_CTRLR = 0x06,
	IOP_NVME_CNS_CSI_ACTIVE_NS_LIST = 0x07,
};

/* Get Log Page (CDW10 LID 7:0, LSP 14:8, RAE 15, NUMDL 31:16; CDW11 NUMDU 15:0, LSI 31:16;
 * CDW12 LPOL, CDW13 LPOU; CDW14 UUID index 6:0, OT 23, CSI 31:24) */
#define IOP_NVME_GLP_LID(cdw10)   ((cdw10) & 0xff)
#define IOP_NVME_GLP_LSP(cdw10)   (((cdw10) >> 8) & 0x7f)
#define IOP_NVME_GLP_RAE          (1u << 15)
/** Number of dwords to transfer (NUMD is 0's based: 1..2^32, hence 64 bits). */
static inline uint64_t
iop_nvme_glp_numd(const struct iop_nvme_cmd *c)
{
	return (uint64_t)((c->cdw10 >> 16) | ((c->cdw11 & 0xffff) << 16)) + 1u;
}
static inline uint64_t
iop_nvme_glp_offset(const struct iop_nvme_cmd *c)
{
	return (uint64_t)c->cdw13 << 32 | c->cdw12;
}

enum iop_nvme_log_page {
	IOP_NVME_LOG_SUPPORTED_PAGES = 0x00,
	IOP_NVME_LOG_ERROR = 0x01,
	IOP_NVME_LOG_HEALTH = 0x02,
	IOP_NVME_LOG_FIRMWARE_SLOT = 0x03,
	IOP_NVME_LOG_CHANGED_NS_LIST = 0x04,
	IOP_NVME_LOG_COMMAND_EFFECTS = 0x05,
	IOP_NVME_LOG_DEVICE_SELF_TEST = 0x06,
	IOP_NVME_LOG_ANA = 0x0c,
	IOP_NVME_LOG_DISCOVERY = 0x70,
	IOP_NVME_LOG_RESERVATION_NOTIFICATION = 0x80,
	IOP_NVME_LOG_SANITIZE_STATUS = 0x81,
};

/* Features (Set/Get Features CDW10: FID 7:0, SV 31 (set) / SEL 10:8 (get)) */
enum iop_nvme_feat {
	IOP_NVME_FEAT_ARBITRATION = 0x01,
	IOP_NVME_FEAT_POWER_MANAGEMENT = 0x02,
	IOP_NVME_FEAT_LBA_RANGE_TYPE = 0x03,
	IOP_NVME_FEAT_TEMPERATURE_THRESHOLD = 0x04,
	IOP_NVME_FEAT_ERROR_RECOVERY = 0x05,
	IOP_NVME_FEAT_VOLATILE_WRITE_CACHE = 0x06,
	IOP_NVME_FEAT_NUMBER_OF_QUEUES = 0x07,
	IOP_NVME_FEAT_INTERRUPT_COALESCING = 0x08,
	IOP_NVME_FEAT_INTERRUPT_VECTOR_CONFIG = 0x09,
	IOP_NVME_FEAT_WRITE_ATOMICITY = 0x0a,
	IOP_NVME_FEAT_ASYNC_EVENT_CONFIG = 0x0b,
	IOP_NVME_FEAT_AUTONOMOUS_POWER_STATE = 0x0c,
	IOP_NVME_FEAT_HOST_MEM_BUFFER = 0x0d,
	IOP_NVME_FEAT_TIMESTAMP = 0x0e,
	IOP_NVME_FEAT_KEEP_ALIVE_TIMER = 0x0f,
	IOP_NVME_FEAT_HOST_CONTROLLED_THERMAL = 0x10,
	IOP_NVME_FEAT_NON_OP_POWER_STATE = 0x11,
	IOP_NVME_FEAT_SOFTWARE_PROGRESS_MARKER = 0x80,
	IOP_NVME_FEAT_HOST_IDENTIFIER = 0x81,
	IOP_NVME_FEAT_RESERVATION_NOTIF_MASK = 0x82,
	IOP_NVME_FEAT_RESERVATION_PERSIST = 0x83,
};
#define IOP_NVME_FEAT_FID(cdw10)  ((cdw10) & 0xff)
#define IOP_NVME_FEAT_SV          (1u << 31)
#define IOP_NVME_FEAT_SEL(cdw10)  (((cdw10) >> 8) & 0x7)
enum iop_nvme_feat_sel {
	IOP_NVME_FEAT_SEL_CURRENT = 0,
	IOP_NVME_FEAT_SEL_DEFAULT = 1,
	IOP_NVME_FEAT_SEL_SAVED = 2,
	IOP_NVME_FEAT_SEL_SUPPORTED = 3,
};
/* Number of Queues: CDW11 NSQR 15:0, NCQR 31:16 (0's based); CDW0 of the CQE NSQA/NCQA same */
#define IOP_NVME_NQ_NSQ(v)        (((v) & 0xffff) + 1u)
#define IOP_NVME_NQ_NCQ(v)        ((((v) >> 16) & 0xffff) + 1u)
#define IOP_NVME_NQ_VALUE(nsq, ncq) ((((uint32_t)(ncq) - 1) << 16) | (((nsq) - 1) & 0xffff))
/* Async Event Configuration bits (CDW11) */
#define IOP_NVME_AEC_SMART_MASK   0xffu
#define IOP_NVME_AEC_NS_ATTR      (1u << 8)
#define IOP_NVME_AEC_FW_ACTIVATE  (1u << 9)
#define IOP_NVME_AEC_TELEMETRY    (1u << 10)
#define IOP_NVME_AEC_ANA_CHANGE   (1u << 11)
#define IOP_NVME_AEC_DISC_CHANGE  (1u << 31)

/* Async Event Request completion CDW0: type 2:0, info 15:8, log page 23:16 */
enum iop_nvme_aer_type {
	IOP_NVME_AER_TYPE_ERROR = 0,
	IOP_NVME_AER_TYPE_SMART = 1,
	IOP_NVME_AER_TYPE_NOTICE = 2,
	IOP_NVME_AER_TYPE_IO_SPECIFIC = 6,
	IOP_NVME_AER_TYPE_VENDOR = 7,
};
enum iop_nvme_aer_notice {
	IOP_NVME_AER_NOTICE_NS_ATTR_CHANGED = 0x00,
	IOP_NVME_AER_NOTICE_FW_ACTIVATION = 0x01,
	IOP_NVME_AER_NOTICE_TELEMETRY = 0x02,
	IOP_NVME_AER_NOTICE_ANA_CHANGE = 0x03,
	IOP_NVME_AER_NOTICE_DISC_CHANGE = 0xf0,
};
#define IOP_NVME_AER_CDW0(type, info, lid) \
	((uint32_t)(type) | ((uint32_t)(info) << 8) | ((uint32_t)(lid) << 16))

/* Abort: CDW10 SQID 15:0, CID 31:16; CQE CDW0 bit 0 = 1: command NOT aborted */
#define IOP_NVME_ABORT_NOT_ABORTED 1u

/* Create I/O CQ: CDW10 QID 15:0, QSIZE 31:16 (0's based); CDW11 PC 0, IEN 1, IV 31:16 */
/* Create I/O SQ: CDW10 QID 15:0, QSIZE 31:16; CDW11 PC 0, QPRIO 2:1, CQID 31:16; CDW12 NVMSETID */
#define IOP_NVME_QCREATE_QID(cdw10)   ((uint16_t)((cdw10) & 0xffff))
#define IOP_NVME_QCREATE_QSIZE(cdw10) ((uint32_t)(((cdw10) >> 16) & 0xffff) + 1u)
#define IOP_NVME_QCREATE_PC           (1u << 0)
#define IOP_NVME_QCREATE_CQ_IEN       (1u << 1)
#define IOP_NVME_QCREATE_CQ_IV(cdw11) ((uint16_t)((cdw11) >> 16))
#define IOP_NVME_QCREATE_SQ_QPRIO(cdw11) (((cdw11) >> 1) & 0x3)
#define IOP_NVME_QCREATE_SQ_CQID(cdw11) ((uint16_t)((cdw11) >> 16))

/* ------------------------------------------------------------------------------------------ */
/* Controller registers (B 3.1, BAR0) and fabrics properties (F 3.4)                         */

enum iop_nvme_reg {
	IOP_NVME_REG_CAP = 0x00,     /* 8 bytes */
	IOP_NVME_REG_VS = 0x08,
	IOP_NVME_REG_INTMS = 0x0c,
	IOP_NVME_REG_INTMC = 0x10,
	IOP_NVME_REG_CC = 0x14,
	IOP_NVME_REG_CSTS = 0x1c,
	IOP_NVME_REG_NSSR = 0x20,
	IOP_NVME_REG_AQA = 0x24,
	IOP_NVME_REG_ASQ = 0x28,     /* 8 bytes */
	IOP_NVME_REG_ACQ = 0x30,     /* 8 bytes */
	IOP_NVME_REG_CMBLOC = 0x38,
	IOP_NVME_REG_CMBSZ = 0x3c,
	IOP_NVME_REG_BPINFO = 0x40,
	IOP_NVME_REG_BPRSEL = 0x44,
	IOP_NVME_REG_BPMBL = 0x48,   /* 8 bytes */
	IOP_NVME_REG_CMBMSC = 0x50,  /* 8 bytes */
	IOP_NVME_REG_CMBSTS = 0x58,
	IOP_NVME_REG_PMRCAP = 0xe00,
	IOP_NVME_REG_DOORBELL_BASE = 0x1000,
};
#define IOP_NVME_REG_SPACE_SIZE 0x1000  /* registers before the doorbells */

/** Doorbell offset for SQ y tail (is_cq=0) or CQ y head (is_cq=1), DSTRD from CAP (B 3.1.22). */
static inline uint32_t
iop_nvme_doorbell_offset(uint16_t qid, int is_cq, unsigned int dstrd)
{
	return IOP_NVME_REG_DOORBELL_BASE + (2u * qid + (is_cq ? 1u : 0u)) * (4u << dstrd);
}

/* CAP */
#define IOP_NVME_CAP_MQES(cap)      ((uint32_t)((cap) & 0xffff))        /* 0's based */
#define IOP_NVME_CAP_CQR            (1ull << 16)
#define IOP_NVME_CAP_AMS_SHIFT      17
#define IOP_NVME_CAP_TO(cap)        ((uint32_t)(((cap) >> 24) & 0xff))  /* 500 ms units */
#define IOP_NVME_CAP_TO_SHIFT       24
#define IOP_NVME_CAP_DSTRD(cap)     ((uint32_t)(((cap) >> 32) & 0xf))
#define IOP_NVME_CAP_DSTRD_SHIFT    32
#define IOP_NVME_CAP_NSSRS          (1ull << 36)
#define IOP_NVME_CAP_CSS_SHIFT      37
#define IOP_NVME_CAP_CSS_NVM        (1ull << 37)   /* CSS bit 0: NVM command set */
#define IOP_NVME_CAP_CSS_IOCS       (1ull << 43)   /* CSS bit 6: I/O command sets */
#define IOP_NVME_CAP_CSS_NOIO       (1ull << 44)   /* CSS bit 7: admin only */
#define IOP_NVME_CAP_BPS            (1ull << 45)
#define IOP_NVME_CAP_MPSMIN(cap)    ((uint32_t)(((cap) >> 48) & 0xf))
#define IOP_NVME_CAP_MPSMIN_SHIFT   48
#define IOP_NVME_CAP_MPSMAX(cap)    ((uint32_t)(((cap) >> 52) & 0xf))
#define IOP_NVME_CAP_MPSMAX_SHIFT   52

/* VS */
#define IOP_NVME_VS(mjr, mnr, ter)  (((uint32_t)(mjr) << 16) | ((uint32_t)(mnr) << 8) | (ter))
#define IOP_NVME_VS_1_3             IOP_NVME_VS(1, 3, 0)
#define IOP_NVME_VS_1_4             IOP_NVME_VS(1, 4, 0)
#define IOP_NVME_VS_2_0             IOP_NVME_VS(2, 0, 0)

/* CC */
#define IOP_NVME_CC_EN              (1u << 0)
#define IOP_NVME_CC_CSS(cc)         (((cc) >> 4) & 0x7)
#define IOP_NVME_CC_CSS_NVM         0
#define IOP_NVME_CC_CSS_IOCS        6
#define IOP_NVME_CC_CSS_ADMIN_ONLY  7
#define IOP_NVME_CC_MPS(cc)         (((cc) >> 7) & 0xf)   /* page = 2^(12 + MPS) */
#define IOP_NVME_CC_MPS_SHIFT       7
#define IOP_NVME_CC_AMS(cc)         (((cc) >> 11) & 0x7)
#define IOP_NVME_CC_SHN(cc)         (((cc) >> 14) & 0x3)
#define IOP_NVME_CC_SHN_SHIFT       14
#define IOP_NVME_CC_SHN_NONE        0
#define IOP_NVME_CC_SHN_NORMAL      1
#define IOP_NVME_CC_SHN_ABRUPT      2
#define IOP_NVME_CC_IOSQES(cc)      (((cc) >> 16) & 0xf)
#define IOP_NVME_CC_IOSQES_SHIFT    16
#define IOP_NVME_CC_IOCQES(cc)      (((cc) >> 20) & 0xf)
#define IOP_NVME_CC_IOCQES_SHIFT    20
#define IOP_NVME_CC_CRIME           (1u << 24)

/* CSTS */
#define IOP_NVME_CSTS_RDY           (1u << 0)
#define IOP_NVME_CSTS_CFS           (1u << 1)
#define IOP_NVME_CSTS_SHST(csts)    (((csts) >> 2) & 0x3)
#define IOP_NVME_CSTS_SHST_SHIFT    2
#define IOP_NVME_CSTS_SHST_NORMAL   0
#define IOP_NVME_CSTS_SHST_OCCURRING 1
#define IOP_NVME_CSTS_SHST_COMPLETE 2
#define IOP_NVME_CSTS_SHST_MASK     (3u << 2)
#define IOP_NVME_CSTS_NSSRO         (1u << 4)
#define IOP_NVME_CSTS_PP            (1u << 5)

/* AQA: ASQS 11:0, ACQS 27:16 (0's based) */
#define IOP_NVME_AQA_ASQS(aqa)      (((aqa) & 0xfff) + 1u)
#define IOP_NVME_AQA_ACQS(aqa)      ((((aqa) >> 16) & 0xfff) + 1u)

#define IOP_NVME_NSSR_MAGIC         0x4e564d65u  /* "NVMe" */

/* ------------------------------------------------------------------------------------------ */
/* Fabrics commands (F 3)                                                                     */

/** Generic fabrics command overlay. */
struct iop_nvmf_cmd {
	uint8_t opc;             /* 7Fh */
	uint8_t rsvd1;
	uint16_t cid;
	uint8_t fctype;
	uint8_t rsvd2[19];
	struct iop_nvme_sgl_desc sgl1;
	uint8_t fcspec[24];
};
_Static_assert(sizeof(struct iop_nvmf_cmd) == 64, "fabrics cmd");

/** Connect command (F 3.3). */
struct iop_nvmf_connect_cmd {
	uint8_t opc;
	uint8_t rsvd1;
	uint16_t cid;
	uint8_t fctype;          /* 01h */
	uint8_t rsvd2[19];
	struct iop_nvme_sgl_desc sgl1;
	uint16_t recfmt;         /* byte 40 */
	uint16_t qid;            /* byte 42 */
	uint16_t sqsize;         /* byte 44, 0's based */
	uint8_t cattr;           /* byte 46 */
	uint8_t rsvd3;
	uint32_t kato;           /* byte 48, ms */
	uint8_t rsvd4[12];
} __attribute__((packed));
_Static_assert(sizeof(struct iop_nvmf_connect_cmd) == 64, "connect cmd");
_Static_assert(offsetof(struct iop_nvmf_connect_cmd, qid) == 42, "connect qid");
_Static_assert(offsetof(struct iop_nvmf_connect_cmd, sqsize) == 44, "connect sqsize");
_Static_assert(offsetof(struct iop_nvmf_connect_cmd, kato) == 48, "connect kato");
#define IOP_NVMF_CATTR_PRIORITY_CLASS 0x06   /* bits 2:1 (TCP/RDMA: 0) */
#define IOP_NVMF_CATTR_DISABLE_SQFC   (1u << 2)

/** Connect data, 1024 bytes (F 3.3, Figure 20). */
struct iop_nvmf_connect_data {
	uint8_t hostid[16];
	uint16_t cntlid;
	uint8_t rsvd1[238];
	char subnqn[IOP_NVME_NQN_MAX];
	char hostnqn[IOP_NVME_NQN_MAX];
	uint8_t rsvd2[256];
};
_Static_assert(sizeof(struct iop_nvmf_connect_data) == 1024, "connect data");
_Static_assert(offsetof(struct iop_nvmf_connect_data, subnqn) == 256, "connect subnqn");
_Static_assert(offsetof(struct iop_nvmf_connect_data, hostnqn) == 512, "connect hostnqn");
#define IOP_NVMF_CNTLID_DYNAMIC 0xffff
#define IOP_NVMF_CNTLID_STATIC_ANY 0xfffe
#define IOP_NVMF_CNTLID_MAX     0xffef

/*
 * Connect response CDW0 (F 3.3, Figure 21): on success CNTLID in bits 15:0 (AUTHREQ 31:16);
 * on Connect Invalid Parameters: IPO (byte offset of the bad field) in bits 15:0 and IATTR in
 * bits 23:16, IATTR bit 0 = 0: offset into the SQE, 1: offset into the Connect data.
 */
#define IOP_NVMF_IATTR_SQE  0u
#define IOP_NVMF_IATTR_DATA 1u
#define IOP_NVMF_IPO_IATTR(iattr, ipo) (((uint32_t)(iattr) << 16) | ((uint32_t)(ipo) & 0xffff))
#define IOP_NVMF_CPL_IPO(cdw0)   ((uint16_t)((cdw0) & 0xffff))
#define IOP_NVMF_CPL_IATTR(cdw0) ((uint8_t)(((cdw0) >> 16) & 0xff))

/** Property Get / Set (F 3.4/3.5). ATTRIB bits 2:0 size: 0 = 4 bytes, 1 = 8 bytes. */
struct iop_nvmf_prop_cmd {
	uint8_t opc;
	uint8_t rsvd1;
	uint16_t cid;
	uint8_t fctype;          /* 00h set, 04h get */
	uint8_t rsvd2[35];
	uint8_t attrib;          /* byte 40 */
	uint8_t rsvd3[3];
	uint32_t ofst;           /* byte 44 */
	uint64_t value;          /* byte 48, Set only */
	uint8_t rsvd4[8];
} __attribute__((packed));
_Static_assert(sizeof(struct iop_nvmf_prop_cmd) == 64, "property cmd");
_Static_assert(offsetof(struct iop_nvmf_prop_cmd, ofst) == 44, "property ofst");
_Static_assert(offsetof(struct iop_nvmf_prop_cmd, value) == 48, "property value");
#define IOP_NVMF_PROP_SIZE_4 0
#define IOP_NVMF_PROP_SIZE_8 1
/* Property Get response: value in CDW0 (4 bytes) or CDW0..CDW1 (8 bytes). */

/** Disconnect (F 3.x, NVMe-oF 1.1): RECFMT at byte 40. */
struct iop_nvmf_disconnect_cmd {
	uint8_t opc;
	uint8_t rsvd1;
	uint16_t cid;
	uint8_t fctype;          /* 08h */
	uint8_t rsvd2[35];
	uint16_t recfmt;
	uint8_t rsvd3[22];
} __attribute__((packed));
_Static_assert(sizeof(struct iop_nvmf_disconnect_cmd) == 64, "disconnect cmd");

/* ------------------------------------------------------------------------------------------ */
/* Identify data structures                                                                   */

struct iop_nvme_power_state {
	uint16_t mp;             /* max power, centiwatts */
	uint8_t rsvd2;
	uint8_t flags;           /* MXPS bit 0, NOPS bit 1 */
	uint32_t enlat;
	uint32_t exlat;
	uint8_t rrt, rrl, rwt, rwl;
	uint16_t idlp;
	uint8_t ips;
	uint8_t rsvd19;
	uint16_t actp;
	uint8_t apw_aps;
	uint8_t rsvd23[9];
};
_Static_assert(sizeof(struct iop_nvme_power_state) == 32, "psd");

/** Identify Controller data structure (CNS 01h, B 5.17.2.1 + F 4.1 fabrics fields). */
struct iop_nvme_id_ctrlr {
	uint16_t vid;
	uint16_t ssvid;
	char sn[20];             /* ASCII, space padded, no NUL */
	char mn[40];
	char fr[8];
	uint8_t rab;
	uint8_t ieee[3];
	uint8_t cmic;
	uint8_t mdts;            /* 2^n * CAP.MPSMIN pages; 0 = unlimited */
	uint16_t cntlid;
	uint32_t ver;
	uint32_t rtd3r;
	uint32_t rtd3e;
	uint32_t oaes;
	uint32_t ctratt;
	uint16_t rrls;
	uint8_t rsvd102[9];
	uint8_t cntrltype;       /* 1 I/O, 2 discovery, 3 administrative */
	uint8_t fguid[16];
	uint16_t crdt1;
	uint16_t crdt2;
	uint16_t crdt3;
	uint8_t rsvd134[119];
	uint8_t nvmsr;
	uint8_t vwci;
	uint8_t mec;
	/* admin command set attributes, byte 256 */
	uint16_t oacs;
	uint8_t acl;             /* 0's based */
	uint8_t aerl;            /* 0's based */
	uint8_t frmw;
	uint8_t lpa;
	uint8_t elpe;            /* 0's based */
	uint8_t npss;
	uint8_t avscc;
	uint8_t apsta;
	uint16_t wctemp;
	uint16_t cctemp;
	uint16_t mtfa;
	uint32_t hmpre;
	uint32_t hmmin;
	uint8_t tnvmcap[16];
	uint8_t unvmcap[16];
	uint32_t rpmbs;
	uint16_t edstt;
	uint8_t dsto;
	uint8_t fwug;
	uint16_t kas;            /* keep alive granularity, 100 ms units */
	uint16_t hctma;
	uint16_t mntmt;
	uint16_t mxtmt;
	uint32_t sanicap;
	uint32_t hmminds;
	uint16_t hmmaxd;
	uint16_t nsetidmax;
	uint16_t endgidmax;
	uint8_t anatt;
	uint8_t anacap;
	uint32_t anagrpmax;
	uint32_t nanagrpid;
	uint32_t pels;
	uint16_t domainid;
	uint8_t rsvd358[10];
	uint8_t megcap[16];
	uint8_t rsvd384[128];
	/* NVM command set attributes, byte 512 */
	uint8_t sqes;            /* max 7:4, required 3:0 (log2) */
	uint8_t cqes;
	uint16_t maxcmd;
	uint32_t nn;
	uint16_t oncs;
	uint16_t fuses;
	uint8_t fna;
	uint8_t vwc;
	uint16_t awun;
	uint16_t awupf;
	uint8_t icsvscc;
	uint8_t nwpc;
	uint16_t acwu;
	uint16_t ocfs;
	uint32_t sgls;
	uint32_t mnan;
	uint8_t maxdna[16];
	uint32_t maxcna;
	uint8_t rsvd564[204];
	char subnqn[IOP_NVME_NQN_MAX];   /* byte 768 */
	uint8_t rsvd1024[768];
	/* fabrics, byte 1792 */
	uint32_t ioccsz;         /* 16-byte units, >= 4 */
	uint32_t iorcsz;         /* 16-byte units, >= 1 */
	uint16_t icdoff;
	uint8_t fcatt;           /* bit 0: 1 = static controller model */
	uint8_t msdbd;
	uint16_t ofcs;
	uint8_t rsvd1806[242];
	struct iop_nvme_power_state psd[32]; /* byte 2048 */
	uint8_t vs[1024];
};
_Static_assert(sizeof(struct iop_nvme_id_ctrlr) == 4096, "identify controller");
_Static_assert(offsetof(struct iop_nvme_id_ctrlr, cntrltype) == 111, "id cntrltype");
_Static_assert(offsetof(struct iop_nvme_id_ctrlr, oacs) == 256, "id oacs");
_Static_assert(offsetof(struct iop_nvme_id_ctrlr, kas) == 320, "id kas");
_Static_assert(offsetof(struct iop_nvme_id_ctrlr, sqes) == 512, "id sqes");
_Static_assert(offsetof(struct iop_nvme_id_ctrlr, sgls) == 536, "id sgls");
_Static_assert(offsetof(struct iop_nvme_id_ctrlr, subnqn) == 768, "id subnqn");
_Static_assert(offsetof(struct iop_nvme_id_ctrlr, ioccsz) == 1792, "id ioccsz");
_Static_assert(offsetof(struct iop_nvme_id_ctrlr, psd) == 2048, "id psd");
#define IOP_NVME_ID_OFF(f, o) _Static_assert(offsetof(struct iop_nvme_id_ctrlr, f) == (o), "id " #f)
IOP_NVME_ID_OFF(mdts, 77);
IOP_NVME_ID_OFF(ver, 80);
IOP_NVME_ID_OFF(oaes, 92);
IOP_NVME_ID_OFF(ctratt, 96);
IOP_NVME_ID_OFF(fguid, 112);
IOP_NVME_ID_OFF(crdt1, 128);
IOP_NVME_ID_OFF(nvmsr, 253);
IOP_NVME_ID_OFF(mec, 255);
IOP_NVME_ID_OFF(wctemp, 266);
IOP_NVME_ID_OFF(tnvmcap, 280);
IOP_NVME_ID_OFF(rpmbs, 312);
IOP_NVME_ID_OFF(hctma, 322);
IOP_NVME_ID_OFF(sanicap, 328);
IOP_NVME_ID_OFF(hmmaxd, 336);
IOP_NVME_ID_OFF(anatt, 342);
IOP_NVME_ID_OFF(anagrpmax, 344);
IOP_NVME_ID_OFF(nanagrpid, 348);
IOP_NVME_ID_OFF(pels, 352);
IOP_NVME_ID_OFF(domainid, 356);
IOP_NVME_ID_OFF(megcap, 368);
IOP_NVME_ID_OFF(maxcmd, 514);
IOP_NVME_ID_OFF(nn, 516);
IOP_NVME_ID_OFF(oncs, 520);
IOP_NVME_ID_OFF(fna, 524);
IOP_NVME_ID_OFF(vwc, 525);
IOP_NVME_ID_OFF(icsvscc, 530);
IOP_NVME_ID_OFF(acwu, 532);
IOP_NVME_ID_OFF(mnan, 540);
IOP_NVME_ID_OFF(maxdna, 544);
IOP_NVME_ID_OFF(maxcna, 560);
IOP_NVME_ID_OFF(iorcsz, 1796);
IOP_NVME_ID_OFF(icdoff, 1800);
IOP_NVME_ID_OFF(fcatt, 1802);
IOP_NVME_ID_OFF(msdbd, 1803);
IOP_NVME_ID_OFF(ofcs, 1804);
IOP_NVME_ID_OFF(vs, 3072);
#undef IOP_NVME_ID_OFF

#define IOP_NVME_CNTRLTYPE_IO        1
#define IOP_NVME_CNTRLTYPE_DISCOVERY 2
#define IOP_NVME_CNTRLTYPE_ADMIN     3

/* CMIC */
#define IOP_NVME_CMIC_MULTI_PORT   (1u << 0)
#define IOP_NVME_CMIC_MULTI_CTRLR  (1u << 1)
#define IOP_NVME_CMIC_ANA          (1u << 3)
/* OAES */
#define IOP_NVME_OAES_NS_ATTR      (1u << 8)
#define IOP_NVME_OAES_ANA_CHANGE   (1u << 11)
#define IOP_NVME_OAES_DISC_CHANGE  (1u << 31)
/* CTRATT */
#define IOP_NVME_CTRATT_HOSTID_128 (1u << 0)
#define IOP_NVME_CTRATT_TBKAS      (1u << 6)
/* LPA */
#define IOP_NVME_LPA_SMART_PER_NS  (1u << 0)
#define IOP_NVME_LPA_CMD_EFFECTS   (1u << 1)
#define IOP_NVME_LPA_EXT_DATA      (1u << 2)
/* ONCS */
#define IOP_NVME_ONCS_COMPARE      (1u << 0)
#define IOP_NVME_ONCS_WRITE_UNC    (1u << 1)
#define IOP_NVME_ONCS_DSM          (1u << 2)
#define IOP_NVME_ONCS_WRITE_ZEROES (1u << 3)
#define IOP_NVME_ONCS_SAVE_FEAT    (1u << 4)
#define IOP_NVME_ONCS_RESERVATIONS (1u << 5)
#define IOP_NVME_ONCS_TIMESTAMP    (1u << 6)
#define IOP_NVME_ONCS_VERIFY       (1u << 7)
/* VWC */
#define IOP_NVME_VWC_PRESENT       (1u << 0)
#define IOP_NVME_VWC_FLUSH_BCAST_NS 0x6   /* bits 2:1 = 11b: FFFFFFFFh flush supported */
/* SGLS */
#define IOP_NVME_SGLS_SUPPORTED    0x1u      /* bits 1:0 = 01b: no alignment */
#define IOP_NVME_SGLS_DWORD_ALIGN  0x2u
#define IOP_NVME_SGLS_KEYED        (1u << 2)
#define IOP_NVME_SGLS_BIT_BUCKET   (1u << 16)
#define IOP_NVME_SGLS_MPTR_BYTE    (1u << 17)
#define IOP_NVME_SGLS_OVERSIZE     (1u << 18)
#define IOP_NVME_SGLS_MPTR_SGL     (1u << 19)
#define IOP_NVME_SGLS_OFFSET       (1u << 20)  /* address as offset: in-capsule data */
#define IOP_NVME_SGLS_TRANSPORT    (1u << 21)  /* transport SGL data block */

/** LBA format (B NVM 4.1.5.1). */
struct iop_nvme_lbaf {
	uint16_t ms;             /* metadata bytes per LBA */
	uint8_t lbads;           /* log2(LBA data size) */
	uint8_t rp;              /* relative performance, bits 1:0 */
};
_Static_assert(sizeof(struct iop_nvme_lbaf) == 4, "lbaf");

/** Identify Namespace data structure (CNS 00h, NVM command set). */
struct iop_nvme_id_ns {
	uint64_t nsze;
	uint64_t ncap;
	uint64_t nuse;
	uint8_t nsfeat;
	uint8_t nlbaf;           /* 0's based */
	uint8_t flbas;           /* format index 3:0 */
	uint8_t mc;
	uint8_t dpc;
	uint8_t dps;
	uint8_t nmic;
	uint8_t rescap;
	uint8_t fpi;
	uint8_t dlfeat;
	uint16_t nawun;
	uint16_t nawupf;
	uint16_t nacwu;
	uint16_t nabsn;
	uint16_t nabo;
	uint16_t nabspf;
	uint16_t noiob;
	uint8_t nvmcap[16];
	uint16_t npwg;
	uint16_t npwa;
	uint16_t npdg;
	uint16_t npda;
	uint16_t nows;
	uint16_t mssrl;
	uint32_t mcl;
	uint8_t msrc;
	uint8_t rsvd81[11];
	uint32_t anagrpid;
	uint8_t rsvd96[3];
	uint8_t nsattr;
	uint16_t nvmsetid;
	uint16_t endgid;
	uint8_t nguid[16];
	uint8_t eui64[8];
	struct iop_nvme_lbaf lbaf[64];
	uint8_t vs[3712];      /* reserved 384..3839 + vendor specific */
};
_Static_assert(sizeof(struct iop_nvme_id_ns) == 4096, "identify namespace");
_Static_assert(offsetof(struct iop_nvme_id_ns, anagrpid) == 92, "id ns anagrpid");
_Static_assert(offsetof(struct iop_nvme_id_ns, nguid) == 104, "id ns nguid");
_Static_assert(offsetof(struct iop_nvme_id_ns, lbaf) == 128, "id ns lbaf");
_Static_assert(offsetof(struct iop_nvme_id_ns, dlfeat) == 33, "id ns dlfeat");
_Static_assert(offsetof(struct iop_nvme_id_ns, nvmcap) == 48, "id ns nvmcap");
_Static_assert(offsetof(struct iop_nvme_id_ns, npwg) == 64, "id ns npwg");
_Static_assert(offsetof(struct iop_nvme_id_ns, mssrl) == 74, "id ns mssrl");
_Static_assert(offsetof(struct iop_nvme_id_ns, mcl) == 76, "id ns mcl");
_Static_assert(offsetof(struct iop_nvme_id_ns, msrc) == 80, "id ns msrc");
_Static_assert(offsetof(struct iop_nvme_id_ns, nsattr) == 99, "id ns nsattr");
_Static_assert(offsetof(struct iop_nvme_id_ns, endgid) == 102, "id ns endgid");
_Static_assert(offsetof(struct iop_nvme_id_ns, eui64) == 120, "id ns eui64");

#define IOP_NVME_NSFEAT_THIN_PROV  (1u << 0)
#define IOP_NVME_NSFEAT_NSABP      (1u << 1)  /* NAWUN.. fields valid */
#define IOP_NVME_NSFEAT_DAE        (1u << 2)  /* deallocated error */
#define IOP_NVME_NSFEAT_OPTPERF    (1u << 4)  /* NPWG..NOWS valid */
#define IOP_NVME_NMIC_SHARED       (1u << 0)
/* DLFEAT bits 2:0 = 001b: deallocated blocks read as zeroes; bit 3: write zeroes may dealloc */
#define IOP_NVME_DLFEAT_READ_ZEROES 0x1u
#define IOP_NVME_DLFEAT_WZ_DEALLOC  (1u << 3)

/** Namespace Identification Descriptor (CNS 03h). The list is 4096 bytes, 0-terminated. */
struct iop_nvme_ns_id_desc {
	uint8_t nidt;
	uint8_t nidl;
	uint16_t rsvd;
	uint8_t nid[];
};
enum iop_nvme_nidt {
	IOP_NVME_NIDT_EUI64 = 1,  /* 8 bytes */
	IOP_NVME_NIDT_NGUID = 2,  /* 16 bytes */
	IOP_NVME_NIDT_UUID = 3,   /* 16 bytes */
	IOP_NVME_NIDT_CSI = 4,    /* 1 byte */
};
#define IOP_NVME_CSI_NVM 0

/* ------------------------------------------------------------------------------------------ */
/* Log pages                                                                                  */

/** Error Information log entry (LID 01h), 64 bytes. */
struct iop_nvme_error_log {
	uint64_t error_count;
	uint16_t sqid;
	uint16_t cid;
	uint16_t status;         /* bit 0 = phase of the failed CQE, 15:1 status */
	uint16_t error_location; /* byte 7:0, bit 10:8 */
	uint64_t lba;
	uint32_t nsid;
	uint8_t vs;
	uint8_t trtype;
	uint8_t rsvd30[2];
	uint64_t csi;            /* command specific information */
	uint16_t ttsi;           /* transport type specific information */
	uint8_t rsvd42[22];
};
_Static_assert(sizeof(struct iop_nvme_error_log) == 64, "error log");
_Static_assert(offsetof(struct iop_nvme_error_log, lba) == 16, "error log lba");
_Static_assert(offsetof(struct iop_nvme_error_log, nsid) == 24, "error log nsid");
_Static_assert(offsetof(struct iop_nvme_error_log, trtype) == 29, "error log trtype");
_Static_assert(offsetof(struct iop_nvme_error_log, csi) == 32, "error log csi");
_Static_assert(offsetof(struct iop_nvme_error_log, ttsi) == 40, "error log ttsi");

/** SMART / Health Information log (LID 02h), 512 bytes. 128-bit counters as two u64 LE. */
struct iop_nvme_health_log {
	uint8_t critical_warning;
	uint16_t temperature;    /* Kelvin */
	uint8_t avail_spare;
	uint8_t avail_spare_threshold;
	uint8_t percentage_used;
	uint8_t endu_grp_crit_warn;
	uint8_t rsvd7[25];
	/* 128-bit little-endian counters (byte arrays: the struct is packed) */
	uint8_t data_units_read[16];      /* 1000 * 512 bytes units */
	uint8_t data_units_written[16];
	uint8_t host_read_commands[16];
	uint8_t host_write_commands[16];
	uint8_t controller_busy_time[16];
	uint8_t power_cycles[16];
	uint8_t power_on_hours[16];
	uint8_t unsafe_shutdowns[16];
	uint8_t media_errors[16];
	uint8_t num_err_log_entries[16];
	uint32_t warning_temp_time;
	uint32_t critical_temp_time;
	uint16_t temp_sensor[8];
	uint32_t thm_temp1_trans_count;
	uint32_t thm_temp2_trans_count;
	uint32_t thm_temp1_total_time;
	uint32_t thm_temp2_total_time;
	uint8_t rsvd232[280];
} __attribute__((packed));
_Static_assert(sizeof(struct iop_nvme_health_log) == 512, "health log");
_Static_assert(offsetof(struct iop_nvme_health_log, data_units_read) == 32, "health dur");
_Static_assert(offsetof(struct iop_nvme_health_log, warning_temp_time) == 192, "health wtt");
_Static_assert(offsetof(struct iop_nvme_health_log, host_read_commands) == 64, "health hrc");
_Static_assert(offsetof(struct iop_nvme_health_log, power_on_hours) == 128, "health poh");
_Static_assert(offsetof(struct iop_nvme_health_log, num_err_log_entries) == 176, "health nele");
_Static_assert(offsetof(struct iop_nvme_health_log, temp_sensor) == 200, "health ts");
_Static_assert(offsetof(struct iop_nvme_health_log, thm_temp1_trans_count) == 216, "health tmt");

/** Firmware Slot Information log (LID 03h). */
struct iop_nvme_fw_slot_log {
	uint8_t afi;
	uint8_t rsvd1[7];
	char frs[7][8];
	uint8_t rsvd64[448];
};
_Static_assert(sizeof(struct iop_nvme_fw_slot_log) == 512, "fw slot log");

/** Commands Supported and Effects log (LID 05h), 4096 bytes. */
struct iop_nvme_cmd_effects_log {
	uint32_t acs[256];
	uint32_t iocs[256];
	uint8_t rsvd2048[2048];
};
_Static_assert(sizeof(struct iop_nvme_cmd_effects_log) == 4096, "effects log");
#define IOP_NVME_CSE_CSUPP  (1u << 0)
#define IOP_NVME_CSE_LBCC   (1u << 1)   /* logical block content change */
#define IOP_NVME_CSE_NCC    (1u << 2)   /* namespace capability change */
#define IOP_NVME_CSE_NIC    (1u << 3)   /* namespace inventory change */
#define IOP_NVME_CSE_CCC    (1u << 4)   /* controller capability change */

/** ANA log page (LID 0Ch) header and group descriptor. */
struct iop_nvme_ana_log_hdr {
	uint64_t change_count;
	uint16_t ngrps;
	uint8_t rsvd10[6];
};
_Static_assert(sizeof(struct iop_nvme_ana_log_hdr) == 16, "ana hdr");
struct iop_nvme_ana_group_desc {
	uint32_t anagrpid;
	uint32_t nnsids;
	uint64_t change_count;
	uint8_t state;           /* bits 3:0 */
	uint8_t rsvd17[15];
	uint32_t nsids[];
};
_Static_assert(sizeof(struct iop_nvme_ana_group_desc) == 32, "ana group");
enum iop_nvme_ana_state {
	IOP_NVME_ANA_OPTIMIZED = 0x1,
	IOP_NVME_ANA_NON_OPTIMIZED = 0x2,
	IOP_NVME_ANA_INACCESSIBLE = 0x3,
	IOP_NVME_ANA_PERSISTENT_LOSS = 0x4,
	IOP_NVME_ANA_CHANGE = 0xf,
};

/* Discovery log page (LID 70h, F 5.3): 1024-byte header then 1024-byte entries. */
enum iop_nvmf_trtype {
	IOP_NVMF_TRTYPE_RDMA = 0x1,
	IOP_NVMF_TRTYPE_FC = 0x2,
	IOP_NVMF_TRTYPE_TCP = 0x3,
	IOP_NVMF_TRTYPE_LOOP = 0xfe, /* intra-host */
};
enum iop_nvmf_adrfam {
	IOP_NVMF_ADRFAM_IPV4 = 0x1,
	IOP_NVMF_ADRFAM_IPV6 = 0x2,
	IOP_NVMF_ADRFAM_IB = 0x3,
	IOP_NVMF_ADRFAM_FC = 0x4,
	IOP_NVMF_ADRFAM_LOOP = 0xfe,
};
enum iop_nvmf_subtype {
	IOP_NVMF_SUBTYPE_DISCOVERY_REFERRAL = 0x1,
	IOP_NVMF_SUBTYPE_NVME = 0x2,
	IOP_NVMF_SUBTYPE_DISCOVERY_CURRENT = 0x3,
};
/* TREQ: secure channel bits 1:0, bit 2: SQ flow control disable supported */
#define IOP_NVMF_TREQ_SECURE_NOT_SPECIFIED 0x0
#define IOP_NVMF_TREQ_SECURE_REQUIRED      0x1
#define IOP_NVMF_TREQ_SECURE_NOT_REQUIRED  0x2
#define IOP_NVMF_TREQ_DISABLE_SQFC         0x4
/* EFLAGS */
#define IOP_NVMF_EFLAGS_DUPRETINFO  (1u << 0)
#define IOP_NVMF_EFLAGS_EPCSD       (1u << 1)  /* explicit persistent connection supported */
/* TSAS for TCP: SECTYPE byte 0 */
#define IOP_NVMF_TCP_SECTYPE_NONE   0x0
#define IOP_NVMF_TCP_SECTYPE_TLS12  0x1
#define IOP_NVMF_TCP_SECTYPE_TLS13  0x2

#define IOP_NVMF_TRSVCID_MAX 32
#define IOP_NVMF_TRADDR_MAX  256

struct iop_nvmf_disc_log_hdr {
	uint64_t genctr;
	uint64_t numrec;
	uint16_t recfmt;
	uint8_t rsvd18[1006];
};
_Static_assert(sizeof(struct iop_nvmf_disc_log_hdr) == 1024, "disc log header");

struct iop_nvmf_disc_log_entry {
	uint8_t trtype;
	uint8_t adrfam;
	uint8_t subtype;
	uint8_t treq;
	uint16_t portid;
	uint16_t cntlid;
	uint16_t asqsz;
	uint16_t eflags;
	uint8_t rsvd12[20];
	char trsvcid[IOP_NVMF_TRSVCID_MAX]; /* ASCII, space padded */
	uint8_t rsvd64[192];
	char subnqn[IOP_NVME_NQN_MAX];      /* NUL terminated */
	char traddr[IOP_NVMF_TRADDR_MAX];   /* ASCII, space padded */
	union {
		uint8_t raw[256];
		struct {
			uint8_t qptype;
			uint8_t prtype;
			uint8_t cms;
			uint8_t rsvd3[5];
			uint16_t pkey;
		} rdma;
		struct {
			uint8_t sectype;
		} tcp;
	} tsas;
};
_Static_assert(sizeof(struct iop_nvmf_disc_log_entry) == 1024, "disc log entry");
_Static_assert(offsetof(struct iop_nvmf_disc_log_entry, trsvcid) == 32, "disc trsvcid");
_Static_assert(offsetof(struct iop_nvmf_disc_log_entry, subnqn) == 256, "disc subnqn");
_Static_assert(offsetof(struct iop_nvmf_disc_log_entry, traddr) == 512, "disc traddr");
_Static_assert(offsetof(struct iop_nvmf_disc_log_entry, tsas) == 768, "disc tsas");

#endif
