#!/usr/bin/env bash
# The whole appliance on the example site (etc/phoneboot), as README command 1 runs it: `phoneboot run` in an
# appliance namespace, the real services dropping to an unprivileged user, and a phone namespace on the other
# end of a veth asking with the clients administrators use. Then one service is killed and must come back,
# and SIGTERM must stop everything.
set -euo pipefail
source "$(dirname "$0")/example_appliance.sh" appliance pbapp0 pbph0
example_config
start_appliance

# DHCP: a phone with vendor class SIP100 gets an address in the voice subnet and the site's options.
cat > "$work/udhcpc.sh" <<'SH'
#!/bin/sh
[ "$1" = bound ] || exit 0
env | grep -E '^(ip|subnet|router|dns|domain|ntpsrv|timezone|tftp|boot_file|opt[0-9]+)=' | sort > "$LEASE_FILE"
ip addr add "$ip/${mask:-24}" dev "$interface"
SH
chmod +x "$work/udhcpc.sh"
LEASE_FILE=$work/lease in_phone timeout 20 udhcpc -q -f -n -i pbph0 -V SIP100 -s "$work/udhcpc.sh" -O 160 -O 66 -O 67 -O 42 -O 2 \
  > "$work/udhcpc.log" 2>&1 || fail "no lease: $(cat "$work/udhcpc.log")"
grep -q '^ip=10\.250\.0\.' "$work/lease" || fail "lease outside the voice subnet: $(cat "$work/lease")"
grep -q '^domain=lab.voip' "$work/lease" || fail "no option 15: $(cat "$work/lease")"
grep -q '^dns=10.250.0.2' "$work/lease" || fail "option 6 does not point at the appliance: $(cat "$work/lease")"
grep -q '^ntpsrv=10.250.0.2' "$work/lease" || fail "option 42 does not point at the appliance: $(cat "$work/lease")"

# DNS: the switchover pair by SRV and the provisioning name, asked from the phone's new address.
srv=$(in_phone dig +short +time=2 +tries=2 @10.250.0.2 _sip._udp.lab.voip SRV | sort)
echo "$srv" | grep -q '8060 vm40ic1.lab.voip.' || fail "SRV for vm40ic1 missing: $srv"
echo "$srv" | grep -q '8060 vm40ic2.lab.voip.' || fail "SRV for vm40ic2 missing: $srv"
prov=$(in_phone dig +short +time=2 +tries=2 @10.250.0.2 provision.lab.voip A | sort | tr '\n' ' ')
[ "$prov" = "10.250.1.151 10.250.1.152 " ] || fail "provision.lab.voip is '$prov'"

# SNTP: ntpdig accepts the appliance's time.
in_phone timeout 10 ntpdig -t 2 10.250.0.2 > "$work/ntp.log" 2>&1 || fail "ntpdig: $(cat "$work/ntp.log")"

# Provisioning: a file under the served root over HTTP and TFTP.
root=$("$bin/phoneboot" print-config -c "$work/etc" | awk -F"'" '/^root = /{print $2}')
[ -n "$root" ] || root="$work/state/files"
mkdir -p "$root" && echo "phone config" > "$root/phoneboot-test.cfg" && chmod -R a+rX "$root"
body=$(in_phone curl -sf --max-time 5 http://10.250.0.2:8088/phoneboot-test.cfg) || fail "HTTP GET failed"
[ "$body" = "phone config" ] || fail "HTTP served '$body'"
(cd "$work" && in_phone timeout 10 tftp 10.250.0.2 -c get phoneboot-test.cfg "$work/tftp.cfg") || fail "TFTP get failed"
cmp -s "$root/phoneboot-test.cfg" "$work/tftp.cfg" || fail "TFTP served different bytes"

# Each daemon dropped root after binding.
for svc in dhcpd dnsd sntpd provisiond; do
  pid=$(pgrep -f "$bin/phoneboot-$svc -c $work/etc" | head -1)
  [ "$(stat -c %U /proc/$pid)" = phoneboot ] || fail "$svc still runs as $(stat -c %U /proc/$pid)"
done

# ... and can still write where it must: a phone's upload is stored after the drop, and the folders the
# daemons create later files in (lease journal generations and snapshots, dnsd's serials) are theirs.
echo "phone log" > "$work/app.log"
in_phone curl -sf --max-time 5 -T "$work/app.log" http://10.250.0.2:8088/0004f2000001-app.log >/dev/null \
  || fail "HTTP PUT of a phone log was refused"
[ "$(cat "$work/state/uploads/0004f2000001-app.log" 2>/dev/null)" = "phone log" ] || fail "the upload was not stored"
for dir in dhcpd dnsd uploads; do
  owner=$(stat -c %U "$work/state/$dir" 2>/dev/null || echo missing)
  [ "$owner" = phoneboot ] || fail "state/$dir belongs to '$owner', not to the daemons' user"
done
foreign=$(find "$work/state/dhcpd" "$work/state/dnsd" -mindepth 1 ! -user phoneboot)
[ -z "$foreign" ] || fail "files the daemons cannot replace: $foreign"

# phoneboot status: every service up, with what the phone just did in its figures.
# (dhcpd's lease gauges follow its 5 s maintenance tick.)
status_ok() { ip netns exec "$app" "$bin/phoneboot" status -c "$work/etc" > "$work/status"; }
wait_for "status_ok && grep -Eq '^dhcpd +up +leases bound 1, ACKs 1,' '$work/status'" 70 \
  || fail "dhcpd status: $(cat "$work/status")"
grep -Eq '^dnsd +up +queries [1-9]' "$work/status" || fail "dnsd status: $(cat "$work/status")"
grep -Eq '^sntpd +up +stratum [0-9]+, source [a-z]' "$work/status" || fail "sntpd status: $(cat "$work/status")"
grep -Eq '^provisiond +up +requests [1-9]' "$work/status" || fail "provisiond status: $(cat "$work/status")"

# A killed service comes back and serves again.
victim=$(pgrep -f "$bin/phoneboot-dnsd -c $work/etc" | head -1)
kill -9 "$victim"
wait_for "pgrep -f '$bin/phoneboot-dnsd -c $work/etc' | grep -qv '^$victim\$'" 100 || fail "dnsd was not restarted"
wait_for "in_phone dig +short +time=1 +tries=1 @10.250.0.2 vm40ic1.lab.voip A | grep -q 10.250.1.151" 50 || fail "dnsd does not answer after restart"

kill -TERM "$sup"
rc=0; wait "$sup" || rc=$?
sup=""
[ "$rc" -eq 0 ] || fail "phoneboot run exited $rc"
# Everything stopped: status says so, and exits 3.
rc=0; ip netns exec "$app" "$bin/phoneboot" status -c "$work/etc" > "$work/status" || rc=$?
[ "$rc" -eq 3 ] && grep -Eq '^dnsd +down' "$work/status" || fail "status after stop (exit $rc): $(cat "$work/status")"
left=$(ip netns pids "$app" | wc -l)
[ "$left" -eq 0 ] || fail "$left processes left in the appliance namespace"
echo "appliance: ok"
