#!/usr/bin/env bash
# Builds the appliance image: Debian 12 with phoneboot installed and enabled, as a GPT disk that boots under
# UEFI (systemd-boot on the EFI system partition, an ext4 root labelled phoneboot-root). Nothing is mounted
# and no loop device is needed: the root filesystem is a directory (mmdebstrap) turned into ext4 by
# mkfs.ext4 -d, the ESP a FAT file filled with mtools, and both are written into the disk at their offsets.
#
# Usage: image/build.sh [out-dir]          (default image/out; run as root: the root filesystem's owners)
# Environment: PHONEBOOT_IMAGE_BUILD_DIR (install from this existing build instead of a Release build of its
# own), PHONEBOOT_SITE_DIR (a site's configuration folder, checked and baked in as /etc/phoneboot;
# default: the example site on ens3), PHONEBOOT_IMAGE_SIZE_MB (disk size, default 2048),
# PHONEBOOT_ROOT_PASSWORD (console login; unset leaves root locked), PHONEBOOT_MIRROR (Debian mirror, default
# http://deb.debian.org/debian).
# Output: phoneboot.qcow2 (the VM image), phoneboot.raw (the same disk, for dd onto a box), build.log.
set -euo pipefail
# Root: the root filesystem keeps its files' owners.
if [ "$(id -u)" -ne 0 ]; then exec sudo -E "$0" "$@"; fi
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
OUT=$(mkdir -p "${1:-$HERE/out}" && cd "${1:-$HERE/out}" && pwd)
SIZE_MB=${PHONEBOOT_IMAGE_SIZE_MB:-2048}
ESP_MB=128
MIRROR=${PHONEBOOT_MIRROR:-http://deb.debian.org/debian}

PHONEBOOT_SETUP_IMAGE=1 "$ROOT/scripts/setup.sh"
step() { echo "image: $*" >&2; }

if [ -n "${PHONEBOOT_IMAGE_BUILD_DIR:-}" ]; then
  # CI: the build the tests just passed on, only its install paths changed (nothing is compiled again).
  BUILD=$(cd "$PHONEBOOT_IMAGE_BUILD_DIR" && pwd)
  step "phoneboot from the build in $BUILD"
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_INSTALL_SYSCONFDIR=/etc >/dev/null
else
  BUILD="$OUT/build"
  step "building phoneboot (Release)"
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPHONEBOOT_TESTS=OFF \
    -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_INSTALL_SYSCONFDIR=/etc >/dev/null
fi
cmake --build "$BUILD"
rm -rf "$OUT/stage"
DESTDIR="$OUT/stage" cmake --install "$BUILD" --strip >/dev/null
cp -a "$HERE/rootfs/." "$OUT/stage/"

# The runtime packages are what the binaries link, read off the build host (also Debian 12), so the list
# cannot drift from the code.
# dpkg knows a library by the path its package ships (/lib or /usr/lib: merged /usr), so both are asked.
owner() { dpkg -S "$1" 2>/dev/null || dpkg -S "${1#/usr}" 2>/dev/null || dpkg -S "/usr$1" 2>/dev/null; }
runtime=$(find "$OUT/stage/usr/bin" "$OUT/stage/usr/sbin" -type f -perm -u+x -exec ldd {} + 2>/dev/null |
  awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u | while read -r lib; do
    owner "$lib" || owner "$(realpath "$lib")" || { echo "image: no package owns $lib" >&2; exit 1; }
  done | cut -d: -f1 | sort -u | paste -sd,)
step "runtime packages: $runtime"

if [ -n "${PHONEBOOT_SITE_DIR:-}" ]; then
  # A site's own configuration folder replaces the example, checked first: an image that would not start its
  # services is never built.
  step "site configuration from $PHONEBOOT_SITE_DIR"
  "$BUILD/bin/phoneboot" check -c "$PHONEBOOT_SITE_DIR" >&2 ||
    { echo "image: $PHONEBOOT_SITE_DIR does not pass phoneboot check" >&2; exit 1; }
  rm -rf "$OUT/stage/etc/phoneboot"
  cp -a "$PHONEBOOT_SITE_DIR/." "$OUT/stage/etc/phoneboot/"
else
  # The example site, with the NIC a VM gets on PCI slot 3 (ens3) instead of the lab's veth.
  site="$OUT/stage/etc/phoneboot/site.toml"
  sed -i 's/^interface *= *"pb-app0".*/interface = "ens3"               # the voice VLAN NIC (PCI slot 3)/' "$site"
  grep -q '^interface = "ens3"' "$site" || { echo "image: could not set site.interface in $site" >&2; exit 1; }
fi

# The daemons drop to site.user after binding; the image makes that user and lets it read the configuration
# (group), which a reload re-reads after the drop. Keys in the folder stay unreadable to everyone else.
# shellcheck source-path=SCRIPTDIR source=rootfs/usr/lib/phoneboot/config-value.sh
. "$HERE/rootfs/usr/lib/phoneboot/config-value.sh"
site_user=$("$BUILD/bin/phoneboot" print-config -c "$OUT/stage/etc/phoneboot" | config_value site user)
[ -n "$site_user" ] || { echo "image: no site.user in the configuration" >&2; exit 1; }
if [ "$site_user" = root ]; then
  user_hook='true'
else
  user_hook="chroot \"\$1\" useradd --system --user-group --home-dir /var/lib/phoneboot"
  user_hook+=" --shell /usr/sbin/nologin $site_user && chroot \"\$1\" chown -R root:$site_user /etc/phoneboot"
fi
step "system user: $site_user"

step "root filesystem (mmdebstrap, bookworm)"
rm -rf "$OUT/rootfs"
# No manuals, documentation (copyrights stay) or translations, and no kernel modules for hardware a voice
# appliance never has (sound, video capture, GPUs, wireless, Bluetooth, InfiniBand): half the image.
slim=()
for p in /usr/share/man /usr/share/doc /usr/share/locale \
  /lib/modules/'*'/kernel/sound /lib/modules/'*'/kernel/drivers/media /lib/modules/'*'/kernel/drivers/gpu \
  /lib/modules/'*'/kernel/drivers/net/wireless /lib/modules/'*'/kernel/net/bluetooth \
  /lib/modules/'*'/kernel/drivers/bluetooth /lib/modules/'*'/kernel/drivers/infiniband; do
  slim+=(--dpkgopt="path-exclude=$p/*")
done
slim+=(--dpkgopt='path-include=/usr/share/doc/*/copyright')
# The hooks are run by mmdebstrap's shell, with the root filesystem's path in $1: quoted to reach it unexpanded.
# shellcheck disable=SC2016
mmdebstrap --variant=minbase --mode=root "${slim[@]}" \
  --include="systemd-sysv,udev,kmod,iproute2,linux-image-amd64,initramfs-tools,$runtime" \
  --essential-hook='echo phoneboot >"$1/etc/hostname"' \
  --customize-hook="sync-in $OUT/stage /" \
  --customize-hook="$user_hook" \
  --customize-hook='chmod -R u=rwX,g=rX,o= "$1/etc/phoneboot"' \
  --customize-hook='chroot "$1" systemctl enable phoneboot.service phoneboot-network.service systemd-networkd.service' \
  --customize-hook='echo "LABEL=phoneboot-root / ext4 defaults,x-systemd.growfs 0 1" >"$1/etc/fstab"' \
  --customize-hook='printf "127.0.0.1 localhost\n127.0.1.1 phoneboot\n" >"$1/etc/hosts"' \
  --customize-hook='rm -f "$1/etc/machine-id" && touch "$1/etc/machine-id"' \
  bookworm "$OUT/rootfs" "$MIRROR" >"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log" >&2; exit 1; }
if [ -n "${PHONEBOOT_ROOT_PASSWORD:-}" ]; then
  echo "root:$PHONEBOOT_ROOT_PASSWORD" | chroot "$OUT/rootfs" chpasswd
else
  chroot "$OUT/rootfs" passwd -l root >/dev/null
fi

step "EFI system partition (systemd-boot)"
kernel=$(find "$OUT/rootfs/boot" -name 'vmlinuz-*' | sort -V | tail -1)
initrd=$(find "$OUT/rootfs/boot" -name 'initrd.img-*' | sort -V | tail -1)
if [ -z "$kernel" ] || [ -z "$initrd" ]; then echo "image: no kernel or initrd in the root filesystem" >&2; exit 1; fi
esp="$OUT/esp.img"
rm -f "$esp"
mkfs.vfat -F 32 -n PBESP -C "$esp" $((ESP_MB * 1024)) >/dev/null
mmd -i "$esp" ::/EFI ::/EFI/BOOT ::/loader ::/loader/entries
mcopy -i "$esp" /usr/lib/systemd/boot/efi/systemd-bootx64.efi ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$esp" "$kernel" ::/vmlinuz
mcopy -i "$esp" "$initrd" ::/initrd.img
printf 'default phoneboot.conf\ntimeout 0\n' | mcopy -i "$esp" - ::/loader/loader.conf
printf 'title phoneboot\nlinux /vmlinuz\ninitrd /initrd.img\noptions %s\n' \
  'root=LABEL=phoneboot-root ro console=tty0 console=ttyS0,115200' |
  mcopy -i "$esp" - ::/loader/entries/phoneboot.conf

step "disk: GPT, ESP ${ESP_MB} MiB, root the rest of ${SIZE_MB} MiB"
root_mb=$((SIZE_MB - ESP_MB - 2))  # 1 MiB before the first partition, 1 MiB for the backup GPT
[ "$(du -sm "$OUT/rootfs" | cut -f1)" -lt $((root_mb * 8 / 10)) ] ||
  { echo "image: ${SIZE_MB} MiB is too small for the root filesystem; raise PHONEBOOT_IMAGE_SIZE_MB" >&2; exit 1; }
rootimg="$OUT/root.img"
rm -f "$rootimg"
mkfs.ext4 -q -L phoneboot-root -d "$OUT/rootfs" "$rootimg" "${root_mb}M"
disk="$OUT/phoneboot.raw"
rm -f "$disk"
truncate -s "${SIZE_MB}M" "$disk"
sfdisk -q "$disk" <<GPT
label: gpt
start=1MiB, size=${ESP_MB}MiB, type=uefi, name=esp
start=$((ESP_MB + 1))MiB, size=${root_mb}MiB, type=4f68bce3-e8cd-4db1-96e7-fbcaf984b709, name=phoneboot-root
GPT
dd if="$esp" of="$disk" bs=1M seek=1 conv=notrunc,sparse status=none
dd if="$rootimg" of="$disk" bs=1M seek=$((ESP_MB + 1)) conv=notrunc,sparse status=none
rm -f "$esp" "$rootimg"
qemu-img convert -c -O qcow2 "$disk" "$OUT/phoneboot.qcow2"
step "done: $OUT/phoneboot.qcow2 ($(du -h "$OUT/phoneboot.qcow2" | cut -f1)), $OUT/phoneboot.raw"
