#!/usr/bin/env bash
# phoneboot-provisiond over TFTP with the clients phones' administrators use: tftp-hpa, atftp (windowsize)
# and curl tftp:// (blksize, tsize); a 40 MiB file at blksize 512 (block numbers roll over), error packets,
# WRQ refused and then accepted into the upload directory, rename rules, netascii.
source "$(dirname "$0")/lib.sh"
PORT=18020
METRICS=18021

site() {
  write_site "http = false
https.enabled = false
metrics_port = $METRICS
upload.max_file_bytes = 1048576
[provisiond.tftp]
port = $PORT
timeout_ms = 300
write = $1
[[provisiond.tftp.rename]]
pattern = '^(term61\\.default\\.loads|jar41sccp.*\\.sbn)\$'
replacement = 'firmware/7941/\\1'"
}

site false
mkdir -p "$ROOT/firmware/7941"
printf 'line one\nline two\n' > "$ROOT/SEP001122334455.cnf.xml"
head -c 3000000 /dev/urandom > "$ROOT/sip.ld"
head -c $((40 * 1024 * 1024)) /dev/urandom > "$ROOT/big.img"
echo "loads" > "$ROOT/firmware/7941/term61.default.loads"
echo "secret" > "$WORK/secret.txt"
ln -s "$WORK/secret.txt" "$ROOT/escape.cfg"
echo "hidden" > "$ROOT/.hidden"
start_daemon
cd "$WORK"

# tftp-hpa
tftp 127.0.0.1 $PORT -m octet -c get sip.ld hpa.out
cmp -s hpa.out "$ROOT/sip.ld" && pass "tftp-hpa octet" || fail "tftp-hpa octet"
tftp 127.0.0.1 $PORT -m netascii -c get SEP001122334455.cnf.xml ascii.out
cmp -s ascii.out "$ROOT/SEP001122334455.cnf.xml" && pass "tftp-hpa netascii round trip" || fail "tftp-hpa netascii"
tftp 127.0.0.1 $PORT -c get term61.default.loads renamed.out
check "rename rule (Cisco bare name)" "loads" "$(cat renamed.out 2>/dev/null)"
tftp 127.0.0.1 $PORT -m octet -c get 'firmware\7941\term61.default.loads' backslash.out
check "backslashes map to slashes" "loads" "$(cat backslash.out 2>/dev/null)"

# curl with blksize and tsize
curl -s --tftp-blksize 1468 tftp://127.0.0.1:$PORT/sip.ld -o curl.out
cmp -s curl.out "$ROOT/sip.ld" && pass "curl blksize 1468" || fail "curl blksize 1468"
# (curl reads an OACK into a blksize + 4 buffer, so it cannot ask for tiny blocks together with tsize.)
curl -s --tftp-blksize 64 tftp://127.0.0.1:$PORT/SEP001122334455.cnf.xml -o curl64.out
cmp -s curl64.out "$ROOT/SEP001122334455.cnf.xml" && pass "curl blksize 64" || fail "curl blksize 64"
tsize=$(curl -sv --tftp-blksize 1468 tftp://127.0.0.1:$PORT/sip.ld -o /dev/null 2>&1 | grep -ci "tsize" || true)
[ "$tsize" -ge 1 ] && pass "curl got tsize in the OACK" || fail "curl tsize"

# atftp with windowsize (RFC 7440)
atftp --option "blksize 1468" --option "windowsize 16" --option "tsize 0" -g -r sip.ld -l atftp.out 127.0.0.1 $PORT > atftp.log 2>&1
cmp -s atftp.out "$ROOT/sip.ld" && pass "atftp windowsize 16" || fail "atftp windowsize 16: $(cat atftp.log)"
grep -q "windowsize=16" "$WORK/daemon.log" && pass "windowsize negotiated" || fail "windowsize negotiated"

# 40 MiB at blksize 512: 81920 blocks, past 65535
t0=$(date +%s)
curl -s tftp://127.0.0.1:$PORT/big.img -o big.out
cmp -s big.out "$ROOT/big.img" && pass "40 MiB at blksize 512 (rollover) with curl" || fail "40 MiB rollover (curl)"
tftp 127.0.0.1 $PORT -m octet -c get big.img big2.out
cmp -s big2.out "$ROOT/big.img" && pass "40 MiB at blksize 512 (rollover) with tftp-hpa" || fail "40 MiB rollover (tftp-hpa)"
echo "    40 MiB twice in $(( $(date +%s) - t0 )) s"

# Errors
check "file not found" "Error code 1: file not found" "$(tftp 127.0.0.1 $PORT -c get nothing.cfg x.out 2>&1)"
check "traversal refused" "Error code 2: access violation" "$(tftp 127.0.0.1 $PORT -c get ../secret.txt x.out 2>&1)"
check "symlink out of root refused" "Error code 2: access violation" "$(tftp 127.0.0.1 $PORT -c get escape.cfg x.out 2>&1)"
check "hidden file" "Error code 1: file not found" "$(tftp 127.0.0.1 $PORT -c get .hidden x.out 2>&1)"
echo "upload" > up.txt
check "WRQ refused" "Error code 2: writes are disabled" "$(tftp 127.0.0.1 $PORT -c put up.txt 0004f2aabbcc-app.log 2>&1)"
check "nothing written" "" "$(ls -A "$UPLOADS")"
out=$(curl -s --tftp-blksize 4 tftp://127.0.0.1:$PORT/sip.ld -o /dev/null -w '%{exitcode}' || true)
[ "$out" != "0" ] && pass "blksize 4 refused (option negotiation)" || fail "blksize 4 refused"
python3 - "$PORT" <<'PY' && pass "malformed request gets error 4" || fail "malformed request gets error 4"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.sendto(b"\x00\x01file\x00mail\x00", ("127.0.0.1", int(sys.argv[1])))
data, _ = s.recvfrom(600)
sys.exit(0 if data[:4] == b"\x00\x05\x00\x04" else 1)
PY
python3 - "$PORT" <<'PY' && pass "option refused gets error 8" || fail "option refused gets error 8"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.sendto(b"\x00\x01sip.ld\x00octet\x00blksize\x00abc\x00", ("127.0.0.1", int(sys.argv[1])))
data, _ = s.recvfrom(600)
sys.exit(0 if data[:4] == b"\x00\x05\x00\x08" else 1)
PY
# Loss: a client that never acknowledges is retransmitted to with backoff, never flooded
python3 - "$PORT" <<'PY' && pass "retransmission with backoff, no duplicate flood" || fail "retransmission with backoff"
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.2)
s.sendto(b"\x00\x01sip.ld\x00octet\x00", ("127.0.0.1", int(sys.argv[1])))
times = []
t0 = time.time()
while time.time() - t0 < 2.5:
    try:
        data, peer = s.recvfrom(600)
        times.append(round(time.time() - t0, 2))
    except socket.timeout:
        pass
# first DATA at once, then 0.3 s, +0.6 s, +1.2 s (timeout_ms = 300, doubling)
gaps = [b - a for a, b in zip(times, times[1:])]
ok = 3 <= len(times) <= 5 and all(g > 0.2 for g in gaps) and gaps[1] > gaps[0] * 1.5
print("    DATA at", times)
sys.exit(0 if ok else 1)
PY
# Duplicate ACKs do not double the DATA (Sorcerer's Apprentice)
python3 - "$PORT" <<'PY' && pass "duplicate ACKs are not answered" || fail "duplicate ACKs are not answered"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.1)
s.sendto(b"\x00\x01sip.ld\x00octet\x00", ("127.0.0.1", int(sys.argv[1])))
data, peer = s.recvfrom(600)
assert data[:4] == b"\x00\x03\x00\x01"
for _ in range(3):
    s.sendto(b"\x00\x04\x00\x01", peer)
got = []
try:
    while True:
        got.append(s.recvfrom(600)[0][:4])
except socket.timeout:
    pass
s.sendto(b"\x00\x05\x00\x00done\x00", peer)
sys.exit(0 if got == [b"\x00\x03\x00\x02"] else 1)
PY

# A client that goes away mid-transfer frees its slot at the first ICMP port unreachable, not after give_up_s
python3 - "$PORT" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.sendto(b"\x00\x01big.img\x00octet\x00", ("127.0.0.1", int(sys.argv[1])))
s.recvfrom(600)
s.close()
PY
sleep 1
grep -q "RRQ big.img client-gone" "$WORK/daemon.log" && pass "client gone mid-transfer is noticed" || fail "client gone mid-transfer"

# WRQ accepted into the upload directory once enabled
stop_daemon
site true
start_daemon
tftp 127.0.0.1 $PORT -m octet -c put up.txt 0004f2aabbcc-app.log
check "WRQ stored in uploads" "upload" "$(cat "$UPLOADS/0004f2aabbcc-app.log" 2>/dev/null)"
check "WRQ never lands in the root" "no" "$(test -e "$ROOT/0004f2aabbcc-app.log" && echo yes || echo no)"
head -c 2000000 /dev/zero > big.up
out=$(tftp 127.0.0.1 $PORT -m octet -c put big.up 0004f2aabbcc-big.log 2>&1 || true)
check "WRQ over the cap" "Error code 3: too-large" "$out"
check "WRQ traversal refused" "Error code 2: access violation" "$(tftp 127.0.0.1 $PORT -m octet -c put up.txt ../../escape.log 2>&1)"
check "nothing escaped" "no" "$(test -e "$STATE/escape.log" -o -e "$WORK/escape.log" && echo yes || echo no)"
atftp -p -l up.txt -r 0004f2aabbcc-boot.log 127.0.0.1 $PORT
check "atftp WRQ" "upload" "$(cat "$UPLOADS/0004f2aabbcc-boot.log" 2>/dev/null)"

sleep 0.5  # a finished upload lingers one timeout to repeat a lost final ACK, then is counted
metrics=$(curl -s http://127.0.0.1:$METRICS/metrics)
echo "$metrics" | grep -q 'provisiond_requests_total{protocol="tftp",status="ok"}' && pass "metrics" || fail "metrics"
finish
