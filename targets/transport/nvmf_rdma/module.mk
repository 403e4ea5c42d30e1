# targets/transport/nvmf_rdma/: NVMe/RDMA target and initiator on librdmacm + libibverbs (rdma-core).
# proto.c (CM private data, SGL rules) has no rdma-core dependency and is always built (unit tests).
SRCS += targets/transport/nvmf_rdma/proto.c
ifeq ($(HAVE_RDMA),y)
SRCS += targets/transport/nvmf_rdma/rdma_common.c targets/transport/nvmf_rdma/rdma_target.c \
	targets/transport/nvmf_rdma/rdma_initiator.c
LIBS += -lrdmacm -libverbs
endif
