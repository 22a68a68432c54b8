"""A small NTP client for the sntpd integration tests: sends one request, returns the reply's fields."""
import os
import socket
import struct
import subprocess
import sys
import time
import urllib.request

NTP_UNIX = 2208988800


def ntp_now():
    t = time.time()
    return (int(t) + NTP_UNIX) % (1 << 32) << 32 | int((t % 1) * (1 << 32))


def seconds(ts):
    return (ts >> 32) - NTP_UNIX + (ts & 0xFFFFFFFF) / 2**32


def request(version=4, mode=3, poll=6, transmit=None, extra=b""):
    transmit = transmit if transmit is not None else int.from_bytes(os.urandom(8), "big")
    first = (version << 3) | mode
    return struct.pack("!BBbb", first, 0, poll, -20) + bytes(36) + struct.pack("!Q", transmit) + extra, transmit


def exchange(data, host="127.0.0.1", port=123, timeout=0.5):
    """Sends raw bytes; returns the reply bytes or None when nothing came back in time."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(data, (host, port))
        return s.recvfrom(2048)[0]
    except socket.timeout:
        return None
    finally:
        s.close()


def decode(reply):
    first, stratum, poll, precision, delay, disp, refid, ref, org, rec, xmt = struct.unpack("!BBbbIII4Q", reply[:48])
    return {
        "leap": first >> 6, "version": (first >> 3) & 7, "mode": first & 7, "stratum": stratum, "poll": poll,
        "precision": precision, "root_delay": delay / 65536, "root_dispersion": disp / 65536, "refid": refid,
        "reference": ref, "origin": org, "receive": rec, "transmit": xmt, "length": len(reply),
    }


def query(port=123, version=4, poll=6):
    data, transmit = request(version=version, poll=poll)
    t1 = time.time()
    reply = exchange(data, port=port)
    t4 = time.time()
    if reply is None:
        return None
    f = decode(reply)
    f["sent_transmit"] = transmit
    f["offset"] = ((seconds(f["receive"]) - t1) + (seconds(f["transmit"]) - t4)) / 2
    return f


def wait_for_server(port=123, deadline=10.0):
    end = time.time() + deadline
    while time.time() < end:
        if query(port) is not None:
            return True
        time.sleep(0.1)
    return False


def metrics(port):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


class Failures:
    def __init__(self):
        self.count = 0

    def check(self, ok, what):
        print(("ok   " if ok else "FAIL ") + what, flush=True)
        if not ok:
            self.count += 1
        return ok


def stop(processes):
    """Stops every daemon still running: SIGTERM, five seconds to go, then SIGKILL."""
    for p in processes:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()


def write_site(directory, state_dir, sntpd_keys):
    os.makedirs(state_dir, exist_ok=True)
    with open(os.path.join(directory, "site.toml"), "w") as f:
        f.write(f"""[site]
domain = "lab.voip"
address = "10.250.0.2/24"
interface = "lo"
user = "root"
state_dir = "{state_dir}"

[sntpd]
address = "127.0.0.1"
kernel_sync = false
{sntpd_keys}
""")


def in_namespace(script, prefix="pbntp"):
    """Re-runs `script` inside a fresh network namespace with loopback up; removes the namespace after."""
    if os.environ.get("PBNTP_INSIDE") == "1":
        return False
    if os.geteuid() != 0:
        print("sntpd integration tests need root (network namespaces)", file=sys.stderr)
        sys.exit(1)
    ns = f"{prefix}-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        env = dict(os.environ, PBNTP_INSIDE="1")
        rc = subprocess.run(["ip", "netns", "exec", ns, sys.executable, script], env=env).returncode
    finally:
        subprocess.run(["ip", "netns", "del", ns])
    sys.exit(rc)
