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
    # Times come from around each query (t: just before it, relative to the stop) and from the server's own
    # transmit timestamp (its clock when it computed the dispersion), never from after the metrics fetch, so a
    # slow loaded machine widens no measurement.
    samples = []  # (t, stratum, refid, root dispersion, state, server transmit seconds, t reply)
    end = time.time() + HOLDOVER + 30
    while time.time() < end:
        sent = time.time() - lost_at
        f = ntp.query()
        replied = time.time() - lost_at
        try:
            m = ntp.metrics(12381)
        except OSError:  # a metrics fetch that times out under load is only a missing label
            m = {}
        state = next((k for k, v in m.items() if k.startswith("sntpd_source_state") and v == 1), "")
        if f:
            samples.append((sent, f["stratum"], f["refid"], f["root_dispersion"], state, ntp.seconds(f["transmit"]),
                            replied))
        if f and f["stratum"] == 11:
            break
        time.sleep(0.5)
    for s in samples:
        print(f"  t+{s[0]:5.1f}s stratum {s[1]} refid {s[2]:08x} dispersion {s[3] * 1e6:9.1f} us {s[4]}")
    held = [s for s in samples if s[1] == 4]
    holdover = [s for s in held if "holdover" in s[4]]
    fail.check(len(holdover) >= 2, "source state holdover seen after the upstream stopped")
    fail.check(all(s[1] == 4 and s[2] == 0x7F000001 for s in holdover), "holdover keeps stratum 4 and the reference")
    fail.check(all(s[1] in (4, 11) for s in samples), "never unsynchronised, never another stratum")
    if len(held) >= 2:
        # Stratum 4 after the stop is holdover or the last polls before the loss is noticed: the dispersion of
        # the served sample grows at 15 ppm either way, timed by the server's own transmit timestamps.
        first, last = held[0], held[-1]
        grown = last[3] - first[3]
        elapsed = last[5] - first[5]
        expected = 15e-6 * elapsed  # within 40 us: root dispersion travels in units of 1/65536 s (15 us)
        fail.check(elapsed > 5 and grown > 0 and abs(grown - expected) < 40e-6,
                   f"dispersion grows at 15 ppm: +{grown * 1e6:.1f} us over {elapsed:.1f} s (expected {expected * 1e6:.1f})")
    fail.check(samples and samples[-1][1] == 11 and samples[-1][2] == 0x7F7F0101,
               f"after holdover ({HOLDOVER} s) the local stratum 11 takes over")
    if samples and samples[-1][1] == 11 and held:
        # Holdover counts from the newest good sample, taken at most one poll (1 s) before the stop: the local
        # stratum may not come before HOLDOVER - 1 s, and comes by HOLDOVER + 1 s (the once-a-second state
        # update). The margins below add 2 s for a loaded machine (timers late, queries slow).
        local_seen = samples[-1][6]  # the switch happened before this reply (a bound however slow the sampling)
        last_held = held[-1][0]  # and after this query was sent
        fail.check(local_seen > HOLDOVER - 3,
                   f"holdover counted from the newest sample: local stratum not before {HOLDOVER - 3} s ({local_seen:.1f} s)")
        fail.check(last_held < HOLDOVER + 3,
                   f"local stratum within the holdover time of the last sample: stratum 4 until {last_held:.1f} s")
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
