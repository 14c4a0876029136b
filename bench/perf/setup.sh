#!/bin/sh
# Install the peer tools for the leakstop performance benchmark.
#
#   bench/perf/setup.sh
#
# Debian packages: git-secrets, hyperfine, time (GNU /usr/bin/time).
# npm (into bench/perf/node/, not global): secretlint and its recommended
# preset, pinned. 12.0.0 is the last release whose "engines" accepts Node 20
# (Debian 12's nodejs); 12.1.0 and later want Node >= 22.
# Idempotent: anything already present at the wanted version is left alone.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
SECRETLINT_VERSION=12.0.0
PRESET_VERSION=12.0.0
DEBS="git-secrets hyperfine time"

if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi

missing=
for p in $DEBS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    # Candidate known? If not, the lists are stale or absent: update once.
    for p in $missing; do
        if ! apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
            $SUDO apt-get update
            break
        fi
    done
    echo "setup: apt-get install -y$missing"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $missing
fi
for p in $DEBS; do
    echo "setup: deb $p $(dpkg-query -W -f='${Version}' "$p")"
done

command -v npm >/dev/null 2>&1 || {
    echo "setup: npm is missing (apt-get install nodejs npm)" >&2; exit 1; }

have() { # have PKG VERSION: installed under node/ at exactly VERSION
    f="$HERE/node/node_modules/$1/package.json"
    [ -f "$f" ] && node -e 'process.exit(require(process.argv[1]).version===process.argv[2]?0:1)' "$f" "$2"
}
if have secretlint "$SECRETLINT_VERSION" &&
   have @secretlint/secretlint-rule-preset-recommend "$PRESET_VERSION"; then
    :
else
    echo "setup: npm install secretlint@$SECRETLINT_VERSION @secretlint/secretlint-rule-preset-recommend@$PRESET_VERSION"
    mkdir -p "$HERE/node"
    npm install --prefix "$HERE/node" --no-audit --no-fund --save-exact \
        "secretlint@$SECRETLINT_VERSION" \
        "@secretlint/secretlint-rule-preset-recommend@$PRESET_VERSION"
fi
# The config secretlint reads (--secretlintrc) in run.sh: the recommended
# preset, with the AWS rule's access-key-ID check on (it is off by default,
# and the blocking case stages an access key ID alone, as git-secrets and
# leakstop flag it).
cat > "$HERE/node/.secretlintrc.json" <<'JSON'
{
  "rules": [
    {
      "id": "@secretlint/secretlint-rule-preset-recommend",
      "rules": [
        { "id": "@secretlint/secretlint-rule-aws", "options": { "enableIDScanRule": true } }
      ]
    }
  ]
}
JSON
echo "setup: npm secretlint $("$HERE/node/node_modules/.bin/secretlint" --version)"
echo "setup: npm @secretlint/secretlint-rule-preset-recommend $(node -p 'require(process.argv[1]).version' "$HERE/node/node_modules/@secretlint/secretlint-rule-preset-recommend/package.json")"
echo "setup: node $(node --version), git-secrets $(command -v git-secrets), hyperfine $(hyperfine --version | cut -d' ' -f2)"
