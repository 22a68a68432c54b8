#!/usr/bin/env bash
# NOTIFY: when the zone data changes (here a SIGHUP with a new record) the secondaries get a NOTIFY for each
# zone (opcode 4, SOA question), repeated until acknowledged; then they can fetch the new serial by AXFR.
source "$(dirname "$0")/lib.sh"
PORT=15380
SECONDARY=15381
DIR=$WORK/notify
mkdir -p "$DIR"
python3 - $SECONDARY >"$DIR/notifies" <<'PY' &
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.settimeout(1)
end = time.time() + 30
while time.time() < end:
    try:
        m, peer = s.recvfrom(512)
    except socket.timeout:
        continue
    opcode = (m[2] >> 3) & 0xF
    pos, labels = 12, []
    while m[pos]:
        labels.append(m[pos + 1:pos + 1 + m[pos]].decode()); pos += m[pos] + 1
    qtype = struct.unpack(">H", m[pos + 1:pos + 3])[0]
    print(opcode, ".".join(labels), qtype, flush=True)
    s.sendto(m[:2] + bytes([m[2] | 0x80, 0]) + m[4:], peer)  # the acknowledgement: same ID, QR set
PY
PIDS+=($!)
for _ in $(seq 50); do [ "$(ss -Hlun "sport = :$SECONDARY" | wc -l)" -ge 1 ] && break; sleep 0.1; done
site_toml $PORT 'secondaries = ["127.0.0.1"]' "notify_port = $SECONDARY" >"$DIR/site.toml"
start_dnsd "$DIR" $PORT
D=(dig @127.0.0.1 -p $PORT +time=2 +tries=1 +short)
serial1=$("${D[@]}" lab.voip SOA | cut -d' ' -f3)
expect_eq "no NOTIFY at start" "0" "$(wc -l <"$DIR/notifies")"
printf '[[record]]\nname = "tftp"\ntype = "A"\ndata = "10.250.1.170"\n' >"$DIR/dnsd.toml"
sleep 1.1  # the serial is a time: make sure it can move
kill -HUP "$DNSD_PID"
for _ in $(seq 30); do [ "$(wc -l <"$DIR/notifies")" -ge 3 ] && break; sleep 0.1; done
expect_eq "NOTIFY for the zone" "4 lab.voip 6" "$(grep ' lab.voip ' "$DIR/notifies" | head -1)"
expect_eq "and for the reverse zones" "2" "$(grep -c 'in-addr.arpa 6' "$DIR/notifies")"
serial2=$("${D[@]}" lab.voip SOA | cut -d' ' -f3)
[ "$serial2" -gt "$serial1" ] && ok "serial went up ($serial1 -> $serial2)" || fail "serial $serial1 -> $serial2"
sleep 2.5
expect_eq "acknowledged NOTIFYs are not repeated" "3" "$(wc -l <"$DIR/notifies")"
expect_eq "the secondary's AXFR has the new record" "1" "$(dig @127.0.0.1 -p $PORT lab.voip AXFR | grep -c '^tftp.lab.voip')"
finish
