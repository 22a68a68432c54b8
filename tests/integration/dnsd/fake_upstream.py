#!/usr/bin/env python3
"""A fake upstream resolver for dnsd's forwarding test: answers every query with one A record, 192.0.2.1,
for the question as asked (ID and question copied, RA set). Usage: fake_upstream.py ADDRESS PORT."""
import socket
import struct
import sys
import time

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
s.settimeout(1)
end = time.time() + 600
while time.time() < end:
    try:
        q, peer = s.recvfrom(4096)
    except socket.timeout:
        continue
    if len(q) < 12:
        continue
    pos = 12
    while pos < len(q) and q[pos] != 0:
        pos += q[pos] + 1
    question = q[12:pos + 5]
    header = q[:2] + struct.pack(">HHHHH", 0x8180, 1, 1, 0, 0)
    answer = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + bytes([192, 0, 2, 1])
    s.sendto(header + question + answer, peer)
