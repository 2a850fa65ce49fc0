#!/usr/bin/env bash
# docker-build.sh lays out the container image's files under ROOTFS: the server and healthcheck
# binaries in /usr/local/bin, ONNX Runtime in /usr/local/lib, and optionally the default model in
# /models. The Dockerfiles run it in their build stage, and CI runs it on the host
# (scripts/docker-check.sh), so the image's build steps are tested without a Docker engine.
#
#   scripts/docker-build.sh [--variant cpu|cuda] [--version V] [--with-models] ROOTFS
#
# cpu takes ONNX Runtime from the npm package onnxruntime-node (as scripts/setup.sh does); cuda
# takes the CUDA build from the Maven package com.microsoft.onnxruntime:onnxruntime_gpu (libraries
# for the CUDA execution provider included). Every download is sha256-checked.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
variant=cpu
version=dev
with_models=0
rootfs=""
while [ $# -gt 0 ]; do
  case "$1" in
    --variant) variant="$2"; shift 2 ;;
    --version) version="$2"; shift 2 ;;
    --with-models) with_models=1; shift ;;
    -*) echo "docker-build: unknown option $1" >&2; exit 2 ;;
    *) rootfs="$1"; shift ;;
  esac
done
[ -n "$rootfs" ] || { echo "usage: $0 [--variant cpu|cuda] [--version V] [--with-models] ROOTFS" >&2; exit 2; }

# The CUDA build of the ONNX Runtime version scripts/setup.sh installs for the CPU.
ORT_GPU_VERSION=1.24.3
ORT_GPU_JAR_SHA256=db71b1f3863ed03b3b31bb1ae4a19422818bc11eedf60d261d2753a304a98b24

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'docker-build: %s\n' "$*" >&2; exit 1; }

mkdir -p "$rootfs/usr/local/bin" "$rootfs/usr/local/lib" "$rootfs/models"
rootfs="$(cd "$rootfs" && pwd)"
cache="${BERTSERVE_CACHE:-$root/.cache}"

log "building the server ($variant, version $version)"
# cgo is needed to load ONNX Runtime; the binary links only against the C library.
(cd "$root" && CGO_ENABLED=1 go build -trimpath -ldflags "-s -w -X main.version=$version" \
  -o "$rootfs/usr/local/bin/bertserve" ./cmd/server)
(cd "$root" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$rootfs/usr/local/bin/healthcheck" ./cmd/healthcheck)

case "$variant" in
  cpu)
    BERTSERVE_CACHE="$cache" "$root/scripts/setup.sh" ort
    cp -L "$cache/libonnxruntime.so" "$rootfs/usr/local/lib/libonnxruntime.so.1"
    ;;
  cuda)
    jar="$cache/onnxruntime_gpu-$ORT_GPU_VERSION.jar"
    if [ ! -f "$jar" ] || [ "$(sha256sum "$jar" | cut -d' ' -f1)" != "$ORT_GPU_JAR_SHA256" ]; then
      log "fetching com.microsoft.onnxruntime:onnxruntime_gpu:$ORT_GPU_VERSION (Maven Central)"
      mkdir -p "$cache"
      command -v mvn >/dev/null 2>&1 || die "'mvn' is required (it downloads the CUDA build of ONNX Runtime)"
      mvn -q -B dependency:copy -Dartifact="com.microsoft.onnxruntime:onnxruntime_gpu:$ORT_GPU_VERSION" \
        -DoutputDirectory="$cache" >&2 || die "mvn could not fetch onnxruntime_gpu $ORT_GPU_VERSION"
    fi
    got="$(sha256sum "$jar" | cut -d' ' -f1)"
    [ "$got" = "$ORT_GPU_JAR_SHA256" ] || die "$jar: sha256 $got, expected $ORT_GPU_JAR_SHA256"
    tmp="$(mktemp -d)"
    # The core library and the CUDA execution provider (loaded by ONNX Runtime from the same folder);
    # not the Java bindings, nor the TensorRT provider, which would need TensorRT.
    native=ai/onnxruntime/native/linux-x64
    unzip -q -o "$jar" "$native/libonnxruntime.so" "$native/libonnxruntime_providers_shared.so" \
      "$native/libonnxruntime_providers_cuda.so" -d "$tmp"
    cp "$tmp/$native/libonnxruntime.so" "$rootfs/usr/local/lib/libonnxruntime.so.1"
    cp "$tmp/$native/libonnxruntime_providers_shared.so" "$tmp/$native/libonnxruntime_providers_cuda.so" "$rootfs/usr/local/lib/"
    rm -rf "$tmp"
    ;;
  *) die "unknown variant $variant (want cpu or cuda)" ;;
esac
ln -sfn libonnxruntime.so.1 "$rootfs/usr/local/lib/libonnxruntime.so"

if [ "$with_models" = 1 ]; then
  BERTSERVE_CACHE="$cache" BERTSERVE_MODELS="$rootfs/models" "$root/scripts/setup.sh" default-model
fi
chmod -R a+rX "$rootfs"
log "image files in $rootfs:"
(cd "$rootfs" && find . -type f -o -type l | sort) >&2
