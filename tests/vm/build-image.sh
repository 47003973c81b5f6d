#!/bin/bash
# Build the end-to-end test VM (tests/vm/test_vm_e2e.py drives this; see README.md).
#
#   build-image.sh WORK WHEEL RULES...
#
# WORK/vmlinuz      Debian 12's current kernel (linux-image-amd64), unpacked, not installed.
# WORK/base.cpio    a whole debootstrap'd Debian: udev, python3 with Debian's construct and
#                   pyudev, libmbim-utils, and the USB kernel modules. The initramfs *is*
#                   the root file system, so the guest needs no disk drivers.
# WORK/initrd.cpio  base.cpio, then overlay.cpio: fcc-unlock installed from WHEEL under
#                   /usr as a distribution installs it, the RULES in /usr/lib/udev/rules.d,
#                   /init and the in-guest test. A later cpio member replaces an earlier one.
#
# The kernel and the root file system are cached in WORK (kernel.ok, rootfs.ok; delete
# them or WORK to refresh); the overlay is rebuilt every run, so each run tests the
# current checkout. Needs root (debootstrap, chroot) and apt on a Debian 12 amd64 host.
# Env: FCC_UNLOCK_VM_MIRROR (Debian mirror for debootstrap).
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 WORK WHEEL [RULES...]" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(realpath -m "$1"); WHEEL=$(realpath "$2"); shift 2
RULES=(); for rule in "$@"; do RULES+=("$(realpath "$rule")"); done
SUITE=bookworm
MIRROR=${FCC_UNLOCK_VM_MIRROR:-http://deb.debian.org/debian}
# python3-installer installs the wheel (run in the rootfs by chroot, as Debian's pybuild
# does); libmbim-utils gives mbimcli for the cross-check.
PACKAGES=udev,kmod,python3,python3-construct,python3-pyudev,python3-installer,libmbim-utils
# Module trees to keep: usbcore, dummy_hcd, gadgetfs, cdc-wdm (drivers/usb), cdc_mbim,
# cdc_ncm, usbnet (drivers/net/usb) and mii. The whole tree is ~400 MB.
MODULES="drivers/usb drivers/net/usb drivers/net/mii.ko"
# Left out of base.cpio (never used in the guest; a smaller initramfs boots faster under
# TCG): udev's hardware database, perl, time zones, dpkg's and apt's state.
TRIM="./usr/lib/udev/hwdb.bin ./usr/bin/perl* ./usr/lib/x86_64-linux-gnu/perl* ./usr/share/perl*
  ./usr/share/zoneinfo ./var/lib/dpkg ./var/lib/apt ./var/cache"
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
KEY="$SUITE $MIRROR $PACKAGES $KVER $MODULES $(echo $TRIM)"
if [ ! -e rootfs.ok ] || [ "$(cat rootfs.ok)" != "$KEY" ]; then
  step "debootstrap $SUITE"
  rm -rf rootfs rootfs.ok base.cpio
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" rootfs "$MIRROR" > debootstrap.log 2>&1 ||
    { tail -30 debootstrap.log >&2; exit 1; }
  rm -rf rootfs/var/cache/apt/* rootfs/var/lib/apt/lists/* rootfs/usr/share/doc/* \
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

# 3. The overlay: fcc-unlock from the wheel, the rules, /init and the in-guest test.
step "packing overlay.cpio"
rm -rf overlay rootfs/tmp/fcc-unlock-install
mkdir -p overlay/e2e overlay/usr/lib/udev/rules.d rootfs/tmp/fcc-unlock-install
trap 'rm -rf "$W/rootfs/tmp/fcc-unlock-install"' EXIT
cp "$WHEEL" rootfs/tmp/fcc-unlock-install/
# Debian's python3 with DEB_PYTHON_INSTALL_LAYOUT=deb_system installs as a Debian package
# would: modules in /usr/lib/python3/dist-packages, the script as /usr/bin/fcc-unlock.
chroot rootfs env DEB_PYTHON_INSTALL_LAYOUT=deb_system python3 -m installer \
  --destdir /tmp/fcc-unlock-install/root /tmp/fcc-unlock-install/"$(basename "$WHEEL")"
cp -a rootfs/tmp/fcc-unlock-install/root/. overlay/
for rule in "${RULES[@]}"; do cp "$rule" overlay/usr/lib/udev/rules.d/; done
cp "$HERE"/init overlay/init
cp "$HERE"/guest_test.py overlay/e2e/
chmod 755 overlay/init overlay/e2e/guest_test.py
(cd overlay && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > overlay.cpio
cat base.cpio overlay.cpio > initrd.cpio
step "done: $(du -h vmlinuz initrd.cpio | tr '\t\n' ': ')"
