#!/usr/bin/env python3
"""Upstream sync and holdover: sntpd B follows sntpd A (its upstream, named "localhost:12310" so the name goes
through c-ares); A stops; B keeps A's stratum + 1 with dispersion growing at 15 ppm, then falls back to its
local stratum once the holdover time has passed. Runs in its own network namespace (pbntp-<pid>)."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ntp_probe as ntp  # noqa: E402

ntp.in_namespace(os.path.abspath(__file__))

BIN = os.environ["PHONEBOOT_BIN"]
UPSTREAM_PORT = 12310
HOLDOVER = 16
fail = ntp.Failures()
work = tempfile.mkdtemp(prefix="pbntp-")


def start(name, keys):
    conf = os.path.join(work, name)
    os.makedirs(conf)
    ntp.write_site(conf, os.path.join(work, name + "-state"), keys)
    log = open(os.path.join(work, name + ".log"), "w+")
    proc = subprocess.Popen([os.path.join(BIN, "phoneboot-sntpd"), "-c", conf], stdout=log, stderr=subprocess.STDOUT)
    return proc, log


upstream, upstream_log = start("upstream", f"port = {UPSTREAM_PORT}\nmetrics_port = 0\nlocal_stratum = 3\n")
server, server_log = start("server", f"""metrics_port = 12381
upstream = ["localhost:{UPSTREAM_PORT}"]
poll = 0
holdover = {HOLDOVER}
local_stratum = 11
""")

try:
    fail.check(ntp.wait_for_server(UPSTREAM_PORT), "upstream sntpd answers")
    fail.check(ntp.wait_for_server(123), "sntpd answers")

    # Synchronised: A's stratum 3 + 1, A's address as reference id.
    synced = None
    end = time.time() + 15
    while time.time() < end:
        f = ntp.query()
        if f and f["stratum"] == 4:
            synced = f
            break
        time.sleep(0.2)
    fail.check(synced is not None, "synchronised to the upstream: stratum 4")
    if synced:
        fail.check(synced["refid"] == 0x7F000001, "reference id is the upstream's address 127.0.0.1")
        fail.check(synced["leap"] == 0, "LI 0 while synchronised")
        fail.check(abs(synced["offset"]) < 0.010, f"offset {synced['offset']} under 10 ms")
    m = ntp.metrics(12381)
    fail.check(m.get('sntpd_source_state{state="synchronised"}') == 1, "metrics: source state synchronised")
    fail.check(m.get('sntpd_upstream_reach{upstream="localhost:12310"}', 0) > 0, "metrics: upstream reachable")

    # The WAN goes down.
    upstream.terminate()
    upstream.wait(timeout=5)
    lost_at = time.time()

    # Holdover: still stratum 4 and the upstream's reference, dispersion growing; then the local stratum.
    samples = []  # (time, stratum, refid, root dispersion, state)
    end = time.time() + HOLDOVER + 20
    while time.time() < end:
        f = ntp.query()
        m = ntp.metrics(12381)
        state = next((k for k, v in m.items() if k.startswith("sntpd_source_state") and v == 1), "")
        if f:
            samples.append((time.time() - lost_at, f["stratum"], f["refid"], f["root_dispersion"], state))
        if f and f["stratum"] == 11:
            break
        time.sleep(0.5)
    for s in samples:
        print(f"  t+{s[0]:5.1f}s stratum {s[1]} refid {s[2]:08x} dispersion {s[3] * 1e6:9.1f} us {s[4]}")
    holdover = [s for s in samples if "holdover" in s[4]]
    fail.check(len(holdover) >= 2, "source state holdover seen after the upstream stopped")
    fail.check(all(s[1] == 4 and s[2] == 0x7F000001 for s in holdover), "holdover keeps stratum 4 and the reference")
    fail.check(all(s[1] in (4, 11) for s in samples), "never unsynchronised, never another stratum")
    if len(holdover) >= 2:
        first, last = holdover[0], holdover[-1]
        grown = last[3] - first[3]
        expected = 15e-6 * (last[0] - first[0])
        fail.check(grown > 0 and abs(grown - expected) < 40e-6,
                   f"dispersion grows at 15 ppm: +{grown * 1e6:.1f} us over {last[0] - first[0]:.1f} s (expected {expected * 1e6:.1f})")
    fail.check(samples and samples[-1][1] == 11 and samples[-1][2] == 0x7F7F0101,
               f"after holdover ({HOLDOVER} s) the local stratum 11 takes over")
    if samples and samples[-1][1] == 11:
        fail.check(samples[-1][0] < HOLDOVER + 3, f"local stratum within the holdover time of the last sample ({samples[-1][0]:.1f} s)")
    server_log.seek(0)
    text = server_log.read()
    for line in ("source state local -> synchronised", "source state synchronised -> holdover", "source state holdover -> local"):
        fail.check(text.count(line) == 1, f"logged once: '{line}'")
finally:
    ntp.stop((upstream, server))
    server_log.seek(0)
    print("--- sntpd log ---\n" + server_log.read())
    shutil.rmtree(work, ignore_errors=True)

print(f"{fail.count} failures")
sys.exit(1 if fail.count else 0)
