#!/bin/bash
# Boot the end-to-end test VM built by build-image.sh; its console goes to stdout.
#
#   run-vm.sh WORK [extra qemu arguments]
#
# Exit 0: the in-guest test passed; 1: it failed; 2: no verdict (crash, hang, timeout).
# TCG by default: KVM is not usable everywhere (a nested "kvm-pvm" /dev/kvm makes the
# Debian kernel hang after the boot loader); FCC_UNLOCK_VM_ACCEL=kvm on a real KVM host.
# FCC_UNLOCK_VM_TIMEOUT bounds the whole boot (seconds, default 300); FCC_UNLOCK_VM_APPEND
# adds to the kernel command line (e2e=mm: the ModemManager boot). One CPU: the
# emulated modem must run before the host's next request (see fcc_unlock/sim/gadget.py).
set -uo pipefail
W=$(realpath "$1"); shift
ACCEL=(-accel tcg,thread=multi)
[ "${FCC_UNLOCK_VM_ACCEL:-tcg}" = kvm ] && ACCEL=(-enable-kvm -cpu host)
# Ahead of whatever else runs on the host (the test suite runs beside it): a guest
# descheduled for a while replays dummy_hcd's missed frames in a burst, and gadgetfs,
# which holds one control request, loses all but the last of a burst.
NICE=(); nice -n -10 true 2>/dev/null && NICE=(nice -n -10)
timeout --kill-after=10 "${FCC_UNLOCK_VM_TIMEOUT:-300}" "${NICE[@]}" qemu-system-x86_64 "${ACCEL[@]}" \
  -m 1024 -smp 1 -nographic -no-reboot -nic none \
  -kernel "$W/vmlinuz" -initrd "$W/initrd.cpio" \
  -append "console=ttyS0 panic=-1 rdinit=/init loglevel=4 ${FCC_UNLOCK_VM_APPEND:-}" \
  -device isa-debug-exit,iobase=0xf4,iosize=0x04 "$@" </dev/null
rc=$?
# isa-debug-exit turns the guest's value v into QEMU's exit status (v << 1) | 1.
case $rc in
  1) echo "run-vm: PASS"; exit 0 ;;
  3) echo "run-vm: FAIL"; exit 1 ;;
  124|137) echo "run-vm: no verdict: timed out after ${FCC_UNLOCK_VM_TIMEOUT:-300} s"; exit 2 ;;
  *) echo "run-vm: no verdict: qemu exited $rc"; exit 2 ;;
esac
