#!/usr/bin/env bash
# Checks that a VSIX holds bundled code only: dist/*.js (and dist/wordnet-lemmas.txt, the lemma list completion reads;
# dist/lid/, the language identifier's model, wasm and notice, for worldwide curation), the manifest,
# README/LICENSE/CHANGELOG, media/ and the trainer's Python files; never sources, source maps,
# node_modules, tests or the tsc output. Exits 1 naming every file that should not be there.
#   bash scripts/e2e/check-vsix.sh [dist/metacurate.vsix]
set -euo pipefail
vsix="${1:-dist/metacurate.vsix}"
if [ ! -f "$vsix" ]; then
  echo "check-vsix: $vsix does not exist (npm run package builds it)" >&2
  exit 1
fi

# One name a line (zipinfo mode of unzip); folders end in / and are skipped.
names="$(unzip -Z1 "$vsix" | grep -v '/$')"
if [ -z "$names" ]; then
  echo "check-vsix: $vsix lists no files" >&2
  exit 1
fi

allowed='^(\[Content_Types\]\.xml|extension\.vsixmanifest'
allowed+='|extension/package\.json'
allowed+='|extension/(readme|license|changelog)(\.md|\.txt)?'
allowed+='|extension/dist/[^/]+\.js'
allowed+='|extension/dist/wordnet-lemmas\.txt'
allowed+='|extension/dist/lid/(lid\.176\.ftz|fastText\.node\.wasm|NOTICE\.txt)'
allowed+='|extension/media/.+'
allowed+='|extension/trainer/README\.md'
allowed+='|extension/trainer/metacurate_trainer/[^/]+\.py)$'

# Named reasons first (the usual ways a package goes wrong), then anything else not allowed.
forbidden='(\.ts$|\.map$|(^|/)node_modules/|^extension/test/|^extension/out/)'
bad_named="$(grep -E "$forbidden" <<<"$names" || true)"
missing=''
bad_other="$(grep -Eiv "$allowed" <<<"$names" | grep -Ev "$forbidden" || true)"
for must in extension/package.json extension/dist/extension.js extension/dist/server.js \
  extension/dist/cli.js extension/dist/webview.js extension/dist/entryBrowser.js extension/dist/wordnet-lemmas.txt \
  extension/dist/lid/lid.176.ftz extension/dist/lid/fastText.node.wasm; do
  grep -qxF "$must" <<<"$names" || missing+="$must"$'\n'
done

if [ -n "$bad_named" ] || [ -n "$bad_other" ] || [ -n "$missing" ]; then
  echo "check-vsix: $vsix must hold bundled code only (see .vscodeignore):" >&2
  if [ -n "$bad_named" ]; then
    echo "  sources, source maps, node_modules, test/ or out/ in the package:" >&2
    sed 's/^/    /' <<<"$bad_named" >&2
  fi
  if [ -n "$bad_other" ]; then
    echo "  files outside dist/*.js, dist/wordnet-lemmas.txt, dist/lid/, media/, the trainer's .py files and the manifest:" >&2
    sed 's/^/    /' <<<"$bad_other" >&2
  fi
  if [ -n "$missing" ]; then
    echo "  bundles missing:" >&2
    sed '/^$/d; s/^/    /' <<<"$missing" >&2
  fi
  exit 1
fi
echo "check-vsix: $vsix holds $(wc -l <<<"$names") files, bundled code only"
