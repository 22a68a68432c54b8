#!/usr/bin/env python3
"""A fake SIP server for dnsd's health test: answers every datagram with 200 OK (as a call server answers
OPTIONS). Usage: fake_sip.py ADDRESS PORT. Runs until killed; at most 10 minutes."""
import socket
import sys
import time

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
s.settimeout(1)
end = time.time() + 600
while time.time() < end:
    try:
        data, peer = s.recvfrom(4096)
    except socket.timeout:
        continue
    call_id = b""
    for line in data.split(b"\r\n"):
        if line.lower().startswith(b"call-id:"):
            call_id = line
    s.sendto(b"SIP/2.0 200 OK\r\n" + call_id + b"\r\nContent-Length: 0\r\n\r\n", peer)
    print(data.split(b" ", 1)[0].decode(errors="replace"), flush=True)  # one line per request seen
