#!/usr/bin/env bash
# Refresh the JavaScript the website serves itself (no CDN): require.js, the Jupyter widgets
# HTML manager and MathJax 3, taken from the npm registry at pinned versions and copied into
# _vendor/vendor/, which the book publishes through `html_extra_path`.
# The result is committed, so building the book needs no Node.js; run this only to upgrade.
set -euo pipefail
REQUIREJS=2.3.8
HTML_MANAGER=1.0.15   # the version ipywidgets 8 embeds (ipywidgets._version.__html_manager_version__)
MATHJAX=3.2.2         # Sphinx's mathjax extension targets MathJax 3
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts \
  "requirejs@$REQUIREJS" "@jupyter-widgets/html-manager@$HTML_MANAGER" "mathjax@$MATHJAX" >/dev/null
out="$here/_vendor/vendor"
rm -rf "$out"; mkdir -p "$out"/{requirejs,html-manager,mathjax/output/chtml/fonts,mathjax/input/tex}
m=node_modules
cp $m/requirejs/require.js $m/requirejs/LICENSE "$out/requirejs/" 2>/dev/null || cp $m/requirejs/require.js "$out/requirejs/"
cp $m/@jupyter-widgets/html-manager/dist/embed-amd.js "$out/html-manager/"
cp $m/@jupyter-widgets/html-manager/dist/*.{woff,woff2,ttf,eot,svg} "$out/html-manager/"
cp $m/mathjax/es5/tex-chtml.js $m/mathjax/LICENSE "$out/mathjax/"
cp -r $m/mathjax/es5/output/chtml/fonts/woff-v2 "$out/mathjax/output/chtml/fonts/"
cp -r $m/mathjax/es5/input/tex/extensions "$out/mathjax/input/tex/"
printf 'requirejs %s\n@jupyter-widgets/html-manager %s\nmathjax %s\n' "$REQUIREJS" "$HTML_MANAGER" "$MATHJAX" > "$out/VERSIONS"
echo "vendored into $out"
