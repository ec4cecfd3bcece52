#!/usr/bin/env bash
# Install intake into a scratch root, build a plugin outside the tree with
# nothing but `pkg-config intake-plugin`, and load it with the installed
# binary. TAP output.
set -uo pipefail
BUILD="$1" SRC="$2"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 bad=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; bad=1; fi; }

meson install -C "$BUILD" --destdir "$tmp/root" --no-rebuild --quiet >/dev/null 2>&1
ok $? "meson install into a scratch root"
pc=$(find "$tmp/root" -name intake-plugin.pc | head -1)
ok $([ -n "$pc" ]; echo $?) "intake-plugin.pc installed"
export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR="$tmp/root"
cflags=$(pkg-config --cflags intake-plugin)
plugindir="$tmp/root$(PKG_CONFIG_SYSROOT_DIR= pkg-config --variable=plugindir intake-plugin)"
ok $([ -f "$plugindir/extract_text.so" ]; echo $?) "plugins installed under a directory versioned by ABI major ($(basename "$plugindir"))"
mkdir -p "$tmp/oot"
cc -std=c11 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden $cflags \
  "$SRC/tests/integration/oot/detect_oot.c" -o "$tmp/oot/detect_oot.so"
ok $? "out-of-tree plugin compiles against installed headers only"
syms=$(nm -D --defined-only "$tmp/oot/detect_oot.so" | grep -c ' intake_')
ok $([ "$syms" = 1 ]; echo $?) "it exports exactly one intake_ symbol"

intake="$tmp/root$(sed -n 's/^prefix=//p' "$pc")/bin/intake"
cat >"$tmp/oot.conf" <<CONF
[pipeline]
plugin_dir = $plugindir:$tmp/oot
[text]
type = extract_text
[oot]
type = detect_oot
CONF
unset INTAKE_PLUGIN_PATH INTAKE_CONFIG
out=$("$intake" plugins --config "$tmp/oot.conf" 2>&1)
echo "$out" | grep -q '^detect_oot .*detect .*out-of-tree example plugin' 
ok $? "installed intake lists the out-of-tree plugin"
printf 'Statement of OUTOFTREE, taken today.\n' >"$tmp/in.txt"
out=$("$intake" redact --config "$tmp/oot.conf" "$tmp/in.txt" 2>&1)
[ "$out" = "Statement of [PERSON-1], taken today." ]
ok $? "installed intake runs it: '$out'"
echo "1..$n"
exit $bad
