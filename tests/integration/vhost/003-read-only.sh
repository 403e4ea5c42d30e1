#!/usr/bin/env bash
# Description: --read-only exposes VIRTIO_BLK_F_RO: writes fail with an I/O error, reads work.
# TIMEOUT=30
. "$(dirname "$0")/lib.sh"
vh_need_backend malloc
S=$VH_DIR/ro.sock
vh_target t "vhost-user-blk://$S" --backend malloc:size=16M --read-only
if "$IOPATH" vhost-check "vhost-user-blk://$S" --region 1M >"$VH_DIR/w" 2>&1; then
	cat "$VH_DIR/w"; fail "write to a read-only device succeeded"
fi
grep -q "I/O errors" "$VH_DIR/w" || { cat "$VH_DIR/w"; fail "no I/O error reported"; }
grep -q " ro " "$VH_DIR/w" || fail "client did not see VIRTIO_BLK_F_RO"
"$IOPATH" vhost-check "vhost-user-blk://$S" --mode randread --time 0.3 || fail "reads on a read-only device"
echo PASS
