#!/usr/bin/env bash
# End-to-end suite in a real VS Code: installs the tools once (scripts/e2e/setup.sh), builds the
# VSIX, installs it into a fresh code-server and drives it with headless Chromium
# (test/e2e/ui.e2e.mjs). Screenshots and logs land in artifacts/e2e/. Prints `N passed, N failed`.
set -euo pipefail
cd "$(dirname "$0")/../.."

bash scripts/e2e/setup.sh

if [ "${METACURATE_E2E_SKIP_PACKAGE:-}" != 1 ]; then
  echo "== e2e: packaging the VSIX"
  npm run --silent package >/dev/null
fi
ls -l dist/metacurate.vsix
# Fails the run when the package holds anything but bundled code (sources, maps, node_modules, ...).
bash scripts/e2e/check-vsix.sh dist/metacurate.vsix

echo "== e2e: code-server + Chromium"
node test/e2e/main.mjs
