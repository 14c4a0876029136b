"""Shared helpers for the detection benchmark generator (standard library only).

Everything random goes through one random.Random instance handed around as
`r`, and nothing iterates over a set or depends on hash order, so a seed
always gives byte-identical output.
"""

import base64
import json
import re
import string
import zlib

DIGITS = string.digits
LOWER = string.ascii_lowercase
UPPER = string.ascii_uppercase
ALNUM = UPPER + LOWER + DIGITS
ALNUM_L = LOWER + DIGITS
ALNUM_U = UPPER + DIGITS
LETTERS = UPPER + LOWER
HEX = "0123456789abcdef"
HEXU = "0123456789ABCDEF"
B64 = UPPER + LOWER + DIGITS + "+/"
B64URL = UPPER + LOWER + DIGITS + "-_"
B32 = UPPER + "234567"
B32L = LOWER + "234567"
B62 = DIGITS + UPPER + LOWER
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
# symbols a password generator might use, minus quotes, backslash, '$', '`',
# '<', '>', '{', '}' and space (they would need format-specific escaping)
PW_SYMBOLS = "!@#%^&*-_=+.,:;?~"


def rs(r, alphabet, n):
    """n random characters from alphabet."""
    return "".join(r.choice(alphabet) for _ in range(n))


def rbytes(r, n):
    return bytes(r.getrandbits(8) for _ in range(n))


def b64(data):
    return base64.b64encode(data).decode("ascii")


def b64u(data):
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def b64u_json(obj):
    return b64u(json.dumps(obj, separators=(",", ":")).encode())


def wrap(s, width=64):
    return [s[i:i + width] for i in range(0, len(s), width)]


def base62(n, width=6):
    out = ""
    while n:
        n, rem = divmod(n, 62)
        out = B62[rem] + out
    return out.rjust(width, "0")


def crc32_b62(s):
    """GitHub/npm token checksum: base62 of CRC32 of the random part, 6 chars."""
    return base62(zlib.crc32(s.encode("ascii")) & 0xFFFFFFFF, 6)


def checksummed(r, prefix, n_random=30):
    body = rs(r, ALNUM, n_random)
    return prefix + body + crc32_b62(body)


def wrong_checksummed(r, prefix, n_random=30):
    body = rs(r, ALNUM, n_random)
    good = crc32_b62(body)
    while True:
        bad = rs(r, ALNUM, 6)
        if bad != good:
            return prefix + body + bad


def uuid4(r):
    h = rs(r, HEX, 32)
    h = h[:12] + "4" + h[13:16] + r.choice("89ab") + h[17:]
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


def password(r, lo=14, hi=28, symbols=True):
    """A random generated password with at least one of each class."""
    n = r.randint(lo, hi)
    pool = ALNUM + (PW_SYMBOLS if symbols else "")
    while True:
        s = rs(r, pool, n)
        if (any(c.islower() for c in s) and any(c.isupper() for c in s)
                and any(c.isdigit() for c in s)
                and (not symbols or any(c in PW_SYMBOLS for c in s))):
            return s


def url_password(r, lo=14, hi=28):
    """A generated password that appears in a URI (unreserved chars, maybe a %XX)."""
    s = password(r, lo, hi, symbols=False)
    if r.random() < 0.3:
        i = r.randrange(len(s))
        s = s[:i] + r.choice(["%21", "%40", "%23", "%2B", "-", "_", "."]) + s[i:]
    return s


def crc24(data):
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def armor(kind, data, headers=()):
    """OpenPGP ASCII armor with a real CRC24 line."""
    lines = ["-----BEGIN PGP %s-----" % kind]
    lines += list(headers)
    lines.append("")
    lines += wrap(b64(data), 64)
    lines.append("=" + b64(crc24(data).to_bytes(3, "big")))
    lines.append("-----END PGP %s-----" % kind)
    return "\n".join(lines)


def pem(label, der, headers=()):
    lines = ["-----BEGIN %s-----" % label]
    if headers:
        lines += list(headers)
        lines.append("")
    lines += wrap(b64(der), 64)
    lines.append("-----END %s-----" % label)
    return "\n".join(lines)


def ssh_string(b):
    return len(b).to_bytes(4, "big") + b


# ---------------------------------------------------------------------------
# Items placed in a generated file


class KV:
    """A named value. kind: str | int | bool | null | expr (verbatim code)."""

    def __init__(self, words, value, kind="str", secret=False, mark=False,
                 interp=False):
        self.words = list(words)
        self.value = value
        self.kind = kind
        self.secret = secret   # positive: its lines form the truth span
        self.mark = mark       # negative: the tricky line(s)
        self.interp = interp   # value holds ${...} meant to be interpolated

    @property
    def tracked(self):
        return self.secret or self.mark

    def copy(self, words=None):
        kv = KV(self.words if words is None else words, self.value, self.kind,
                self.secret, self.mark, self.interp)
        return kv


class Block:
    """Verbatim lines already in the target format's syntax.

    span: (first, last) index into lines of the tracked part, or None for all.
    """

    def __init__(self, lines, secret=False, mark=False, span=None):
        self.lines = list(lines)
        self.secret = secret
        self.mark = mark
        self.span = span

    @property
    def tracked(self):
        return self.secret or self.mark


class WholeFile:
    """A file whose whole layout is specific (key files, .netrc, ...)."""

    def __init__(self, name, lines, span):
        self.name = name
        self.lines = list(lines)
        self.span = span  # (start, end), 1-based, inclusive


class Doc:
    def __init__(self):
        self.lines = []
        self.span = None
        self.name = None

    def add(self, *lines):
        for ln in lines:
            self.lines.append(ln)

    @property
    def n(self):
        return len(self.lines)

    def mark(self, s, e):
        if self.span is None:
            self.span = [s, e]
        else:
            self.span = [min(self.span[0], s), max(self.span[1], e)]


# ---------------------------------------------------------------------------
# Naming


def name(words, style):
    w = [x for x in words if x]
    if style == "upper":
        return "_".join(x.upper() for x in w)
    if style == "snake":
        return "_".join(x.lower() for x in w)
    if style == "kebab":
        return "-".join(x.lower() for x in w)
    if style == "dotted":
        return ".".join(x.lower() for x in w)
    if style == "camel":
        return w[0].lower() + "".join(x[:1].upper() + x[1:].lower() for x in w[1:])
    if style == "pascal":
        return "".join(x[:1].upper() + x[1:].lower() for x in w)
    raise ValueError(style)


def title(words):
    return " ".join(words).replace("_", " ").capitalize()


# ---------------------------------------------------------------------------
# Quoting


def q_double(v):
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'


def q_single(v):
    return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'"


def q_pref(r, v, quotes=("'", '"')):
    """Quote with whichever of the quotes needs no escaping (random if both)."""
    ok = [q for q in quotes if q not in v and "\\" not in v]
    if ok:
        q = r.choice(ok)
        return q + v + q
    return q_double(v)


def q_json(v):
    return json.dumps(v, ensure_ascii=False)


YAML_PLAIN = re.compile(r"^[A-Za-z0-9_./+=~-][A-Za-z0-9_./+=:@?&%~,()*!;-]*$")
YAML_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"}


def q_yaml(r, v):
    if v == "":
        return r.choice(['""', "''"])
    if (YAML_PLAIN.match(v) and ": " not in v and not v.endswith(":")
            and v.lower() not in YAML_RESERVED
            and not re.fullmatch(r"[-+0-9.eE_:]+", v) and r.random() < 0.55):
        return v
    if "'" not in v and ('"' in v or "\\" in v or r.random() < 0.35):
        return "'" + v + "'"
    return q_json(v)


ENV_PLAIN = re.compile(r"^[A-Za-z0-9_./:@+=%,~-]+$")


def q_env(r, v, interp=False, plain_ok=True):
    if v == "":
        return r.choice(["", '""'])
    if plain_ok and (ENV_PLAIN.match(v) or (interp and re.fullmatch(r"[A-Za-z0-9_./:@+=%,~${}-]+", v))) \
            and r.random() < 0.55:
        return v
    if "$" in v and not interp:
        return "'" + v + "'"
    if '"' in v or "\\" in v or "`" in v:
        return "'" + v + "'"
    return '"' + v + '"'


def q_xml(v, attr=False):
    v = v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if attr:
        v = v.replace('"', "&quot;")
    return v


def q_hcl(v, interp=False):
    v = v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if not interp:
        v = v.replace("${", "$${").replace("%{", "%%{")
    return '"' + v + '"'
