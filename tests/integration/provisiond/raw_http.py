#!/usr/bin/env python3
"""Raw-socket HTTP checks curl cannot make: pipelining (also after a half-close), slowloris, slow and stalled
upload bodies, oversized heads, connection caps. Prints one line per check for http_test.sh to compare."""
import select
import socket
import sys
import time

HOST = "127.0.0.1"


def connect(port, source=None):
    # source: a loopback address of its own, so that the server sees another client
    s = socket.create_connection((HOST, port), timeout=5, source_address=(source, 0) if source else None)
    return s


def read_all(s, limit=1 << 20):
    # What arrived before the end; a reset (the server closed with our bytes unread) loses the rest.
    data = b""
    try:
        while len(data) < limit:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    return data


def status_of(data):
    line = data.split(b"\r\n", 1)[0].decode(errors="replace")
    parts = line.split(" ")
    return parts[1] if len(parts) > 1 else "none"


def pipeline(port):
    s = connect(port)
    req = b"GET /small.cfg HTTP/1.1\r\nHost: x\r\n\r\n" * 3 + b"GET /small.cfg HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    s.sendall(req)
    data = read_all(s)
    print("pipelined", data.count(b"HTTP/1.1 200 OK"))


def half_close(port):
    # Requests pipelined, then our sending side shut (shutdown(SHUT_WR)): every request is still answered.
    # 32 requests of 512 bytes fill exactly one 16 KiB server read, so the server's next read sees the end.
    one = b"GET /small.cfg HTTP/1.1\r\nHost: x\r\nX-Pad: "
    one += b"p" * (512 - len(one) - 4) + b"\r\n\r\n"
    s = connect(port)
    time.sleep(0.2)  # accepted and waiting for the burst
    # Corked, the burst leaves with the FIN in the same segment (Linux adds the FIN to unsent data), so the
    # server reads both at once, whatever the timing.
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
    s.sendall(one * 32)
    s.shutdown(socket.SHUT_WR)
    print("half-closed", read_all(s, 1 << 22).count(b"HTTP/1.1 200 OK"))


def upload(port, name, length, pieces):
    # PUT of `length` bytes sent as (bytes, pause) pieces; the status and how long the answer took.
    s = connect(port)
    s.settimeout(15)
    t0 = time.time()
    s.sendall(b"PUT /%s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (name.encode(), length))
    for size, pause in pieces:
        if select.select([s], [], [], 0)[0]:
            break  # answered early (408, 413): stop sending, as curl does
        try:
            s.sendall(b"u" * size)
        except OSError:
            break
        time.sleep(pause)
    return status_of(read_all(s)), time.time() - t0


def slow_upload(port):
    # header_timeout is 1 s in http_test.sh. A live upload that takes longer than that but is steady (2 KiB/s
    # for 2 s) is stored; one that stops, and one that trickles below 1 KiB/s, get 408 soon after.
    status, took = upload(port, "0004f2aabbcc-slow.log", 4096, [(256, 0.125)] * 16)
    print("slow-upload", status, "took-over-header-timeout", took > 1.5)
    status, took = upload(port, "0004f2aabbcc-stalled.log", 4096, [(512, 0)])
    print("stalled-upload", status, "within-limit", took < 3)
    status, took = upload(port, "0004f2aabbcc-trickle.log", 4096, [(16, 0.2)] * 25)
    print("trickling-upload", status, "within-limit", took < 4)


def slowloris(port):
    # A head that never ends: 408 after header_timeout, while another client is served meanwhile.
    s = connect(port)
    s.sendall(b"GET /small.cfg HTTP/1.1\r\nHost: x\r\n")
    t0 = time.time()
    other = connect(port)
    other.sendall(b"GET /small.cfg HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    print("other-client", status_of(read_all(other)))
    for _ in range(20):  # a header every 100 ms does not extend the deadline
        try:
            s.sendall(b"X-Slow: 1\r\n")
        except OSError:
            break
        time.sleep(0.1)
    s.settimeout(5)
    data = read_all(s)
    print("slowloris", status_of(data), "within-limit", time.time() - t0 < 4)


def oversize(port):
    cases = [
        ("request-line", b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("header-bytes", b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n"),
        ("header-count", b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(100)) + b"\r\n"),
        ("garbage", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"),
        ("body", b"PUT /0004f2aabbcc-app.log HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n"),
    ]
    for name, payload in cases:
        s = connect(port)
        try:
            s.sendall(payload)
        except OSError:
            pass
        print(name, status_of(read_all(s)))


def refused(s):
    # A client over a cap sends its request (with a body) at once, and one more after the answer. The server
    # must answer 503 and close cleanly: closing with client bytes unread (or arriving later) sends a reset,
    # which some client stacks let destroy the 503 before it is read (RFC 9112 9.6). Linux keeps the 503,
    # so the reset itself is what is checked here.
    reset = False
    data = b""

    def attempt(step):
        nonlocal reset
        try:
            step()
        except (ConnectionResetError, BrokenPipeError):
            reset = True
        except socket.timeout:
            pass

    def read_to_end():
        nonlocal data
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk

    attempt(lambda: s.sendall(b"PUT /0004f2aabbcc-x.log HTTP/1.1\r\nHost: x\r\nContent-Length: 32768\r\n\r\n"
                              + b"b" * 32768))
    attempt(read_to_end)
    attempt(lambda: s.sendall(b"GET /small.cfg HTTP/1.1\r\nHost: x\r\n\r\n"))
    time.sleep(0.1)
    attempt(lambda: s.recv(1))
    return "%s reset %s" % (status_of(data), reset)


def conncap(port, cap):
    held = [connect(port) for _ in range(cap)]
    time.sleep(0.2)
    print("over-cap", refused(connect(port)))
    for s in held:
        s.close()
    time.sleep(0.3)
    again = connect(port)
    again.sendall(b"GET /small.cfg HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    print("after-cap", status_of(read_all(again)))


def totalcap(port, cap):
    # The cap on connections in total: one connection from each of `cap` addresses, then a new address.
    held = [connect(port, "127.0.0.%d" % (i + 2)) for i in range(cap)]
    time.sleep(0.2)
    print("over-total-cap", refused(connect(port, "127.0.0.%d" % (cap + 2))))
    for s in held:
        s.close()
    time.sleep(0.3)
    again = connect(port, "127.0.0.%d" % (cap + 2))
    again.sendall(b"GET /small.cfg HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    print("after-total-cap", status_of(read_all(again)))


if __name__ == "__main__":
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "pipeline":
        pipeline(port)
    elif cmd == "slowloris":
        slowloris(port)
    elif cmd == "oversize":
        oversize(port)
    elif cmd == "half-close":
        half_close(port)
    elif cmd == "slow-upload":
        slow_upload(port)
    elif cmd == "conncap":
        conncap(port, int(sys.argv[3]))
    elif cmd == "totalcap":
        totalcap(port, int(sys.argv[3]))
