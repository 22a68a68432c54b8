# shellcheck shell=bash
# Sourced by site-network (at boot) and image/build.sh (at build time): both read keys of the effective
# configuration that `phoneboot print-config` prints, and this is the one place that knows its layout.

# config_value SECTION KEY < print-config output: the first "KEY = 'value'" under [SECTION] or [[SECTION]].
config_value() {
  awk -v section="$1" -v key="$2" '
    /^ *\[/ { line = $0; gsub(/[][ ]/, "", line); in_section = (line == section); next }
    in_section && $1 == key { v = $3; gsub(/'\''/, "", v); print v; exit }'
}
