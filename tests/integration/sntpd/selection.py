#!/usr/bin/env python3
"""Selection and failover between upstreams: sntpd follows the stratum-3 one of two upstream sntpds (the
other at stratum 7); when it stops, sntpd moves to the stratum-7 one and stays synchronised (no holdover while
an upstream is still good). Runs in its own network namespace (pbntp-<pid>)."""
import json
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
fail = ntp.Failures()
work = tempfile.mkdtemp(prefix="pbntp-")
procs = []


def start(name, keys):
    conf = os.path.join(work, name)
    os.makedirs(conf)
    ntp.write_site(conf, os.path.join(work, name + "-state"), keys)
    log = open(os.path.join(work, name + ".log"), "w+")
    proc = subprocess.Popen([os.path.join(BIN, "phoneboot-sntpd"), "-c", conf], stdout=log, stderr=subprocess.STDOUT)
    procs.append(proc)
    return proc, log


def wait_stratum(stratum, seconds):
    end = time.time() + seconds
    while time.time() < end:
        f = ntp.query()
        if f and f["stratum"] == stratum:
            return f
        time.sleep(0.2)
    return None


def wait_reach(upstream, seconds):
    end = time.time() + seconds
    while time.time() < end:
        if ntp.metrics(12382).get(f'sntpd_upstream_reach{{upstream="{upstream}"}}', 0) > 0:
            return True
        time.sleep(0.2)
    return False


good, _ = start("good", "port = 12320\nmetrics_port = 0\nlocal_stratum = 3\n")
worse, _ = start("worse", "port = 12321\nmetrics_port = 0\nlocal_stratum = 7\n")
server, server_log = start("server", """metrics_port = 12382
upstream = ["127.0.0.1:12321", "127.0.0.1:12320"]
poll = 0
holdover = 600
""")
try:
    for port in (12320, 12321, 123):
        fail.check(ntp.wait_for_server(port), f"sntpd on port {port} answers")
    fail.check(wait_stratum(4, 15) is not None, "selects the stratum-3 upstream: stratum 4")
    # A real client accepts the synchronised server too (corrected time, stratum 4).
    out = subprocess.run(["ntpdig", "-j", "-t", "2", "127.0.0.1"], capture_output=True, text=True, timeout=20)
    try:
        j = json.loads(out.stdout.strip().splitlines()[-1])
        fail.check(j["stratum"] == 4 and abs(j["offset"]) < 0.010, f"ntpdig: stratum {j['stratum']}, offset {j['offset']}")
    except (ValueError, IndexError, KeyError):
        fail.check(False, f"ntpdig output: {out.stdout!r} {out.stderr!r}")
    # The first request to the stratum-7 upstream may leave before that daemon has bound its port (all three
    # start together); the next poll follows a second later, so wait for an answered poll rather than read once.
    fail.check(wait_reach("127.0.0.1:12321", 10), "the stratum-7 upstream is polled too")
    good.terminate()
    good.wait(timeout=5)
    f = wait_stratum(8, 20)
    fail.check(f is not None, "fails over to the stratum-7 upstream: stratum 8")
    if f:
        fail.check(f["leap"] == 0 and f["refid"] == 0x7F000001, "LI 0, reference 127.0.0.1")
    m = ntp.metrics(12382)
    fail.check(m.get('sntpd_source_state{state="synchronised"}') == 1, "still synchronised, never in holdover")
    server_log.seek(0)
    text = server_log.read()
    fail.check("holdover" not in text, "no holdover logged")
    selections = [line for line in text.splitlines() if "selected upstream" in line]
    fail.check(text.count("selected upstream '127.0.0.1:12320'") == 1 and selections and "12321" in selections[-1],
               "selection changes logged: to the stratum-3 upstream once, back to the stratum-7 one last")
finally:
    ntp.stop(procs)
    server_log.seek(0)
    print("--- sntpd log ---\n" + server_log.read())
    shutil.rmtree(work, ignore_errors=True)

print(f"{fail.count} failures")
sys.exit(1 if fail.count else 0)
