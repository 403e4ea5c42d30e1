# targets/transport/nvmf_rdma/: NVMe/RDMA target and initiator on librdmacm + libibverbs (rdma-core).
ifeq ($(HAVE_RDMA),y)
SRCS += targets/transport/nvmf_rdma/proto.c targets/transport/nvmf_rdma/rdma_common.c \
	targets/transport/nvmf_rdma/rdma_target.c targets/transport/nvmf_rdma/rdma_initiator.c
LIBS += -lrdmacm -libverbs
endif
