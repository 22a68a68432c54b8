#!/usr/bin/python3
"""Leases are never lost: dhclient renews the same address after a daemon restart, and kill -9 in the
middle of a stream of DORAs loses no acknowledged lease (each ACKed address is checked against the journal
after restart, and is not offered to anyone else)."""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab  # noqa: E402
from lab import check  # noqa: E402

DHCPD_TOML = """
rate_limit = 0
[[subnet]]
prefix = "10.250.0.0/16"
[[subnet.pool]]
start = "10.250.1.0"
end = "10.250.200.255"
"""

# Runs in the client namespace: windows of DISCOVERs then REQUESTs as a relay agent; prints "mac addr" for
# every ACK as soon as it arrives, until the server stops answering.
STORM = r"""
import socket, struct, sys, time
sys.path.insert(0, sys.argv[1])
import lab
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((lab.RELAY_ADDR, 67))
s.settimeout(1.0)
n, window, misses = 0, 32, 0
deadline = time.time() + float(sys.argv[2])
while time.time() < deadline and misses < 3:
    macs = ["02:aa:%02x:%02x:%02x:%02x" % ((n + i) >> 24 & 255, (n + i) >> 16 & 255, (n + i) >> 8 & 255, (n + i) & 255) for i in range(window)]
    for i, m in enumerate(macs):
        s.sendto(lab.build(lab.DISCOVER, m, n + i, giaddr=lab.RELAY_ADDR), (lab.SERVER_ADDR, 67))
    offers = {}
    try:
        while len(offers) < window:
            p = lab.parse(s.recvfrom(4096)[0])
            if p and p["type"] == lab.OFFER:
                offers[p["xid"]] = p["yiaddr"]
    except socket.timeout:
        misses += 1
    for xid, a in offers.items():
        m = macs[xid - n]
        s.sendto(lab.build(lab.REQUEST, m, xid, giaddr=lab.RELAY_ADDR,
                           options=[(50, lab.ip_bytes(a)), (54, lab.ip_bytes(lab.SERVER_ADDR))]), (lab.SERVER_ADDR, 67))
    got = 0
    try:
        while got < len(offers):
            p = lab.parse(s.recvfrom(4096)[0])
            if p and p["type"] == lab.ACK:
                got += 1
                print(":".join("%02x" % b for b in p["chaddr"]), p["yiaddr"], flush=True)
    except socket.timeout:
        misses += 1
    n += window
"""


def restart_keeps_address(l):
    conf = os.path.join(l.dir, "dhclient.conf")
    with open(conf, "w") as f:
        f.write('send vendor-class-identifier "420HD";\n')
    leases = os.path.join(l.dir, "dhclient.leases")
    args = ["timeout", "20", "dhclient", "-1", "-cf", conf, "-lf", leases, "-pf", os.path.join(l.dir, "dhclient.pid"),
            "-sf", "/bin/true", lab.CLIENT_IF]

    def bound():
        text = open(leases).read() if os.path.exists(leases) else ""
        a = [ln.split()[1].rstrip(";") for ln in text.splitlines() if "fixed-address" in ln]
        return a[-1] if a else None, text

    lab.in_client(*args, check_rc=False)
    first, text = bound()
    check(first is not None, f"dhclient got a lease ({first})")
    check('bootfile-name "420hd.img"' in text, "vendor class 420HD gets 420hd.img")
    l.stop()
    l.start()
    # dhclient starts from its lease file: INIT-REBOOT, REQUEST for the address it had.
    pidfile = os.path.join(l.dir, "dhclient.pid")
    if os.path.exists(pidfile):
        try:
            os.kill(int(open(pidfile).read()), signal.SIGTERM)
        except (ValueError, ProcessLookupError):
            pass
    lab.in_client(*args, check_rc=False)
    second, _ = bound()
    check(first is not None and second == first, f"after a restart the client keeps its address ({first} -> {second})")


def kill9_during_doras(l):
    proc = subprocess.Popen(["ip", "netns", "exec", lab.CLIENT_NS, sys.executable, "-c", STORM,
                             os.path.dirname(os.path.abspath(__file__)), "20"], stdout=subprocess.PIPE, text=True)
    acked = []
    killed = False
    start = time.time()
    for line in proc.stdout:
        acked.append(line.split())
        if not killed and (len(acked) >= 600 or time.time() - start > 8):
            l.stop(signal.SIGKILL)
            killed = True
    proc.wait(30)
    check(killed and len(acked) > 50, f"kill -9 hit a stream of DORAs ({len(acked)} ACKs before it)")
    l.start()
    bound = lab.bound_now(l.state)
    lost = [(m, a) for m, a in acked if bound.get(a) != m]
    check(not lost, f"every ACKed lease is in the journal after kill -9 ({len(lost)} lost of {len(acked)})")
    # No ACKed address is offered to another client while its lease is valid.
    taken = {a for _, a in acked}
    disc = [lab.build(lab.DISCOVER, "02:bb:00:00:%02x:%02x" % (i >> 8, i & 255), 0x7000 + i, giaddr=lab.RELAY_ADDR)
            for i in range(20)]
    offers = lab.exchange(disc, timeout=1.0)
    clash = [o["yiaddr"] for o in offers if o and o["yiaddr"] in taken]
    check(all(offers) and not clash, "new clients are offered only free addresses after the restart")
    # The same clients asking again keep their addresses (INIT-REBOOT style REQUEST).
    m, a = acked[len(acked) // 2]
    ack, = lab.exchange([lab.build(lab.REQUEST, m, 0x7100, giaddr=lab.RELAY_ADDR, options=[(50, lab.ip_bytes(a))])])
    check(ack is not None and ack["type"] == lab.ACK and ack["yiaddr"] == a, "an ACKed client re-requesting gets an ACK")


def sighup_reload(l):
    toml_path = os.path.join(l.cfg, "dhcpd.toml")
    original = open(toml_path).read()
    with open(toml_path, "w") as f:
        f.write(original + '[[class]]\nname = "lab"\nexact = "RELOADED"\n[[class.option]]\ncode = 67\nvalue = "reloaded.img"\n')
    os.kill(l.proc.pid, signal.SIGHUP)
    time.sleep(0.5)
    offer, = lab.exchange([lab.build(lab.DISCOVER, "02:cc:00:00:00:01", 0x9001, giaddr=lab.RELAY_ADDR,
                                     options=[(60, b"RELOADED")])])
    check(offer is not None and offer["options"].get(67) == b"reloaded.img", "SIGHUP applies a new class")
    with open(toml_path, "w") as f:
        f.write(original + "[[class]]\nname = \"bad\"\nregex = \"(\"\n")
    os.kill(l.proc.pid, signal.SIGHUP)
    time.sleep(0.5)
    offer, = lab.exchange([lab.build(lab.DISCOVER, "02:cc:00:00:00:02", 0x9002, giaddr=lab.RELAY_ADDR,
                                     options=[(60, b"RELOADED")])])
    check(offer is not None and offer["options"].get(67) == b"reloaded.img" and l.proc.poll() is None,
          "a reload with an invalid regex is refused and the old configuration keeps serving")
    with open(toml_path, "w") as f:
        f.write(original)


def main():
    l = lab.Lab(DHCPD_TOML)
    try:
        l.start()
        restart_keeps_address(l)
        kill9_during_doras(l)
        sighup_reload(l)
    finally:
        l.close()
    lab.exit_with_summary()


if __name__ == "__main__":
    main()
