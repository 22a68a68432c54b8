# Shared by dnsd's integration tests: a temp config folder, the real daemon on loopback, checks that fail loudly.
set -euo pipefail
: "${PHONEBOOT_BIN:?}" "${PHONEBOOT_SOURCE_DIR:?}"
WORK=$(mktemp -d /tmp/pbdns-it.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }
expect_eq() {  # name expected actual
  if [ "$2" == "$3" ]; then ok "$1"; else fail "$1: expected [$2] got [$3]"; fi
}

# site_toml PORT [extra dnsd keys...]: the seeds/001 example site with test-only settings.
site_toml() {
  local port=$1; shift
  cat <<TOML
[site]
domain    = "lab.voip"
address   = "10.250.0.2/24"
interface = "lo"
user      = "root"
state_dir = "$WORK/state"
sip_port  = ${SIP_PORT:-8060}
sips_port = ${SIPS_PORT:-8061}

[[site.call_server]]
name    = "vm40ic1"
address = "${CS1:-10.250.1.151}"

[[site.call_server]]
name    = "vm40ic2"
address = "${CS2:-10.250.1.152}"

[dnsd]
port = $port
address = "127.0.0.1"
metrics_port = 0
$(printf '%s\n' "$@")
$([ -n "${RRL_ON:-}" ] || printf '[dnsd.rrl]\nexempt = ["127.0.0.0/8"]  # tests ask fast from loopback\n')
TOML
}

# start_dnsd DIR PORT: starts the daemon and waits (bounded) until it answers.
start_dnsd() {
  "$PHONEBOOT_BIN/phoneboot-dnsd" -c "$1" >"$1/dnsd.log" 2>&1 &
  DNSD_PID=$!
  PIDS+=("$DNSD_PID")
  for _ in $(seq 50); do
    if dig @127.0.0.1 -p "$2" +time=1 +tries=1 lab.voip SOA +short >/dev/null 2>&1 &&
       [ -n "$(dig @127.0.0.1 -p "$2" +time=1 +tries=1 lab.voip SOA +short)" ]; then return 0; fi
    sleep 0.1
  done
  cat "$1/dnsd.log" >&2
  echo "dnsd did not come up" >&2
  exit 1
}

finish() {
  if [ "$FAILS" -ne 0 ]; then
    echo "$FAILS checks failed; dnsd log:" >&2
    cat "$WORK"/*/dnsd.log >&2 2>/dev/null || true
    exit 1
  fi
  echo "all checks passed"
}
