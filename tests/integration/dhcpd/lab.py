"""Shared helpers for dhcpd integration tests: two network namespaces joined by a veth pair (the appliance
and the phones' side), the real phoneboot-dhcpd started from $PHONEBOOT_BIN with a configuration folder
written here, a small DHCP packet builder/parser, and a reader of the lease journal that follows the format
documented in common/lease_journal.hpp (so the test also checks that contract)."""
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

BIN = os.environ.get("PHONEBOOT_BIN", "build/bin")
PID = os.getpid()
SERVER_NS = f"pbdhcp-s{PID}"
CLIENT_NS = f"pbdhcp-c{PID}"
SERVER_IF = f"pbd{PID}a"
CLIENT_IF = f"pbd{PID}b"
SERVER_ADDR = "10.250.0.2"
RELAY_ADDR = "10.250.0.9"    # the phones' side: acts as a relay agent inside the voice subnet
NATIVE_RELAY = "10.20.0.1"   # a relay on the native VLAN of a remote site
METRICS_PORT = 16790

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def exit_with_summary():
    """Ends a test script: exit 1 after saying how many checks failed, or say that all passed."""
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("all checks passed")


def sh(*args, check_rc=True, **kw):
    return subprocess.run(list(args), check=check_rc, capture_output=True, text=True, **kw)


def in_client(*args, **kw):
    return sh("ip", "netns", "exec", CLIENT_NS, *args, **kw)


class Lab:
    def __init__(self, dhcpd_toml="", inventory=None):
        self.dir = tempfile.mkdtemp(prefix="pbdhcp-")
        self.cfg = os.path.join(self.dir, "cfg")
        self.state = os.path.join(self.dir, "state")
        os.makedirs(self.cfg)
        site = f"""[site]
domain = "lab.voip"
address = "{SERVER_ADDR}/24"
interface = "{SERVER_IF}"
timezone = "America/New_York"
user = "root"
state_dir = "{self.state}"
{'inventory = "phones.csv"' if inventory else ''}

[[site.call_server]]
name = "vm40ic1"
address = "10.250.1.151"
"""
        with open(os.path.join(self.cfg, "site.toml"), "w") as f:
            f.write(site)
        with open(os.path.join(self.cfg, "dhcpd.toml"), "w") as f:
            f.write(f"metrics_port = {METRICS_PORT}\n" + dhcpd_toml)
        if inventory:
            with open(os.path.join(self.cfg, "phones.csv"), "w") as f:
                f.write(inventory)
        self.proc = None
        self.log = open(os.path.join(self.dir, "dhcpd.log"), "a")
        self._net_up()

    def _net_up(self):
        sh("ip", "netns", "add", SERVER_NS)
        sh("ip", "netns", "add", CLIENT_NS)
        sh("ip", "link", "add", SERVER_IF, "type", "veth", "peer", "name", CLIENT_IF)
        sh("ip", "link", "set", SERVER_IF, "netns", SERVER_NS)
        sh("ip", "link", "set", CLIENT_IF, "netns", CLIENT_NS)
        for ns, ifname in ((SERVER_NS, SERVER_IF), (CLIENT_NS, CLIENT_IF)):
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            sh("ip", "-n", ns, "link", "set", ifname, "up")
        sh("ip", "-n", SERVER_NS, "addr", "add", f"{SERVER_ADDR}/24", "dev", SERVER_IF)
        sh("ip", "-n", SERVER_NS, "route", "add", "10.20.0.0/24", "via", RELAY_ADDR)
        sh("ip", "-n", CLIENT_NS, "addr", "add", f"{RELAY_ADDR}/24", "dev", CLIENT_IF)
        sh("ip", "-n", CLIENT_NS, "addr", "add", f"{NATIVE_RELAY}/24", "dev", CLIENT_IF)

    def start(self):
        self.proc = subprocess.Popen(["ip", "netns", "exec", SERVER_NS, os.path.join(BIN, "phoneboot-dhcpd"),
                                      "-c", self.cfg], stdout=self.log, stderr=self.log)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("phoneboot-dhcpd exited: " + self.read_log())
            if "serving on port" in self.read_log().split("lease store")[-1]:
                return
            time.sleep(0.05)
        raise RuntimeError("phoneboot-dhcpd did not start: " + self.read_log())

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            # ip netns exec execs the daemon, so the pid is the daemon's.
            os.kill(self.proc.pid, sig)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def read_log(self):
        self.log.flush()
        with open(os.path.join(self.dir, "dhcpd.log")) as f:
            return f.read()

    def metrics(self):
        r = sh("ip", "netns", "exec", SERVER_NS, "curl", "-s", f"http://127.0.0.1:{METRICS_PORT}/metrics",
               check_rc=False)
        return r.stdout

    def metric(self, name_with_labels):
        for line in self.metrics().splitlines():
            if line.startswith(name_with_labels + " "):
                return float(line.split()[-1])
        return 0.0

    def close(self):
        self.stop()
        for pidfile in ("dhclient.pid",):
            p = os.path.join(self.dir, pidfile)
            if os.path.exists(p):
                try:
                    os.kill(int(open(p).read().strip()), signal.SIGTERM)
                except (ValueError, ProcessLookupError):
                    pass
        sh("ip", "netns", "del", SERVER_NS, check_rc=False)
        sh("ip", "netns", "del", CLIENT_NS, check_rc=False)
        if not failures:
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            print("kept", self.dir, "for inspection; server log:\n" + self.read_log())


# ---- DHCP packets ----------------------------------------------------------------------------------------

DISCOVER, OFFER, REQUEST, DECLINE, ACK, NAK, RELEASE, INFORM = range(1, 9)


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def ip_bytes(a):
    return socket.inet_aton(a)


def build(mtype, mac, xid, ciaddr="0.0.0.0", giaddr="0.0.0.0", flags=0, options=()):
    hw = mac_bytes(mac)
    pkt = struct.pack("!BBBBIHH4s4s4s4s16s64s128sI", 1, 1, 6, 1 if giaddr != "0.0.0.0" else 0, xid, 0, flags,
                      ip_bytes(ciaddr), b"\0" * 4, b"\0" * 4, ip_bytes(giaddr), hw.ljust(16, b"\0"), b"", b"",
                      0x63825363)
    pkt += bytes([53, 1, mtype])
    for code, value in options:
        pkt += bytes([code, len(value)]) + value
    pkt += b"\xff"
    return pkt.ljust(300, b"\0")


def parse(data):
    if len(data) < 240:
        return None
    op, htype, hlen, hops, xid, secs, flags = struct.unpack("!BBBBIHH", data[:12])
    ciaddr, yiaddr, siaddr, giaddr = (socket.inet_ntoa(data[i:i + 4]) for i in (12, 16, 20, 24))
    opts = {}
    i = 240
    while i < len(data):
        code = data[i]
        if code == 0:
            i += 1
            continue
        if code == 255:
            break
        ln = data[i + 1]
        opts[code] = opts.get(code, b"") + data[i + 2:i + 2 + ln]
        i += 2 + ln
    return {"op": op, "xid": xid, "flags": flags, "ciaddr": ciaddr, "yiaddr": yiaddr, "giaddr": giaddr,
            "chaddr": data[28:28 + hlen], "type": opts.get(53, b"\0")[0], "options": opts}


CLIENT_SCRIPT = r"""
import socket, sys, time
bind_addr, server, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
packets = [bytes.fromhex(h) for h in sys.argv[4:]]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((bind_addr, 67))
s.settimeout(timeout)
for p in packets:
    s.sendto(p, (server, 67))
    try:
        data, _ = s.recvfrom(4096)
        print(data.hex(), flush=True)
    except socket.timeout:
        print("timeout", flush=True)
"""


def exchange(packets, bind_addr=RELAY_ADDR, timeout=2.0):
    """Sends each packet as a relay agent would (from bind_addr:67 to the server) and returns the parsed
    reply to each (None when none came)."""
    r = in_client(sys.executable, "-c", CLIENT_SCRIPT, bind_addr, SERVER_ADDR, str(timeout),
                  *[p.hex() for p in packets], timeout=60)
    out = []
    for line in r.stdout.split():
        out.append(None if line == "timeout" else parse(bytes.fromhex(line)))
    return out


def dora(mac, xid, giaddr=RELAY_ADDR, options=()):
    offer, = exchange([build(DISCOVER, mac, xid, giaddr=giaddr, options=options)])
    if not offer or offer["type"] != OFFER:
        return offer, None
    req = build(REQUEST, mac, xid + 1, giaddr=giaddr,
                options=[(50, ip_bytes(offer["yiaddr"])), (54, ip_bytes(SERVER_ADDR))] + list(options))
    ack, = exchange([req])
    return offer, ack


# ---- the lease journal, read as common/lease_journal.hpp documents it ---------------------------------------

def _crc_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


CRC = _crc_table()


def crc32c(b):
    c = 0xFFFFFFFF
    for x in b:
        c = CRC[(c ^ x) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def read_records(path, magic):
    data = open(path, "rb").read()
    assert data[:8] == magic, f"{path}: bad header"
    i, out = 16, []
    while i + 10 <= len(data):
        m, ln = struct.unpack("!IH", data[i:i + 6])
        if m != 0x50424C52 or i + 10 + ln > len(data):
            break
        body = data[i + 6:i + 6 + ln]
        (crc,) = struct.unpack("!I", data[i + 6 + ln:i + 10 + ln])
        i += 10 + ln
        if crc != crc32c(body):
            continue
        kind, flags = body[0], body[1]
        addr = socket.inet_ntoa(body[2:6])
        start, expires = struct.unpack("!qq", body[6:22])
        htype, hlen = body[22], body[23]
        hw = body[24:24 + hlen]
        j = 24 + hlen
        cid = body[j + 1:j + 1 + body[j]]
        j += 1 + body[j]
        host = body[j + 1:j + 1 + body[j]].decode(errors="replace")
        j += 1 + body[j]
        cls = body[j + 1:j + 1 + body[j]].decode(errors="replace")
        out.append({"kind": kind, "address": addr, "expires": expires, "mac": ":".join(f"{b:02x}" for b in hw),
                    "hostname": host, "class": cls})
    return out


def journal(state_dir):
    d = os.path.join(state_dir, "dhcpd")
    recs, gen = [], 0
    snap = os.path.join(d, "leases.snapshot")
    if os.path.exists(snap):
        gen = struct.unpack("!Q", open(snap, "rb").read()[8:16])[0]
        recs += read_records(snap, b"PBLSNAP1")
    gens = sorted(int(n.rsplit(".", 1)[1]) for n in os.listdir(d) if n.startswith("leases.journal."))
    for g in gens:
        if g >= gen:
            recs += read_records(os.path.join(d, f"leases.journal.{g}"), b"PBLJRNL1")
    return recs


def bound_now(state_dir):
    """address -> mac of leases bound at the end of the journal."""
    state = {}
    for r in journal(state_dir):
        if r["kind"] == 1:
            state[r["address"]] = r["mac"]
        else:
            state.pop(r["address"], None)
    return state
