#!/usr/bin/env bash
# Forwarding: names outside our zones go to the upstream (a fake resolver on loopback) for allowed clients
# only, over UDP and TCP, with the client's ID; everyone else gets REFUSED; our own names stay ours.
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
PORT=15350
UPSTREAM=15351
DIR=$WORK/fwd
mkdir -p "$DIR"
"$HERE/fake_upstream.py" 127.0.0.1 $UPSTREAM & PIDS+=($!)
for _ in $(seq 50); do [ "$(ss -Hln "sport = :$UPSTREAM" | wc -l)" -ge 2 ] && break; sleep 0.1; done
site_toml $PORT '[dnsd.forward]' 'upstream = ["127.0.0.1"]' "upstream_port = $UPSTREAM" 'clients = ["127.0.0.1/32"]' >"$DIR/site.toml"
start_dnsd "$DIR" $PORT
D=(dig @127.0.0.1 -p $PORT +time=3 +tries=1)

expect_eq "forwarded over UDP" "192.0.2.1" "$("${D[@]}" +short www.example.com A)"
expect_eq "forwarded over TCP" "192.0.2.1" "$("${D[@]}" +tcp +short www.example.com A)"
expect_eq "client ID restored (dig checks it)" "NOERROR" "$("${D[@]}" WwW.Example.COM A | grep -o 'status: [A-Z]*' | cut -d' ' -f2)"
expect_eq "outside the client networks: REFUSED" "REFUSED" "$("${D[@]}" -b 127.0.0.2 www.example.com A | grep -o 'status: [A-Z]*' | cut -d' ' -f2)"
expect_eq "our names stay ours" "10.250.1.151 10.250.1.152" "$("${D[@]}" +short provision.lab.voip A | sort | xargs)"
expect_eq "too big for the client: TC" "1" "$("${D[@]}" +noedns +ignore big.example.com A | grep -c 'flags: qr tc rd ra;')"
expect_eq "whole within its EDNS size" "40" "$("${D[@]}" +bufsize=1232 +short big.example.com A | wc -l)"
finish
