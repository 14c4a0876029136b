#!/usr/bin/env python3
"""Generate the detection-quality corpus for leakstop.

    gen.py --seed N --out DIR

writes DIR/pos/<type>/<nn>/<file> (one fake credential each),
DIR/neg/<case id>/<nn>/<file> (tricky look-alikes, no credential) and
DIR/truth.tsv with columns kind, path, line, end_line, type.  For a positive,
line..end_line is where the secret is (end_line = line unless it spans
several lines); for a negative, where the tricky text is (informational).

Standard library only.  The same seed always gives byte-identical files.
"""

import argparse
import os
import random
import re
import shutil
import sys

sys.dont_write_bytecode = True  # keep the source folder clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from formats import Ctx, render, MD_INNER, Unsupported  # noqa: E402
from positives import TYPES, build_group  # noqa: E402
from negatives import CASES  # noqa: E402

SAFE_PATH = re.compile(r"^[A-Za-z0-9._/-]+$")
# words some scanners use to skip paths; generated paths must not contain them
SKIP_WORDS = ("example", "sample", "test", "fixture", "mock", "fake", "dummy", "vendor", "node_modules")


def choose_formats(r, formats, n, natives=(), native_share=0.0):
    k = int(round(n * native_share)) if natives else 0
    out = [r.choice(natives) for _ in range(k)]
    pool = []
    while len(out) + len(pool) < n:
        batch = list(formats)
        r.shuffle(batch)
        pool += batch
    return out + pool[: n - len(out)]


def write(root, rel, lines):
    if not SAFE_PATH.match(rel) or any(w in rel.lower() for w in SKIP_WORDS):
        raise SystemExit("gen.py: bad generated path %r" % rel)
    text = "\n".join(lines) + "\n"
    if "\0" in text:
        raise SystemExit("gen.py: NUL byte in %s" % rel)
    full = os.path.join(root, rel)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def one_file(r, fmt, formats, group_fn, tries_left=20):
    """Render one file; if the format cannot hold these items, pick another."""
    while True:
        ctx = Ctx(r)
        inner = [f for f in MD_INNER if f in formats]
        if fmt == "markdown" and not inner:
            fmt = r.choice([f for f in formats if f != "markdown"])
            continue
        try:
            return render(r, ctx, fmt, lambda f: group_fn(r, f, ctx), inner)
        except Unsupported:
            tries_left -= 1
            if tries_left <= 0:
                raise
            fmt = r.choice(formats)


RUN = re.compile(r"[A-Za-z0-9]{6,}")


def check_span(rel, lines, span, group):
    """The truth span must hold the tracked text: a guard against renderer slips."""
    if not isinstance(group, list):
        return
    text = "\n".join(lines[span[0] - 1:span[1]])
    for it in group:
        if not it.tracked:
            continue
        src = "\n".join(it.lines[it.span[0]:it.span[1] + 1]) if hasattr(it, "lines") and it.span else \
            "\n".join(it.lines) if hasattr(it, "lines") else str(it.value)
        runs = RUN.findall(src)
        if runs and max(runs, key=len) not in text:
            raise SystemExit("gen.py: %s: lines %d-%d do not hold %r" % (rel, span[0], span[1], max(runs, key=len)))


class Capture:
    """Wraps a group function and keeps the last group it made."""

    def __init__(self, fn):
        self.fn = fn
        self.group = None

    def __call__(self, r, fmt, ctx):
        self.group = self.fn(r, fmt, ctx)
        return self.group


def generate(seed, out, per_type=10):
    r = random.Random(seed)
    rows = []
    for t in TYPES:
        fmts = choose_formats(r, t.formats, per_type, t.natives, t.native_share)
        allf = t.formats + t.natives
        for i, fmt in enumerate(fmts):
            cap = Capture(lambda rr, f, ctx, t=t: build_group(t, rr, f, ctx))
            name, lines, span = one_file(r, fmt, allf, cap)
            if not span:
                raise SystemExit("gen.py: no span for %s (%s)" % (t.name, fmt))
            rel = "pos/%s/%02d/%s" % (t.name, i + 1, name)
            check_span(rel, lines, span, cap.group)
            write(out, rel, lines)
            rows.append(("pos", rel, span[0], span[1], t.name))
    for ci, c in enumerate(CASES):
        fmts = choose_formats(r, c.formats, c.n)
        for i, fmt in enumerate(fmts):
            cap = Capture(lambda rr, f, ctx, c=c: c.gen(rr, f, ctx))
            name, lines, span = one_file(r, fmt, c.formats, cap)
            span = span or (1, len(lines))
            rel = "neg/c%03d/%02d/%s" % (ci + 1, i + 1, name)
            check_span(rel, lines, span, cap.group)
            write(out, rel, lines)
            rows.append(("neg", rel, span[0], span[1], c.name))
    with open(os.path.join(out, "truth.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("kind\tpath\tline\tend_line\ttype\n")
        for row in rows:
            f.write("%s\t%s\t%d\t%d\t%s\n" % row)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True, help="output folder (created; must be empty)")
    ap.add_argument("--per-type", type=int, default=10, help="positive files per credential type (default 10)")
    a = ap.parse_args(argv)
    if os.path.isdir(a.out) and os.listdir(a.out):
        for sub in ("pos", "neg", "truth.tsv"):
            p = os.path.join(a.out, sub)
            if os.path.isdir(p):
                shutil.rmtree(p)
            elif os.path.exists(p):
                os.remove(p)
        if os.listdir(a.out):
            ap.error("%s holds other files; give an empty or new folder" % a.out)
    os.makedirs(a.out, exist_ok=True)
    rows = generate(a.seed, a.out, a.per_type)
    npos = sum(1 for x in rows if x[0] == "pos")
    nneg = len(rows) - npos
    ncase = len({x[4] for x in rows if x[0] == "neg"})
    print("gen.py: seed %d: %d positive files (%d types), %d negative files (%d cases) in %s"
          % (a.seed, npos, len(TYPES), nneg, ncase, a.out))


if __name__ == "__main__":
    main()
