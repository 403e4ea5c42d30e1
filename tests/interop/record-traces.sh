#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Re-records the guest lab traces committed in conformance/traces/ by running the interop tests that
# produce them with GUESTLAB_RECORD=1. usage: tests/interop/record-traces.sh [test.sh...]
set -eu
cd "$(dirname "$0")/../.."
export IOPATH_ROOT=$PWD BUILD=${BUILD:-build}
export IOPATH=${IOPATH:-$PWD/$BUILD/iopath}
export GUESTLAB_RECORD=1
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(tests/interop/nvmf_tcp/001-kernel-host-kernel-target.sh
	tests/interop/nvmf_tcp/002-kernel-host-iopath-target.sh
	tests/interop/nvmf_tcp/003-iopath-host-kernel-target.sh
	tests/interop/vhost_user/001-qemu-blk-iopath-target.sh
	tests/interop/vhost_user/002-qemu-scsi-iopath-target.sh)
for t in "${tests[@]}"; do
	echo "== $t"
	log=$BUILD/record-$(basename "$t" .sh).log
	rc=0
	bash "$t" >"$log" 2>&1 || rc=$?
	case $rc in
	0) grep -h 'recorded into' "$log" || true;;
	77) grep -h 'SKIP' "$log";;
	*) echo "failed (rc=$rc), log: $log"; exit 1;;
	esac
done
git status --short conformance/traces
