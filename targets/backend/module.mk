# targets/backend/: null, malloc (always), uring (liburing) and aio (libaio) backends.
SRCS += targets/backend/null.c targets/backend/malloc.c targets/backend/imm_chan.c
ifneq ($(HAVE_URING)$(HAVE_AIO),)
SRCS += targets/backend/file.c
endif
ifeq ($(HAVE_URING),y)
SRCS += targets/backend/uring.c
LIBS += -luring
endif
ifeq ($(HAVE_AIO),y)
SRCS += targets/backend/aio.c
LIBS += -laio
endif
