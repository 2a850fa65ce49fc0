#!/usr/bin/env bash
# Two servers on the same model side by side: one with its defaults and one with other flags answer
# the same loads back to back in each pair, in alternating order, and the report gives the median
# of the per-pair throughput ratios (default ÷ other), each server's median latency and its largest
# RSS. scripts/bench_budget.sh and scripts/bench_fill.sh call it.
#
#   scripts/bench_ab.sh LABEL "OTHER FLAGS" "NAME|LOADGEN ARGS" ...
#
# PAIRS (default 3) pairs per model; fp32, and int8 when scripts/bench.sh made it. Results go to
# .cache/bench/LABEL.jsonl. Needs `make setup` and ../shared/data.
set -euo pipefail
cd "$(dirname "$0")/.."
label=$1
others=$2
read -ra other <<< "$others"
shift 2
LOADS=("$@")
PAIRS=${PAIRS:-3}
PORT=${PORT:-29527}
DATA=${DATA:-../shared/data}
OUT=.cache/bench
RESULTS=$OUT/$label.jsonl
mkdir -p "$OUT"
: > "$RESULTS"
go build -o bin/bertserve ./cmd/server
go build -o bin/loadgen ./cmd/loadgen

roots=(models)
[ -d "$OUT/models-int8" ] && roots+=("$OUT/models-int8")
for root in "${roots[@]}"; do
  variant=fp32
  [ "$root" = models ] || variant=int8
  bin/bertserve --addr "127.0.0.1:$PORT" --models "$root" --log-level error 2>"$OUT/server.log" &
  pids=($!)
  bin/bertserve --addr "127.0.0.1:$((PORT + 1))" --models "$root" --log-level error "${other[@]}" 2>"$OUT/server-$label.log" &
  pids+=($!)
  for port in "$PORT" $((PORT + 1)); do
    for _ in $(seq 1 120); do curl -sf "127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
  done
  for i in $(seq 1 "$PAIRS"); do
    echo "== pair $i/$PAIRS $variant" >&2
    for load in "${LOADS[@]}"; do
      name=${load%%|*}
      read -ra args <<< "${load#*|}"
      # Odd pairs measure the default first, even pairs the other: the second of two runs back to
      # back tends to come out faster on this machine, whichever server it is.
      order="0 1"
      [ $((i % 2)) = 0 ] && order="1 0"
      for k in $order; do
        server=default
        [ $k = 1 ] && server=other
        bin/loadgen -url "http://127.0.0.1:$((PORT + k))" -data "$DATA" -pid "${pids[$k]}" -json \
          -name "pair$i $variant $server $name" "${args[@]}" >> "$RESULTS"
      done
    done
  done
  kill "${pids[@]}" && wait "${pids[@]}" 2>/dev/null || true
done

python3 - "$RESULTS" "$others" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    pair, variant, server, load = r["name"].split()
    runs.setdefault((variant, load), {}).setdefault(pair, {})[server] = r
other = sys.argv[2]
print(f"Default against `{other}`; medians over the pairs. Latency: of the requests made only of short texts when some were long.")
print()
print(f"| model | load | default tokens/s | other tokens/s | default ÷ other (min–max) | p50 ms, default / other | p99 ms, default / other | RSS max MiB, default / other |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for (variant, load), pairs in runs.items():
    both = [p for p in pairs.values() if len(p) == 2]
    ratios = [p["default"]["tokens_per_s"] / p["other"]["tokens_per_s"] for p in both]
    med = lambda server, f: statistics.median(f(p[server]) for p in both)
    lat = lambda r: r.get("short_latency_ms") or r["latency_ms"]
    p50 = "%.1f / %.1f" % tuple(med(s, lambda r: lat(r)["p50"]) for s in ("default", "other"))
    p99 = "%.1f / %.1f" % tuple(med(s, lambda r: lat(r)["p99"]) for s in ("default", "other"))
    rss = "%d / %d" % tuple(max(p[s]["rss_max_kb"] for p in both) // 1024 for s in ("default", "other"))
    print(f"| {variant} | {load} | {med('default', lambda r: r['tokens_per_s']):.0f} | "
          f"{med('other', lambda r: r['tokens_per_s']):.0f} | {statistics.median(ratios):.2f} "
          f"({min(ratios):.2f}–{max(ratios):.2f}) | {p50} | {p99} | {rss} |")
PY
