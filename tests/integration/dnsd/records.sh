#!/usr/bin/env bash
# The real phoneboot-dnsd on loopback, asked with dig, kdig and drill: every record of seeds/001's example,
# rotation, TCP (with pipelining), EDNS sizes and truncation, REFUSED, NXDOMAIN/NODATA, AXFR allowed and denied.
source "$(dirname "$0")/lib.sh"
PORT=15310
DIR=$WORK/records
mkdir -p "$DIR"
big=$(printf 'x%.0s' $(seq 200))
site_toml $PORT 'secondaries = ["127.0.0.1"]' 'tcp_idle_timeout_ms = 500' \
  '[[dnsd.record]]' 'name = "big"' 'type = "TXT"' "data = \"\\\"$big\\\" \\\"$big\\\" \\\"$big\\\"\"" \
  '[[dnsd.record]]' 'name = "media"' 'type = "CNAME"' 'data = "vm40ic1"' >"$DIR/site.toml"
start_dnsd "$DIR" $PORT
D=(dig @127.0.0.1 -p $PORT +time=2 +tries=1)

# Every record of the guide's example ("Create DNS Host (A) Records for Switchover", SRV tables).
expect_eq "provision A" "10.250.1.151 10.250.1.152" "$("${D[@]}" provision.lab.voip A +short | sort | xargs)"
expect_eq "vm40ic1 A" "10.250.1.151" "$("${D[@]}" vm40ic1.lab.voip A +short)"
expect_eq "vm40ic2 A" "10.250.1.152" "$("${D[@]}" vm40ic2.lab.voip A +short)"
for srv in _sip._udp _sip._tcp; do
  expect_eq "$srv SRV" "0 0 8060 vm40ic1.lab.voip. 0 0 8060 vm40ic2.lab.voip." \
    "$("${D[@]}" $srv.lab.voip SRV +short | sort | xargs)"
done
expect_eq "_sips._tcp SRV" "0 0 8061 vm40ic1.lab.voip. 0 0 8061 vm40ic2.lab.voip." \
  "$("${D[@]}" _sips._tcp.lab.voip SRV +short | sort | xargs)"
expect_eq "PTR vm40ic1" "vm40ic1.lab.voip." "$("${D[@]}" -x 10.250.1.151 +short)"
expect_eq "PTR vm40ic2" "vm40ic2.lab.voip." "$("${D[@]}" -x 10.250.1.152 +short)"
expect_eq "appliance A" "10.250.0.2" "$("${D[@]}" phoneboot.lab.voip A +short)"
expect_eq "NS" "phoneboot.lab.voip." "$("${D[@]}" lab.voip NS +short)"
expect_eq "SOA mname" "phoneboot.lab.voip." "$("${D[@]}" lab.voip SOA +short | cut -d' ' -f1)"
expect_eq "authoritative" "1" "$("${D[@]}" provision.lab.voip A | grep -c 'flags: qr aa rd;')"
expect_eq "SRV additional" "2" "$("${D[@]}" _sip._udp.lab.voip SRV +noall +additional | grep -c 'IN.A')"
expect_eq "CNAME chased" "media.lab.voip. vm40ic1.lab.voip. 10.250.1.151" \
  "$("${D[@]}" media.lab.voip A +noall +answer | awk '{print $1}' | head -1) $("${D[@]}" media.lab.voip A +short | xargs)"
expect_eq "question case kept" ";PrOvIsIoN.LaB.VoIp. IN A" "$("${D[@]}" PrOvIsIoN.LaB.VoIp A +noall +question | grep -v '^$' | xargs)"

# Other clients.
expect_eq "kdig provision" "10.250.1.151 10.250.1.152" "$(kdig @127.0.0.1 -p $PORT provision.lab.voip A +short | sort | xargs)"
expect_eq "drill SRV" "2" "$(drill -p $PORT _sips._tcp.lab.voip SRV @127.0.0.1 | grep -c '^_sips._tcp.lab.voip.*SRV')"

# Rotation: over 20 queries, both addresses come first, about equally often.
firsts=$(for _ in $(seq 20); do "${D[@]}" provision.lab.voip A +short | head -1; done | sort | uniq -c | awk '{print $1}' | xargs)
expect_eq "rotation over 20 queries" "10 10" "$firsts"
sfirsts=$(for _ in $(seq 20); do "${D[@]}" _sip._tcp.lab.voip SRV +short | head -1; done | sort | uniq -c | awk '{print $1}' | xargs)
expect_eq "SRV rotation over 20 queries" "10 10" "$sfirsts"

# Negative answers.
expect_eq "NXDOMAIN" "NXDOMAIN 1" "$("${D[@]}" nothing.lab.voip A | grep -o 'status: [A-Z]*' | cut -d' ' -f2) $("${D[@]}" nothing.lab.voip A +noall +authority | grep -c SOA)"
expect_eq "NODATA" "NOERROR 0 1" "$("${D[@]}" provision.lab.voip AAAA | grep -o 'status: [A-Z]*' | cut -d' ' -f2) $("${D[@]}" provision.lab.voip AAAA +short | wc -l) $("${D[@]}" provision.lab.voip AAAA +noall +authority | grep -c SOA)"
expect_eq "REFUSED out of zone" "REFUSED" "$("${D[@]}" www.example.com A | grep -o 'status: [A-Z]*' | cut -d' ' -f2)"

# TCP, EDNS sizes and truncation (the big TXT is ~610 bytes).
expect_eq "TCP" "10.250.1.151 10.250.1.152" "$("${D[@]}" +tcp provision.lab.voip A +short | sort | xargs)"
expect_eq "no EDNS: TC" "1" "$("${D[@]}" +noedns +ignore big.lab.voip TXT | grep -c 'flags: qr aa tc rd;')"
expect_eq "EDNS 512: TC" "1" "$("${D[@]}" +bufsize=512 +ignore big.lab.voip TXT | grep -c 'flags: qr aa tc rd;')"
expect_eq "EDNS 1232: whole" "1" "$("${D[@]}" +bufsize=1232 +ignore big.lab.voip TXT +short | wc -l)"
expect_eq "EDNS payload advertised" "1232" "$("${D[@]}" +bufsize=4096 provision.lab.voip | grep -o 'udp: [0-9]*' | cut -d' ' -f2)"
expect_eq "TC then TCP retry" "1" "$("${D[@]}" +noedns big.lab.voip TXT +short | wc -l)"

# Pipelining: three queries in one TCP write, three answers in order; and FORMERR for qdcount 2 over UDP.
python3 - $PORT <<'PY' && ok "TCP pipelining and FORMERR" || fail "TCP pipelining and FORMERR"
import socket, struct, sys
port = int(sys.argv[1])
def q(qid, name, qtype=1, qd=1):
    b = struct.pack(">HHHHHH", qid, 0x0100, qd, 0, 0, 0)
    for l in name.split("."):
        b += bytes([len(l)]) + l.encode()
    return b + b"\0" + struct.pack(">HH", qtype, 1)
s = socket.create_connection(("127.0.0.1", port), timeout=3)
s.sendall(b"".join(struct.pack(">H", len(m)) + m for m in [q(1, "provision.lab.voip"), q(2, "vm40ic1.lab.voip"), q(3, "nothing.lab.voip")]))
buf = b""
ids = []
while len(ids) < 3:
    chunk = s.recv(4096)
    if not chunk: break
    buf += chunk
    while len(buf) >= 2 and len(buf) - 2 >= struct.unpack(">H", buf[:2])[0]:
        n = struct.unpack(">H", buf[:2])[0]
        ids.append((struct.unpack(">H", buf[2:4])[0], buf[5] & 0xF))
        buf = buf[2 + n:]
assert ids == [(1, 0), (2, 0), (3, 3)], ids
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(3)
u.sendto(q(9, "provision.lab.voip", qd=2), ("127.0.0.1", port))
r = u.recv(512)
assert struct.unpack(">H", r[:2])[0] == 9 and r[3] & 0xF == 1, r
# The idle timeout (500 ms here) closes a silent connection.
s.settimeout(3)
assert s.recv(10) == b"", "idle connection not closed"
PY

# AXFR to the configured secondary (127.0.0.1) only.
n=$("${D[@]}" lab.voip AXFR | grep -v '^;' | grep -c 'IN')
expect_eq "AXFR allowed (SOA NS A 2xA 2xprovision 6xSRV CNAME TXT SOA)" "16" "$n"
expect_eq "AXFR denied from 127.0.0.2" "1" "$("${D[@]}" -b 127.0.0.2 lab.voip AXFR | grep -c 'Transfer failed')"
finish
