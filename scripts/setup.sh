#!/usr/bin/env bash
# Installs every Debian 12 package that phoneboot's build, tests and bench/ need: the build and test
# packages always, the reference servers and load tools of bench/ with PHONEBOOT_SETUP_BENCH=1 (each bench
# script asks for them itself, so the README's test command does not pull in Kea, NSD's peers and nginx), and
# the image tools (mmdebstrap with gpg to read the archive keys, mtools, qemu, OVMF) with
# PHONEBOOT_SETUP_IMAGE=1 (image/build.sh, image/test.sh).
# Idempotent: packages already present are skipped, so a second run costs one dpkg query.
set -euo pipefail

build=(build-essential cmake ninja-build pkg-config clang clang-format clang-tidy
       libclang-rt-14-dev llvm
       libuv1-dev libc-ares-dev libldns-dev libssl-dev libtomlplusplus-dev
       libgtest-dev googletest libfmt-dev libcli11-dev libre2-dev libcap-dev)
tests=(iproute2 iputils-ping procps psmisc util-linux
       isc-dhcp-client udhcpc python3 python3-scapy
       dnsutils knot-dnsutils ldnsutils nsd
       chrony ntpsec-ntpdig ntpsec-ntpdate sntp
       curl openssl tftp-hpa atftp)
bench=(kea-dhcp4-server kea-admin nginx-light tftpd-hpa dnsperf wrk apache2-utils time)
image=(mmdebstrap gpg e2fsprogs dosfstools mtools fdisk systemd-boot-efi qemu-utils qemu-system-x86 ovmf)

wanted=("${build[@]}" "${tests[@]}")
[ "${PHONEBOOT_SETUP_BENCH:-0}" = 1 ] && wanted+=("${bench[@]}")
[ "${PHONEBOOT_SETUP_IMAGE:-0}" = 1 ] && wanted+=("${image[@]}")

missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
$sudo_cmd apt-get update -qq
# Services from these packages (nsd, chrony, kea, nginx, tftpd-hpa) must not start on the host:
# the tests and benchmarks start their own instances on loopback or in namespaces.
# A policy the host already has (Debian container images ship one) is left as it is.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo_cmd tee /usr/sbin/policy-rc.d >/dev/null
  $sudo_cmd chmod +x /usr/sbin/policy-rc.d
  trap '$sudo_cmd rm -f /usr/sbin/policy-rc.d' EXIT  # also when the install fails
fi
$sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
