#!/usr/bin/env bash
# Runs every test suite of the project from a fresh Debian machine: installs what the suites
# need (Debian packages once, npm ci), builds, lints, and runs the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the suites use. Installed only when missing, so a second run is quick.
DEBIAN_PACKAGES=(wordnet-base bzip2 chromium libkrb5-dev slurmctld slurmd slurm-client munge)
missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "== installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "== missing Debian packages (install them as root): ${missing[*]}" >&2
    exit 1
  fi
fi

echo "== npm ci"
npm ci --no-audit --no-fund

echo "== build (esbuild bundles + tsc -b)"
npm run build

echo "== lint (eslint + prettier --check)"
npm run lint

echo "== unit and integration tests (mocha)"
npx mocha

echo "== end-to-end in a real VS Code (code-server + headless Chromium; screenshots in artifacts/e2e/)"
bash scripts/e2e/run.sh
