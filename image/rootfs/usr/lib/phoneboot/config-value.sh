# shellcheck shell=bash
# Sourced by site-network (at boot) and image/build.sh (at build time): both read keys of the effective
# configuration that `phoneboot print-config` prints, and this is the one place that knows its layout.

# config_value SECTION KEY < print-config output: the first "KEY = 'value'" under [SECTION] or [[SECTION]].
config_value() {
  awk -v section="$1" -v key="$2" '
    /^ *\[/ { line = $0; gsub(/[][ ]/, "", line); in_section = (line == section); next }
    in_section && $1 == key { v = $3; gsub(/'\''/, "", v); print v; exit }'
}

# config_tables SECTION KEY... < print-config output: one line per [[SECTION]] table, its KEYs' values joined
# by '|' (empty where unset). A table's keys come before its nested tables, so the next header ends it.
config_tables() {
  local section=$1
  shift
  awk -v section="$section" -v keys="$*" '
    function flush(  i, out) {
      if (!open) return
      out = v[k[1]]
      for (i = 2; i <= n; ++i) out = out "|" v[k[i]]
      print out
      open = 0
    }
    BEGIN { n = split(keys, k, " ") }
    /^ *\[/ {
      flush()
      line = $0
      gsub(/[][ ]/, "", line)
      if (line == section && $0 ~ /\[\[/) { open = 1; split("", v) }
      next
    }
    open { for (i = 1; i <= n; ++i) if ($1 == k[i]) { x = $3; gsub(/'\''/, "", x); v[k[i]] = x } }
    END { flush() }'
}
