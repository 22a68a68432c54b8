#!/usr/bin/env bash
# Boot test of the appliance image: boots image/build.sh's phoneboot.qcow2 under qemu (UEFI through OVMF,
# the disk behind a throw-away overlay so the image stays as built), its NIC on a tap device inside a network
# namespace of its own (pb-imgtest: nothing reaches the host's network), then from that namespace:
#   - a simulated Interaction SIP Station phone boots against it (phoneboot-sim: DHCP, SNTP, DNS; the example
#     site provisions from its call servers, which are not in the test, so HTTP is asked of provisiond below);
#   - dig asks the voice zone's switchover records, ntpdig the time, curl the provisioning server, and a
#     simulated Cisco phone provisiond's TFTP (option 150);
#   - the console log shows the address written from site.toml and no failed unit.
# qemu emulates (TCG, the boot takes about 40 s); PHONEBOOT_IMAGE_ACCEL=kvm where KVM really works.
#
# Usage: image/test.sh [out-dir]   (the folder image/build.sh wrote; default image/out). Run as root.
set -euo pipefail
# Root: network namespaces and the tap device.
if [ "$(id -u)" -ne 0 ]; then exec sudo -E "$0" "$@"; fi
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(cd "${1:-$HERE/out}" && pwd)
IMAGE="$OUT/phoneboot.qcow2"
SIM="$OUT/stage/usr/bin/phoneboot-sim"  # the simulator the image carries, run from the host
NS=pb-imgtest
TAP=pbimg0
BOOT_DEADLINE_S=${PHONEBOOT_BOOT_DEADLINE_S:-300}
if [ ! -f "$IMAGE" ] || [ ! -x "$SIM" ]; then
  echo "image/test.sh: build the image first (image/build.sh)" >&2
  exit 1
fi
PHONEBOOT_SETUP_IMAGE=1 "$(dirname "$HERE")/scripts/setup.sh"

WORK=$(mktemp -d /tmp/pbimg-test.XXXXXX)
QEMU_PID=""
cleanup() {
  [ -n "$QEMU_PID" ] && kill "$QEMU_PID" 2>/dev/null && wait "$QEMU_PID" 2>/dev/null
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
failures=0
check() {  # check "what" command...: runs the command, says ok or FAIL
  if "${@:2}" >"$WORK/check.out" 2>&1; then
    echo "ok    $1"
  else
    echo "FAIL  $1"
    sed 's/^/      /' "$WORK/check.out"
    failures=$((failures + 1))
  fi
}

qemu-img create -q -f qcow2 -b "$IMAGE" -F qcow2 "$WORK/disk.qcow2"
cp /usr/share/OVMF/OVMF_VARS_4M.fd "$WORK/vars.fd"
ip netns del "$NS" 2>/dev/null || true
ip netns add "$NS"
ip -n "$NS" link set lo up
ip netns exec "$NS" ip tuntap add dev "$TAP" mode tap
ip -n "$NS" link set "$TAP" up

# TCG by default: a nested /dev/kvm may exist and still fail (a cloud VM's KVM without VMX: emulation
# failures in the firmware), and an emulated boot takes well under a minute anyway.
accel=${PHONEBOOT_IMAGE_ACCEL:-tcg}
echo "booting $IMAGE (qemu, $accel)"
# PCI slot 3 for the NIC: the name the image's site.toml expects (ens3).
ip netns exec "$NS" qemu-system-x86_64 -machine pc -accel "$accel" -m 1024 -smp 1 \
  -drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd \
  -drive if=pflash,format=raw,file="$WORK/vars.fd" \
  -drive if=virtio,format=qcow2,file="$WORK/disk.qcow2" \
  -netdev tap,id=voice,ifname="$TAP",script=no,downscript=no \
  -device virtio-net-pci,netdev=voice,addr=3,mac=52:54:00:50:42:01 \
  -display none -monitor none -serial file:"$WORK/console.log" -no-reboot &
QEMU_PID=$!

# The appliance is up when a phone gets a lease: ask every few seconds until the deadline.
started=$(date +%s)
until ip netns exec "$NS" "$SIM" -i "$TAP" --family sip100 --mac 00:e0:4c:00:00:01 --timeout-ms 3000 \
  --keep-address >"$WORK/sim.out" 2>&1 || grep -q ' ok   DHCP:' "$WORK/sim.out"; do
  if ! kill -0 "$QEMU_PID" 2>/dev/null; then
    echo "FAIL  qemu stopped; the console said:" && tail -30 "$WORK/console.log" && exit 1
  fi
  if [ $(($(date +%s) - started)) -ge "$BOOT_DEADLINE_S" ]; then
    echo "FAIL  no DHCP answer within ${BOOT_DEADLINE_S} s; the console said:" && tail -40 "$WORK/console.log"
    exit 1
  fi
  sleep 3
done
echo "the appliance answered DHCP $(($(date +%s) - started)) s after qemu started"
sed 's/^/      /' "$WORK/sim.out"

# options OPTION...: the phone's DHCP line lists every one of them.
options() {
  local line
  line=$(grep -E ' ok   DHCP: 10\.250\.0\.[0-9]+ from 10\.250\.0\.2 ' "$WORK/sim.out") || return 1
  for o in "$@"; do grep -qw "$o" <<<"${line#*options}" || { echo "option $o missing: $line"; return 1; }; done
}
check "DHCP: a lease from 10.250.0.2 with the site's options (2, 4, 6, 15, 42, 66, 67, 160)" \
  options 2 4 6 15 42 66 67 160
check "SNTP: the phone set its clock from the appliance" grep -E ' ok   SNTP 10\.250\.0\.2: ' "$WORK/sim.out"
check "option 160: the phone was sent to the site's provisioning URL" \
  grep -F 'ok   provisioning server from option 160: http://provision.lab.voip:8088' "$WORK/sim.out"
check "DNS: provision.lab.voip resolved to the call servers" \
  grep -E 'ok   DNS provision\.lab\.voip A: 10\.250\.1\.15[12], 10\.250\.1\.15[12]$' "$WORK/sim.out"

in_ns() { ip netns exec "$NS" "$@"; }
check "dig: _sip._udp SRV lists both call servers" \
  sh -c "ip netns exec $NS dig +short +time=2 @10.250.0.2 _sip._udp.lab.voip SRV | sort | tee /dev/stderr |
         grep -c 'vm40ic[12].lab.voip.' | grep -qx 2"
check "dig: provision.lab.voip has both addresses" \
  sh -c "ip netns exec $NS dig +short +time=2 @10.250.0.2 provision.lab.voip A | sort | tee /dev/stderr |
         tr '\n' ' ' | grep -qx '10.250.1.151 10.250.1.152 '"
check "ntpdig: the appliance serves time" in_ns ntpdig -t 2 -c 1 10.250.0.2
check "curl: provisiond's HTTP port answers (404 for a file not served)" \
  sh -c "ip netns exec $NS curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://10.250.0.2:8088/none.cfg |
         grep -qx 404"
# A Cisco phone looks for its files on the TFTP server of option 150, which the example points at the
# appliance: provisiond's TFTP answers it (file not found: the image serves no files yet).
ip netns exec "$NS" "$SIM" -i "$TAP" --family cisco --mac 00:1b:54:00:00:02 --timeout-ms 5000 \
  >"$WORK/cisco.out" 2>&1 || true
sed 's/^/      /' "$WORK/cisco.out"
check "TFTP: a Cisco phone's request reached provisiond through option 150" \
  grep -E 'TFTP RRQ [^ ]+: TFTP error 1 ' "$WORK/cisco.out"
check "console: the address came from site.toml" grep -q 'site-network: ens3 10.250.0.2/24' "$WORK/console.log"
check "console: no unit failed" sh -c "! grep -E 'Failed to start|FAILED' '$WORK/console.log'"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed; the console said:"
  tail -40 "$WORK/console.log"
  exit 1
fi
echo "image boot test passed"
