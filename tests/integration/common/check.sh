#!/usr/bin/env bash
# `phoneboot check` as an operator uses it: the example passes with one line per service; a broken zone file
# fails with its file and line (built by dnsd's own code); every error of a bad set is printed, exit 1.
set -euo pipefail
bin=${PHONEBOOT_BIN:?}
src=${PHONEBOOT_SOURCE_DIR:?}
work=$(mktemp -d /tmp/pb-check.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$("$bin/phoneboot" check -c "$src/etc/phoneboot") || fail "the example site does not pass"
[ "$(echo "$out" | wc -l)" -eq 4 ] || fail "expected one summary line per service, got: $out"
for svc in dhcpd dnsd sntpd provisiond; do echo "$out" | grep -q "^$svc: " || fail "no summary for $svc"; done

cat > "$work/site.toml" <<'TOML'
[site]
domain = "lab.voip"
address = "10.250.0.2/24"
interface = "eth0"
[[dnsd.zone_file]]
file = "extra.zone"
TOML
# A file for the site's own domain replaces the generated SOA and apex NS, so it brings them.
cat > "$work/extra.zone" <<'ZONE'
$ORIGIN lab.voip.
$TTL 300
@ IN SOA phoneboot.lab.voip. hostmaster.lab.voip. 1 3600 600 86400 60
@ IN NS phoneboot.lab.voip.
fax IN A 10.250.0.20
ZONE
"$bin/phoneboot" check -c "$work" > /dev/null || fail "a good zone file is refused"
"$bin/phoneboot-dnsd" --check-config -c "$work" 2> /dev/null || fail "phoneboot-dnsd --check-config refuses a good zone file"
printf 'broken IN A 10.250.0.300\n' >> "$work/extra.zone"
rc=0; "$bin/phoneboot" check -c "$work" > /dev/null 2> "$work/err" || rc=$?
[ "$rc" -eq 1 ] || fail "a broken zone file exits $rc"
grep -q "^extra.zone:6:1: dnsd.zone_file\[0\]: " "$work/err" || fail "zone error without file and line: $(cat "$work/err")"
# The daemon's own check refuses what it would refuse at start, as `phoneboot check` does (exit 78).
rc=0; "$bin/phoneboot-dnsd" --check-config -c "$work" 2> "$work/err" || rc=$?
[ "$rc" -eq 78 ] || fail "phoneboot-dnsd --check-config on a broken zone file exits $rc"
grep -q "^extra.zone:6:1: dnsd.zone_file\[0\]: " "$work/err" || fail "dnsd --check-config: $(cat "$work/err")"

printf '[site]\ndomain = "lab..voip"\naddress = "10.250.0.2"\ninterface = "eth0"\n' > "$work/site.toml"
rc=0; "$bin/phoneboot" check -c "$work" > /dev/null 2> "$work/err" || rc=$?
[ "$rc" -eq 1 ] || fail "a bad set exits $rc"
[ "$(wc -l < "$work/err")" -eq 2 ] || fail "not every error printed: $(cat "$work/err")"
grep -q "^site.toml:2:10: site.domain: 'lab..voip' has an empty label$" "$work/err" || fail "$(cat "$work/err")"
grep -q "^site.toml:3:11: site.address: " "$work/err" || fail "$(cat "$work/err")"
echo "check: ok"
