# targets/transport/nvmf_tcp/: NVMe/TCP target and initiator, PDU rules, pcap recording.
SRCS += targets/transport/nvmf_tcp/pdu.c targets/transport/nvmf_tcp/sock.c \
	targets/transport/nvmf_tcp/pcap.c targets/transport/nvmf_tcp/tcp_target.c \
	targets/transport/nvmf_tcp/tcp_initiator.c
LIBS += -lisal -lpcap
