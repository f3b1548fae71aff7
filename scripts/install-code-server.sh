#!/usr/bin/env bash
# Installs code-server 4.99.4 (VS Code 1.99, the last line on Node 20) for the extension's
# end-to-end tests, the way ../shared/docs/vscode-e2e.md describes, into a cache folder outside
# the repository. Idempotent: a finished install is detected and left alone.
#   SEGMENTS_CODE_SERVER_DIR   where to install (default ~/.cache/segments-code-server)
#   SKIP_APT=1                 do not install the Debian packages (already present)
set -euo pipefail

VERSION=4.99.4
DIR="${SEGMENTS_CODE_SERVER_DIR:-$HOME/.cache/segments-code-server}"
STAMP="$DIR/.installed-$VERSION"

if [ -f "$STAMP" ] && [ -x "$DIR/node_modules/.bin/code-server" ]; then
    echo "code-server $VERSION already installed in $DIR"
    exit 0
fi

if [ "${SKIP_APT:-0}" != 1 ]; then
    missing=()
    for pkg in libkrb5-dev libxkbfile-dev libsecret-1-dev ripgrep chromium; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        SUDO=""
        [ "$(id -u)" = 0 ] || SUDO=sudo
        $SUDO apt-get update
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
    fi
fi

mkdir -p "$DIR"
cd "$DIR"
[ -f package.json ] || echo '{ "name": "segments-code-server", "private": true }' > package.json
npm install --ignore-scripts --no-audit --no-fund "code-server@$VERSION"
npm_config_yes=true npm rebuild argon2

# code-server's own postinstall, by hand: one of its steps downloads ripgrep from GitHub.
cd node_modules/code-server/lib/vscode
npm install --omit=dev --ignore-scripts --no-audit --no-fund
mkdir -p node_modules/@vscode/ripgrep/bin
cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
npm_config_yes=true npm rebuild
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sf code-linux.sh code-server)
(cd bin/helpers && ln -sf browser-linux.sh browser.sh)
(cd extensions && npm install --omit=dev --no-audit --no-fund)

touch "$STAMP"
echo "code-server $VERSION installed in $DIR"
