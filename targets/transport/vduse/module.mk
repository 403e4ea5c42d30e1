# targets/transport/vduse/: VDUSE virtio-blk daemon (kernel uapi linux/vduse.h, Linux >= 5.15).
HAVE_VDUSE := $(shell test -e /usr/include/linux/vduse.h && echo y)
ifeq ($(HAVE_VDUSE),y)
SRCS += targets/transport/vduse/config.c targets/transport/vduse/vduse_target.c
endif
