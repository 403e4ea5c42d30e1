#!/usr/bin/env bash
# Description: vhost-user-scsi with two LUNs: data verified on each LUN separately, then a LUN is
# hot-added and removed through PATH.ctl while the controller runs.
# TIMEOUT=60
. "$(dirname "$0")/lib.sh"
vh_need_backend malloc
command -v socat >/dev/null || { echo "SKIP: socat not installed"; exit 77; }
S=$VH_DIR/scsi.sock
vh_target t "vhost-user-scsi://$S" --backend malloc:size=32M --backend malloc:size=16M,bs=4096
"$IOPATH" vhost-check "vhost-user-scsi://$S" --opts lun=0 --qd 8 --region 4M --seed 1 || fail "lun 0"
"$IOPATH" vhost-check "vhost-user-scsi://$S" --opts lun=1 --qd 8 --region 4M --seed 2 | tee "$VH_DIR/l1" || fail "lun 1"
grep -q "16777216 bytes, block 4096" "$VH_DIR/l1" || fail "lun 1 geometry"
# LUN 0 still holds its own pattern (the LUNs are separate)
"$IOPATH" vhost-check "vhost-user-scsi://$S" --opts lun=0 --mode check --region 4M --seed 1 || fail "lun 0 check"
ctl() { echo "$1" | socat -t 2 - "UNIX-CONNECT:$S.ctl"; }
[ "$(ctl 'add 2 malloc:size=8M')" = ok ] || fail "hot add"
"$IOPATH" vhost-check "vhost-user-scsi://$S" --opts lun=2 --qd 4 --region 2M || fail "hot-added lun"
ctl list | grep -q '^2 malloc:size=8M' || fail "list"
[ "$(ctl 'remove 2')" = ok ] || fail "hot remove"
if "$IOPATH" vhost-check "vhost-user-scsi://$S" --opts lun=2 --region 1M >/dev/null 2>&1; then
	fail "removed LUN still usable"
fi
ctl 'remove 2' | grep -q '^error' || fail "double remove accepted"
"$IOPATH" vhost-check "vhost-user-scsi://$S" --opts lun=1 --mode check --region 4M --seed 2 || fail "lun 1 after hotplug"
echo PASS
