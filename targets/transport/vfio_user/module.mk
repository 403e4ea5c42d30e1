# targets/transport/vfio_user/: vfio-user protocol, NVMe PCIe server and client (both ends).
SRCS += $(addprefix targets/transport/vfio_user/,msg.c proto.c dma.c trace.c pci.c client.c hostmem.c nvme_dev.c server.c server_cmd.c initiator.c initiator_dev.c probe_bad.c probe_data.c)
LIBS += -ljson-c
