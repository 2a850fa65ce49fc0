#!/usr/bin/env bash
# The token budget's default against TEI's 16384, side by side: two servers on the same model, one
# with the default --max-batch-tokens and one with 16384, answer the same loads back to back in each
# pair, in alternating order (long texts, mixed client batches, single sentences, an open-loop
# mix), and the report gives the median of the per-pair throughput ratios and each server's
# largest RSS.
#
#   scripts/bench_budget.sh              # PAIRS=3; fp32, and int8 when scripts/bench.sh made it
#
# Needs `make setup` and ../shared/data; about 4 minutes a pair and model.
set -euo pipefail
cd "$(dirname "$0")/.."
PAIRS=${PAIRS:-3}
PORT=${PORT:-29527}
DATA=${DATA:-../shared/data}
OUT=.cache/bench
RESULTS=$OUT/budget.jsonl
mkdir -p "$OUT"
: > "$RESULTS"
go build -o bin/bertserve ./cmd/server
go build -o bin/loadgen ./cmd/loadgen

LOADS=(
  "long|-c 4 -batch 16 -long 1 -d 20s -warmup 5s"
  "mixed|-c 4 -batch 32 -long 0.2 -d 15s -warmup 5s"
  "short|-c 16 -d 8s -warmup 2s"
  "open|-rate 20 -c 64 -long 0.1 -d 20s -warmup 2s"
)
roots=(models)
[ -d "$OUT/models-int8" ] && roots+=("$OUT/models-int8")
for root in "${roots[@]}"; do
  variant=fp32
  [ "$root" = models ] || variant=int8
  bin/bertserve --addr "127.0.0.1:$PORT" --models "$root" --log-level error 2>"$OUT/server.log" &
  pids=($!)
  bin/bertserve --addr "127.0.0.1:$((PORT + 1))" --models "$root" --log-level error --max-batch-tokens 16384 2>"$OUT/server-16384.log" &
  pids+=($!)
  for port in "$PORT" $((PORT + 1)); do
    for _ in $(seq 1 120); do curl -sf "127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
  done
  for i in $(seq 1 "$PAIRS"); do
    echo "== pair $i/$PAIRS $variant" >&2
    for load in "${LOADS[@]}"; do
      name=${load%%|*}
      read -ra args <<< "${load#*|}"
      # Odd pairs measure the default first, even pairs 16384 first: the second of two runs back to
      # back tends to come out faster on this machine, whichever server it is.
      order="0 1"
      [ $((i % 2)) = 0 ] && order="1 0"
      for k in $order; do
        server=default
        [ $k = 1 ] && server=16384
        bin/loadgen -url "http://127.0.0.1:$((PORT + k))" -data "$DATA" -pid "${pids[$k]}" -json \
          -name "pair$i $variant $server $name" "${args[@]}" >> "$RESULTS"
      done
    done
  done
  kill "${pids[@]}" && wait "${pids[@]}" 2>/dev/null || true
done

python3 - "$RESULTS" <<'EOF'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    pair, variant, server, load = r["name"].split()
    runs.setdefault((variant, load), {}).setdefault(pair, {})[server] = r
print("| model | load | default tokens/s | 16384 tokens/s | default ÷ 16384 (min–max) | short p99 ms | RSS max MiB |")
print("|---|---|---:|---:|---:|---:|---:|")
for (variant, load), pairs in runs.items():
    both = [p for p in pairs.values() if len(p) == 2]
    ratios = [p["default"]["tokens_per_s"] / p["16384"]["tokens_per_s"] for p in both]
    med = lambda server, f: statistics.median(f(p[server]) for p in both)
    p99 = "–"
    if load == "open":
        p99 = "%.1f / %.1f" % tuple(med(s, lambda r: r["short_latency_ms"]["p99"]) for s in ("default", "16384"))
    rss = "%d / %d" % tuple(max(p[s]["rss_max_kb"] for p in both) // 1024 for s in ("default", "16384"))
    print(f"| {variant} | {load} | {med('default', lambda r: r['tokens_per_s']):.0f} | "
          f"{med('16384', lambda r: r['tokens_per_s']):.0f} | {statistics.median(ratios):.2f} "
          f"({min(ratios):.2f}–{max(ratios):.2f}) | {p99} | {rss} |")
EOF
