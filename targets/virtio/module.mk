# targets/virtio/: shared virtio dataplane (guest memory, split virtqueues both sides, blk, scsi).
SRCS += targets/virtio/mem.c targets/virtio/iov.c targets/virtio/virtqueue.c targets/virtio/virtqueue_packed.c \
        targets/virtio/driver.c targets/virtio/blk.c targets/virtio/scsi_target.c \
        targets/virtio/scsi.c
