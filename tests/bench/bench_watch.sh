#!/usr/bin/env bash
# `intake watch` on small text files: latency from the moment a file is
# complete in the inbox (renamed in) to the moment its document is
# committed (the daemon's "done" event, written after COMMIT, so `intake
# search` finds it from then on), median and p99; and sustained
# throughput of a burst of files dropped at once. Default [watch] settings
# (settle = 500ms) and the full detector chain.
#
#   tests/bench/bench_watch.sh BUILD_DIR     (BENCH_SHORT=1 or CI=true: fewer files)
set -euo pipefail
BUILD=$(cd "${1:?usage: bench_watch.sh BUILD_DIR}" && pwd)
SHORT=${BENCH_SHORT:-}
[ "${CI:-}" = true ] && SHORT=1
LAT_N=${BENCH_LATENCY_FILES:-$([ -n "$SHORT" ] && echo 40 || echo 300)}
BURST_N=${BENCH_BURST_FILES:-$([ -n "$SHORT" ] && echo 200 || echo 2000)}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/intake-bench-watch.XXXXXX")
trap 'kill $(cat "$WORK/pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$WORK"' EXIT

export INTAKE_PLUGIN_PATH=$(find "$BUILD/plugins" -name '*.so' -printf '%h\n' | sort -u | paste -sd:)
cat >"$WORK/bench.conf" <<EOF
[pipeline]
log_level = warn
jobs = ${BENCH_JOBS:-2}
[text]
type = extract_text
[ids]
type = detect_patterns
[names]
type = detect_names
[context]
type = detect_context
[export]
type = export_text
[index]
type = index_sqlite
[watch]
originals = move
EOF
mkdir -p "$WORK/inbox" "$WORK/staging"
"$BUILD/core/intake" watch --config "$WORK/bench.conf" --store "$WORK/store" "$WORK/inbox" \
  >"$WORK/events" 2>"$WORK/log" &
echo $! >"$WORK/pid"

python3 - "$WORK" "$LAT_N" "$BURST_N" <<'EOF'
import hashlib, json, os, statistics, sys, time
work, lat_n, burst_n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
inbox, staging, events = work + "/inbox", work + "/staging", work + "/events"

def wait_events(pred, timeout):
    end = time.time() + timeout
    while time.time() < end:
        with open(events) as f:
            ev = [json.loads(l) for l in f if l.startswith("{")]
        if pred(ev):
            return ev
        time.sleep(0.01)
    sys.exit("bench_watch: timed out")

wait_events(lambda ev: any(e["event"] == "watching" for e in ev), 30)

def doc(i, tag):
    # A small statement (~600 bytes) with a phone number and a name.
    return ("Протокол допроса %s-%d. Потерпевшая Айгуль Сейткали, тел. +7 701 %03d %02d %02d, "
            "пояснила суду, что в марте прибыла в город по приглашению знакомой. "
            "The witness confirmed the statement on page %d. " % (tag, i, i % 1000, i % 100, i % 97, i)
            * 2).encode()

def drop(b, name):
    p = os.path.join(staging, name)
    with open(p, "wb") as f:
        f.write(b)
    os.rename(p, os.path.join(inbox, name))  # complete in the inbox from now on
    return time.time()

# Latency: one file at a time, every 100 ms.
sent = {}
for i in range(lat_n):
    b = doc(i, "lat")
    sent[hashlib.sha256(b).hexdigest()] = drop(b, "lat%05d.txt" % i)
    time.sleep(0.1)
ev = wait_events(lambda ev: sum(e["event"] == "done" for e in ev) >= lat_n, 120)
lat = sorted(e["ts"] - sent[e["doc"]] for e in ev if e["event"] == "done" and e["doc"] in sent)
p99 = lat[min(len(lat) - 1, int(round(0.99 * (len(lat) - 1))))]
print("latency, drop -> committed, %d files one at a time: median %.0f ms, p99 %.0f ms, max %.0f ms"
      % (len(lat), statistics.median(lat) * 1000, p99 * 1000, lat[-1] * 1000))

# Throughput: a burst of files dropped at once.
burst = {}
t0 = time.time()
for i in range(burst_n):
    b = doc(i, "burst")
    burst[hashlib.sha256(b).hexdigest()] = drop(b, "b%05d.txt" % i)
t_drop = time.time() - t0
ev = wait_events(lambda ev: sum(e["event"] == "done" for e in ev) >= lat_n + burst_n, 600)
last = max(e["ts"] for e in ev if e["event"] == "done" and e["doc"] in burst)
blat = sorted(e["ts"] - burst[e["doc"]] for e in ev if e["event"] == "done" and e["doc"] in burst)
print("throughput, %d files dropped at once (in %.2f s): %.1f files/s sustained, "
      "latency median %.0f ms, p99 %.0f ms"
      % (burst_n, t_drop, burst_n / (last - t0), statistics.median(blat) * 1000,
         blat[min(len(blat) - 1, int(round(0.99 * (len(blat) - 1))))] * 1000))
EOF
kill -TERM "$(cat "$WORK/pid")"
wait "$(cat "$WORK/pid")" 2>/dev/null || true
