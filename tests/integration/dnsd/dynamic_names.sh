#!/usr/bin/env bash
# Dynamic names: a lease journal written as dhcpd writes it; phones' host names (option 12) appear as A and
# PTR records, a configured name is never overridden, and a released lease takes its name away.
source "$(dirname "$0")/lib.sh"
PORT=15340
DIR=$WORK/dyn
LEASES=$WORK/state/dhcpd
mkdir -p "$DIR" "$LEASES"
W="$PHONEBOOT_BIN/pbdns_lease_writer"
"$W" "$LEASES" bound SEP0004F2AABBCC 10.250.0.50 3600
"$W" "$LEASES" bound vm40ic1 10.250.0.51 3600           # claims a call server's name: ignored
"$W" "$LEASES" bound "bad name" 10.250.0.52 3600        # not a DNS label: ignored
"$W" "$LEASES" bound old-phone 10.250.0.53 -10          # already expired
site_toml $PORT >"$DIR/site.toml"
start_dnsd "$DIR" $PORT
D=(dig @127.0.0.1 -p $PORT +time=2 +tries=1 +short)

expect_eq "lease name published" "10.250.0.50" "$("${D[@]}" sep0004f2aabbcc.lab.voip A)"
expect_eq "its PTR" "sep0004f2aabbcc.lab.voip." "$("${D[@]}" -x 10.250.0.50)"
expect_eq "configured name wins" "10.250.1.151" "$("${D[@]}" vm40ic1.lab.voip A)"
expect_eq "expired lease not published" "" "$("${D[@]}" old-phone.lab.voip A)"

"$W" "$LEASES" bound polycom-7 10.250.0.60 3600
for _ in $(seq 30); do [ -n "$("${D[@]}" polycom-7.lab.voip A)" ] && break; sleep 0.1; done
expect_eq "new lease followed" "10.250.0.60" "$("${D[@]}" polycom-7.lab.voip A)"
"$W" "$LEASES" released SEP0004F2AABBCC 10.250.0.50 0
for _ in $(seq 30); do [ -z "$("${D[@]}" sep0004f2aabbcc.lab.voip A)" ] && break; sleep 0.1; done
expect_eq "released lease removed" "NXDOMAIN" "$(dig @127.0.0.1 -p $PORT sep0004f2aabbcc.lab.voip A | grep -o 'status: [A-Z]*' | cut -d' ' -f2)"
finish
