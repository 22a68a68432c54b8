# Sourced by the tests that run the whole appliance on the example site (etc/phoneboot) against a phone
# namespace: `source example_appliance.sh NAME APP_IF PHONE_IF`. Sets bin, src, work (a folder removed on
# exit), app and phone (namespaces joined by a veth: APP_IF 10.250.0.2/24 <-> PHONE_IF, no address), and sup
# (the supervisor, once started); gives fail, in_phone, wait_for, example_config and start_appliance.
bin=${PHONEBOOT_BIN:?}
src=${PHONEBOOT_SOURCE_DIR:?}
for svc in dhcpd dnsd sntpd provisiond; do
  [ -x "$bin/phoneboot-$svc" ] || { echo "phoneboot-$svc is not built" >&2; exit 1; }
done
app=pb$1-a$$
phone=pb$1-p$$
app_if=$2
phone_if=$3
work=$(mktemp -d "/tmp/pb-$1.XXXXXX")
sup=""
cleanup() {
  [ -n "$sup" ] && kill -9 "$sup" 2>/dev/null
  ip netns pids "$app" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  ip netns pids "$phone" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  ip netns del "$app" 2>/dev/null || true
  ip netns del "$phone" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; sed 's/^/  log: /' "$work/log" >&2; exit 1; }
in_phone() { ip netns exec "$phone" "$@"; }
wait_for() { for _ in $(seq "${2:-100}"); do eval "$1" && return 0; sleep 0.1; done; return 1; }

# The example configuration in $work/etc, unchanged but for the interface name, the state kept in
# $work/state (owned by the daemons' user) and the sed expressions given as arguments.
example_config() {
  chmod 755 "$work"
  mkdir -p "$work/etc" "$work/state"
  cp -r "$src/etc/phoneboot/." "$work/etc/"
  sed -i "s|^interface *=.*|interface = \"$app_if\"|; s|^state_dir *=.*|state_dir = \"$work/state\"|" \
    "$work/etc/site.toml"
  for expression in "$@"; do sed -i "$expression" "$work/etc/site.toml"; done
  id phoneboot >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin phoneboot
  chown phoneboot: "$work/state"
}

# The namespaces, then `phoneboot run` in the appliance's until every service says it started.
start_appliance() {
  ip netns add "$app"
  ip netns add "$phone"
  ip link add "$app_if" netns "$app" type veth peer name "$phone_if" netns "$phone"
  ip -n "$app" addr add 10.250.0.2/24 dev "$app_if"
  for ns in "$app" "$phone"; do ip -n "$ns" link set lo up; done
  ip -n "$app" link set "$app_if" up
  ip -n "$phone" link set "$phone_if" up
  "$bin/phoneboot" check -c "$work/etc" > /dev/null || fail "the configuration does not pass check"
  ip netns exec "$app" "$bin/phoneboot" run -c "$work/etc" > "$work/log" 2>&1 &
  sup=$!
  for svc in dhcpd dnsd sntpd provisiond; do
    wait_for "grep -q '^$svc: started' '$work/log'" 100 || fail "$svc did not start"
  done
}
