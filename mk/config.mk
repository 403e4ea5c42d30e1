# Feature probes via pkg-config: HAVE_* decide which optional modules are compiled.
pc_have = $(shell pkg-config --exists $(1) 2>/dev/null && echo y)
HAVE_URING := $(call pc_have,liburing)
HAVE_RDMA  := $(if $(and $(call pc_have,libibverbs),$(call pc_have,librdmacm)),y)
HAVE_PCAP  := $(call pc_have,libpcap)
HAVE_ISAL  := $(call pc_have,libisal)
HAVE_AIO   := $(shell test -e /usr/include/libaio.h && echo y)
HAVE_NUMA  := $(shell test -e /usr/include/numa.h && echo y)
