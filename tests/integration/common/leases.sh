#!/usr/bin/env bash
# What dhcpd's leases decide, against the real appliance: the example site with a phone inventory, phones
# booting from a phone namespace. One phone keeps its lease, one gives it back. `phoneboot leases` and
# `phoneboot phones` must tell them apart, name the listed phones, report the one that never came up, and
# still answer once dhcpd is gone (they read its journal, not the daemon); provisiond must give a file named
# after a MAC to that MAC's lease holder only.
set -euo pipefail
source "$(dirname "$0")/example_appliance.sh" leases pbleaseapp0 pbleaseph0
sim() { in_phone "$bin/phoneboot-sim" -i pbleaseph0 --timeout-ms 8000 "$@"; }
leases() { "$bin/phoneboot" leases -c "$work/etc" "$@"; }
phones() { "$bin/phoneboot" phones -c "$work/etc"; }

# Before dhcpd ever ran, there is no journal: an empty list and a note, not a failure.
example_config 's|^\[site\]|[site]\ninventory = "phones.csv"|'
cat > "$work/etc/phones.csv" <<'CSV'
Name,Template,Proxy Group,Extension,Identification Address,Label,Address
Lobby,Polycom,,7001,,,00:04:f2:00:00:01
Reception,SIP Station,,7002,,,02:50:42:00:00:10
Storeroom,Polycom,,7003,,,00:04:f2:00:00:03
CSV
out=$(leases 2> "$work/err") || fail "leases before dhcpd ran: $(cat "$work/err")"
grep -q "no lease journal in '$work/state/dhcpd'" "$work/err" \
  || fail "no note about the missing journal: $(cat "$work/err")"
[ "$(echo "$out" | tail -n 1)" = "0 leases" ] || fail "leases before dhcpd ran: $out"

start_appliance
# Lobby (the simulator) boots and keeps its address. Reception (dhclient, with the phone interface's own
# MAC) takes a lease, then gives it back with `dhclient -r`: a RELEASE, as a phone unplugged cleanly sends.
sim -f polycom --mac 00:04:f2:00:00:01 --keep-address > "$work/lobby" 2>&1 || true
lobby=$(sed -n 's/.*ok   DHCP: \(10\.250\.0\.[0-9]*\) .*/\1/p' "$work/lobby")
[ -n "$lobby" ] || fail "the Lobby phone got no lease: $(cat "$work/lobby")"
ip -n "$phone" link set pbleaseph0 address 02:50:42:00:00:10
echo 'send vendor-class-identifier "SIP100";' > "$work/dhclient.conf"
dhclient=(dhclient -cf "$work/dhclient.conf" -lf "$work/dhclient.leases" -pf "$work/dhclient.pid" -sf /bin/true)
in_phone timeout 20 "${dhclient[@]}" -1 pbleaseph0 > "$work/reception" 2>&1 || fail "dhclient: $(cat "$work/reception")"
in_phone timeout 20 "${dhclient[@]}" -r pbleaseph0 >> "$work/reception" 2>&1 || true
wait_for "grep -q 'RELEASE .* by 02:50:42:00:00:10' '$work/log'" 50 \
  || fail "no RELEASE from dhclient: $(cat "$work/reception")"
reception=$(sed -n 's/.*RELEASE \(10\.250\.0\.[0-9]*\) by 02:50:42:00:00:10.*/\1/p' "$work/log")
# The RELEASE is logged as it is handled; its journal record follows with the next group commit.
wait_for "leases --all | grep -q ' released '" 50 || fail "the RELEASE never reached the journal: $(leases --all)"

check_tables() {
  out=$(leases) || fail "leases: $out"
  echo "$out" | grep -Eq "^$lobby +00:04:f2:00:00:01 .* Lobby \(7001\) +bound +(23h|1d)" \
    || fail "leases does not show Lobby's bound lease at $lobby: $out"
  echo "$out" | grep -q "02:50:42:00:00:10" && fail "leases shows the released address: $out"
  [ "$(echo "$out" | tail -n 1)" = "1 lease" ] || fail "leases count: $out"
  out=$(leases --all) || fail "leases --all: $out"
  echo "$out" | grep -Eq "^$reception +02:50:42:00:00:10 .* Reception \(7002\) +released +-$" \
    || fail "leases --all does not show Reception's released address $reception: $out"
  out=$(phones) || fail "phones: $out"
  echo "$out" | grep -Eq "^Lobby \(7001\) +00:04:f2:00:00:01 +$lobby +bound " || fail "phones, Lobby: $out"
  echo "$out" | grep -Eq "^Reception \(7002\) +02:50:42:00:00:10 +$reception +released " \
    || fail "phones, Reception: $out"
  echo "$out" | grep -Eq "^Storeroom \(7003\) +00:04:f2:00:00:03 +- +never seen " || fail "phones, Storeroom: $out"
  [ "$(echo "$out" | tail -n 1)" = "1 of 3 phones with a MAC address hold a lease" ] || fail "phones summary: $out"
}
# dhcpd answers once the lease is durable, so the journal already holds both phones' records.
check_tables

# provisiond serves a file named after a MAC only to the address holding that MAC's lease (mac_files =
# "auto" with dhcpd on); to anyone else, over HTTP and TFTP alike, it is missing. Shared files go to all.
files=$work/state/files
mkdir -p "$files"
echo 'lobby secret' > "$files/0004f2000001.cfg"
echo 'reception secret' > "$files/025042000010.cfg"
echo 'shared' > "$files/sip.cfg"
chmod -R a+rX "$files"
ip -n "$phone" addr add 10.250.0.250/24 dev pbleaseph0  # an address nobody leased
fetch() { in_phone curl -s --interface "$1" -o /dev/null -w '%{http_code}' "http://10.250.0.2:8088/$2" || true; }
tftp_get() { in_phone curl -s --interface "$1" "tftp://10.250.0.2/$2" 2>/dev/null || echo "curl exit $?"; }
[ "$(fetch "$lobby" 0004f2000001.cfg)" = 200 ] || fail "Lobby cannot read its own file over HTTP"
[ "$(tftp_get "$lobby" 0004f2000001.cfg)" = "lobby secret" ] || fail "Lobby cannot read its own file over TFTP"
[ "$(fetch "$lobby" 025042000010.cfg)" = 404 ] || fail "Lobby read Reception's file"
[ "$(fetch 10.250.0.250 0004f2000001.cfg)" = 404 ] || fail "an unleased address read Lobby's file over HTTP"
[ "$(tftp_get 10.250.0.250 0004f2000001.cfg)" = "curl exit 68" ] \
  || fail "an unleased address read Lobby's file over TFTP"
[ "$(fetch 10.250.0.250 sip.cfg)" = 200 ] || fail "a shared file was refused"
# The first refusal is logged (then at most one line a second).
grep -q "'/025042000010.cfg' refused to $lobby: it holds no lease of 02:50:42:00:00:10" "$work/log" \
  || fail "no log line for the refusal"
metrics=$(ip netns exec "$app" curl -s http://127.0.0.1:9188/metrics)
echo "$metrics" | grep -Eq 'provisiond_drops_total\{protocol="http",reason="mac-not-leased"\} 2' \
  || fail "HTTP refusals not counted: $(echo "$metrics" | grep drops)"

# provisiond notes each phone's own last fetch (written at most every 2 s) and `phones` shows it; the
# refused requests above were not the phones' own and are not noted.
lobby_fetch_shown() { phones | grep -Eq '^Lobby \(7001\) .* tftp 0004f2000001\.cfg ok, '; }
wait_for lobby_fetch_shown 50 || fail "phones does not show Lobby's last fetch: $(phones)"
phones | grep -Eq '^Reception \(7002\) .* -$' || fail "a refused request was noted as Reception's fetch: $(phones)"

# With the appliance stopped, the journal still tells the same.
kill -TERM "$sup"
wait "$sup" 2>/dev/null || true
sup=""
check_tables

# Without an inventory, `phones` has nothing to compare with and says so.
sed -i '/^inventory = /d' "$work/etc/site.toml"
rc=0; "$bin/phoneboot" phones -c "$work/etc" > /dev/null 2> "$work/err" || rc=$?
if [ "$rc" -ne 1 ] || ! grep -q "site.inventory is not set" "$work/err"; then
  fail "phones without an inventory: rc $rc, $(cat "$work/err")"
fi
echo "leases: ok"
