#!/usr/bin/env bash
# Forwarding: names outside our zones go to the upstream (a fake resolver on loopback) for allowed clients
# only, over UDP and TCP, with the client's ID and question (the upstream lowercases it); everyone else gets
# REFUSED; our own names stay ours. Forwarded queries are counted as such, and by the upstream's RCODE.
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
PORT=15350
UPSTREAM=15351
METRICS=15352
DIR=$WORK/fwd
mkdir -p "$DIR"
"$HERE/fake_upstream.py" 127.0.0.1 $UPSTREAM & PIDS+=($!)
for _ in $(seq 50); do [ "$(ss -Hln "sport = :$UPSTREAM" | wc -l)" -ge 2 ] && break; sleep 0.1; done
site_toml $PORT '[dnsd.forward]' 'upstream = ["127.0.0.1"]' "upstream_port = $UPSTREAM" 'clients = ["127.0.0.1/32"]' >"$DIR/site.toml"
sed -i "s/^metrics_port = 0/metrics_port = $METRICS/" "$DIR/site.toml"
start_dnsd "$DIR" $PORT
D=(dig @127.0.0.1 -p $PORT +time=3 +tries=1)

expect_eq "forwarded over UDP" "192.0.2.1" "$("${D[@]}" +short www.example.com A)"
expect_eq "forwarded over TCP" "192.0.2.1" "$("${D[@]}" +tcp +short www.example.com A)"
expect_eq "client ID restored (dig checks it)" "NOERROR" "$("${D[@]}" WwW.Example.COM A | grep -o 'status: [A-Z]*' | cut -d' ' -f2)"
question() { "${D[@]}" "$@" | grep -A1 'QUESTION SECTION' | tail -1 | cut -f1; }
expect_eq "client question case restored (UDP)" ";WwW.Example.COM." "$(question WwW.Example.COM A)"
expect_eq "client question case restored (TCP)" ";WwW.Example.COM." "$(question +tcp WwW.Example.COM A)"
expect_eq "upstream RCODE passed on" "NXDOMAIN" "$("${D[@]}" nxname.example.com A | grep -o 'status: [A-Z]*' | cut -d' ' -f2)"
expect_eq "outside the client networks: REFUSED" "REFUSED" "$("${D[@]}" -b 127.0.0.2 www.example.com A | grep -o 'status: [A-Z]*' | cut -d' ' -f2)"
expect_eq "our names stay ours" "10.250.1.151 10.250.1.152" "$("${D[@]}" +short provision.lab.voip A | sort | xargs)"
expect_eq "too big for the client: TC" "1" "$("${D[@]}" +noedns +ignore big.example.com A | grep -c 'flags: qr tc rd ra;')"
expect_eq "whole within its EDNS size" "40" "$("${D[@]}" +bufsize=1232 +short big.example.com A | wc -l)"
# 8 forwarded so far (6 UDP, 2 TCP); c-ares' own retry of "big" over TCP is one forward.
metric() { curl -s "127.0.0.1:$METRICS/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
expect_eq "forwarded queries counted as forwarded" "8" "$(metric dnsd_forwarded_total)"
expect_eq "their RCODE counted when the answer came" "1" "$(metric 'dnsd_responses_total{rcode="NXDOMAIN"}')"
finish
