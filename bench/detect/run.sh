#!/usr/bin/env bash
# Detection-quality benchmark: generate the corpus, stage it in a fresh git
# repository, run `leakstop hook pre-commit` on it and score the findings.
#
#   bench/detect/run.sh [--check] [--seed N] [--keep] [LEAKSTOP_BINARY]
#
# LEAKSTOP_BINARY defaults to `leakstop` on PATH (the project's own build is
# build/stage/bin/leakstop).  --check exits 1 when recall < 97% or more than
# 2% of the negative files are flagged.  --keep leaves the temporary folder
# (corpus, truth.tsv, findings.txt) and prints where it is.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
check=()
seed=1
keep=0
bin=
while [ $# -gt 0 ]; do
    case $1 in
        --check) check=(--check) ;;
        --seed) seed=${2:?--seed needs a number}; shift ;;
        --seed=*) seed=${1#--seed=} ;;
        --keep) keep=1 ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "run.sh: unknown option $1" >&2; exit 64 ;;
        *) bin=$1 ;;
    esac
    shift
done

if [ -z "$bin" ]; then
    bin=$(command -v leakstop || true)
    [ -n "$bin" ] || { echo "run.sh: no leakstop on PATH; give the binary as an argument" >&2; exit 64; }
fi
case $bin in /*) ;; */*) bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin") ;; esac
[ -x "$bin" ] || { echo "run.sh: $bin is not executable" >&2; exit 64; }
command -v python3 >/dev/null || { echo "run.sh: python3 is needed" >&2; exit 64; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/leakstop-detect.XXXXXX")
cleanup() { if [ "$keep" = 1 ]; then echo "run.sh: kept $tmp" >&2; else rm -rf "$tmp"; fi; }
trap cleanup EXIT

python3 "$here/gen.py" --seed "$seed" --out "$tmp/corpus" >&2
mv "$tmp/corpus/truth.tsv" "$tmp/truth.tsv"   # not part of what is scanned

# a repository of its own, untouched by the caller's git configuration
mkdir -p "$tmp/home"
export HOME="$tmp/home" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE
cd "$tmp/corpus"
git init -q .
git add -A
staged=$(git ls-files | wc -l)
expected=$(($(wc -l < "$tmp/truth.tsv") - 1))
if [ "$staged" -ne "$expected" ]; then
    echo "run.sh: staged $staged files, truth.tsv lists $expected" >&2
    exit 1
fi

start=$(date +%s.%N)
set +e
"$bin" hook pre-commit >"$tmp/stdout.txt" 2>"$tmp/findings.txt"
rc=$?
set -e
end=$(date +%s.%N)
if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
    echo "run.sh: $bin hook pre-commit exited $rc:" >&2
    head -20 "$tmp/findings.txt" >&2
    exit 1
fi
notes=$(grep -c '^leakstop: note' "$tmp/findings.txt" || true)

echo "binary: $bin ($("$bin" version 2>/dev/null | head -1))"
echo "corpus: seed $seed, $staged files staged; scan exit $rc in $(python3 -c "print('%.2f' % ($end - $start))") s"
[ "$notes" -eq 0 ] || grep '^leakstop: note' "$tmp/findings.txt" | sed 's/^/  /'
echo
python3 "$here/score.py" --truth "$tmp/truth.tsv" --findings "$tmp/findings.txt" "${check[@]}"
