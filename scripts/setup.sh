#!/usr/bin/env bash
# Installs the Debian packages Vireo needs to build, test and benchmark.
# Idempotent and silent when everything is already present.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache clang libclang-rt-14-dev
  libgtest-dev libxxhash-dev libjemalloc-dev liblzf-dev liburing-dev
  liblua5.1-0-dev lua-cjson-dev lua-bitop-dev
  redis-server redis-tools python3 python3-redis
  awscli python3-boto3
  nftables conntrack iproute2
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node.js runs the real-client tests of Node libraries (node-redis, ioredis);
# Debian's nodejs/npm when no node is installed.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

install_node_clients() {
  # The pinned client libraries (tests/clients/node/package-lock.json) from
  # the npm registry, once; again only when the lock file changes.
  local dir
  dir="$(dirname "$0")/../tests/clients/node"
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "setup: installing the Node.js client libraries for tests (npm ci)" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --silent >/dev/null)
  fi
}

if [ ${#missing[@]} -eq 0 ]; then
  install_node_clients
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# The Debian redis-server package tries to start a system service; policy-rc.d
# may refuse that, which is fine: tests start their own instances.
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
install_node_clients
