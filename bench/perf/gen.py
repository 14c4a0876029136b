#!/usr/bin/env python3
"""Deterministic test repositories for the leakstop performance benchmark.

    gen.py KIND DIR        KIND: synth-4k | big-60k | bulk-10k | history-10k

Standard library only. Every random choice goes through one random.Random
seeded per KIND, nothing depends on set or hash order, and author/committer
dates are fixed, so a KIND always produces the same commits (same object
ids). History is written with `git fast-import`; the work tree and index are
then laid with `git reset --hard` (which also primes the index's cache-tree,
as after a real commit). Staged changes are written to the work tree and
added with `git add`: they are left in the index, not committed.

The text is source-like (C, Python, JS, Go, config and prose lines built from
a synthetic vocabulary) and holds no secrets, except the one fake AWS access
key that synth-4k puts in a separate index (.git/index-blocking, see below).
"""

import os
import random
import subprocess
import sys

SEEDS = {"synth-4k": 4004, "big-60k": 60060, "bulk-10k": 10010,
         "history-10k": 10000}

# Syllables for identifiers. Chosen so that no identifier spells a word that
# secret rules key on (key, token, secret, pass, auth, api, pwd, ...).
SYL = ("al an ar ba be bo ca ce co da de di do el en er fa fi ga ge go ha he "
       "in is la le li lo ma me mi mo na ne no or ra re ri ro sa si so ta te "
       "ti ul un va ve vi wa za bu cu du fu gu lu mu nu ru su tu").split()
WORDS = ("the of and to in is that for it as with was on be by this are from "
         "at or which an not have has all can more other when were one their "
         "there been if would will each about how up out them then she many "
         "some so these into has two more time could see only new way may "
         "first also after well where much before right too any same tell "
         "does set three want air play small end put home read hand port "
         "large add even land here must big high such follow act why ask "
         "change went light kind off need house picture try again animal "
         "point mother world near build self earth father head stand own "
         "page should country found answer school grow study still learn "
         "plant cover food sun four thought let keep eye never last door "
         "between city tree cross since hard start might story saw far sea "
         "draw left late run while press close night real life few stop "
         "buffer cache index queue worker thread parse render layout value "
         "count length offset window frame packet stream record column row "
         "table field schema option config handler request response client "
         "server module package import export return default timeout retry "
         "error warning debug trace log metric event signal state machine").split()
EXTS = ["c", "h", "py", "js", "go", "java", "rb", "ts", "md", "yml", "json",
        "txt", "rs", "sh"]

B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


class Text:
    """Source-like lines from a synthetic vocabulary."""

    def __init__(self, r, pool_size=60000):
        self.r = r
        ids = []
        for _ in range(4000):
            n = r.choice((1, 2, 2, 3))
            parts = [r.choice(SYL) + r.choice(SYL) for _ in range(n)]
            style = r.random()
            if style < 0.5:
                ids.append("_".join(parts))
            elif style < 0.85:
                ids.append(parts[0] + "".join(p.capitalize() for p in parts[1:]))
            else:
                ids.append("".join(p.capitalize() for p in parts))
        self.ids = ids
        self.pool = [self.line() for _ in range(pool_size)]
        self.avg = sum(len(s) + 1 for s in self.pool) / len(self.pool)

    def ident(self):
        return self.r.choice(self.ids)

    def words(self, lo, hi):
        r = self.r
        return " ".join(r.choice(WORDS) for _ in range(r.randint(lo, hi)))

    def line(self):
        r, i = self.r, self.ident
        ind = " " * r.choice((0, 4, 4, 4, 8, 8, 8, 12, 16))
        k = r.randrange(22)
        if k == 0:
            return ""
        if k == 1:
            return f"{ind}// {self.words(3, 12)}"
        if k == 2:
            return f"{ind}# {self.words(3, 12)}"
        if k == 3:
            return f"{ind}int {i()} = {i()}({i()}, {r.randint(0, 4096)});"
        if k == 4:
            return f"{ind}if ({i()} != NULL && {i()}->{i()} > {r.randint(0, 99)}) {{"
        if k == 5:
            return f"{ind}}}"
        if k == 6:
            return f"{ind}return {i()}.{i()}({i()}, \"{self.words(1, 4)}\");"
        if k == 7:
            return f"def {i()}(self, {i()}, {i()}={r.randint(0, 64)}):"
        if k == 8:
            return f"{ind}for {i()} in range(len({i()})):"
        if k == 9:
            return f"{ind}const {i()} = await {i()}.{i()}({{ {i()}: {r.randint(0, 999)} }});"
        if k == 10:
            return f"{ind}\"{i()}\": \"{self.words(1, 5)}\","
        if k == 11:
            return f"{ind}{i()}: {r.choice(('true', 'false', r.randint(1, 9999)))}"
        if k == 12:
            return f"func ({i()[:1]} *{i().capitalize()}) {i()}({i()} int) error {{"
        if k == 13:
            return f"{ind}{i()} := make([]{r.choice(('int', 'string', 'byte'))}, {r.randint(0, 512)})"
        if k == 14:
            return f"#include \"{i()}/{i()}.h\""
        if k == 15:
            return f"{ind}static const char *{i()} = \"{self.words(2, 6)}\";"
        if k == 16:
            return f"{ind}{i()}[{i()}] = {i()} * {r.randint(2, 17)} + {i()};"
        if k == 17:
            return f"{ind}}} else if ({i()} == {i()}) {{"
        if k == 18:
            return f"{ind}log.{r.choice(('debug', 'info', 'warn'))}(\"{self.words(2, 8)}: %d\", {i()});"
        if k == 19:
            return f"{self.words(6, 16).capitalize()}."
        if k == 20:
            return f"{ind}public {i().capitalize()} {i()}({i().capitalize()} {i()}) throws {i().capitalize()}Exception {{"
        return f"{ind}{i()}.{i()}({i()}, {i()}, {r.randint(0, 255)});"

    def lines_for(self, nbytes):
        """Pool lines adding up to about nbytes."""
        n = max(3, int(nbytes / self.avg))
        return self.r.choices(self.pool, k=n)

    def fresh(self, nbytes):
        """New lines (not from the pool) adding up to about nbytes."""
        out, size = [], 0
        while size < nbytes:
            s = self.line()
            out.append(s)
            size += len(s) + 1
        return out


def sizes(r, n, total, sigma=0.9, lo=200, hi=400_000):
    """n lognormal file sizes scaled to add up to about total bytes."""
    raw = [r.lognormvariate(0.0, sigma) for _ in range(n)]
    scale = total / sum(raw)
    return [min(hi, max(lo, int(x * scale))) for x in raw]


def paths(r, n, top, mid):
    """n distinct paths spread over top x mid directories (src/pkgNN/modNN/)."""
    return [f"src/pkg{k % top:02d}/mod{(k // top) % mid:02d}/"
            f"{r.choice(SYL)}{r.choice(SYL)}_{k:05d}.{r.choice(EXTS)}"
            for k in range(n)]


def run(args, cwd, **kw):
    return subprocess.run(args, cwd=cwd, check=True, **kw)


def git_init(d):
    os.makedirs(d, exist_ok=True)
    run(["git", "init", "-q", "-b", "main", d], cwd=".")
    for k, v in (("user.name", "Bench Author"), ("user.email", "bench@example.com"),
                 ("gc.auto", "0"), ("maintenance.auto", "false"),
                 ("core.autocrlf", "false"), ("commit.gpgsign", "false")):
        run(["git", "config", k, v], cwd=d)


class FastImport:
    def __init__(self, d):
        self.p = subprocess.Popen(["git", "fast-import", "--quiet", "--done"],
                                  cwd=d, stdin=subprocess.PIPE, bufsize=1 << 20)
        self.w = self.p.stdin
        self.ts = 1_700_000_000
        self.n = 0

    def commit(self, msg, changes):
        """changes: list of (path, bytes or None for delete)."""
        self.n += 1
        self.ts += 3600
        m = msg.encode()
        who = f"Bench Author <bench@example.com> {self.ts} +0000\n".encode()
        w = self.w
        w.write(b"commit refs/heads/main\nauthor " + who + b"committer " + who)
        w.write(b"data %d\n%s\n" % (len(m), m))
        for path, data in changes:
            if data is None:
                w.write(b"D %s\n" % path.encode())
            else:
                w.write(b"M 100644 inline %s\ndata %d\n" % (path.encode(), len(data)))
                w.write(data)
                w.write(b"\n")

    def close(self):
        self.w.write(b"done\n")
        self.w.close()
        if self.p.wait() != 0:
            raise SystemExit("git fast-import failed")


def edit(r, text, lines):
    """A small edit of a file's lines, in place: replace, insert or delete."""
    if not lines:
        lines.extend(text.fresh(200))
        return
    op = r.randrange(3)
    at = r.randrange(len(lines))
    if op == 0:
        k = r.randint(1, 5)
        lines[at:at + k] = text.fresh(38 * k)
    elif op == 1:
        lines[at:at] = text.fresh(38 * r.randint(1, 10))
    elif len(lines) > 20:
        del lines[at:at + r.randint(1, 3)]
    else:
        lines.insert(at, text.line())


def enc(lines):
    return ("\n".join(lines) + "\n").encode()


def write(d, path, data):
    full = os.path.join(d, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "wb") as f:
        f.write(data)


def base_tree(r, text, n, total, top, mid):
    ps = paths(r, n, top, mid)
    ss = sizes(r, n, total)
    files = {}
    for p, s in zip(ps, ss):
        files[p] = [f"/* {p} */"] + text.lines_for(s)
    return ps, files


def checkout(d):
    run(["git", "reset", "-q", "--hard", "main"], cwd=d)


def repack(d):
    # Deltas as a gc'd repository has them (fast-import's are poor), and a
    # commit-graph as `git gc` writes one.
    run(["git", "repack", "-q", "-a", "-d", "-f", "--window=10", "--depth=50"], cwd=d)
    run(["git", "commit-graph", "write", "--reachable"], cwd=d,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stage_change(r, text, d, ps, files, n_mod=18, n_new=2, added=40_000):
    """18 modified + 2 new files, about `added` bytes of added text, staged."""
    mod = r.sample(ps, n_mod)
    per_mod = int(added * 0.8) // n_mod
    per_new = int(added * 0.2) // n_new
    touched = []
    for p in mod:
        lines = files[p]
        left = per_mod
        while left > 0:  # a few hunks per file
            chunk = text.fresh(min(left, r.randint(300, 900)))
            at = r.randrange(len(lines) + 1)
            lines[at:at] = chunk
            left -= sum(len(s) + 1 for s in chunk)
        if len(lines) > 30:  # and a deleted line, as real edits have
            del lines[r.randrange(1, len(lines))]
        write(d, p, enc(lines))
        touched.append(p)
    base = os.path.dirname(mod[0])
    for k in range(n_new):
        p = f"{base}/new_feature_{k}.{r.choice(EXTS)}"
        files[p] = [f"/* {p} */"] + text.fresh(per_new)
        write(d, p, enc(files[p]))
        touched.append(p)
    run(["git", "add", "--"] + touched, cwd=d)
    return touched


def fake_aws_key(r):
    return "AKIA" + "".join(r.choice(B32) for _ in range(16))


def gen_synth(d, r):
    text = Text(r)
    git_init(d)
    ps, files = base_tree(r, text, 4000, 50_000_000, top=40, mid=10)
    fi = FastImport(d)
    fi.commit("initial import", [(p, enc(files[p])) for p in ps])
    for c in range(1, 400):
        changes = []
        for p in r.sample(ps, r.randint(2, 8)):
            for _ in range(r.randint(1, 4)):
                edit(r, text, files[p])
            changes.append((p, enc(files[p])))
        fi.commit(f"change {c}: {text.words(3, 8)}", changes)
    fi.close()
    repack(d)
    checkout(d)
    stage_change(r, text, d, ps, files)
    # The blocking case: the same staged change plus one new file with a fake
    # AWS access key, in a second index. Use it with
    # GIT_INDEX_FILE=$repo/.git/index-blocking; the default index stays clean.
    key = fake_aws_key(r)
    secret = ["# service settings", "region = eu-west-1",
              f"aws_access_key_id = {key}", "retries = 3"]
    write(d, "config/prod.env", enc(secret))
    gitdir = os.path.join(d, ".git")
    with open(os.path.join(gitdir, "index"), "rb") as f:
        idx = f.read()
    blocking = os.path.join(gitdir, "index-blocking")
    with open(blocking, "wb") as f:
        f.write(idx)
    run(["git", "add", "config/prod.env"], cwd=d,
        env=dict(os.environ, GIT_INDEX_FILE=blocking))


def gen_big(d, r):
    text = Text(r)
    git_init(d)
    ps, files = base_tree(r, text, 60_000, 60_000_000, top=30, mid=40)
    fi = FastImport(d)
    fi.commit("initial import", [(p, enc(files[p])) for p in ps])
    fi.close()
    checkout(d)
    stage_change(r, text, d, ps, files)


def gen_bulk(d, r):
    text = Text(r)
    git_init(d)
    ps, files = base_tree(r, text, 200, 2_000_000, top=10, mid=4)
    fi = FastImport(d)
    fi.commit("initial import", [(p, enc(files[p])) for p in ps])
    fi.close()
    checkout(d)
    ss = sizes(r, 10_000, 100_000_000, sigma=0.7, hi=2_000_000)
    new = []
    for k, s in enumerate(ss):
        p = f"vendor/bulk{k % 50:02d}/part{(k // 50) % 20:02d}/gen_{k:05d}.{r.choice(EXTS)}"
        write(d, p, enc([f"/* {p} */"] + text.lines_for(s)))
        new.append(p)
    run(["git", "add", "vendor"], cwd=d)


def gen_history(d, r):
    text = Text(r)
    git_init(d)
    ps, files = base_tree(r, text, 1000, 4_000_000, top=20, mid=5)
    fi = FastImport(d)
    fi.commit("initial import", [(p, enc(files[p])) for p in ps])
    for c in range(1, 10_000):
        changes = []
        for p in r.sample(ps, r.randint(1, 5)):
            edit(r, text, files[p])
            changes.append((p, enc(files[p])))
        fi.commit(f"change {c}: {text.words(3, 8)}", changes)
    fi.close()
    repack(d)
    checkout(d)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in SEEDS:
        sys.exit(f"usage: gen.py {{{'|'.join(SEEDS)}}} DIR")
    kind, d = sys.argv[1], os.path.abspath(sys.argv[2])
    if os.path.exists(d):
        sys.exit(f"gen.py: {d} exists")
    r = random.Random(SEEDS[kind])
    {"synth-4k": gen_synth, "big-60k": gen_big, "bulk-10k": gen_bulk,
     "history-10k": gen_history}[kind](d, r)


if __name__ == "__main__":
    main()
