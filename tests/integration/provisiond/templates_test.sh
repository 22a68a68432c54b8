#!/usr/bin/env bash
# Per-phone files rendered from templates and the phone inventory (provisiond.templates): served over HTTP and
# TFTP whatever the case of the name, in place of a root file of the same name, with ETags that survive a
# reload that did not change them; a reload applies an inventory edit, refuses a broken template (the files
# rendered before stay) and takes the files away with the templates. `phoneboot check` says the same, and
# `phoneboot render` prints the very bytes provisiond serves.
source "$(dirname "$0")/lib.sh"
PORT=18040
METRICS=18041
TFTP_PORT=18042
URL=http://127.0.0.1:$PORT

# templates TOML: the site, with the inventory and two call servers, provisiond on loopback, and TOML.
site() {
  cat > "$CONF/site.toml" <<EOT
[site]
domain = "lab.voip"
address = "127.0.0.1/8"
interface = "lo"
user = "root"
state_dir = "$STATE"
inventory = "phones.csv"
[[site.call_server]]
name = "vm40ic1"
address = "10.250.1.151"
[[site.call_server]]
name = "vm40ic2"
address = "10.250.1.152"

# provisiond alone, no DHCP of ours: mac_files = "auto" then serves files named after a MAC to anyone.
[dhcpd]
enabled = false

[provisiond]
port = $PORT
metrics_port = $METRICS
https.enabled = false
tftp.port = $TFTP_PORT
$1
EOT
}

TEMPLATES='[[provisiond.templates]]
file = "[MACADDRESS]-registration.cfg"
source = "templates/polycom.cfg"
if_template = "Polycom VVX"
[[provisiond.templates]]
file = "SEP[MACADDRESS].cnf.xml"
source = "templates/cisco.xml"
if_template = "Cisco"'

mkdir -p "$CONF/templates"
cat > "$CONF/phones.csv" <<'EOT'
Name,Template,Proxy Group,Extension,Identification Address,Label,Address,SIP Password
Lobby,Polycom VVX,Default,320,,Lobby & Hall,00:04:f2:aa:bb:01,s3cret
Desk,Polycom VVX,Default,321,,Desk,0004F2AABB02,pw2
Cisco Desk,Cisco,Default,330,,Desk 3,00-11-22-33-44-55,pw3
Softie,SIP Soft Phone,Default,340,,Soft,WS-OFFICE-12,pw4
EOT
cat > "$CONF/templates/polycom.cfg" <<'EOT'
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<registration
  reg.1.address="{{extension}}" reg.1.label="{{label}}" reg.1.auth.password="{{sip_password}}"
{{#call_servers}}
  reg.1.server.{{index}}.address="{{address}}" reg.1.server.{{index}}.port="{{site.sip_port}}"
{{/call_servers}}
/>
EOT
cat > "$CONF/templates/cisco.xml" <<'EOT'
<device><sipProfile><line><name>{{extension}}</name><authPassword>{{sip_password}}</authPassword></line>
</sipProfile><loadInformation>{{model}}</loadInformation></device>
EOT
echo "by hand" > "$ROOT/0004f2aabb02-registration.cfg"
echo "shared" > "$ROOT/sip.cfg"

site "$TEMPLATES"
"$PHONEBOOT_BIN/phoneboot" check -c "$CONF" > "$WORK/check.out" 2>&1 && pass "check accepts the set" ||
  fail "check: $(cat "$WORK/check.out")"
grep -q "3 files rendered from 2 templates" "$WORK/check.out" && pass "check counts the rendered files" ||
  fail "check summary: $(cat "$WORK/check.out")"
grep -q "provisiond.templates\[0\].file: warning: '.*0004f2aabb02-registration.cfg' is not served" "$WORK/check.out" &&
  pass "check warns of the root file a rendered one takes the place of" || fail "shadow warning: $(cat "$WORK/check.out")"

start_daemon
cd "$WORK" || exit 1
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

expected_lobby='<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<registration
  reg.1.address="320" reg.1.label="Lobby &amp; Hall" reg.1.auth.password="s3cret"
  reg.1.server.1.address="10.250.1.151" reg.1.server.1.port="8060"
  reg.1.server.2.address="10.250.1.152" reg.1.server.2.port="8060"
/>'
check "HTTP: the lobby phone's registration file" "$expected_lobby" \
  "$(curl -s $URL/0004f2aabb01-registration.cfg)"
check "HTTP: the name in upper case is the same file" "$expected_lobby" \
  "$(curl -s $URL/0004F2AABB01-registration.cfg)"
check "HTTP: the rendered file takes the root file's place" "1" \
  "$(curl -s $URL/0004f2aabb02-registration.cfg | grep -c 'reg.1.address="321"')"
check "HTTP: shared files still come from the root" "shared" "$(curl -s $URL/sip.cfg)"
check "HTTP: a phone with another template has no Polycom file" "404" "$(code $URL/001122334455-registration.cfg)"
check "HTTP: a MAC not in the inventory" "404" "$(code $URL/0004f2aabb09-registration.cfg)"
etag=$(curl -s -D - -o /dev/null $URL/0004f2aabb01-registration.cfg | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
check "HTTP: If-None-Match with the ETag" "304" "$(code -H "If-None-Match: $etag" $URL/0004f2aabb01-registration.cfg)"

# phoneboot render shows the bytes provisiond serves, and which files a phone gets.
curl -s $URL/0004f2aabb01-registration.cfg -o served.cfg
"$PHONEBOOT_BIN/phoneboot" render -c "$CONF" 0004F2AABB01-registration.cfg > rendered.cfg
cmp -s served.cfg rendered.cfg && pass "phoneboot render prints what provisiond serves" ||
  fail "phoneboot render: $(diff served.cfg rendered.cfg)"
check "phoneboot render MAC lists that phone's file" "0004f2aabb02-registration.cfg" \
  "$("$PHONEBOOT_BIN/phoneboot" render -c "$CONF" 00:04:f2:aa:bb:02 | awk 'NR == 2 {print $1}')"

tftp 127.0.0.1 $TFTP_PORT -m octet -c get SEP001122334455.cnf.xml cisco.out
check "TFTP: the Cisco phone's file" \
  "<device><sipProfile><line><name>330</name><authPassword>pw3</authPassword></line>
</sipProfile><loadInformation></loadInformation></device>" "$(cat cisco.out 2>/dev/null)"

# An inventory edit applies on reload; the file that did not change keeps its ETag.
sed -i 's/^Desk,Polycom VVX,Default,321/Desk,Polycom VVX,Default,421/' "$CONF/phones.csv"
kill -HUP "$DAEMON_PID"
sleep 0.5
check "reload: the edited phone's file follows the inventory" "1" \
  "$(curl -s $URL/0004f2aabb02-registration.cfg | grep -c 'reg.1.address="421"')"
check "reload: an unchanged file keeps its ETag" "304" \
  "$(code -H "If-None-Match: $etag" $URL/0004f2aabb01-registration.cfg)"

# A broken template is refused with its line and column; the files rendered before stay.
sed -i 's/{{sip_password}}/{{ sip_pasword }}/' "$CONF/templates/polycom.cfg"
"$PHONEBOOT_BIN/phoneboot" check -c "$CONF" > "$WORK/check-bad.out" 2>&1 && fail "check accepted a broken template" ||
  pass "check refuses a broken template"
grep -q "provisiond.templates\[0\].source: templates/polycom.cfg:3:78: .*sip_pasword" "$WORK/check-bad.out" &&
  pass "check names the template's line and column" || fail "check message: $(cat "$WORK/check-bad.out")"
kill -HUP "$DAEMON_PID"
sleep 0.5
grep -q "reload refused" "$WORK/daemon.log" && pass "reload with a broken template refused" ||
  fail "reload with a broken template refused"
check "after the refused reload the rendered file is still served" "304" \
  "$(code -H "If-None-Match: $etag" $URL/0004f2aabb01-registration.cfg)"

# Without templates the rendered files are gone and the root's file is back.
site ""
kill -HUP "$DAEMON_PID"
sleep 0.5
check "templates removed: no rendered file" "404" "$(code $URL/0004f2aabb01-registration.cfg)"
check "templates removed: the root's file is served again" "by hand" "$(curl -s $URL/0004f2aabb02-registration.cfg)"

finish
