#!/usr/bin/env bash
# Refresh the JavaScript the website serves itself (no CDN): MathJax 3, taken from the npm
# registry at a pinned version and copied into _vendor/vendor/, which the book publishes through
# `html_extra_path`. The result is committed, so building the book needs no Node.js; run this
# only to upgrade.
# No Jupyter widgets manager (require.js, @jupyter-widgets/html-manager) is vendored: every
# explorer on the site is self-contained HTML, no notebook stores widget state
# (tests/test_notebooks.py checks it), and _config.yml sets `nb_ipywidgets_js: {}`.
set -euo pipefail
MATHJAX=3.2.2         # Sphinx's mathjax extension targets MathJax 3
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts "mathjax@$MATHJAX" >/dev/null
out="$here/_vendor/vendor"
rm -rf "$out"; mkdir -p "$out"/{mathjax/output/chtml/fonts,mathjax/input/tex}
m=node_modules
cp $m/mathjax/es5/tex-chtml.js $m/mathjax/LICENSE "$out/mathjax/"
cp -r $m/mathjax/es5/output/chtml/fonts/woff-v2 "$out/mathjax/output/chtml/fonts/"
cp -r $m/mathjax/es5/input/tex/extensions "$out/mathjax/input/tex/"
printf 'mathjax %s\n' "$MATHJAX" > "$out/VERSIONS"
echo "vendored into $out"
