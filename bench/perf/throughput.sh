#!/bin/bash
# Matching throughput of leakstop on ~200 MB of real source text.
#
#   bench/perf/throughput.sh [LEAKSTOP]
#
# The corpus is every .h under /usr/include and every .py/.h under
# /usr/lib/python3*, in sorted order, concatenated (repeated when short) up
# to 200 MiB and split into 8 MiB files (leakstop skips files over 10 MiB) in
# $LEAKSTOP_PERF_REPOS/corpus-200m (default /tmp/leakstop-perf). It depends on
# the packages installed, so its size and SHA-256 are printed.
#
# Times `leakstop scan DIR` (whole files: read, Hyperscan, confirm, report)
# against `cat DIR/* >/dev/null` (reading alone) with hyperfine, and reports
# MB/s (MB = 10^6 bytes). leakstop is single-threaded, so this is per core.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BIN=${1:-$TOP/build/stage/bin/leakstop}
BASE=${LEAKSTOP_PERF_REPOS:-/tmp/leakstop-perf}
DIR=$BASE/corpus-200m
SIZE=$((200 * 1024 * 1024))
WARMUP=${WARMUP:-3}
MIN_RUNS=${MIN_RUNS:-10}

die() { echo "throughput.sh: $*" >&2; exit 2; }
[ -x "$BIN" ] || die "no leakstop at $BIN"
DB=$(dirname "$BIN")/../lib/leakstop/rules.db
[ -f "$DB" ] || die "no rules.db beside $BIN (expected $DB)"
command -v hyperfine >/dev/null || die "hyperfine missing: run $HERE/setup.sh"
case "$(realpath -m "$BASE")/" in "$TOP"/*) die "$BASE is inside $TOP; use /tmp" ;; esac

WORK=$(mktemp -d /tmp/leakstop-perf-tp.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/stage/bin" "$WORK/stage/lib/leakstop"
cp "$BIN" "$WORK/stage/bin/leakstop"
BIN_ID="$(sha256sum "$BIN" | cut -c1-12), installed $(date -u -r "$BIN" +%Y-%m-%dT%H:%MZ); source HEAD $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo '?')"
cp "$DB" "$WORK/stage/lib/leakstop/rules.db"
LS=$WORK/stage/bin/leakstop
export LC_ALL=C

if [ ! -f "$DIR/.complete" ]; then
    echo "throughput.sh: building the corpus in $DIR" >&2
    rm -rf "$DIR"
    mkdir -p "$DIR"
    find /usr/include /usr/lib/python3* -type f \( -name '*.h' -o -name '*.py' \) \
        -size -4M -print0 2>/dev/null | sort -z > "$WORK/list"
    [ -s "$WORK/list" ] || die "no .h/.py files found"
    # Repeat the list as often as needed, then cut at exactly SIZE bytes.
    one=$(xargs -0 cat < "$WORK/list" | wc -c)
    reps=$(( (SIZE + one - 1) / one ))
    set +o pipefail   # head stops reading early on purpose
    for _ in $(seq "$reps"); do xargs -0 cat < "$WORK/list"; done 2>/dev/null |
        head -c "$SIZE" | split -b 8M -d -a 3 --additional-suffix=.txt - "$DIR/part-"
    set -o pipefail
    touch "$DIR/.complete"
fi
shopt -s nullglob
files=("$DIR"/part-*.txt)
[ ${#files[@]} -gt 0 ] || die "empty corpus in $DIR"
BYTES=$(cat "${files[@]}" | wc -c)
SUM=$(cat "${files[@]}" | sha256sum | cut -c1-16)

# One plain run: exit code, findings, notes (files not scanned) and max RSS.
rc=0
/usr/bin/time -o "$WORK/time" -f '%e %M' "$LS" scan --format json --output "$WORK/findings.json" "$DIR" \
    2> "$WORK/stderr" || rc=$?
FINDINGS=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$WORK/findings.json" 2>/dev/null || echo "?")
read -r _ RSS < <(tail -n 1 "$WORK/time")
NOTES=$(grep -h 'not scanned' "$WORK/stderr" || true)

hyperfine -i --style none --warmup "$WARMUP" --min-runs "$MIN_RUNS" \
    --export-json "$WORK/h.json" \
    -n cat "cat $DIR/part-*.txt >/dev/null" \
    -n leakstop "$LS scan $DIR >/dev/null" >/dev/null 2>"$WORK/hyperfine.log"

python3 - "$WORK/h.json" "$BYTES" "${#files[@]}" "$SUM" "$rc" "$FINDINGS" "$RSS" <<'PY'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
size, nfiles, digest, rc, findings, rss = int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], int(sys.argv[7])
mb = size / 1e6
c, l = res["cat"]["median"], res["leakstop"]["median"]
print(f"Corpus: {mb:.1f} MB in {nfiles} files of 8 MiB (sha256 {digest}...).")
print("| command | median ms | MB/s |")
print("|---|---:|---:|")
print(f"| cat DIR/* >/dev/null | {c*1000:.1f} | {mb/c:.0f} |")
print(f"| leakstop scan DIR | {l*1000:.1f} | {mb/l:.0f} |")
print(f"leakstop scan: {mb/l/1000:.2f} GB/s end to end (target >= 1.5 GB/s per core, single thread);"
      + (f" {mb/(l-c)/1000:.2f} GB/s with cat's reading time taken out." if l > c else ""))
print(f"leakstop scan: exit {rc}, {findings} findings in the corpus, max RSS {rss/1024:.0f} MiB.")
PY
[ -z "$NOTES" ] || echo "leakstop: $NOTES"
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); $("$LS" version) (binary sha256 $BIN_ID); load average $(cut -d' ' -f1-3 /proc/loadavg)."
