#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Interactive guest lab: boots the interop tests' guest (same kernel, initramfs and QEMU set-up) with
# a root shell on this terminal. The host folder printed at start is /out in the guest; guest helpers
# are in /etc/guestlab-fns.sh (nvmet_null, nvme_dev_for, write_verify, rxe_up...). `poweroff -f` or
# Ctrl-A X ends it. Extra arguments go to QEMU, e.g.
#   tests/interop/guestlab-shell.sh -chardev socket,id=vu0,path=/tmp/vblk.sock \
#       -device vhost-user-blk-pci,chardev=vu0      (with GL_SHARED_MEM=1 in the environment)
set -u
cd "$(dirname "$0")/../.."
export IOPATH_ROOT=$PWD BUILD=${BUILD:-build}
IOPATH=${IOPATH:-$PWD/$BUILD/iopath}
. tests/interop/lib/guestlab.sh
GL_TIMEOUT=${GUESTLAB_TIMEOUT:-86400}
gl_setup
[ -x "$IOPATH" ] && gl_add_bin "$IOPATH" /bin/iopath
gl_qemu_args "$@"
echo "guestlab: /out in the guest is $GL_OUT on the host (removed on exit unless GUESTLAB_KEEP=1)"
gl_prepare mon:stdio <<'EOF_GUEST'
echo "guestlab shell: $(uname -r); helpers in /etc/guestlab-fns.sh; poweroff -f to leave"
setsid cttyhack sh -l
EOF_GUEST
"${GL_QEMU_CMD[@]}"
