#!/usr/bin/env bash
# Paired ratios for docs/benchmarks.md: on a shared machine the load from other processes drifts
# over minutes, so each pair measures bertserve and bare session.Run back to back (a few seconds
# apart) and scripts/bench_report.py takes the median of the per-pair ratios. Each pair also runs
# the server's pipeline in process (loadgen -mode inproc: tokenizer, batcher and session as the
# server sets them up, without HTTP), which splits the gap into what batching costs and what HTTP
# costs. A second server with --packing=false answers the same loads, so each pair also gives the
# ratio of packed to padded batches, for single sentences and for client batches of 32, and a third
# with --busy-threads equal to --threads (one session whose thread pool the workers share, the layout
# before busy batches got their own single-threaded session) gives that layout's ratios. Called by
# scripts/bench.sh (PAIRS pairs per model); expects bin/ built and the int8 model made.
set -euo pipefail
cd "$(dirname "$0")/.."
PAIRS=${PAIRS:-5}
THREADS=${THREADS:-2}
PORT=${PORT:-29517}
DATA=${DATA:-../shared/data}
OUT=.cache/bench
RESULTS=${RESULTS:-$OUT/results.jsonl}
INT8=$OUT/models-int8/all-MiniLM-L6-v2-int8

for variant in fp32 int8; do
  root=models model=models/all-MiniLM-L6-v2
  [ $variant = int8 ] && root=$OUT/models-int8 model=$INT8
  bin/bertserve --addr "127.0.0.1:$PORT" --models "$root" --log-level error 2>"$OUT/server.log" &
  pid=$!
  bin/bertserve --addr "127.0.0.1:$((PORT + 1))" --models "$root" --log-level error --packing=false 2>"$OUT/server-padded.log" &
  padded_pid=$!
  bin/bertserve --addr "127.0.0.1:$((PORT + 2))" --models "$root" --log-level error --busy-threads "$THREADS" 2>"$OUT/server-shared.log" &
  shared_pid=$!
  for port in "$PORT" $((PORT + 1)) $((PORT + 2)); do
    for _ in $(seq 1 120); do curl -sf "127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
  done
  for i in $(seq 1 "$PAIRS"); do
    echo "== pair $i/$PAIRS $variant" >&2
    bin/loadgen -mode bare -data "$DATA" -model "$model" -d 2s -no-spin -json -name "pair$i $variant bare w${THREADS}t1" \
      -workers "$THREADS" -threads 1 -batches 4,8,16 -sorted >> "$RESULTS"
    bin/loadgen -mode bare -data "$DATA" -model "$model" -d 2s -no-spin -json -name "pair$i $variant bare w1t$THREADS" \
      -workers 1 -threads "$THREADS" -batches 4,8,16 -sorted >> "$RESULTS"
    bin/loadgen -mode inproc -data "$DATA" -model "$model" -d 3s -warmup 1s -c 16 -no-spin -json -name "pair$i $variant inproc c16" \
      -workers 2 -threads "$THREADS" >> "$RESULTS"
    bin/loadgen -url "http://127.0.0.1:$PORT" -data "$DATA" -d 3s -warmup 1s -c 16 -pid "$pid" -json -name "pair$i $variant server c16" >> "$RESULTS"
    bin/loadgen -url "http://127.0.0.1:$PORT" -data "$DATA" -d 3s -warmup 1s -c 1 -json -name "pair$i $variant server c1" >> "$RESULTS"
    bin/loadgen -url "http://127.0.0.1:$((PORT + 1))" -data "$DATA" -d 3s -warmup 1s -c 16 -json -name "pair$i $variant padded c16" >> "$RESULTS"
    bin/loadgen -url "http://127.0.0.1:$PORT" -data "$DATA" -d 3s -warmup 1s -c 4 -batch 32 -json -name "pair$i $variant server c4 batch32" >> "$RESULTS"
    bin/loadgen -url "http://127.0.0.1:$((PORT + 1))" -data "$DATA" -d 3s -warmup 1s -c 4 -batch 32 -json -name "pair$i $variant padded c4 batch32" >> "$RESULTS"
    bin/loadgen -url "http://127.0.0.1:$((PORT + 2))" -data "$DATA" -d 3s -warmup 1s -c 16 -json -name "pair$i $variant shared c16" >> "$RESULTS"
    bin/loadgen -url "http://127.0.0.1:$((PORT + 2))" -data "$DATA" -d 3s -warmup 1s -c 4 -batch 32 -json -name "pair$i $variant shared c4 batch32" >> "$RESULTS"
    bin/loadgen -url "http://127.0.0.1:$((PORT + 2))" -data "$DATA" -d 3s -warmup 1s -c 1 -json -name "pair$i $variant shared c1" >> "$RESULTS"
    for t in 1 "$THREADS"; do
      bin/loadgen -mode bare -data "$DATA" -model "$model" -d 2s -no-spin -json -name "pair$i $variant bare b1 w1t$t" \
        -workers 1 -threads "$t" -batches 1 >> "$RESULTS"
      # The same with the cores left idle for 0.3 ms after each run, about what one client's
      # request spends outside session.Run in the server (HTTP, tokenizing, pooling, JSON).
      bin/loadgen -mode bare -data "$DATA" -model "$model" -d 2s -no-spin -json -name "pair$i $variant cold b1 w1t$t" \
        -workers 1 -threads "$t" -batches 1 -gap 300us >> "$RESULTS"
    done
  done
  kill "$pid" "$padded_pid" "$shared_pid" && wait "$pid" "$padded_pid" "$shared_pid" 2>/dev/null || true
done
