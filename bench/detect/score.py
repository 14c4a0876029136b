#!/usr/bin/env python3
"""Score leakstop findings against the generated truth.

    score.py --truth DIR/truth.tsv --findings FILE [--check] [--min-recall 0.97] [--max-flagged 0.02]

FILE holds leakstop's text output; finding lines look like

    path:line:col  rule-id  AKIA...(20 chars)  fingerprint 5bc8513c7295dfe3

with the path relative to the repository root (bytes escaped as \\xNN);
every other line is ignored.  A positive counts as found when some finding
is in its file on a line from its truth line to its end line.  A negative
file counts as flagged when it has any finding at all.

Prints overall recall, the share of negative files flagged, a table per
credential type, recall per file kind, the missed positives and the flagged
negatives.  Exits 0, or with --check 1 when recall < --min-recall or the
flagged share > --max-flagged.
"""

import argparse
import collections
import os
import re
import sys

FINDING = re.compile(r"^(.+?):(\d+):(\d+)  (\S+)(?:  |\s*$)")
ESC = re.compile(r"\\x([0-9A-Fa-f]{2})")


def unescape(path):
    if "\\x" not in path:
        return path
    raw = ESC.sub(lambda m: "\0%s\0" % m.group(1), path)
    out = bytearray()
    for i, part in enumerate(raw.split("\0")):
        out += bytes.fromhex(part) if i % 2 else part.encode("utf-8")
    return out.decode("utf-8", "surrogateescape")


def read_truth(path):
    pos, neg = [], []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        if header[:5] != ["kind", "path", "line", "end_line", "type"]:
            sys.exit("score.py: %s: unexpected header %r" % (path, header))
        for n, ln in enumerate(f, 2):
            cols = ln.rstrip("\n").split("\t")
            if len(cols) < 5:
                sys.exit("score.py: %s:%d: expected 5 columns" % (path, n))
            kind, p, a, b, t = cols[:5]
            row = (p, int(a), int(b), t)
            (pos if kind == "pos" else neg).append(row)
    return pos, neg


def read_findings(path):
    by_file = collections.defaultdict(list)
    n = 0
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for ln in f:
            m = FINDING.match(ln.rstrip("\n"))
            if not m:
                continue
            by_file[unescape(m.group(1))].append((int(m.group(2)), m.group(4)))
            n += 1
    return by_file, n


BARE = {"config": "kubeconfig", "kubeconfig": "kubeconfig", "credentials": "aws-credentials",
        "aws-credentials": "aws-credentials", "netrc": "netrc", "_netrc": "netrc", "terraformrc": "terraformrc",
        "npmrc": "npmrc", "pypirc": "pypirc", "known_hosts": "known_hosts", "authorized_keys": "authorized_keys"}
EXT = {"yml": "yaml", "tf": "hcl", "tfvars": "hcl", "config": "xml", "key": "pem", "crt": "pem", "csr": "pem",
       "pub": "pem", "dockerfile": "dockerfile", "env": "env", "sh": "sh", "rc": "terraformrc"}


def kind_of(path):
    """A file's kind for the per-kind table, from its name."""
    base = os.path.basename(path)
    stem, ext = os.path.splitext(base)
    ext = ext.lstrip(".").lower()
    if base.startswith("Dockerfile"):
        return "dockerfile"
    if base.startswith(".env"):
        return "env"
    if base.lstrip(".") in BARE:
        return BARE[base.lstrip(".")]
    if not ext:
        if base.startswith("id_") or "/keys/" in path or "/deploy/" in path:
            return "keyfile"
        return "sh" if "/bin/" in path else base
    return EXT.get(ext, ext)


def pct(a, b):
    return 100.0 * a / b if b else 0.0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--truth", required=True)
    ap.add_argument("--findings", required=True)
    ap.add_argument("--check", action="store_true", help="exit 1 when below target")
    ap.add_argument("--min-recall", type=float, default=0.97)
    ap.add_argument("--max-flagged", type=float, default=0.02)
    ap.add_argument("--max-list", type=int, default=0, help="cap the missed/flagged lists (0: all)")
    a = ap.parse_args(argv)

    pos, neg = read_truth(a.truth)
    found_by_file, nfind = read_findings(a.findings)
    known = {p for p, _, _, _ in pos} | {p for p, _, _, _ in neg}

    per_type = collections.OrderedDict()
    per_kind = collections.OrderedDict()
    missed, elsewhere = [], 0
    for p, s, e, t in pos:
        hits = found_by_file.get(p, [])
        ok = any(s <= ln <= e for ln, _ in hits)
        if not ok and hits:
            elsewhere += 1
        st = per_type.setdefault(t, [0, 0])
        st[0] += 1
        st[1] += ok
        k = per_kind.setdefault(kind_of(p), [0, 0])
        k[0] += 1
        k[1] += ok
        if not ok:
            missed.append((p, s, e, t, sorted({rule for _, rule in hits})))
    extra_pos = sum(1 for p, s, e, t in pos
                    for ln, _ in found_by_file.get(p, []) if not s <= ln <= e)

    flagged = []
    per_case = collections.OrderedDict()
    for p, s, e, t in neg:
        hits = found_by_file.get(p, [])
        c = per_case.setdefault(t, [0, 0])
        c[0] += 1
        if hits:
            c[1] += 1
            flagged.append((p, t, sorted({rule for _, rule in hits}), sorted({ln for ln, _ in hits})))
    stray = sorted(p for p in found_by_file if p not in known)

    npos, nfound = len(pos), sum(v[1] for v in per_type.values())
    recall = nfound / npos if npos else 0.0
    share = len(flagged) / len(neg) if neg else 0.0

    out = sys.stdout.write
    out("leakstop detection benchmark\n")
    out("  findings parsed: %d\n" % nfind)
    out("  recall:           %6.2f%%  (%d of %d positive files found at the secret's line; %d types)\n"
        % (100 * recall, nfound, npos, len(per_type)))
    out("  negatives flagged: %5.2f%%  (%d of %d negative files; %d cases, %d cases with a flagged file)\n"
        % (100 * share, len(flagged), len(neg), len(per_case), sum(1 for v in per_case.values() if v[1])))
    out("  missed but flagged elsewhere in the file: %d; findings in positive files off the secret's lines: %d\n"
        % (elsewhere, extra_pos))
    if stray:
        out("  findings in files not in truth.tsv: %d (%s)\n" % (len(stray), ", ".join(stray[:5])))
    out("  target: recall >= %.0f%%, negatives flagged <= %.0f%%\n\n" % (100 * a.min_recall, 100 * a.max_flagged))

    out("per type (lowest recall first)\n")
    out("  %-36s %5s %5s %7s\n" % ("type", "files", "found", "recall"))
    for t, (n, f) in sorted(per_type.items(), key=lambda kv: (kv[1][1] / kv[1][0], kv[0])):
        out("  %-36s %5d %5d %6.1f%%\n" % (t, n, f, pct(f, n)))

    out("\nrecall per file kind\n")
    for k, (n, f) in sorted(per_kind.items(), key=lambda kv: (kv[1][1] / kv[1][0], kv[0])):
        out("  %-16s %5d files %6.1f%%\n" % (k, n, pct(f, n)))

    lim = a.max_list or None
    out("\nmissed positives (%d)\n" % len(missed))
    for p, s, e, t, rules in missed[:lim]:
        where = "%d" % s if s == e else "%d-%d" % (s, e)
        extra = "  (flagged elsewhere in the file by %s)" % ",".join(rules) if rules else ""
        out("  %s:%s %s%s\n" % (p, where, t, extra))
    if lim and len(missed) > lim:
        out("  ... %d more\n" % (len(missed) - lim))

    out("\nflagged negatives (%d)\n" % len(flagged))
    for p, t, rules, lines in flagged[:lim]:
        out("  %s  %s  (case %s, line %s)\n" % (p, ",".join(rules), t, ",".join(map(str, lines))))
    if lim and len(flagged) > lim:
        out("  ... %d more\n" % (len(flagged) - lim))

    verdict = recall >= a.min_recall and share <= a.max_flagged
    out("\nresult: recall %.2f%%, negatives flagged %.2f%%: %s\n"
        % (100 * recall, 100 * share, "meets the target" if verdict else "below the target"))
    if a.check and not verdict:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
