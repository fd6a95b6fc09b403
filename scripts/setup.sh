#!/usr/bin/env bash
# Installs the Debian packages Vireo needs to build, test and benchmark.
# Idempotent and silent when everything is already present.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache clang libclang-rt-14-dev
  libgtest-dev libxxhash-dev libjemalloc-dev liblzf-dev
  liblua5.1-0-dev lua-cjson-dev lua-bitop-dev
  redis-server redis-tools python3 python3-redis
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# The Debian redis-server package tries to start a system service; policy-rc.d
# may refuse that, which is fine: tests start their own instances.
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
