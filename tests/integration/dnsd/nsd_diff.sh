#!/usr/bin/env bash
# Differential run: phoneboot-dnsd and NSD load the same RFC 1035 zone file and answer the same questions;
# rcode, AA, the answer section and (for negative answers and referrals) the authority section must be equal,
# order aside.
source "$(dirname "$0")/lib.sh"
PORT=15330
NSD_PORT=15331
DIR=$WORK/diff
mkdir -p "$DIR"
cat >"$DIR/lab.test.zone" <<'ZONE'
$ORIGIN lab.test.
$TTL 300
@          IN SOA  ns1.lab.test. hostmaster.lab.test. 2026112101 3600 600 1209600 60
@          IN NS   ns1
@          IN MX   10 mail
@          IN TXT  "v=spf1 -all"
ns1        IN A    192.0.2.53
mail       IN A    192.0.2.25
mail       IN AAAA 2001:db8::25
provision  IN A    192.0.2.151
provision  IN A    192.0.2.152
cs1        IN A    192.0.2.151
cs2        IN A    192.0.2.152
_sip._udp  IN SRV  0 0 5060 cs1
_sip._udp  IN SRV  0 0 5060 cs2
_sip._tcp  IN SRV  10 0 5060 cs1
_sip._tcp  IN SRV  20 0 5060 cs2
www        IN CNAME provision
alias      IN CNAME www
out        IN CNAME www.example.com.
broken     IN CNAME missing
*.phones   IN A    192.0.2.200
*.phones   IN TXT  "phone"
sip        IN NAPTR 10 0 "s" "SIP+D2U" "" _sip._udp.lab.test.
151        IN PTR  cs1
branch     IN NS   ns.branch
ns.branch  IN A    192.0.2.99
ZONE
site_toml $PORT 'secondaries = ["127.0.0.1"]' '[[dnsd.zone_file]]' 'file = "lab.test.zone"' 'origin = "lab.test"' >"$DIR/site.toml"
start_dnsd "$DIR" $PORT

cat >"$DIR/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1@$NSD_PORT
  zonesdir: "$DIR"
  zonelistfile: "$DIR/zone.list"
  database: ""
  pidfile: "$DIR/nsd.pid"
  xfrdfile: "$DIR/xfrd.state"
  xfrdir: "$DIR"
  username: ""
  chroot: ""
  logfile: "$DIR/nsd.log"
  server-count: 1
  rrl-ratelimit: 0
  minimal-responses: yes
remote-control:
  control-enable: no
zone:
  name: lab.test
  zonefile: lab.test.zone
CONF
nsd -d -c "$DIR/nsd.conf" & PIDS+=($!)
for _ in $(seq 50); do
  [ -n "$(dig @127.0.0.1 -p $NSD_PORT +time=1 +tries=1 lab.test SOA +short 2>/dev/null)" ] && break
  sleep 0.1
done

# One line per section record, lower case, sorted: what "equal, order aside" compares.
view() {  # port name type
  local out
  out=$(dig @127.0.0.1 -p "$1" +time=2 +tries=1 +norec "$2" "$3")
  echo "$out" | grep -o 'status: [A-Z]*'
  echo "$out" | grep -o 'flags: [a-z ]*' | grep -ow aa || echo "no-aa"
  dig @127.0.0.1 -p "$1" +time=2 +tries=1 +norec "$2" "$3" +noall +answer | tr 'A-Z' 'a-z' | awk '{$1=$1; print "an", $0}' | sort
  if ! dig @127.0.0.1 -p "$1" +norec "$2" "$3" +noall +answer | grep -q .; then
    dig @127.0.0.1 -p "$1" +time=2 +tries=1 +norec "$2" "$3" +noall +authority | tr 'A-Z' 'a-z' | awk '{$1=$1; print "ns", $0}' | sort
  fi
}

questions=(
  "lab.test SOA" "lab.test NS" "lab.test MX" "lab.test TXT" "lab.test A"
  "provision.lab.test A" "PROVISION.Lab.Test A" "provision.lab.test AAAA" "cs1.lab.test A" "mail.lab.test AAAA"
  "_sip._udp.lab.test SRV" "_sip._tcp.lab.test SRV" "_udp.lab.test A" "nothing.lab.test A" "deep.nothing.lab.test TXT"
  "www.lab.test A" "alias.lab.test A" "alias.lab.test CNAME" "www.lab.test TXT" "out.lab.test A" "broken.lab.test A"
  "a.phones.lab.test A" "x.y.phones.lab.test TXT" "a.phones.lab.test MX" "phones.lab.test A"
  "sip.lab.test NAPTR" "151.lab.test PTR" "branch.lab.test A" "branch.lab.test DS" "branch.lab.test NS" "x.branch.lab.test DS" "host.branch.lab.test A" "ns.branch.lab.test A"
)
for q in "${questions[@]}"; do
  # shellcheck disable=SC2086
  ours=$(view $PORT $q)
  # shellcheck disable=SC2086
  theirs=$(view $NSD_PORT $q)
  if [ "$ours" == "$theirs" ]; then ok "same answer: $q"; else fail "$q differs:
--- phoneboot-dnsd
$ours
--- nsd
$theirs"; fi
done
finish
