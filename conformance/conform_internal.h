/* SPDX-License-Identifier: BSD-3-Clause */
/* `iopath conform` subcommand entry points, shared by conformance/cmd_*.c. */
#ifndef IOPATH_CONFORMANCE_CONFORM_INTERNAL_H
#define IOPATH_CONFORMANCE_CONFORM_INTERNAL_H

/* Each returns the process exit code: 0 ok, 1 a MUST rule failed (or error), 2 usage. */
int iop_conform_check_main(int argc, char **argv);
int iop_conform_probe_main(int argc, char **argv);
int iop_conform_replay_main(int argc, char **argv);
int iop_conform_rules_main(int argc, char **argv);
int iop_conform_table_main(int argc, char **argv);
int iop_conform_record_main(int argc, char **argv);

enum iop_trace_kind { IOP_TRACE_UNKNOWN, IOP_TRACE_PCAP, IOP_TRACE_JSONL };

/** Detect the trace format from its first bytes. \return kind, IOP_TRACE_UNKNOWN or -errno. */
int iop_trace_detect(const char *path);

#endif
