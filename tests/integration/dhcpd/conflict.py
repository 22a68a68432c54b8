#!/usr/bin/python3
"""ping_check: an address that answers ICMP echo is never offered (the OFFER waits at most ping_timeout_ms
and other clients are served meanwhile)."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab  # noqa: E402
from lab import check  # noqa: E402

DHCPD_TOML = """
ping_check = true
ping_timeout_ms = 100
[[subnet]]
prefix = "10.250.0.0/24"
[[subnet.pool]]
start = "10.250.0.100"
end = "10.250.0.120"
"""


def main():
    l = lab.Lab(DHCPD_TOML)
    try:
        # Someone squats on the first pool address: it answers pings from the phones' side.
        lab.in_client("ip", "addr", "add", "10.250.0.100/24", "dev", lab.CLIENT_IF)
        l.start()
        t0 = time.time()
        offer, = lab.exchange([lab.build(lab.DISCOVER, "02:dd:00:00:00:01", 0xd01, giaddr=lab.RELAY_ADDR)])
        elapsed = time.time() - t0
        check(offer is not None and offer["yiaddr"] == "10.250.0.101",
              f"the address answering ping is skipped ({offer and offer['yiaddr']})")
        check(l.metric("dhcpd_ping_conflicts_total") == 1, "the conflict is counted")
        # Answering again after the conflict is not a second DISCOVER (nor a second one for the rate limit).
        received = l.metric('dhcpd_received_total{type="DISCOVER"}')
        check(received == 1, f"the DISCOVER answered again is counted once ({received})")
        check(elapsed < 1.5, f"the OFFER came after the ping timeouts only ({elapsed:.2f} s incl. process start)")
        # Many DISCOVERs at once: parked OFFERs do not hold the others up.
        disc = [lab.build(lab.DISCOVER, "02:dd:00:00:01:%02x" % i, 0xd10 + i, giaddr=lab.RELAY_ADDR) for i in range(5)]
        script = ("import socket,sys,time\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
                  f"s.bind(('{lab.RELAY_ADDR}',67))\ns.settimeout(2)\nt=time.time()\n"
                  + "".join(f"s.sendto(bytes.fromhex('{p.hex()}'),('{lab.SERVER_ADDR}',67))\n" for p in disc)
                  + "n=0\nwhile n<5:\n  s.recvfrom(4096); n+=1\nprint(time.time()-t)\n")
        r = lab.in_client(sys.executable, "-c", script, check_rc=False)
        took = float(r.stdout.strip() or "99")
        check(took < 0.5, f"five parked OFFERs are answered together ({took:.3f} s)")
        ack = lab.dora("02:dd:00:00:00:01", 0xd20)[1]
        check(ack is not None and ack["yiaddr"] != "10.250.0.100", "the quarantined address is not leased")
    finally:
        l.close()
    lab.exit_with_summary()


if __name__ == "__main__":
    main()
