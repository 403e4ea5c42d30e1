# targets/nvme/: NVMe controller core shared by NVMe transports, and the host-side driver core.
SRCS += targets/nvme/subsys.c targets/nvme/ctrlr.c targets/nvme/admin_cmd.c \
        targets/nvme/io_cmd.c targets/nvme/fabrics_cmd.c targets/nvme/discovery.c \
        targets/nvme/prp_sgl.c targets/nvme/host.c \
        targets/nvme/fabrics_host.c
