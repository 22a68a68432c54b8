#!/usr/bin/env bash
# Reloads: a zone file edited in place and a SIGHUP with a new dnsd.toml each swap in new tables while a
# client keeps asking (no query goes unanswered); a broken edit keeps the running zones; the serial goes up
# with every change, though the zone file merged into the site zone brings its own SOA (serial 1, then 2).
source "$(dirname "$0")/lib.sh"
PORT=15360
DIR=$WORK/reload
mkdir -p "$DIR"
cat >"$DIR/extra.zone" <<'ZONE'
$ORIGIN lab.voip.
$TTL 60
@     IN SOA phoneboot hostmaster 1 3600 600 86400 60
media IN A 10.250.1.160
ZONE
site_toml $PORT '[[dnsd.zone_file]]' 'file = "extra.zone"' >"$DIR/site.toml"
start_dnsd "$DIR" $PORT
D=(dig @127.0.0.1 -p $PORT +time=2 +tries=1 +short)
serial_up() {  # name before after: RFC 1982 "after > before"
  if python3 -c 'import sys; d = (int(sys.argv[2]) - int(sys.argv[1])) % 2**32; sys.exit(0 if 0 < d < 2**31 else 1)' "$2" "$3"; then
    ok "$1 ($2 -> $3)"
  else
    fail "$1: serial [$2] -> [$3]"
  fi
}
expect_eq "zone file record" "10.250.1.160" "$("${D[@]}" media.lab.voip A)"
serial1=$("${D[@]}" lab.voip SOA | cut -d' ' -f3)

# A steady client during both reloads: 3000 queries over ~3 s, every one must be answered.
python3 - $PORT >"$DIR/client.out" <<'PY' &
import socket, struct, sys, time
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
q = lambda i: struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0) + b"\x09provision\x03lab\x04voip\x00\x00\x01\x00\x01"
lost = 0
for i in range(3000):
    s.sendto(q(i), ("127.0.0.1", port))
    try:
        r = s.recv(512)
        if struct.unpack(">H", r[:2])[0] != i: lost += 1
    except socket.timeout:
        lost += 1
    time.sleep(0.001)
print(lost)
PY
CLIENT=$!
sleep 0.5
sed -i 's/10.250.1.160/10.250.1.161/; s/ 1 3600 600/ 2 3600 600/' "$DIR/extra.zone"
for _ in $(seq 50); do [ "$("${D[@]}" media.lab.voip A)" == "10.250.1.161" ] && break; sleep 0.1; done
expect_eq "zone file change reloads" "10.250.1.161" "$("${D[@]}" media.lab.voip A)"
serial2=$("${D[@]}" lab.voip SOA | cut -d' ' -f3)
serial_up "zone file change raises the serial" "$serial1" "$serial2"
printf '[[record]]\nname = "tftp"\ntype = "A"\ndata = "10.250.1.170"\n' >"$DIR/dnsd.toml"
kill -HUP "$DNSD_PID"
for _ in $(seq 30); do [ -n "$("${D[@]}" tftp.lab.voip A)" ] && break; sleep 0.1; done
expect_eq "SIGHUP reloads" "10.250.1.170" "$("${D[@]}" tftp.lab.voip A)"
serial3=$("${D[@]}" lab.voip SOA | cut -d' ' -f3)
serial_up "a new dnsd.toml record raises the serial past the file's" "$serial2" "$serial3"
wait "$CLIENT"
expect_eq "no query lost during reloads" "0" "$(cat "$DIR/client.out")"

echo "this is not a record" >>"$DIR/extra.zone"
sleep 3
expect_eq "broken edit keeps the running zone" "10.250.1.161 10.250.1.170" "$("${D[@]}" media.lab.voip A) $("${D[@]}" tftp.lab.voip A)"
expect_eq "and its serial" "$serial3" "$("${D[@]}" lab.voip SOA | cut -d' ' -f3)"
expect_eq "the error is logged with its line" "1" "$(grep -c 'extra.zone:5:' "$DIR/dnsd.log")"
printf 'port = "x"\n' >"$DIR/dnsd.toml"
kill -HUP "$DNSD_PID"
sleep 0.3
expect_eq "bad configuration refused on SIGHUP" "10.250.1.170" "$("${D[@]}" tftp.lab.voip A)"
finish
