#!/usr/bin/env python3
"""A fake upstream resolver for dnsd's forwarding test, on UDP and TCP: answers every query with one A record,
192.0.2.1, for the question in lower case (ID copied, RA set: a resolver need not keep the question's case,
so dnsd must put the client's back); a name starting with "big" gets 40 of them (about 680 bytes): over UDP
to a query without EDNS that is TC=1 and no records, as RFC 1035 wants, so the client (c-ares) retries over
TCP; a name starting with "nx" gets NXDOMAIN. Usage: fake_upstream.py ADDRESS PORT. At most 10 minutes."""
import socket
import struct
import sys
import threading
import time


def answer(q, udp):
    pos = 12
    while pos < len(q) and q[pos] != 0:
        pos += q[pos] + 1
    question = q[12:pos].lower() + q[pos:pos + 5]  # label lengths are below 64: lower() leaves them alone
    if q[13:15].lower() == b"nx":
        return q[:2] + struct.pack(">HHHHH", 0x8183, 1, 0, 0, 0) + question
    count = 40 if q[13:16].lower() == b"big" else 1
    edns = struct.unpack(">H", q[10:12])[0] > 0
    if udp and not edns and count > 1:
        return q[:2] + struct.pack(">HHHHH", 0x8380, 1, 0, 0, 0) + question
    records = b"".join(b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + bytes([192, 0, 2, i + 1]) for i in range(count))
    return q[:2] + struct.pack(">HHHHH", 0x8180, 1, count, 0, 0) + question + records


def tcp_server(address, port):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((address, port))
    t.listen(8)
    while True:
        c, _ = t.accept()
        c.settimeout(2)
        try:
            n = struct.unpack(">H", c.recv(2))[0]
            q = b""
            while len(q) < n:
                q += c.recv(n - len(q))
            a = answer(q, False)
            c.sendall(struct.pack(">H", len(a)) + a)
        except (OSError, struct.error):
            pass
        c.close()


threading.Thread(target=tcp_server, args=(sys.argv[1], int(sys.argv[2])), daemon=True).start()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
s.settimeout(1)
end = time.time() + 600
while time.time() < end:
    try:
        q, peer = s.recvfrom(4096)
    except socket.timeout:
        continue
    if len(q) >= 12:
        s.sendto(answer(q, True), peer)
