#!/usr/bin/env bash
# phoneboot-sim against the real appliance: the example site (provisioning pointed at the appliance's own
# provisiond, by name, so the phones resolve it through dnsd), a phone namespace on a veth. A Polycom reads
# its <MAC>.cfg and the files it lists, a Polycom of the inventory does the same from files rendered for it
# (provisiond.templates), a SIP Station checks its firmware and reads its <MAC>.cfg, a storm of 20 SIP
# Station IIs all provision, and a phone whose <MAC>.cfg is missing is diagnosed as such.
set -euo pipefail
source "$(dirname "$0")/example_appliance.sh" sim pbsimapp0 pbsimph0
sim() { in_phone "$bin/phoneboot-sim" -i pbsimph0 --timeout-ms 8000 "$@"; }
example_config "s|^provision_url *=.*|provision_url = \"http://phoneboot.lab.voip:8088\"|" \
  's|^\[site\]$|[site]\ninventory = "phones.csv"|'

# A Polycom of the inventory gets its <MAC>.cfg and the registration file it lists rendered from templates.
cat > "$work/etc/phones.csv" <<'EOT'
Name,Template,Proxy Group,Extension,Identification Address,Label,Address,SIP Password
Lobby,Polycom,Default,320,,Lobby,00:04:f2:00:00:02,s3cret
EOT
mkdir -p "$work/etc/templates"
echo '<APPLICATION APP_FILE_PATH="2345-12500-001.sip.ld" CONFIG_FILES="{{mac}}-registration.cfg, sip.cfg" />' \
  > "$work/etc/templates/master.cfg"
cat > "$work/etc/templates/registration.cfg" <<'EOT'
<reg reg.1.address="{{extension}}" reg.1.auth.password="{{sip_password}}"
     reg.1.server.1.address="{{site.domain}}"/>
EOT
cat >> "$work/etc/site.toml" <<'EOT'
[[provisiond.templates]]
file = "[MACADDRESS].cfg"
source = "templates/master.cfg"
if_template = "Polycom"
[[provisiond.templates]]
file = "[MACADDRESS]-registration.cfg"
source = "templates/registration.cfg"
if_template = "Polycom"
EOT

# What the phones will ask for.
files=$work/state/files
mkdir -p "$files"
printf '<APPLICATION APP_FILE_PATH="2345-12500-001.sip.ld" CONFIG_FILES="phone1.cfg, sip.cfg" />\n' > "$files/0004f2000001.cfg"
echo '<phone1/>' > "$files/phone1.cfg"
echo '<sip/>' > "$files/sip.cfg"
head -c 4096 /dev/urandom > "$files/sip100.img"
head -c 4096 /dev/urandom > "$files/sip200.img"
echo 'sip100 config' > "$files/025042000010.cfg"
for i in $(seq 0 19); do echo "sip200 config $i" > "$files/$(printf '0250420001%02x' "$i").cfg"; done
echo '<device/>' > "$files/XMLDefault.cnf.xml"      # Cisco's fallback when SEP<MAC>.cnf.xml is absent
echo 'SET SIP_CONTROLLER_LIST 10.250.1.151' > "$files/46xxsettings.txt"
echo '#!version:1.0.0.1' > "$files/025042000020.cfg"  # the Yealink's
chmod -R a+rX "$files"

start_appliance

# A Polycom: binary option 60, 160 (no 66), the name resolved by dnsd, <MAC>.cfg and the files it lists.
sim -f polycom --mac 00:04:f2:00:00:01 > "$work/polycom" 2>&1 || fail "polycom: $(cat "$work/polycom")"
for want in 'ok   DHCP: 10\.250\.0\.' 'ok   SNTP 10\.250\.0\.2: stratum' 'provisioning server from option 160: http://phoneboot\.lab\.voip:8088' \
            'ok   DNS phoneboot\.lab\.voip A: 10\.250\.0\.2' 'ok   HTTP GET /0004f2000001\.cfg: 200' 'ok   HTTP GET /phone1\.cfg: 200' \
            'ok   HTTP GET /sip\.cfg: 200' 'warn HTTP GET /2345-12500-001\.bootrom\.ld: 404' \
            'ok   DNS _sip\._udp\.lab\.voip SRV: .*vm40ic1\.lab\.voip' 'provisioned in'; do
  grep -Eq "$want" "$work/polycom" || fail "polycom timeline lacks '$want': $(cat "$work/polycom")"
done
grep -q "options.* 66 " "$work/polycom" && fail "polycom got option 66: $(cat "$work/polycom")"
# The phone's requests came from its lease: provisiond logged them from that address.
lease=$(sed -n 's/.*ok   DHCP: \(10\.250\.0\.[0-9]*\) .*/\1/p' "$work/polycom")
grep -q "http $lease:[0-9]* GET /0004f2000001.cfg 200" "$work/log" || fail "provisiond did not see $lease ask"

# The inventory's Polycom boots from its rendered files, over its lease (files named after a MAC go to it only).
sim -f polycom --mac 00:04:f2:00:00:02 > "$work/templated" 2>&1 || fail "templated polycom: $(cat "$work/templated")"
for want in 'ok   HTTP GET /0004f2000002\.cfg: 200' 'ok   HTTP GET /0004f2000002-registration\.cfg: 200' \
            'ok   HTTP GET /sip\.cfg: 200' 'provisioned in'; do
  grep -Eq "$want" "$work/templated" || fail "templated polycom timeline lacks '$want': $(cat "$work/templated")"
done
"$bin/phoneboot" render -c "$work/etc" 0004f2000002-registration.cfg | grep -q 'reg.1.address="320"' ||
  fail "render: $("$bin/phoneboot" render -c "$work/etc" 2>&1)"

# A SIP Station I: vendor class SIP100, its boot file from option 67 checked by its first bytes.
sim -f sip100 --mac 02:50:42:00:00:10 > "$work/sip100" 2>&1 || fail "sip100: $(cat "$work/sip100")"
grep -Eq 'ok   HTTP GET /sip100\.img \(first 1024 bytes\): 206, 1024 bytes' "$work/sip100" \
  || fail "sip100 firmware check: $(cat "$work/sip100")"
grep -Eq 'ok   HTTP GET /025042000010\.cfg: 200' "$work/sip100" || fail "sip100 config: $(cat "$work/sip100")"

# Cisco over TFTP from option 150, Avaya over HTTP from option 242, Yealink from the URL in option 66.
sim -f cisco --mac 02:50:42:00:00:30 > "$work/cisco" 2>&1 || fail "cisco: $(cat "$work/cisco")"
grep -Eq 'provisioning server from option 150: 10\.250\.0\.2' "$work/cisco" || fail "cisco 150: $(cat "$work/cisco")"
grep -Eq 'warn TFTP RRQ SEP025042000030\.cnf\.xml: TFTP error 1' "$work/cisco" || fail "cisco SEP: $(cat "$work/cisco")"
grep -Eq 'ok   TFTP RRQ XMLDefault\.cnf\.xml: 10 bytes' "$work/cisco" || fail "cisco default: $(cat "$work/cisco")"
sim -f avaya --mac 02:50:42:00:00:40 > "$work/avaya" 2>&1 || fail "avaya: $(cat "$work/avaya")"
grep -Eq 'option 242: http://10\.250\.0\.2:8088' "$work/avaya" || fail "avaya 242: $(cat "$work/avaya")"
grep -Eq 'ok   HTTP GET /46xxsettings\.txt: 200' "$work/avaya" || fail "avaya settings: $(cat "$work/avaya")"
sim -f yealink --mac 02:50:42:00:00:20 > "$work/yealink" 2>&1 || fail "yealink: $(cat "$work/yealink")"
grep -Eq 'ok   HTTP GET /025042000020\.cfg: 200' "$work/yealink" || fail "yealink: $(cat "$work/yealink")"

# A boot storm: 20 SIP Station IIs at once, each with its own lease and file.
sim -f sip200 --mac 02:50:42:00:01:00 --count 20 > "$work/storm" 2>&1 || fail "storm: $(cat "$work/storm")"
grep -Eq '^provisioned 20/20; time to provisioned p50 [0-9.]+ ms' "$work/storm" || fail "storm: $(cat "$work/storm")"

# A phone nobody prepared a configuration for: diagnosed, exit 1.
rc=0; sim -f polycom --mac 00:04:f2:00:00:99 > "$work/missing" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "a phone without its <MAC>.cfg exited $rc: $(cat "$work/missing")"
grep -Eq 'NOT provisioned: HTTP GET /0004f2000099\.cfg: 404 \(no such file' "$work/missing" \
  || fail "missing <MAC>.cfg not diagnosed: $(cat "$work/missing")"

# The simulated phones gave their addresses back.
left=$(ip -n "$phone" -4 addr show dev pbsimph0 | grep -c 'inet ' || true)
[ "$left" -eq 0 ] || fail "$left leased addresses left on the phone's interface"
echo "sim: ok"
