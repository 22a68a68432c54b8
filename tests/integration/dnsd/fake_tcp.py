#!/usr/bin/env python3
"""A fake TCP service for dnsd's health checks: MODE tcp accepts and closes, sip answers the first request
with a SIP 200, http with an HTTP 200. Usage: fake_tcp.py ADDRESS PORT MODE. At most 10 minutes."""
import socket
import sys
import time

mode = sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(16)
s.settimeout(1)
end = time.time() + 600
while time.time() < end:
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    c.settimeout(1)
    try:
        if mode != "tcp":
            c.recv(4096)
            c.sendall(b"SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n" if mode == "sip"
                      else b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
    except OSError:
        pass
    c.close()
