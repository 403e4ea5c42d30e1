# targets/transport/nvmf_tcp/: NVMe/TCP target and initiator, PDU rules, pcap recording.
SRCS += targets/transport/nvmf_tcp/pdu.c targets/transport/nvmf_tcp/sock.c \
	targets/transport/nvmf_tcp/pcap.c
LIBS += -lisal -lpcap
