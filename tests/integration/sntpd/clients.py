#!/usr/bin/env python3
"""sntpd against the clients administrators use (chronyd -Q, ntpdig, ntpdate -q, sntp), a field-by-field
check of replies, malformed requests of each kind, and rate limiting with KoD after a SIGHUP reload.
Runs in its own network namespace (pbntp-<pid>) so the server can own port 123 on its loopback."""
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ntp_probe as ntp  # noqa: E402

ntp.in_namespace(os.path.abspath(__file__))

BIN = os.environ["PHONEBOOT_BIN"]
METRICS = 12380
fail = ntp.Failures()
work = tempfile.mkdtemp(prefix="pbntp-")
conf = os.path.join(work, "conf")
os.makedirs(conf)
ntp.write_site(conf, os.path.join(work, "state"), f"metrics_port = {METRICS}\nlocal_stratum = 9\n")
log = open(os.path.join(work, "sntpd.log"), "w+")
daemon = subprocess.Popen([os.path.join(BIN, "phoneboot-sntpd"), "-c", conf], stdout=log, stderr=subprocess.STDOUT)


def offset_ok(name, offset):
    fail.check(offset is not None and abs(offset) < 0.010, f"{name}: offset {offset} under 10 ms")


# A bad configuration never starts (exit 78, EX_CONFIG) and says where; a disabled service exits 0.
bad = os.path.join(work, "bad")
os.makedirs(bad)
ntp.write_site(bad, os.path.join(work, "state"), "local_stratum = 15\n")
out = subprocess.run([os.path.join(BIN, "phoneboot-sntpd"), "-c", bad], capture_output=True, text=True, timeout=10)
fail.check(out.returncode == 78 and "sntpd.local_stratum: 15 is out of range 1..14" in out.stderr,
           f"bad configuration refused with exit 78 ({out.returncode})")
ntp.write_site(bad, os.path.join(work, "state"), "enabled = false\n")
out = subprocess.run([os.path.join(BIN, "phoneboot-sntpd"), "-c", bad], capture_output=True, text=True, timeout=10)
fail.check(out.returncode == 0 and "disabled" in out.stderr, "enabled = false: exits 0 without serving")

try:
    if not fail.check(ntp.wait_for_server(), "sntpd answers on 127.0.0.1:123"):
        raise SystemExit

    # --- replies, field by field -------------------------------------------------------------------
    for version in (1, 2, 3, 4):
        f = ntp.query(version=version, poll=4)
        fail.check(f is not None, f"version {version} request gets a reply")
        if f is None:
            continue
        fail.check(f["mode"] == 4, f"v{version}: mode 4")
        fail.check(f["version"] == version, f"v{version}: version echoed")
        fail.check(f["origin"] == f["sent_transmit"], f"v{version}: origin is our transmit byte for byte")
        fail.check(0 < f["receive"] <= f["transmit"], f"v{version}: 0 < receive <= transmit")
        fail.check(f["leap"] == 0, f"v{version}: LI 0")
        fail.check(f["stratum"] == 9, f"v{version}: stratum is local_stratum 9")
        fail.check(f["poll"] == 6, f"v{version}: poll max(request 4, ours 6)")
        fail.check(f["refid"] == 0x7F7F0101, f"v{version}: reference id 127.127.1.1 for the local clock")
        fail.check(f["length"] == 48, f"v{version}: reply is 48 bytes")
        fail.check(-30 < f["precision"] < 0, f"v{version}: precision measured ({f['precision']})")
        offset_ok(f"v{version} probe", f["offset"])
    f = ntp.query(poll=10)
    fail.check(f is not None and f["poll"] == 10, "poll: the request's 10 when larger than ours")

    # A request with an extension field: reply still 48 bytes, extension not echoed.
    data, transmit = ntp.request(extra=struct.pack("!HH", 0x0104, 32) + bytes(28))
    reply = ntp.exchange(data)
    fail.check(reply is not None and len(reply) == 48, "extension field skipped, reply of 48 bytes")

    # --- the clients administrators use ------------------------------------------------------------
    out = subprocess.run(["ntpdig", "-j", "-t", "2", "127.0.0.1"], capture_output=True, text=True, timeout=20)
    try:
        j = json.loads(out.stdout.strip().splitlines()[-1])
        fail.check(j["stratum"] == 9, "ntpdig: stratum 9")
        offset_ok("ntpdig", j["offset"])
    except (ValueError, IndexError, KeyError):
        fail.check(False, f"ntpdig output: {out.stdout!r} {out.stderr!r}")

    out = subprocess.run(["ntpdate", "-q", "127.0.0.1"], capture_output=True, text=True, timeout=20)
    m = re.search(r"([+-]\d+\.\d+) \+/- \S+ 127\.0\.0\.1 s9", out.stdout)
    fail.check(m is not None, f"ntpdate -q accepts the server: {out.stdout.strip()!r}")
    offset_ok("ntpdate -q", float(m.group(1)) if m else None)

    if shutil.which("sntp"):
        out = subprocess.run(["sntp", "-t", "2", "127.0.0.1"], capture_output=True, text=True, timeout=20)
        m = re.search(r"([+-]\d+\.\d+) \+/- \S+ 127\.0\.0\.1 s9", out.stdout + out.stderr)
        fail.check(m is not None, f"sntp accepts the server: {(out.stdout + out.stderr).strip()!r}")
        offset_ok("sntp", float(m.group(1)) if m else None)

    chrony_dir = os.path.join(work, "chrony")
    os.makedirs(chrony_dir)
    chrony_conf = os.path.join(chrony_dir, "chrony.conf")
    with open(chrony_conf, "w") as c:
        c.write(f"server 127.0.0.1 iburst\npidfile {chrony_dir}/chronyd.pid\n")
    out = subprocess.run(["chronyd", "-Q", "-f", chrony_conf, "-t", "20"], capture_output=True, text=True, timeout=30)
    m = re.search(r"System clock wrong by (-?\d+\.\d+) seconds", out.stdout + out.stderr)
    fail.check(m is not None, f"chronyd -Q accepts the server: {(out.stdout + out.stderr).strip()[-300:]!r}")
    offset_ok("chronyd -Q", float(m.group(1)) if m else None)

    # --- malformed and unwanted requests: no reply, counted, server keeps serving ------------------
    good, _ = ntp.request()
    cases = {
        "47 bytes": (good[:47], "too_short"),
        "empty": (b"", "too_short"),
        "49 bytes": (good + b"\0", "bad_length"),
        "v4 extension longer than the packet": (good + b"\x01\x04\x00\x40" + bytes(28), "bad_extension"),
        "v4 extension shorter than 16": (good + struct.pack("!HH", 1, 8) + bytes(28), "bad_extension"),
        "version 0": (bytes([0x03]) + good[1:], "bad_version"),
        "version 5": (bytes([0x2B]) + good[1:], "bad_version"),
        "version 7": (bytes([0x3B]) + good[1:], "bad_version"),
        "mode 1 (symmetric active)": (bytes([0x21]) + good[1:], "not_client"),
        "mode 4 (server)": (bytes([0x24]) + good[1:], "not_client"),
        "mode 5 (broadcast)": (bytes([0x25]) + good[1:], "not_client"),
        "mode 6 (control, ntpq)": (bytes([0x26]) + good[1:], "control"),
        "mode 7 (private, monlist)": (bytes([0x17, 0x00, 0x03, 0x2A]) + bytes(44), "private_mode"),
    }
    before = ntp.metrics(METRICS)
    for name, (data, reason) in cases.items():
        fail.check(ntp.exchange(data, timeout=0.3) is None, f"no reply to {name}")
    after = ntp.metrics(METRICS)
    expected = {}
    for data, reason in cases.values():
        expected[reason] = expected.get(reason, 0) + 1
    for reason, n in expected.items():
        key = f'sntpd_drops_total{{reason="{reason}"}}'
        fail.check(after.get(key, 0) - before.get(key, 0) == n, f"{key} counted {n}")
    fail.check(ntp.query() is not None, "still serving after the malformed requests")
    fail.check(after["sntpd_source_state{state=\"local\"}"] == 1, "metrics: source state local")
    fail.check(after["sntpd_stratum"] == 9, "metrics: stratum 9")

    # --- rate limit with KoD, applied by a SIGHUP reload -------------------------------------------
    ntp.write_site(conf, os.path.join(work, "state"),
                   f"metrics_port = {METRICS}\nlocal_stratum = 9\nrate_limit = 1\nrate_burst = 1\nkod = true\n")
    daemon.send_signal(signal.SIGHUP)
    end = time.time() + 10
    while time.time() < end:  # the reload is asynchronous: wait until it is logged
        log.seek(0)
        if "reloaded configuration" in log.read():
            break
        time.sleep(0.1)
    fail.check(time.time() < end, "SIGHUP reload logged")
    import socket
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.3)
    replies = []
    sent = []
    for i in range(3):
        data, transmit = ntp.request()
        sent.append(transmit)
        s.sendto(data, ("127.0.0.1", 123))
        try:
            replies.append(ntp.decode(s.recvfrom(2048)[0]))
        except socket.timeout:
            replies.append(None)
    fail.check(replies[0] is not None and replies[0]["stratum"] == 9, "rate limit: first request answered")
    kod = replies[1]
    fail.check(kod is not None and kod["stratum"] == 0 and kod["refid"] == 0x52415445 and kod["leap"] == 3
               and kod["origin"] == sent[1], "rate limit: second gets KoD RATE (stratum 0, LI 3, origin echoed)")
    fail.check(replies[2] is None, "rate limit: third is dropped (one kiss a second)")
    m = ntp.metrics(METRICS)
    fail.check(m.get("sntpd_kod_total", 0) == 1, "metrics: one KoD counted")
    fail.check(m.get('sntpd_drops_total{reason="rate_limited"}', 0) == 1, "metrics: one rate-limited drop counted")
finally:
    daemon.terminate()
    try:
        rc = daemon.wait(timeout=5)
    except subprocess.TimeoutExpired:
        daemon.kill()
        rc = -1
    fail.check(rc == 0, f"sntpd stops cleanly on SIGTERM (exit {rc})")
    log.seek(0)
    print("--- sntpd log ---\n" + log.read())
    shutil.rmtree(work, ignore_errors=True)

print(f"{fail.count} failures")
sys.exit(1 if fail.count else 0)
