# targets/transport/local: the local: initiator (engine straight on a backend).
SRCS += targets/transport/local/local.c
