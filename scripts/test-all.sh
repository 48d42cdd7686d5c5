#!/usr/bin/env bash
# Runs every test suite of the project from a fresh Debian machine: installs what the suites
# need (Debian packages once, npm ci), builds, lints, and runs the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the suites use. Installed only when missing, so a second run is quick.
DEBIAN_PACKAGES=(wordnet-base bzip2 unzip chromium libkrb5-dev slurmctld slurmd slurm-client munge python3-torch python3-numpy python3-pil libopenblas0-pthread neovim python3-ahocorasick)
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

# Each suite's output is kept in artifacts/logs/ and its counts summed into one closing line.
mkdir -p artifacts/logs
passed=0
failed=0
status=0
count_suite() { # name, passed, failed
  echo "== $1: $2 passed, $3 failed"
  passed=$((passed + $2))
  failed=$((failed + $3))
}
# A suite whose runner ends with the line 'N passed, M failed': name, log name, command...
line_suite() {
  local name=$1 log=artifacts/logs/$2.log
  shift 2
  if "$@" 2>&1 | tee "$log"; then :; else status=1; fi
  local line
  line=$( (grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" || true) | tail -1)
  line=${line:-0 passed, 1 failed}
  count_suite "$name" "$(echo "$line" | cut -d' ' -f1)" "$(echo "$line" | cut -d' ' -f3)"
}

echo "== unit and integration tests (mocha)"
if npx mocha 2>&1 | tee artifacts/logs/mocha.log; then :; else status=1; fi
count_suite mocha "$(grep -oE '[0-9]+ passing' artifacts/logs/mocha.log | tail -1 | grep -oE '[0-9]+' || echo 0)" \
  "$(grep -oE '[0-9]+ failing' artifacts/logs/mocha.log | tail -1 | grep -oE '[0-9]+' || echo 0)"

echo "== end-to-end in a real VS Code (code-server + headless Chromium; screenshots in artifacts/e2e/)"
line_suite e2e e2e bash scripts/e2e/run.sh

echo "== language server in headless Neovim (its built-in LSP client, scripts/nvim/run.sh)"
line_suite nvim nvim bash scripts/nvim/run.sh

echo "== fault injection (kill -9 in every pass and resume, disk full on a tmpfs, two runs into one folder)"
line_suite fault fault node scripts/fault/run.mjs

echo "== built-in trainer (Python unittest with Debian's PyTorch: real training, checkpoint, resume, evaluation)"
if PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -m unittest discover -s trainer/tests 2>&1 | tee artifacts/logs/trainer.log; then :; else status=1; fi
ran=$(grep -oE '^Ran [0-9]+ test' artifacts/logs/trainer.log | tail -1 | grep -oE '[0-9]+' || echo 0)
bad=$( (grep -oE '(failures|errors)=[0-9]+' artifacts/logs/trainer.log || true) | awk -F= '{ s += $2 } END { print s + 0 }')
if [ "$ran" = 0 ]; then bad=1; fi
count_suite trainer "$((ran - bad > 0 ? ran - bad : 0))" "$bad"

# What failed, repeated last: CI keeps only the tail of this output, so a failure far up in a
# suite's log is named here too.
if [ "$failed" -ne 0 ]; then
  echo
  echo "== what failed"
  for log in artifacts/logs/*.log; do
    case $log in
      */mocha.log) sed -n '/^ *[0-9][0-9]* failing/,$p' "$log" | head -120 ;;
      */trainer.log) grep -E -A12 '^(FAIL|ERROR):' "$log" | head -60 || true ;;
      *) grep -E -A6 '^ *(not ok|FAIL|failed|✗)' "$log" | head -60 || true ;;
    esac
  done
fi

echo
echo "total: $passed passed, $failed failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then exit 1; fi
