# conformance/: rule catalog, trace readers, passive checker, probes, replay, `iopath conform`.
SRCS += conformance/cmd_conform.c conformance/cmd_check.c conformance/cmd_rules.c conformance/cmd_table.c conformance/cmd_record.c \
	conformance/rules/rules.c conformance/rules/nvme_tcp_rules.c \
	conformance/rules/fabrics_rules.c conformance/rules/nvme_rdma_rules.c conformance/rules/vfio_user_rules.c \
	conformance/rules/vhost_user_rules.c \
	conformance/check/verdict.c conformance/check/report.c conformance/check/nvme_tcp_check.c conformance/check/nvme_rdma_check.c \
	conformance/check/vfio_user_check.c conformance/check/vhost_user_check.c \
	conformance/trace/pcap_tcp.c conformance/trace/nvme_tcp_pdu.c conformance/trace/crc32c.c conformance/trace/roce.c \
	conformance/trace/jsonl.c
SRCS += conformance/cmd_probe.c conformance/probe/probe.c conformance/probe/nvmf_tcp_client.c \
	conformance/probe/probe_nvmf_tcp.c conformance/probe/vfio_user_client.c \
	conformance/probe/probe_vfio_user.c conformance/probe/probe_vhost_user.c conformance/cmd_replay.c \
	conformance/replay/replay.c conformance/replay/replay_nvme_tcp.c conformance/replay/replay_vfio_user.c
LIBS += -lpcap -lisal -ljson-c

# `make conformance`: check every trace in conformance/traces/, probe every in-tree target this
# build can start, print the rules x implementations table; non-zero when a MUST rule fails.
conformance: all
	@BUILD=$(BUILD) IOPATH=$(IOPATH) conformance/run_conformance.sh
.PHONY: conformance
