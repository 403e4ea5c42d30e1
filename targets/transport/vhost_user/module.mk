# targets/transport/vhost_user/: vhost-user protocol, back end (blk, scsi) and front end (client).
SRCS += targets/transport/vhost_user/proto.c targets/transport/vhost_user/server.c \
        targets/transport/vhost_user/dev_blk.c targets/transport/vhost_user/dev_scsi.c \
        targets/transport/vhost_user/target.c targets/transport/vhost_user/client.c \
        targets/transport/vhost_user/cmd_check.c targets/transport/vhost_user/trace.c \
        targets/transport/vhost_user/qsd.c
