#!/usr/bin/python3
"""dhcpd against real clients in network namespaces: dhclient with vendor class SIP100, udhcpc -V SIP200,
a Polycom binary option 60 and an INFORM built with scapy, a reservation (configuration and inventory CSV),
RELEASE, a relayed DISCOVER from a native-VLAN giaddr (option 132), DECLINE, and malformed datagrams."""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab  # noqa: E402
from lab import check  # noqa: E402

from scapy.layers.dhcp import BOOTP, DHCP  # noqa: E402

DHCPD_TOML = """
[[subnet]]
prefix = "10.250.0.0/24"
router = "10.250.0.1"
[[subnet.pool]]
start = "10.250.0.100"
end = "10.250.0.199"

[[subnet]]
prefix = "10.20.0.0/24"
router = "10.20.0.1"
[[subnet.pool]]
start = "10.20.0.100"
end = "10.20.0.150"
[[subnet.option]]
code = 132
value = "100"

[[reservation]]
mac = "02:00:00:00:00:77"
address = "10.250.0.77"
hostname = "lobby-phone"
"""

INVENTORY = """Name,Type,Manufacturer,Model,Proxy Group,Extension,Identification Address,Label,Address,IP Address
PolycomAgent2,Workstation,Polycom,IP601,,7202,,Line1,0004F204F6A9,10.250.0.78
Agent420HD,Stand-alone Phone,AudioCodes,420HD,,7502,7502,,00908F123456,
"""


def dhclient_sip100(l):
    conf = os.path.join(l.dir, "dhclient.conf")
    with open(conf, "w") as f:
        f.write('send vendor-class-identifier "SIP100";\n'
                "option provisioning-url code 160 = text;\noption tftp-server code 66 = text;\n"
                "request subnet-mask, routers, domain-name-servers, domain-name;\n")
    leases = os.path.join(l.dir, "dhclient.leases")
    args = ["dhclient", "-1", "-cf", conf, "-lf", leases, "-pf", os.path.join(l.dir, "dhclient.pid"),
            "-sf", "/bin/true", lab.CLIENT_IF]
    r = lab.in_client("timeout", "20", *args, check_rc=False)
    text = open(leases).read() if os.path.exists(leases) else ""
    check("bootfile-name \"sip100.img\"" in text, "dhclient SIP100 gets option 67 sip100.img")
    check('provisioning-url "http://provision.lab.voip:8088"' in text, "dhclient gets option 160")
    check('tftp-server "10.250.0.2"' in text, "dhclient gets option 66 (TFTP recovery)")
    check("time-offset -18000" in text or "time-offset -14400" in text, "dhclient gets option 2 from the site zone")
    check("domain-name \"lab.voip\"" in text and "domain-name-servers 10.250.0.2" in text, "dhclient gets 6 and 15")
    check("ntp-servers 10.250.0.2" in text, "dhclient gets 42 (not requested: sent anyway)")
    check("routers 10.250.0.1" in text, "dhclient gets the subnet router")
    addr = [ln.split()[1].rstrip(";") for ln in text.splitlines() if "fixed-address" in ln]
    check(bool(addr) and addr[-1].startswith("10.250.0.1"), f"dhclient bound an address from the pool ({addr})")
    # RELEASE: dhclient -r sends DHCPRELEASE for that lease; the journal records it.
    lab.in_client("timeout", "20", "dhclient", "-r", "-cf", conf, "-lf", leases, "-pf",
                  os.path.join(l.dir, "dhclient.pid"), "-sf", "/bin/true", lab.CLIENT_IF, check_rc=False)
    time.sleep(0.3)
    kinds = [(r["kind"], r["address"]) for r in lab.journal(l.state)]
    check(bool(addr) and (2, addr[-1]) in kinds, "RELEASE from dhclient is journaled and frees the address")
    check(bool(addr) and addr[-1] not in lab.bound_now(l.state), "released address is no longer bound")
    return r


def udhcpc_sip200(l):
    script = os.path.join(l.dir, "udhcpc.sh")
    out = os.path.join(l.dir, "udhcpc.env")
    with open(script, "w") as f:
        f.write(f"#!/bin/sh\n[ \"$1\" = bound ] && env > {out}\nexit 0\n")
    os.chmod(script, 0o755)
    lab.in_client("timeout", "20", "udhcpc", "-i", lab.CLIENT_IF, "-V", "SIP200", "-n", "-q", "-f", "-t", "5",
                  "-T", "1", "-s", script, "-O", "160", check_rc=False)
    env = open(out).read() if os.path.exists(out) else ""
    check("bootfile=sip200.img" in env or "boot_file=sip200.img" in env, "udhcpc -V SIP200 gets sip200.img")


def polycom_binary_option60(l):
    # RFC 3925-style: enterprise 13885, then sub-options 1 "Polycom", 2 model, 3 part number, 4 application.
    subs = b"\x01\x07Polycom" + b"\x02\x15SoundPointIP-SPIP_601" + b"\x03\x102345-11605-001,2" + b"\x04\x0cSIP/3.1.3.0439"
    vci = b"\x00\x00\x36\x3d" + bytes([len(subs)]) + subs
    pkt = BOOTP(chaddr=lab.mac_bytes("00:04:f2:11:22:33"), xid=0x501, giaddr=lab.RELAY_ADDR, hops=1) / DHCP(
        options=[("message-type", "discover"), ("vendor_class_id", vci), ("param_req_list", [1, 3, 6, 66, 160]),
                 "end"])
    offer, = lab.exchange([bytes(pkt)])
    check(offer is not None and offer["type"] == lab.OFFER, "Polycom binary option 60 DISCOVER gets an OFFER")
    if offer:
        check(offer["options"].get(160) == b"http://provision.lab.voip:8088", "Polycom gets option 160")
        check(66 not in offer["options"], "Polycom gets no option 66 (seeds/001)")


def inform_with_scapy(l):
    before = len(lab.journal(l.state))
    pkt = BOOTP(chaddr=lab.mac_bytes("64:16:7f:00:00:01"), xid=0x601, ciaddr="10.250.0.50") / DHCP(
        options=[("message-type", "inform"), ("param_req_list", [66, 160, 42]), "end"])
    # A phone with a configured address unicasts INFORM from port 68; the ACK comes back to ciaddr:68.
    lab.in_client("ip", "addr", "add", "10.250.0.50/24", "dev", lab.CLIENT_IF)
    script = ("import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
              "s.bind(('10.250.0.50',68))\ns.settimeout(3)\n"
              f"s.sendto(bytes.fromhex('{bytes(pkt).hex()}'),('{lab.SERVER_ADDR}',67))\n"
              "print(s.recvfrom(4096)[0].hex())\n")
    r = lab.in_client(sys.executable, "-c", script, check_rc=False)
    ack = lab.parse(bytes.fromhex(r.stdout.strip())) if r.stdout.strip() else None
    check(ack is not None and ack["type"] == lab.ACK, "INFORM (scapy) gets an ACK at ciaddr:68")
    if ack:
        check(ack["yiaddr"] == "0.0.0.0" and 51 not in ack["options"], "INFORM ACK carries no lease")
        check(ack["options"].get(160) == b"http://provision.lab.voip:8088", "INFORM ACK carries option 160")
        check(66 not in ack["options"], "INFORM from a Polycom MAC gets no 66")
    check(len(lab.journal(l.state)) == before, "INFORM changes no lease")


def reservations(l):
    offer, ack = lab.dora("02:00:00:00:00:77", 0x701)
    check(ack is not None and ack["yiaddr"] == "10.250.0.77", "reserved MAC gets its address")
    if ack:
        check(ack["options"].get(12) == b"lobby-phone", "reservation sends its host name")
    offer, ack = lab.dora("00:04:f2:04:f6:a9", 0x711)
    check(ack is not None and ack["yiaddr"] == "10.250.0.78", "inventory CSV 'IP Address' reserves the phone")
    if ack:
        check(ack["options"].get(12) == b"PolycomAgent2", "inventory Name becomes the host name")


def relayed_native_vlan(l):
    disc = lab.build(lab.DISCOVER, "00:26:fd:00:95:fd", 0x801, giaddr=lab.NATIVE_RELAY,
                     options=[(60, b"SIP100"), (82, b"\x01\x04port")])
    offer, = lab.exchange([disc], bind_addr=lab.NATIVE_RELAY)
    check(offer is not None and offer["yiaddr"].startswith("10.20.0."), "relayed DISCOVER gets the giaddr's scope")
    if offer:
        check(offer["options"].get(132) == b"100", "native-VLAN scope sends option 132")
        check(offer["options"].get(3) == bytes([10, 20, 0, 1]), "native-VLAN scope sends its router")
        check(offer["options"].get(82) == b"\x01\x04port", "option 82 is echoed to the relay")
        check(offer["giaddr"] == lab.NATIVE_RELAY, "reply keeps giaddr")


def decline(l):
    offer, ack = lab.dora("02:00:00:00:0d:01", 0x901)
    check(ack is not None and ack["type"] == lab.ACK, "DORA before DECLINE")
    if not ack:
        return
    addr = ack["yiaddr"]
    lab.exchange([lab.build(lab.DECLINE, "02:00:00:00:0d:01", 0x903, giaddr=lab.RELAY_ADDR,
                            options=[(50, lab.ip_bytes(addr)), (54, lab.ip_bytes(lab.SERVER_ADDR))])], timeout=0.5)
    kinds = [(r["kind"], r["address"]) for r in lab.journal(l.state)]
    check((3, addr) in kinds, "DECLINE is journaled as a quarantine")
    offer2, = lab.exchange([lab.build(lab.DISCOVER, "02:00:00:00:0d:02", 0x911, giaddr=lab.RELAY_ADDR,
                                      options=[(50, lab.ip_bytes(addr))])])
    check(offer2 is not None and offer2["yiaddr"] != addr, "a declined address is not offered to anyone")
    offer3, = lab.exchange([lab.build(lab.DISCOVER, "02:00:00:00:0d:01", 0x921, giaddr=lab.RELAY_ADDR)])
    check(offer3 is not None and offer3["yiaddr"] != addr, "the decliner gets a different address")


def malformed(l):
    good = lab.build(lab.DISCOVER, "02:00:00:00:0e:01", 0xa01, giaddr=lab.RELAY_ADDR)
    bad = [
        b"", b"\x01", good[:100], good[:239],                              # too short
        good[:236] + b"\x00\x00\x00\x00" + good[240:],                    # bad cookie
        b"\x02" + good[1:],                                               # BOOTREPLY
        good[:2] + b"\x20" + good[3:],                                    # hlen 32
        good[:240] + b"\x35\x01\x01\x0c\xff",                            # option length past the end
        good[:240] + b"\x0c\x03abc\xff",                                  # no message type
        good[:240] + b"\x35\x01\x63\xff",                                 # message type 99
        good[:240] + b"\x35\x01\x02\xff",                                 # an OFFER sent to a server
        good[:240] + b"\x35\x01\x01\x34\x01\x09\xff",                    # overload 9
        good[:240] + b"\x35\x01\x01\x34\x01\x01\xff",                    # overload into a file of zeros: fine
        bytes(range(256)) * 2,                                            # noise
    ]
    before = l.metric('dhcpd_drops_total{reason="too_short"}')
    lab.exchange(bad, timeout=0.2)
    time.sleep(0.2)
    m = l.metrics()
    for reason in ("too_short", "bad_magic", "not_request", "bad_hardware", "option_truncated", "no_message_type",
                   "bad_message_type", "bad_overload"):
        check(l.metric(f'dhcpd_drops_total{{reason="{reason}"}}') >= 1, f"malformed datagram dropped as {reason}")
    check(l.metric('dhcpd_drops_total{reason="too_short"}') >= before + 4, "every short datagram counted")
    offer, ack = lab.dora("02:00:00:00:0e:02", 0xa11)
    check(ack is not None and ack["type"] == lab.ACK, "server keeps serving after malformed input")
    check("dhcpd_sent_total" in m, "metrics are served")


def pool_gauges(l):
    # Maintenance (every 5 s) exports, per pool, the leases bound in it and the addresses still free: within
    # two ticks they match the journal.
    pool = '{pool="10.250.0.100-10.250.0.199"}'
    deadline = time.time() + 12
    while True:
        active, free = l.metric("dhcpd_pool_active" + pool), l.metric("dhcpd_pool_free" + pool)
        bound = [a for a in lab.bound_now(l.state) if a.startswith("10.250.0.1") and len(a) == 12]
        if (active >= 1 and active == len(bound)) or time.time() > deadline:
            break
        time.sleep(0.5)
    check(active >= 1 and active == len(bound), f"leases bound per pool: {active}, bound in the journal: {bound}")
    # Offers and quarantined (declined) addresses are held too, so free is at most 100 - bound.
    check(90 <= free + active <= 100, f"free per pool: {free} of 100 with {active} bound")


def main():
    l = lab.Lab(DHCPD_TOML, inventory=INVENTORY)
    try:
        l.start()
        dhclient_sip100(l)
        udhcpc_sip200(l)
        polycom_binary_option60(l)
        inform_with_scapy(l)
        reservations(l)
        relayed_native_vlan(l)
        decline(l)
        malformed(l)
        pool_gauges(l)
        check(l.proc.poll() is None, "dhcpd is still running")
    finally:
        l.close()
    lab.exit_with_summary()


if __name__ == "__main__":
    main()
