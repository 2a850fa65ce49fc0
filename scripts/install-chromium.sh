#!/usr/bin/env bash
# install-chromium.sh installs Debian's headless-capable Chromium for the /docs browser test
# (cmd/server's TestDocsPageRendersOfflineInABrowser) when no Chromium is on PATH. It needs apt-get
# and root, as CI has; elsewhere it says what to run and exits 0 (the test then skips).
set -euo pipefail
for b in chromium chromium-browser google-chrome; do
  if command -v "$b" >/dev/null 2>&1; then
    exit 0
  fi
done
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: no chromium; install it (apt-get install chromium) to run the /docs browser test" >&2
  exit 0
fi
echo "==> installing chromium (Debian package) for the /docs browser test" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core >/dev/null
