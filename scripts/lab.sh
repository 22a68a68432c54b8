#!/usr/bin/env bash
# README command 1: builds phoneboot and brings up the appliance on the example site (etc/phoneboot) inside
# a lab of two network namespaces, never on the host's real network:
#
#   pb-appliance  pb-app0 10.250.0.2/24  <-- veth -->  pb-ph0 (no address: phones get one by DHCP)  pb-phones
#
# The appliance runs in the foreground under `phoneboot run`; Ctrl-C stops it and removes the lab.
# Try it from another terminal:  sudo ip netns exec pb-phones dhclient -v -sf /bin/true pb-ph0
#                                sudo ip netns exec pb-phones dig @10.250.0.2 _sip._udp.lab.voip SRV
#                                sudo ip netns exec pb-phones build/bin/phoneboot-sim -i pb-ph0 -f polycom
#                                sudo ip netns exec pb-appliance build/bin/phoneboot status -c etc/phoneboot
# `lab.sh --smoke` brings it up, checks that the services answer from the phones side, and tears it down.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then exec sudo -E "$0" "$@"; fi
./scripts/setup.sh
build=${PHONEBOOT_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPHONEBOOT_WERROR=ON >/dev/null
cmake --build "$build" -j "$(nproc)"

app=pb-appliance
phones=pb-phones
config=etc/phoneboot
supervisor=""

teardown() {
  [ -n "$supervisor" ] && kill -TERM "$supervisor" 2>/dev/null && wait "$supervisor" 2>/dev/null || true
  ip netns del "$app" 2>/dev/null || true
  ip netns del "$phones" 2>/dev/null || true
}
trap teardown EXIT
trap 'exit 130' INT TERM

teardown
ip netns add "$app"
ip netns add "$phones"
ip link add pb-app0 netns "$app" type veth peer name pb-ph0 netns "$phones"
ip -n "$app" addr add 10.250.0.2/24 dev pb-app0
for ns in "$app" "$phones"; do ip -n "$ns" link set lo up; done
ip -n "$app" link set pb-app0 up
ip -n "$phones" link set pb-ph0 up

# The services drop to this user after binding; its state lives under /var/lib/phoneboot.
id phoneboot >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin phoneboot
install -d -o phoneboot -g phoneboot /var/lib/phoneboot

"$build/bin/phoneboot" check -c "$config"
ip netns exec "$app" "$build/bin/phoneboot" run -c "$config" &
supervisor=$!
echo "lab: appliance running in namespace $app (pid $supervisor); phones namespace is $phones" >&2

if [ "${1:-}" = "--smoke" ]; then
  # A phone's view: a DHCP lease, the switchover pair by SRV, the time, and the provisioning server.
  sleep 2
  kill -0 "$supervisor"
  ip netns exec "$phones" timeout 20 udhcpc -q -f -n -i pb-ph0 -V SIP100 -s /bin/true
  ip netns exec "$phones" ip addr add 10.250.0.99/24 dev pb-ph0
  srv=$(ip netns exec "$phones" dig +short +time=2 +tries=2 @10.250.0.2 _sip._udp.lab.voip SRV)
  echo "$srv"
  grep -q "vm40ic1.lab.voip" <<<"$srv" && grep -q "vm40ic2.lab.voip" <<<"$srv" ||
    { echo "lab: the SRV answer does not list the switchover pair" >&2; exit 1; }
  ip netns exec "$phones" ntpdig -t 2 10.250.0.2
  # Any HTTP status proves provisiond answers (the example serves an empty root); 000 means nothing did.
  code=$(ip netns exec "$phones" curl -s -o /dev/null -w '%{http_code}' http://10.250.0.2:8088/ || true)
  echo "provisiond HTTP $code"
  [ "$code" != 000 ] || { echo "lab: provisiond does not answer" >&2; exit 1; }
  echo "lab: smoke test passed" >&2
  exit 0
fi
wait "$supervisor"
