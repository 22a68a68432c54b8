#!/usr/bin/env bash
# provisiond against its anchors, side by side in one run (../shared/reference/bench-notes.md from the repository root):
#   HTTP small file (2 KiB) req/s with keep-alive and with a new connection per request   vs nginx (1 worker, sendfile)
#   20 concurrent 16 MiB HTTP downloads                                                   vs nginx
#   20 concurrent 16 MiB TFTP downloads at blksize 1468 (curl), and ours with atftp windowsize 16   vs tftpd-hpa
# Servers run on core 0 at nice -10 (all of them alike: on a shared machine a one-thread server would otherwise
# lose the CPU to other work far more than tftpd-hpa's process per transfer), load generators on core 1;
# access logs are off on both sides. Prints each figure,
# the server's CPU time per unit of work, and the ratio ours/anchor.
# Usage: bench/prov.sh [build/bin]   (needs nginx-light, tftpd-hpa, wrk, curl, atftp; run as root)
set -euo pipefail
PHONEBOOT_SETUP_BENCH=1 "$(dirname "$0")/../scripts/setup.sh"  # the reference servers and load tools
BIN=${1:-${PHONEBOOT_BIN:-$(dirname "$0")/../build/bin}}
DURATION=${DURATION:-5}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
OURS_HTTP=18100 NGINX_HTTP=18101 OURS_TFTP=18102 HPA_TFTP=18103

WORK=$(mktemp -d /tmp/pbprov-bench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
ROOT=$WORK/state/files
mkdir -p "$ROOT" "$WORK/conf" "$WORK/nginx"
head -c 2048 /dev/urandom > "$ROOT/small.cfg"
head -c $((16 * 1024 * 1024)) /dev/urandom > "$ROOT/big.img"
chmod -R a+rX "$WORK"

cat > "$WORK/conf/site.toml" <<EOT
[site]
domain = "bench.voip"
address = "127.0.0.1/8"
interface = "lo"
user = "root"
state_dir = "$WORK/state"
[provisiond]
log_level = "warning"
port = $OURS_HTTP
metrics_port = 0
https.enabled = false
upload.enabled = false
limits.max_connections_per_client = 4096
tftp.port = $OURS_TFTP
tftp.max_transfers = 1000
EOT
cat > "$WORK/nginx/nginx.conf" <<EOT
user root;
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 4096; }
http {
  sendfile on; tcp_nopush on; tcp_nodelay on;
  access_log off;
  keepalive_requests 1000000;
  default_type application/octet-stream;
  client_body_temp_path $WORK/nginx; proxy_temp_path $WORK/nginx; fastcgi_temp_path $WORK/nginx;
  uwsgi_temp_path $WORK/nginx; scgi_temp_path $WORK/nginx;
  server { listen 127.0.0.1:$NGINX_HTTP; root $ROOT; }
}
EOT

nice -n -10 taskset -c "$SERVER_CPU" "$BIN/phoneboot-provisiond" -c "$WORK/conf" 2> "$WORK/ours.log" &
PIDS+=($!); OURS_PID=$!
nice -n -10 taskset -c "$SERVER_CPU" nginx -c "$WORK/nginx/nginx.conf" &
PIDS+=($!); NGINX_MASTER=$!
nice -n -10 taskset -c "$SERVER_CPU" in.tftpd -L -p -s "$ROOT" -a 127.0.0.1:$HPA_TFTP -u root -B 1468 &
PIDS+=($!); HPA_PID=$!
sleep 1
NGINX_WORKER=$(pgrep -P "$NGINX_MASTER" | head -1)

cpu_ticks() {  # utime + stime of a process and its reaped children, in clock ticks
  awk '{print $14 + $15 + $16 + $17}' "/proc/$1/stat"
}
TICK=$(getconf CLK_TCK)

# wrk_run PORT PATH CONNECTIONS [header]: prints "requests/s MiB/s"
wrk_run() {
  local extra=()
  [ -n "${4:-}" ] && extra=(-H "$4")
  taskset -c "$CLIENT_CPU" wrk -t1 -c"$3" -d"${DURATION}s" "${extra[@]}" "http://127.0.0.1:$1$2" > "$WORK/wrk.out" 2>&1
  local rps mib
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.out")
  mib=$(awk '/Transfer\/sec/ {v=$2; u=substr(v, length(v)-1); n=v+0; if (u=="GB") n*=1024; if (u=="KB") n/=1024; print n}' "$WORK/wrk.out")
  echo "$rps $mib"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }

# measure NAME PID COMMAND...: runs the command, prints its output and the server's CPU microseconds per unit
http_case() {  # title path connections header unit(req|MiB)
  local title=$1 path=$2 conns=$3 header=$4 unit=$5
  local c0 c1 ours nginx ours_cpu nginx_cpu
  c0=$(cpu_ticks "$OURS_PID"); ours=$(wrk_run $OURS_HTTP "$path" "$conns" "$header"); c1=$(cpu_ticks "$OURS_PID")
  ours_cpu=$(( (c1 - c0) * 1000000 / TICK ))
  c0=$(cpu_ticks "$NGINX_WORKER"); nginx=$(wrk_run $NGINX_HTTP "$path" "$conns" "$header"); c1=$(cpu_ticks "$NGINX_WORKER")
  nginx_cpu=$(( (c1 - c0) * 1000000 / TICK ))
  set -- $ours; local o_rps=$1 o_mib=$2
  set -- $nginx; local n_rps=$1 n_mib=$2
  if [ "$unit" = req ]; then
    printf '%-44s ours %10.0f req/s (%5.1f us CPU/req)   nginx %10.0f req/s (%5.1f us CPU/req)   ratio %s\n' "$title" \
      "$o_rps" "$(awk -v c=$ours_cpu -v r=$o_rps -v d=$DURATION 'BEGIN{print c/(r*d)}')" \
      "$n_rps" "$(awk -v c=$nginx_cpu -v r=$n_rps -v d=$DURATION 'BEGIN{print c/(r*d)}')" "$(ratio "$o_rps" "$n_rps")"
  else
    printf '%-44s ours %10.0f MiB/s (%5.0f us CPU/MiB)   nginx %10.0f MiB/s (%5.0f us CPU/MiB)   ratio %s\n' "$title" \
      "$o_mib" "$(awk -v c=$ours_cpu -v m=$o_mib -v d=$DURATION 'BEGIN{print c/(m*d)}')" \
      "$n_mib" "$(awk -v c=$nginx_cpu -v m=$n_mib -v d=$DURATION 'BEGIN{print c/(m*d)}')" "$(ratio "$o_mib" "$n_mib")"
  fi
}

echo "phoneboot-provisiond vs nginx $(nginx -v 2>&1 | sed 's/.*\///') and tftpd-hpa; server on CPU $SERVER_CPU, clients on CPU $CLIENT_CPU; ${DURATION}s per HTTP run"
http_case "HTTP 2 KiB, keep-alive, 50 connections" /small.cfg 50 "" req
http_case "HTTP 2 KiB, new connection per request" /small.cfg 50 "Connection: close" req
http_case "HTTP 16 MiB, 20 concurrent downloads" /big.img 20 "" MiB

# tftp_case PORT CLIENT: 20 concurrent downloads of big.img; prints seconds
tftp_case() {
  local port=$1 client=$2 t0 t1 i
  t0=$(date +%s.%N)
  for i in $(seq 1 20); do
    if [ "$client" = curl ]; then
      taskset -c "$CLIENT_CPU" curl -s --tftp-blksize 1468 "tftp://127.0.0.1:$port/big.img" -o "$WORK/t$i" &
    elif [ "$client" = atftp1 ]; then
      taskset -c "$CLIENT_CPU" atftp --option "blksize 1468" -g -r big.img -l "$WORK/t$i" 127.0.0.1 "$port" > /dev/null 2>&1 &
    else
      taskset -c "$CLIENT_CPU" atftp --option "blksize 1468" --option "windowsize 16" -g -r big.img -l "$WORK/t$i" 127.0.0.1 "$port" > /dev/null 2>&1 &
    fi
  done
  wait  # in this command substitution's subshell: only the 20 clients are its children
  t1=$(date +%s.%N)
  for i in $(seq 1 20); do cmp -s "$WORK/t$i" "$ROOT/big.img" || echo "  (download $i incomplete)" >&2; rm -f "$WORK/t$i"; done
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}
# server CPU microseconds per 1468-byte block over a tftp_case run (tftpd-hpa's reaped children included)
BLOCKS=$((20 * (16 * 1024 * 1024 / 1468 + 1)))
per_block() { awk -v t=$(( ($2 - $1) * 1000000 / TICK )) -v b=$BLOCKS 'BEGIN { printf "%.1f", t / b }'; }
# tftpd-hpa forks a process per transfer and does not wait for them (their time never reaches the parent's
# cutime): sample every in.tftpd process while the run lasts and add up the last value seen for each.
( while :; do for p in $(pgrep -x in.tftpd); do awk -v p="$p" '{print p, $14 + $15}' "/proc/$p/stat" 2>/dev/null || true; done
    sleep 0.05; done > "$WORK/hpa.samples" ) &
SAMPLER=$!
hpa=$(tftp_case $HPA_TFTP curl)
kill $SAMPLER 2>/dev/null || true; wait $SAMPLER 2>/dev/null || true
hpa_cpu=$(per_block 0 "$(awk '{ last[$1] = $2 } END { for (p in last) s += last[p]; print s + 0 }' "$WORK/hpa.samples")")
c0=$(cpu_ticks "$OURS_PID"); ours=$(tftp_case $OURS_TFTP curl); c1=$(cpu_ticks "$OURS_PID"); ours_cpu=$(per_block "$c0" "$c1")
( while :; do for p in $(pgrep -x in.tftpd); do awk -v p="$p" '{print p, $14 + $15}' "/proc/$p/stat" 2>/dev/null || true; done
    sleep 0.05; done > "$WORK/hpa1.samples" ) &
SAMPLER=$!
hpa1=$(tftp_case $HPA_TFTP atftp1)
kill $SAMPLER 2>/dev/null || true; wait $SAMPLER 2>/dev/null || true
hpa1_cpu=$(per_block 0 "$(awk '{ last[$1] = $2 } END { for (p in last) s += last[p]; print s + 0 }' "$WORK/hpa1.samples")")
c0=$(cpu_ticks "$OURS_PID"); ours1=$(tftp_case $OURS_TFTP atftp1); c1=$(cpu_ticks "$OURS_PID"); ours1_cpu=$(per_block "$c0" "$c1")
c0=$(cpu_ticks "$OURS_PID"); ours_w=$(tftp_case $OURS_TFTP atftp); c1=$(cpu_ticks "$OURS_PID"); ours_w_cpu=$(per_block "$c0" "$c1")
mib=$((20 * 16))
best_hpa=$(awk -v a="$hpa" -v b="$hpa1" 'BEGIN { print (a < b) ? a : b }')
printf '%-44s ours %7.2f s (%4.0f MiB/s, %4.1f us CPU/block)   tftpd-hpa %7.2f s (%4.0f MiB/s, %4.1f us CPU/block)   ratio %s\n' \
  "TFTP 20 x 16 MiB, blksize 1468 (curl)" "$ours" "$(awk -v s=$ours -v m=$mib 'BEGIN{print m/s}')" "$ours_cpu" \
  "$hpa" "$(awk -v s=$hpa -v m=$mib 'BEGIN{print m/s}')" "$hpa_cpu" "$(ratio "$hpa" "$ours")"
printf '%-44s ours %7.2f s (%4.0f MiB/s, %4.1f us CPU/block)   tftpd-hpa %7.2f s (%4.0f MiB/s, %4.1f us CPU/block)   ratio %s\n' \
  "TFTP 20 x 16 MiB, blksize 1468 (atftp)" "$ours1" "$(awk -v s=$ours1 -v m=$mib 'BEGIN{print m/s}')" "$ours1_cpu" \
  "$hpa1" "$(awk -v s=$hpa1 -v m=$mib 'BEGIN{print m/s}')" "$hpa1_cpu" "$(ratio "$hpa1" "$ours1")"
printf '%-44s ours %7.2f s (%4.0f MiB/s, %4.1f us CPU/block)   tftpd-hpa (no windowsize) %7.2f s   ratio %s\n' \
  "TFTP 20 x 16 MiB, blksize 1468, window 16 (atftp)" "$ours_w" "$(awk -v s=$ours_w -v m=$mib 'BEGIN{print m/s}')" \
  "$ours_w_cpu" "$best_hpa" "$(ratio "$best_hpa" "$ours_w")"
echo "(the windowsize ratio is against tftpd-hpa's faster run of the two above: it ignores windowsize)"
