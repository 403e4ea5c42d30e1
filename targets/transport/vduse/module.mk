# targets/transport/vduse/: VDUSE virtio-blk daemon (Linux >= 5.15 at run time; builds everywhere:
# vduse_uapi.h falls back to our own definitions when linux/vduse.h is missing).
SRCS += targets/transport/vduse/config.c targets/transport/vduse/vduse_target.c \
	targets/transport/vduse/vduse_initiator.c
