#!/usr/bin/env bash
# The image's first-boot script (image/rootfs/usr/lib/phoneboot/site-network) against real configurations
# through the real `phoneboot print-config`: the address and interface from [site], the gateway from the
# router of the DHCP subnet holding that address (not from a relayed subnet's), none without one, and no
# file at all from a site that does not validate. The image's boot test (image/test.sh) runs it for real.
set -euo pipefail
bin=${PHONEBOOT_BIN:?}
src=${PHONEBOOT_SOURCE_DIR:?}
script="$src/image/rootfs/usr/lib/phoneboot/site-network"
work=$(mktemp -d /tmp/pb-sitenet.XXXXXX)
trap 'rm -rf "$work"' EXIT
export PATH="$bin:$PATH"
fail() { echo "FAIL: $*" >&2; exit 1; }

site() {  # site DIR EXTRA-TOML: a site folder with the given tables after [site]
  mkdir -p "$1"
  printf '[site]\ndomain = "lab.voip"\naddress = "10.250.0.2/24"\ninterface = "ens3"\nuser = "root"\n%s\n' "$2" \
    >"$1/site.toml"
}

# The example site: no subnet written, so no router: address only.
"$script" "$src/etc/phoneboot" "$work/example.network" >/dev/null
grep -qx 'Name=pb-app0' "$work/example.network" || fail "example: wrong interface: $(cat "$work/example.network")"
grep -qx 'Address=10.250.0.2/24' "$work/example.network" || fail "example: wrong address"
! grep -q '^Gateway=' "$work/example.network" || fail "example: a gateway without a router"

# subnet PREFIX ROUTER RELAY: a [[dhcpd.subnet]] table (ROUTER, RELAY may be empty) with a pool of 50 addresses.
subnet() {
  local net=${1%.0/24}
  printf '[[dhcpd.subnet]]\nprefix = "%s"\n' "$1"
  [ -z "$2" ] || printf 'router = "%s"\n' "$2"
  [ -z "$3" ] || printf 'relay = ["%s"]\n' "$3"
  printf '[[dhcpd.subnet.pool]]\nstart = "%s.50"\nend = "%s.99"\n' "$net" "$net"
}

# A relayed subnet with a router comes first; the local subnet's router is the gateway.
site "$work/relayed" "$(subnet 10.251.0.0/24 10.251.0.1 10.251.0.1; subnet 10.250.0.0/24 10.250.0.254 '')"
out=$("$script" "$work/relayed" "$work/relayed.network")
[ "$out" = "site-network: ens3 10.250.0.2/24 via 10.250.0.254" ] || fail "relayed: said '$out'"
grep -qx 'Gateway=10.250.0.254' "$work/relayed.network" || fail "relayed: $(cat "$work/relayed.network")"
grep -qx 'Name=ens3' "$work/relayed.network" || fail "relayed: wrong interface"
[ "$(grep -c '^Gateway=' "$work/relayed.network")" -eq 1 ] || fail "relayed: more than one gateway"

# Only a relayed subnet has a router: the appliance's own network has none.
site "$work/remote-only" "$(subnet 10.250.0.0/24 '' ''; subnet 10.251.0.0/24 10.251.0.1 10.251.0.1)"
"$script" "$work/remote-only" "$work/remote-only.network" >/dev/null
! grep -q '^Gateway=' "$work/remote-only.network" || fail "remote-only: gateway from another subnet"

# A site that does not validate: exit 1, the reason on stderr, and no file (networkd keeps its own state).
site "$work/broken" 'bogus_key = 1'
if "$script" "$work/broken" "$work/broken.network" 2>"$work/broken.err"; then fail "broken: exit 0"; fi
[ ! -e "$work/broken.network" ] || fail "broken: a file was written"
grep -q 'does not validate' "$work/broken.err" || fail "broken: said '$(cat "$work/broken.err")'"
echo "site-network: 4 cases passed"
