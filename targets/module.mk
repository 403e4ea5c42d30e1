# targets/: reactor, registries. Backends, NVMe, virtio and transports have their own module.mk.
SRCS += targets/reactor.c targets/backend/backend.c targets/transport/transport.c
LIBS += -lnuma
