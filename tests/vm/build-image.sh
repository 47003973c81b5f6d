#!/bin/bash
# Build the end-to-end test VM (tests/vm/test_vm_e2e.py drives this; see README.md).
#
#   build-image.sh WORK DEB
#
# WORK/vmlinuz      Debian 12's current kernel (linux-image-amd64), unpacked, not installed.
# WORK/base.cpio    a whole debootstrap'd Debian: udev, systemd (for systemctl enable, not
#                   run), python3 with Debian's construct and pyudev, libmbim-utils and
#                   libqmi-utils, ModemManager with D-Bus and polkit (the e2e=mm boot),
#                   the USB kernel modules, and dpkg's and apt's state, so that the guest
#                   can install and purge a package. The initramfs *is* the root file
#                   system, so the guest needs no disk drivers.
# WORK/initrd.cpio  base.cpio, then overlay.cpio: DEB (fcc-unlock's package, which the
#                   guest installs with apt, its dependencies already there from Debian's
#                   archive), /init and the in-guest test. A later cpio member replaces an
#                   earlier one.
#
# The kernel and the root file system are cached in WORK (kernel.ok, rootfs.ok; delete
# them or WORK to refresh); the overlay is rebuilt every run, so each run tests the
# current checkout. Needs root (debootstrap, chroot) and apt on a Debian 12 amd64 host.
# Env: FCC_UNLOCK_VM_MIRROR (Debian mirror for debootstrap), FCC_UNLOCK_VM_PEERS (a folder
# of ModemManager's dispatcher scripts for the e2e=mm boot, put in the guest's /e2e/peers).
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 WORK DEB" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(realpath -m "$1"); DEB=$(realpath "$2")
SUITE=bookworm
MIRROR=${FCC_UNLOCK_VM_MIRROR:-http://deb.debian.org/debian}
# fcc-unlock's dependencies, so that the guest's apt installs the package offline;
# systemd for `systemctl enable` (the guest runs no systemd); libmbim-utils gives mbimcli
# for the cross-check. The ModemManager boot (guest_mm.py) needs Debian's modemmanager,
# dbus, and libpam-systemd: modemmanager depends on polkitd, which depends on logind,
# a virtual package debootstrap cannot resolve by itself; libqmi-utils gives qmicli for
# ModemManager's own scripts.
PACKAGES=udev,kmod,systemd,python3,python3-construct,python3-pyudev,libmbim-utils,libqmi-utils,modemmanager,dbus,libpam-systemd
# Module trees to keep: usbcore, dummy_hcd, gadgetfs, cdc-wdm (drivers/usb), cdc_mbim,
# cdc_ncm, usbnet (drivers/net/usb) and mii. The whole tree is ~400 MB.
MODULES="drivers/usb drivers/net/usb drivers/net/mii.ko"
# Left out of base.cpio (never used in the guest; a smaller initramfs boots faster under
# TCG): udev's hardware database, time zones. perl stays: deb-systemd-helper is perl.
TRIM="./usr/lib/udev/hwdb.bin ./usr/share/zoneinfo"
mkdir -p "$W"; cd "$W"
step() { echo "build-image: $* ($SECONDS s)"; }

# 1. The kernel: download the current linux-image-amd64 and the ABI package it depends on.
if [ ! -e kernel.ok ]; then
  step "downloading the kernel"
  rm -rf pkgs kpkg; mkdir -p pkgs kpkg
  (cd pkgs && { apt-get download -q -o APT::Sandbox::User=root linux-image-amd64 || { apt-get update -q && apt-get download -q -o APT::Sandbox::User=root linux-image-amd64; }; })
  ABI=$(dpkg-deb -f pkgs/linux-image-amd64_*.deb Depends | sed 's/[ ,].*//')
  (cd pkgs && apt-get download -q -o APT::Sandbox::User=root "$ABI")
  patterns=(./boot/vmlinuz-* './lib/modules/*/modules.builtin*' './lib/modules/*/modules.order')
  for m in $MODULES; do patterns+=("./lib/modules/*/kernel/$m"); done
  dpkg-deb --fsys-tarfile pkgs/"$ABI"_*.deb | tar -x -C kpkg --wildcards "${patterns[@]}"
  cp kpkg/boot/vmlinuz-* vmlinuz
  rm -rf pkgs
  touch kernel.ok
fi
KVER=$(ls kpkg/lib/modules)

# 2. The root file system, with the modules, as base.cpio. Keyed by what goes into it.
KEY="$SUITE $MIRROR $PACKAGES $KVER $MODULES $(echo $TRIM) apt-dirs-kept"
if [ ! -e rootfs.ok ] || [ "$(cat rootfs.ok)" != "$KEY" ]; then
  step "debootstrap $SUITE"
  rm -rf rootfs rootfs.ok base.cpio
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" rootfs "$MIRROR" > debootstrap.log 2>&1 ||
    { tail -30 debootstrap.log >&2; exit 1; }
  # apt's downloads and lists go, its directories stay (the guest's apt installs a local .deb).
  chroot rootfs apt-get clean
  rm -rf rootfs/var/lib/apt/lists/*_* rootfs/usr/share/doc/* \
    rootfs/usr/share/man/* rootfs/usr/share/locale/* rootfs/usr/share/info/*
  K=kpkg/lib/modules/$KVER; D=rootfs/lib/modules/$KVER
  mkdir -p "$D"; cp $K/modules.builtin* $K/modules.order "$D"/
  for m in $MODULES; do mkdir -p "$D/kernel/$(dirname "$m")"; cp -a "$K/kernel/$m" "$D/kernel/$m"; done
  chroot rootfs depmod "$KVER"
  step "packing base.cpio"
  prune=(); for p in $TRIM; do prune+=(-path "$p" -prune -o); done
  (cd rootfs && find . -xdev "${prune[@]}" -print | LC_ALL=C sort | cpio -o -H newc --quiet) > base.cpio
  echo "$KEY" > rootfs.ok
fi

# 3. The overlay: the package, /init and the in-guest test.
step "packing overlay.cpio"
rm -rf overlay
mkdir -p overlay/e2e
cp "$DEB" overlay/e2e/
cp "$HERE"/init overlay/init
cp "$HERE"/guest_test.py "$HERE"/guest_mm.py overlay/e2e/
chmod 755 overlay/init overlay/e2e/guest_test.py overlay/e2e/guest_mm.py
# ModemManager main's own scripts (FCC_UNLOCK_VM_PEERS), for the modems whose script
# Debian 12's package lacks; ModemManager runs only root-owned, owner-only-writable files.
if [ -n "${FCC_UNLOCK_VM_PEERS:-}" ]; then
  mkdir -p overlay/e2e/peers
  cp "$FCC_UNLOCK_VM_PEERS"/[0-9]* overlay/e2e/peers/
  chown -R root:root overlay/e2e/peers && chmod 755 overlay/e2e/peers/*
fi
(cd overlay && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > overlay.cpio
cat base.cpio overlay.cpio > initrd.cpio
step "done: $(du -h vmlinuz initrd.cpio | tr '\t\n' ': ')"
