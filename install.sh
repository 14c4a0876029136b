#!/bin/sh
# install.sh - set up leakstop on Debian 12: build dependencies from
# Debian's packages, build, install under $PREFIX (default /usr/local),
# then run the installed binary once to show it works.
set -eu
cd "$(dirname "$0")"
PREFIX=${PREFIX:-/usr/local}
DEPS="build-essential pkg-config git libgit2-dev libhyperscan-dev
libinih-dev libpcre2-dev nettle-dev zlib1g-dev libkrb5-dev libssl-dev jq python3 man-db"

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		echo "install.sh: need root for: $*" >&2
		exit 1
	fi
}

missing=""
for p in $DEPS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "install.sh: installing$missing"
	as_root apt-get update -qq
	# shellcheck disable=SC2086
	as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends $missing
fi

make -j"$(nproc)"
if [ -w "$PREFIX" ] || { [ ! -e "$PREFIX" ] && [ -w "$(dirname "$PREFIX")" ]; }; then
	make install PREFIX="$PREFIX"
else
	as_root make install PREFIX="$PREFIX"
fi

"$PREFIX/bin/leakstop" version
"$PREFIX/bin/leakstop" rules --check >/dev/null || {
	echo "install.sh: the installed rules do not pass their own examples" >&2
	exit 1
}
echo "install.sh: $("$PREFIX/bin/leakstop" rules | wc -l) rules ready."
echo "install.sh: in each repository to protect, run: $PREFIX/bin/leakstop install"
