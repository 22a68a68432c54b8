#!/usr/bin/env bash
# Response rate limiting from loopback (not the site's network): beyond `rate` answers per second a source
# network gets every `slip`-th answer truncated (TC=1, so a real client retries over TCP) and no answer for
# the rest; the drops are counted. The site's own network is exempt by default (not reachable from here).
source "$(dirname "$0")/lib.sh"
PORT=15370
METRICS=15371
DIR=$WORK/rrl
mkdir -p "$DIR"
RRL_ON=1 site_toml $PORT '[dnsd.rrl]' 'rate = 50' 'slip = 2' >"$DIR/site.toml"
sed -i "s/^metrics_port = 0/metrics_port = $METRICS/" "$DIR/site.toml"
start_dnsd "$DIR" $PORT
sleep 1.1  # a fresh second for the burst
read -r full truncated silent < <(python3 - $PORT <<'PY'
import socket, struct, sys, time
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
q = lambda i: struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0) + b"\x09provision\x03lab\x04voip\x00\x00\x01\x00\x01"
for i in range(400):
    s.sendto(q(i), ("127.0.0.1", port))
s.settimeout(0.5)
full = tc = 0
try:
    while True:
        r = s.recv(512)
        if r[2] & 0x02: tc += 1
        else: full += 1
except socket.timeout:
    pass
print(full, tc, 400 - full - tc)
PY
)
echo "burst of 400: $full answered, $truncated truncated, $silent dropped"
[ "$full" -ge 50 ] && [ "$full" -le 100 ] && ok "about rate answers in full" || fail "full answers: $full"
[ "$truncated" -ge 100 ] && [ "$truncated" -le 200 ] && ok "every 2nd limited answer slips" || fail "truncated: $truncated"
dropped=$(curl -s 127.0.0.1:$METRICS/metrics | awk '/dnsd_drops_total{reason="rate_limited"}/ {print $2}')
expect_eq "drops counted" "$silent" "$dropped"
finish
