#!/usr/bin/env bash
# The language server driven by headless Neovim's built-in LSP client (scripts/nvim/suite.lua):
# diagnostics, a code action applied, hover, completion, definition, references, symbols, inlay
# hints, semantic tokens after an edit, settings, a file added on disk, on a workspace whose path
# holds a space, `#` and `ü`. Builds nothing: run `npm run build` first (it uses dist/cli.js).
# Prints one PASS/FAIL line per check, then `N passed, M failed`; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."

cli="$PWD/dist/cli.js"
failures=()
if [ ! -f "$cli" ]; then failures+=("FAIL setup -- $cli is missing: run npm run build first"); fi
if ! command -v nvim >/dev/null; then failures+=("FAIL setup -- nvim is not on the PATH (Debian: apt-get install neovim)"); fi
if [ ${#failures[@]} -gt 0 ]; then
  printf '%s\n' "${failures[@]}"
  echo "0 passed, ${#failures[@]} failed"
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
workspace="$tmp/metacurate nvim #1 ü"
mkdir -p "$workspace"

log="$tmp/suite.log"
METACURATE_CLI="$cli" METACURATE_WS="$workspace" timeout 300 \
  nvim --headless -n -i NONE -u NONE -c "luafile scripts/nvim/suite.lua" >"$log" 2>"$tmp/nvim.stderr"
status=$?
grep -E '^(PASS|FAIL) ' "$log"
passed=$(grep -c '^PASS ' "$log")
failed=$(grep -c '^FAIL ' "$log")
if [ "$status" -ne 0 ] || [ "$passed" -eq 0 ]; then
  # Neovim stopped early (a Lua error, the timeout): that is one more failure, with its output.
  echo "FAIL suite -- nvim exited with status $status: $(tr '\n' ' ' <"$tmp/nvim.stderr" | head -c 2000)"
  failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
