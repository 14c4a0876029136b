"""Renderers: put a group of items (the secret, or the tricky negative) among
plausible filler settings, in the natural syntax of one file format.

Each renderer returns a Doc: its lines, a suggested file name and the 1-based
line span of the tracked items.
"""

from common import (KV, Block, Doc, name, title, q_double, q_single, q_json, q_pref,
                    q_yaml, q_env, q_xml, q_hcl)

FORMATS = ["json", "yaml", "toml", "env", "xml", "properties", "hcl",
           "dockerfile", "shell", "python", "js", "ts", "go", "java",
           "csharp", "ruby", "php", "markdown", "md-prose"]
# formats a value may span several lines in (json and properties escape \n)
MULTI_OK = [f for f in FORMATS if f != "dockerfile"]
# what a markdown code fence may hold
MD_INNER = ["env", "shell", "yaml", "json", "python", "js", "toml",
            "properties", "hcl", "dockerfile", "go", "ruby"]
FENCE_LANG = {"env": "bash", "shell": "bash", "yaml": "yaml", "json": "json",
              "python": "python", "js": "js", "toml": "toml",
              "properties": "properties", "hcl": "hcl",
              "dockerfile": "dockerfile", "go": "go", "ruby": "ruby"}


class Unsupported(Exception):
    pass


# ---------------------------------------------------------------------------
# Scenario context and filler settings

SERVICES = ["billing-api", "orders-service", "notifier", "auth-gateway",
            "inventory", "report-worker", "web-frontend", "etl-pipeline",
            "payments", "search-indexer", "mailer", "chat-bot", "analytics",
            "admin-portal", "ingest", "scheduler", "shipping", "catalog",
            "ledger", "media-proxy"]
COMPANIES = [("northwind", "northwind.io"), ("acmecorp", "acmecorp.net"),
             ("globex", "globex.dev"), ("initech", "initech.cloud"),
             ("umbrella", "umbrella-health.com"), ("hooli", "hooli.xyz"),
             ("stark", "stark-ind.io"), ("tyrell", "tyrell.ai"),
             ("vandelay", "vandelay.co"), ("piedpiper", "pied-piper.io"),
             ("soylent", "soylent.org"), ("cyberdyne", "cyberdyne.tech"),
             ("wonka", "wonka.shop"), ("oscorp", "oscorp.dev"),
             ("aperture", "aperture-sci.net"), ("massive", "massivedynamic.com")]
ENVS = ["production", "prod", "staging", "live", "prod-eu"]
REGIONS = ["eu-west-1", "us-east-1", "eu-central-1", "us-west-2",
           "ap-southeast-1", "eu-north-1"]


class Ctx:
    def __init__(self, r):
        self.svc = r.choice(SERVICES)
        self.company, self.domain = r.choice(COMPANIES)
        self.env = r.choice(ENVS)
        self.region = r.choice(REGIONS)
        self.version = "%d.%d.%d" % (r.randint(0, 4), r.randint(0, 30), r.randint(0, 20))
        self.pkg = self.svc.replace("-", "")
        self.title = " ".join(w.capitalize() for w in self.svc.split("-"))
        self.pascal = "".join(w.capitalize() for w in self.svc.split("-"))


def _f(kind, fn):
    return (kind, fn)


FILLERS = [
    (["app", "name"], _f("str", lambda r, c: c.svc)),
    (["environment"], _f("str", lambda r, c: c.env)),
    (["log", "level"], _f("str", lambda r, c: r.choice(["info", "debug", "warn", "error"]))),
    (["port"], _f("int", lambda r, c: r.choice([8080, 3000, 5000, 8000, 9000, 4000]))),
    (["listen", "address"], _f("str", lambda r, c: "0.0.0.0")),
    (["region"], _f("str", lambda r, c: c.region)),
    (["request", "timeout", "ms"], _f("int", lambda r, c: r.choice([500, 1000, 2500, 5000, 30000]))),
    (["max", "connections"], _f("int", lambda r, c: r.choice([10, 20, 50, 100, 200]))),
    (["enable", "metrics"], _f("bool", lambda r, c: r.random() < 0.7)),
    (["cache", "ttl", "seconds"], _f("int", lambda r, c: r.choice([60, 300, 600, 3600]))),
    (["api", "base", "url"], _f("str", lambda r, c: "https://api.%s/v%d" % (c.domain, r.randint(1, 3)))),
    (["bucket", "name"], _f("str", lambda r, c: "%s-%s-assets" % (c.company, c.env))),
    (["queue", "name"], _f("str", lambda r, c: "%s-jobs" % c.svc)),
    (["retry", "attempts"], _f("int", lambda r, c: r.randint(2, 8))),
    (["feature", "new", "checkout"], _f("bool", lambda r, c: r.random() < 0.5)),
    (["default", "locale"], _f("str", lambda r, c: r.choice(["en-US", "de-DE", "fr-FR", "en-GB"]))),
    (["timezone"], _f("str", lambda r, c: r.choice(["UTC", "Europe/Berlin", "America/New_York"]))),
    (["database", "name"], _f("str", lambda r, c: c.svc.split("-")[0])),
    (["database", "host"], _f("str", lambda r, c: "db.%s.%s" % (c.env, c.domain))),
    (["database", "port"], _f("int", lambda r, c: r.choice([5432, 3306, 5433]))),
    (["database", "pool", "size"], _f("int", lambda r, c: r.choice([5, 10, 20]))),
    (["smtp", "host"], _f("str", lambda r, c: "smtp.%s" % c.domain)),
    (["smtp", "port"], _f("int", lambda r, c: r.choice([25, 465, 587]))),
    (["redis", "host"], _f("str", lambda r, c: "redis.%s.internal" % c.env)),
    (["worker", "concurrency"], _f("int", lambda r, c: r.choice([2, 4, 8, 16]))),
    (["upload", "dir"], _f("str", lambda r, c: "/var/lib/%s/uploads" % c.svc)),
    (["static", "url"], _f("str", lambda r, c: "/static/")),
    (["allowed", "origin"], _f("str", lambda r, c: "https://app.%s" % c.domain)),
    (["release"], _f("str", lambda r, c: c.version)),
    (["health", "check", "path"], _f("str", lambda r, c: r.choice(["/healthz", "/health", "/ready"]))),
    (["support", "email"], _f("str", lambda r, c: "support@%s" % c.domain)),
    (["currency"], _f("str", lambda r, c: r.choice(["EUR", "USD", "GBP"]))),
    (["max", "upload", "mb"], _f("int", lambda r, c: r.choice([10, 25, 50, 100]))),
    (["page", "size"], _f("int", lambda r, c: r.choice([20, 25, 50, 100]))),
    (["metrics", "prefix"], _f("str", lambda r, c: c.svc.replace("-", "_"))),
    (["cdn", "url"], _f("str", lambda r, c: "https://cdn.%s" % c.domain)),
    (["otel", "exporter", "endpoint"], _f("str", lambda r, c: "http://otel-collector:4317")),
    (["kafka", "brokers"], _f("str", lambda r, c: "kafka-0.kafka:9092,kafka-1.kafka:9092")),
    (["batch", "size"], _f("int", lambda r, c: r.choice([100, 250, 500, 1000]))),
    (["debug"], _f("bool", lambda r, c: False)),
    (["workers"], _f("int", lambda r, c: r.randint(1, 8))),
    (["grpc", "port"], _f("int", lambda r, c: 50051)),
    (["read", "only"], _f("bool", lambda r, c: r.random() < 0.3)),
    (["k8s", "namespace"], _f("str", lambda r, c: c.svc.split("-")[0])),
    (["shutdown", "grace", "seconds"], _f("int", lambda r, c: r.choice([10, 30, 60]))),
    (["public", "url"], _f("str", lambda r, c: "https://%s.%s" % (c.svc, c.domain))),
]

SECTIONS = [["server"], ["database"], ["logging"], ["features"],
            ["integrations"], ["storage"], ["notifications"], ["cache"],
            ["queue"], ["observability"], ["services"], ["app"]]


def make_fillers(r, ctx, n):
    pool = list(FILLERS)
    r.shuffle(pool)
    out = []
    for words, (kind, fn) in pool[:n]:
        out.append(KV(words, fn(r, ctx), kind))
    return out


def flat(r, fillers, group):
    items = list(fillers)
    i = r.randint(0, len(items))
    return items[:i] + list(group) + items[i:]


# first words that name no provider, so no section is made of them
GENERIC_FIRST = {"secret", "access", "api", "client", "auth", "session", "personal", "private", "db",
                 "database", "x", "app", "service", "bearer", "refresh", "signing", "encryption", "password",
                 "token", "next", "default", "connection", "registration", "installation", "webhook", "ssl",
                 "tls", "deploy", "ssh", "jwt", "id", "admin", "basic", "authorization", "partner", "search",
                 "upload", "endpoint", "repository", "registry", "cache", "broker", "trigger", "runner",
                 "event", "blob", "storage", "sas", "maps", "bot", "app", "dsn", "key", "public", "content"}


def sectionize(r, fillers, group, nest_ok=True, group_top=False):
    """[(section words or None, items)], the group kept together.

    group_top: keep the group out of sections (for formats that flatten
    section names into the key)."""
    secs = r.sample(SECTIONS, r.randint(1, 3))
    buckets = [[None, []]] + [[s, []] for s in secs]
    for f in fillers:
        buckets[r.randrange(len(buckets))][1].append(f)
    kvs = [g for g in group if isinstance(g, KV)]
    firsts = [kv.words[0] for kv in kvs if len(kv.words) >= 2]
    if (nest_ok and kvs and len(kvs) == len(group) and len(firsts) == len(kvs)
            and len(set(firsts)) == 1 and [firsts[0]] not in secs
            and firsts[0] not in GENERIC_FIRST and r.random() < 0.4):
        g2 = [kv.copy(words=kv.words[1:]) for kv in kvs]
        buckets.insert(r.randint(1, len(buckets)), [[firsts[0]], g2])
    else:
        b = buckets[0] if group_top else r.choice(buckets)
        i = r.randint(0, len(b[1]))
        b[1][i:i] = list(group)
    return [(s, items) for s, items in buckets if items]


def flatten(sections):
    out = []
    for sec, items in sections:
        for it in items:
            if sec and isinstance(it, KV):
                it = it.copy(words=sec + it.words)
            out.append(it)
    return out


def put_block(d, b, indent=""):
    start = d.n + 1
    for ln in b.lines:
        d.add(indent + ln if ln else "")
    if b.span:
        return start + b.span[0], start + b.span[1]
    return start, d.n


def is_multi(kv):
    return isinstance(kv, KV) and kv.kind == "str" and "\n" in kv.value


def need_str(kv, fmt):
    if kv.kind == "expr":
        raise Unsupported("expr in %s" % fmt)


def emit(d, it, fn, indent=""):
    if isinstance(it, Block):
        s, e = put_block(d, it, indent)
    else:
        s, e = fn(it)
    if it.tracked:
        d.mark(s, e)


# ---------------------------------------------------------------------------
# .env


def r_env(r, ctx, fillers, group):
    d = Doc()
    d.name = r.choice([".env", ".env.production", ".env.local", "prod.env",
                       "config/app.env", ".env.staging", "deploy/%s.env" % ctx.env])
    if r.random() < 0.6:
        d.add("# %s - %s settings" % (ctx.svc, ctx.env))
    for it in flat(r, fillers, group):
        if not it.tracked and r.random() < 0.1:
            d.add("")

        def kv_fn(kv):
            nm = name(kv.words, "upper")
            s = d.n + 1
            if is_multi(kv):
                ls = kv.value.split("\n")
                d.add('%s="%s' % (nm, ls[0]), *ls[1:-1])
                d.add(ls[-1] + '"')
                return s, d.n
            d.add("%s=%s" % (nm, env_scalar(r, kv)))
            return s, s
        emit(d, it, kv_fn)
    return d


def env_scalar(r, kv):
    if kv.kind == "int":
        return str(kv.value)
    if kv.kind == "bool":
        return "true" if kv.value else "false"
    if kv.kind == "null":
        return ""
    if kv.kind == "expr":
        return kv.value
    return q_env(r, kv.value, kv.interp)


# ---------------------------------------------------------------------------
# shell


SHELL_CMDS = [
    'echo "Deploying {svc} to {env}..."',
    'docker build -t "registry.{domain}/{svc}:${{VERSION:-latest}}" .',
    'docker push "registry.{domain}/{svc}:${{VERSION:-latest}}"',
    "kubectl -n {ns} rollout status deploy/{svc} --timeout=120s",
    "aws s3 sync ./dist s3://{company}-{env}-assets/ --delete",
    "curl -fsS https://{svc}.{domain}/healthz >/dev/null",
    "python manage.py migrate --noinput",
    "systemctl restart {svc}",
    'mkdir -p "/var/lib/{svc}/uploads"',
    'log() {{ printf "%s %s\\n" "$(date -u +%FT%TZ)" "$*"; }}',
    'cd "$(dirname "$0")/.."',
    "./bin/{svc} --config /etc/{svc}/config.yaml &",
]


def r_shell(r, ctx, fillers, group):
    d = Doc()
    d.name = r.choice(["deploy.sh", "scripts/bootstrap.sh", "entrypoint.sh",
                       "ci/release.sh", "bin/setup", "scripts/run-%s.sh" % ctx.env])
    d.add(r.choice(["#!/usr/bin/env bash", "#!/bin/bash", "#!/bin/sh"]))
    d.add("set -euo pipefail" if d.lines[0].endswith("bash") else "set -eu")
    d.add("")
    if r.random() < 0.5:
        d.add("# %s %s deployment" % (ctx.svc, ctx.env))
    fmtargs = dict(svc=ctx.svc, env=ctx.env, domain=ctx.domain,
                   ns=ctx.svc.split("-")[0], company=ctx.company)
    cmds = [c.format(**fmtargs) for c in r.sample(SHELL_CMDS, r.randint(1, 5))]
    pre = cmds[: r.randint(0, len(cmds))]
    post = cmds[len(pre):]
    for c in pre:
        d.add(c)
    exp = r.random() < 0.6
    for it in flat(r, fillers, group):
        def kv_fn(kv):
            nm = name(kv.words, "upper")
            s = d.n + 1
            if is_multi(kv):
                if r.random() < 0.5:
                    d.add("cat > /etc/%s/%s.pem <<'EOF'" % (ctx.svc, name(kv.words, "snake")))
                    d.add(*kv.value.split("\n"))
                    d.add("EOF")
                    return s + 1, d.n - 1
                ls = kv.value.split("\n")
                d.add('%s%s="%s' % ("export " if exp else "", nm, ls[0]), *ls[1:-1])
                d.add(ls[-1] + '"')
                return s, d.n
            d.add("%s%s=%s" % ("export " if exp else "", nm, env_scalar(r, kv)))
            return s, s
        emit(d, it, kv_fn)
    if post:
        d.add("")
    for c in post:
        d.add(c)
    return d


# ---------------------------------------------------------------------------
# YAML


def y_scalar(r, kv, force_str=False):
    if kv.kind == "int":
        return '"%d"' % kv.value if force_str else str(kv.value)
    if kv.kind == "bool":
        v = "true" if kv.value else "false"
        return '"%s"' % v if force_str else v
    if kv.kind == "null":
        return '""' if force_str else r.choice(["null", "~", ""])
    if kv.kind == "expr":
        return kv.value
    return q_yaml(r, kv.value)


def y_kv(d, r, ind, key, kv, force_str=False):
    s = d.n + 1
    if is_multi(kv):
        d.add("%s%s: %s" % (ind, key, r.choice(["|", "|-"])))
        for ln in kv.value.split("\n"):
            d.add(ind + "  " + ln if ln else "")
        return s + 1, d.n
    d.add(("%s%s: %s" % (ind, key, y_scalar(r, kv, force_str))).rstrip())
    return s, s


def r_yaml(r, ctx, fillers, group):
    style = r.choice(["nested", "nested", "compose", "k8s", "actions"])
    if any(isinstance(g, Block) and getattr(g, "yaml_style", None) for g in group):
        style = [g.yaml_style for g in group if isinstance(g, Block) and getattr(g, "yaml_style", None)][0]
    d = Doc()
    if style == "nested":
        st = r.choice(["snake", "snake", "camel", "kebab"])
        d.name = r.choice(["config.yaml", "config/app.yml", "application.yml",
                           "settings.yaml", "values.yaml", "config/%s.yaml" % ctx.env])
        if r.random() < 0.4:
            d.add("# %s configuration (%s)" % (ctx.svc, ctx.env))
        for sec, items in sectionize(r, fillers, group):
            ind = ""
            if sec:
                d.add(name(sec, st) + ":")
                ind = "  "
            for it in items:
                emit(d, it, lambda kv: y_kv(d, r, ind, name(kv.words, st), kv), ind)
        return d
    items = flat(r, fillers, group)
    if style == "compose":
        d.name = r.choice(["docker-compose.yml", "compose.yaml", "docker-compose.prod.yml"])
        listy = r.random() < 0.4 and not any(is_multi(g) for g in group)
        if r.random() < 0.5:
            d.add('version: "3.9"')
        d.add("services:", "  %s:" % ctx.svc,
              "    image: registry.%s/%s:%s" % (ctx.domain, ctx.svc, ctx.version),
              "    restart: unless-stopped", "    ports:", '      - "8080:8080"',
              "    environment:")

        def kv_fn(kv):
            nm = name(kv.words, "upper")
            if listy:
                v = env_scalar(r, kv) if kv.kind != "str" else kv.value
                item = "%s=%s" % (nm, v)
                if " " in item or ": " in item or item[0] in "\"'{[&*!|>%@`#":
                    item = q_json(item)
                d.add("      - " + item)
                return d.n, d.n
            return y_kv(d, r, "      ", nm, kv, force_str=True)
        for it in items:
            emit(d, it, kv_fn, "      ")
        d.add("    depends_on:", "      - db", "  db:", "    image: postgres:16-alpine",
              "    volumes:", "      - db-data:/var/lib/postgresql/data", "volumes:", "  db-data:")
        return d
    if style == "k8s":
        d.name = r.choice(["k8s/deployment.yaml", "deploy/%s.yaml" % ctx.svc, "manifests/deployment.yml"])
        ns = ctx.svc.split("-")[0]
        d.add("apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: " + ctx.svc,
              "  namespace: " + ns, "  labels:", "    app: " + ctx.svc, "spec:",
              "  replicas: %d" % r.randint(1, 4), "  selector:", "    matchLabels:",
              "      app: " + ctx.svc, "  template:", "    metadata:", "      labels:",
              "        app: " + ctx.svc, "    spec:", "      containers:",
              "        - name: " + ctx.svc,
              "          image: registry.%s/%s:%s" % (ctx.domain, ctx.svc, ctx.version),
              "          ports:", "            - containerPort: 8080", "          env:")

        def kv_fn(kv):
            d.add("            - name: " + name(kv.words, "upper"))
            return y_kv(d, r, "              ", "value", kv, force_str=True)
        for it in items:
            emit(d, it, kv_fn, "            ")
        d.add("          resources:", "            limits:", "              memory: 512Mi")
        return d
    # GitHub Actions workflow
    d.name = r.choice([".github/workflows/deploy.yml", ".github/workflows/release.yaml",
                       ".github/workflows/ci.yml"])
    d.add("name: Deploy", "", "on:", "  push:", "    branches: [main]", "  workflow_dispatch:", "", "env:")
    for it in items:
        emit(d, it, lambda kv: y_kv(d, r, "  ", name(kv.words, "upper"), kv), "  ")
    d.add("", "jobs:", "  deploy:", "    runs-on: ubuntu-latest", "    steps:",
          "      - uses: actions/checkout@v4", "      - uses: actions/setup-node@v4",
          "        with:", "          node-version: 20", "      - run: npm ci",
          "      - run: npm run build", "      - name: Deploy",
          "        run: ./scripts/deploy.sh %s" % ctx.env)
    return d


# ---------------------------------------------------------------------------
# JSON


def j_scalar(kv):
    if kv.kind == "int":
        return str(kv.value)
    if kv.kind == "bool":
        return "true" if kv.value else "false"
    if kv.kind == "null":
        return "null"
    need_str(kv, "json")
    return q_json(kv.value)


def r_json(r, ctx, fillers, group):
    if any(isinstance(g, Block) for g in group):
        raise Unsupported("block in json")
    d = Doc()
    st = r.choice(["camel", "camel", "snake", "pascal"])
    d.name = r.choice(["config.json", "appsettings.json", "appsettings.Production.json",
                       "settings.json", "config/default.json", "local.settings.json",
                       "config/%s.json" % ctx.env])
    step = r.choice(["  ", "    "])
    secs = sectionize(r, fillers, group)
    entries = []
    for sec, items in secs:
        if sec is None:
            entries += [("kv", it) for it in items]
        else:
            entries.append(("obj", name(sec, st), [("kv", it) for it in items]))

    def out(ents, ind):
        for i, ent in enumerate(ents):
            comma = "," if i < len(ents) - 1 else ""
            if ent[0] == "kv":
                kv = ent[1]
                d.add('%s%s: %s%s' % (ind, q_json(name(kv.words, st)), j_scalar(kv), comma))
                if kv.tracked:
                    d.mark(d.n, d.n)
            else:
                d.add('%s%s: {' % (ind, q_json(ent[1])))
                out(ent[2], ind + step)
                d.add(ind + "}" + comma)
    d.add("{")
    out(entries, step)
    d.add("}")
    return d


# ---------------------------------------------------------------------------
# TOML


def t_kv(d, r, key, kv):
    s = d.n + 1
    if kv.kind == "int":
        d.add("%s = %d" % (key, kv.value))
    elif kv.kind == "bool":
        d.add("%s = %s" % (key, "true" if kv.value else "false"))
    elif kv.kind == "null":
        d.add('%s = ""' % key)
    else:
        need_str(kv, "toml")
        if is_multi(kv):
            d.add('%s = """' % key, *kv.value.split("\n"))
            d.add('"""')
            return s + 1, d.n - 1
        v = kv.value
        if "'" not in v and "\n" not in v and ('"' in v or "\\" in v or r.random() < 0.3):
            d.add("%s = '%s'" % (key, v))
        else:
            d.add("%s = %s" % (key, q_json(v)))
    return s, s


def r_toml(r, ctx, fillers, group):
    d = Doc()
    d.name = r.choice(["config.toml", "app.toml", "settings.toml", ".streamlit/secrets.toml",
                       "config/%s.toml" % ctx.env])
    if r.random() < 0.5:
        d.add("# %s settings" % ctx.svc)
    secs = sectionize(r, fillers, group)
    secs.sort(key=lambda s: s[0] is not None)  # stable: top-level keys first
    for sec, items in secs:
        if sec:
            if d.n:
                d.add("")
            d.add("[%s]" % name(sec, "snake"))
        for it in items:
            emit(d, it, lambda kv: t_kv(d, r, name(kv.words, "snake"), kv))
    return d


# ---------------------------------------------------------------------------
# XML


def r_xml(r, ctx, fillers, group):
    d = Doc()
    multi = any(is_multi(g) for g in group)
    for kv in list(fillers) + [g for g in group if isinstance(g, KV)]:
        need_str(kv, "xml")
    if not multi and r.random() < 0.5:
        d.name = r.choice(["web.config", "App.config", "app.config", "Web.Release.config"])
        d.add('<?xml version="1.0" encoding="utf-8"?>', "<configuration>", "  <appSettings>")
        colon = r.random() < 0.4

        def kv_fn(kv):
            if colon and len(kv.words) > 1:
                k = name(kv.words[:1], "pascal") + ":" + name(kv.words[1:], "pascal")
            else:
                k = name(kv.words, "pascal")
            v = "" if kv.kind == "null" else (str(kv.value).lower() if kv.kind == "bool" else str(kv.value))
            d.add('    <add key="%s" value="%s" />' % (k, q_xml(v, True)))
            return d.n, d.n
        for it in flatten(sectionize(r, fillers, group, nest_ok=False, group_top=True)):
            emit(d, it, kv_fn, "    ")
        d.add("  </appSettings>", "  <system.web>",
              '    <compilation debug="false" targetFramework="4.8" />',
              '    <httpRuntime targetFramework="4.8" />', "  </system.web>", "</configuration>")
        return d
    d.name = r.choice(["config.xml", "settings.xml", "conf/application.xml",
                       "src/main/resources/%s.xml" % ctx.pkg])
    root = r.choice(["config", "settings", "application", "configuration"])
    st = r.choice(["camel", "kebab", "snake"])
    d.add('<?xml version="1.0" encoding="UTF-8"?>', "<%s>" % root)
    for sec, items in sectionize(r, fillers, group):
        ind = "  "
        if sec:
            d.add("  <%s>" % name(sec, st))
            ind = "    "

        def kv_fn(kv):
            k = name(kv.words, st)
            s = d.n + 1
            if kv.kind == "null":
                d.add("%s<%s/>" % (ind, k))
                return s, s
            v = str(kv.value).lower() if kv.kind == "bool" else str(kv.value)
            ls = q_xml(v).split("\n")
            if len(ls) == 1:
                d.add("%s<%s>%s</%s>" % (ind, k, ls[0], k))
                return s, s
            d.add("%s<%s>%s" % (ind, k, ls[0]), *ls[1:-1])
            d.add("%s</%s>" % (ls[-1], k))
            return s, d.n
        for it in items:
            emit(d, it, kv_fn, ind)
        if sec:
            d.add("  </%s>" % name(sec, st))
    d.add("</%s>" % root)
    return d


# ---------------------------------------------------------------------------
# Java .properties


def r_properties(r, ctx, fillers, group):
    d = Doc()
    d.name = r.choice(["application.properties", "src/main/resources/application-prod.properties",
                       "config.properties", "gradle.properties", "conf/%s.properties" % ctx.pkg])
    sep = r.choice(["=", "=", " = ", ": "])
    leaf = r.choice(["dotted", "kebab", "camel"])
    if r.random() < 0.5:
        d.add("# %s (%s)" % (ctx.svc, ctx.env))
    for sec, items in sectionize(r, fillers, group):
        for it in items:
            def kv_fn(kv):
                k = name(kv.words, leaf)
                if sec:
                    k = name(sec, "dotted") + "." + k
                if kv.kind == "null":
                    v = ""
                elif kv.kind == "bool":
                    v = "true" if kv.value else "false"
                else:
                    need_str(kv, "properties")
                    v = str(kv.value).replace("\\", "\\\\").replace("\n", "\\n")
                d.add("%s%s%s" % (k, sep, v))
                return d.n, d.n
            emit(d, it, kv_fn)
    return d


# ---------------------------------------------------------------------------
# HCL / Terraform


def h_kv(d, key, kv, ind):
    s = d.n + 1
    if kv.kind == "int":
        d.add("%s%s = %d" % (ind, key, kv.value))
    elif kv.kind == "bool":
        d.add("%s%s = %s" % (ind, key, "true" if kv.value else "false"))
    elif kv.kind == "null":
        d.add("%s%s = null" % (ind, key))
    elif kv.kind == "expr":
        d.add("%s%s = %s" % (ind, key, kv.value))
    elif is_multi(kv):
        d.add("%s%s = <<-EOT" % (ind, key))
        for ln in kv.value.split("\n"):
            d.add(ind + "  " + ln if ln else "")
        d.add(ind + "EOT")
        return s + 1, d.n - 1
    else:
        d.add("%s%s = %s" % (ind, key, q_hcl(kv.value, kv.interp)))
    return s, s


def r_hcl(r, ctx, fillers, group):
    d = Doc()
    items = flatten(sectionize(r, fillers, group, nest_ok=False, group_top=True))
    if r.random() < 0.3:
        d.name = r.choice(["terraform.tfvars", "prod.auto.tfvars", "envs/%s.tfvars" % ctx.env])
        for it in items:
            emit(d, it, lambda kv: h_kv(d, name(kv.words, "snake"), kv, ""))
        return d
    d.name = r.choice(["main.tf", "variables.tf", "infra/main.tf", "modules/%s/main.tf" % ctx.pkg])
    d.add("terraform {", '  required_version = ">= 1.5.0"', "}", "",
          'provider "aws" {', '  region = "%s"' % ctx.region, "}", "")
    g = [it for it in items if it in group or it.tracked]
    fill = [it for it in items if not (it in group or it.tracked)]
    as_var = r.random() < 0.4 and all(isinstance(x, KV) for x in g)
    blocks_first = [x for x in g if isinstance(x, Block)]
    for b in blocks_first:
        emit(d, b, None)
    d.add("locals {")
    kvs = fill if as_var else flat(r, fill, [x for x in g if isinstance(x, KV)])
    for it in kvs:
        emit(d, it, lambda kv: h_kv(d, name(kv.words, "snake"), kv, "  "), "  ")
    d.add("}", "")
    if as_var:
        for kv in g:
            d.add('variable "%s" {' % name(kv.words, "snake"), "  type      = string")
            s, e = h_kv(d, "default  ", kv, "  ")
            if kv.tracked:
                d.mark(s, e)
            d.add("  sensitive = true", "}", "")
    d.add('resource "aws_s3_bucket" "assets" {', '  bucket = "%s-%s-assets"' % (ctx.company, ctx.env),
          "  tags = {", '    Service = "%s"' % ctx.svc, "  }", "}")
    return d


# ---------------------------------------------------------------------------
# Dockerfile

BASES = ["python:3.12-slim", "node:20-alpine", "golang:1.22-bookworm",
         "eclipse-temurin:21-jre", "ruby:3.3-slim", "debian:bookworm-slim",
         "php:8.3-fpm", "mcr.microsoft.com/dotnet/aspnet:8.0"]


def r_dockerfile(r, ctx, fillers, group):
    d = Doc()
    d.name = r.choice(["Dockerfile", "Dockerfile.prod", "docker/Dockerfile", "build/%s.Dockerfile" % ctx.svc])
    d.add("FROM " + r.choice(BASES))
    if r.random() < 0.5:
        d.add('LABEL org.opencontainers.image.source="https://git.%s/%s/%s"' % (ctx.domain, ctx.company, ctx.svc))
    d.add("WORKDIR /app")
    for it in flat(r, fillers, group):
        def kv_fn(kv):
            if is_multi(kv):
                raise Unsupported("multi-line in dockerfile")
            kw = "ARG" if r.random() < 0.15 else "ENV"
            v = env_scalar(r, kv)
            if kv.kind == "str" and not kv.interp and v.startswith("'"):
                v = q_double(kv.value)
            if kw == "ENV" and r.random() < 0.2 and " " not in v:
                d.add("ENV %s %s" % (name(kv.words, "upper"), v))
            else:
                d.add("%s %s=%s" % (kw, name(kv.words, "upper"), v))
            return d.n, d.n
        emit(d, it, kv_fn)
    d.add("COPY . .")
    d.add(r.choice(["RUN pip install --no-cache-dir -r requirements.txt",
                    "RUN npm ci --omit=dev", "RUN go build -o /usr/local/bin/app ./cmd/server",
                    "RUN bundle install --without development test",
                    "RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*"]))
    d.add("EXPOSE 8080", "USER 10001")
    d.add(r.choice(['CMD ["./server"]', 'CMD ["gunicorn", "-b", "0.0.0.0:8080", "app:app"]',
                    'ENTRYPOINT ["node", "dist/index.js"]']))
    return d


# ---------------------------------------------------------------------------
# Python


def py_scalar(r, kv):
    if kv.kind == "int":
        return str(kv.value)
    if kv.kind == "bool":
        return "True" if kv.value else "False"
    if kv.kind == "null":
        return "None"
    if kv.kind == "expr":
        return kv.value
    if is_multi(kv):
        return '"""' + kv.value + '"""'
    return q_pref(r, kv.value)


def _lines_of(d, text, prefix, suffix=""):
    """Add prefix+text+suffix where text may contain newlines; return (s, e)."""
    s = d.n + 1
    ls = (prefix + text + suffix).split("\n")
    d.add(*ls)
    return s, d.n


def r_python(r, ctx, fillers, group):
    d = Doc()
    d.name = r.choice(["settings.py", "config.py", "app/settings/production.py",
                       "%s/config.py" % ctx.pkg, "scripts/sync_%s.py" % ctx.pkg])
    d.add('"""%s settings (%s)."""' % (ctx.title, ctx.env), "")
    d.add("import os")
    if r.random() < 0.5:
        d.add("from pathlib import Path")
    d.add("")
    blocks = [g for g in group if isinstance(g, Block)]
    kvgroup = [g for g in group if isinstance(g, KV)]
    if r.random() < 0.5 or not kvgroup:
        for it in flat(r, fillers, group):
            emit(d, it, lambda kv: _lines_of(d, py_scalar(r, kv), name(kv.words, "upper") + " = "))
        d.add("", "", "def as_dict():", "    return {k: v for k, v in globals().items() if k.isupper()}")
        return d
    for b in blocks:
        emit(d, b, None)
        d.add("")
    d.add("import logging", "", "logger = logging.getLogger(__name__)", "")
    d.add("CONFIG = {")
    for sec, items in sectionize(r, fillers, kvgroup):
        ind = "    "
        if sec:
            d.add('    "%s": {' % name(sec, "snake"))
            ind = "        "
        for it in items:
            emit(d, it, lambda kv: _lines_of(d, py_scalar(r, kv), '%s"%s": ' % (ind, name(kv.words, "snake")), ","))
        if sec:
            d.add("    },")
    d.add("}", "", "", "def load():", '    logger.info("loaded %d settings", len(CONFIG))', "    return CONFIG")
    return d


# ---------------------------------------------------------------------------
# JavaScript / TypeScript


def js_scalar(r, kv):
    if kv.kind == "int":
        return str(kv.value)
    if kv.kind == "bool":
        return "true" if kv.value else "false"
    if kv.kind == "null":
        return "null"
    if kv.kind == "expr":
        return kv.value
    if is_multi(kv):
        return "`" + kv.value + "`"
    return q_pref(r, kv.value, ("'", "'", '"'))


def r_js(r, ctx, fillers, group, ts=False):
    d = Doc()
    if ts:
        d.name = r.choice(["src/config.ts", "env.ts", "src/lib/client.ts", "src/config/%s.ts" % ctx.env])
    else:
        d.name = r.choice(["config.js", "src/config/index.js", "server.js", "knexfile.js",
                           "config/%s.js" % ctx.env])
    esm = ts or r.random() < 0.4
    if not esm:
        d.add("'use strict';", "")
        d.add("const path = require('path');")
    else:
        d.add("import path from 'path';")
    d.add("")
    blocks = [g for g in group if isinstance(g, Block)]
    kvgroup = [g for g in group if isinstance(g, KV)]
    if r.random() < 0.5 or not kvgroup:
        names = []
        st = r.choice(["upper", "camel"])
        for it in flat(r, fillers, group):
            def kv_fn(kv):
                nm = name(kv.words, st)
                names.append(nm)
                ann = ""
                if ts:
                    ann = {"int": ": number", "bool": ": boolean"}.get(kv.kind, ": string")
                    if kv.kind == "null":
                        ann = ": string | null"
                return _lines_of(d, js_scalar(r, kv), "%sconst %s%s = " % ("export " if ts else "", nm, ann), ";")
            emit(d, it, kv_fn)
        if not ts:
            d.add("", "module.exports = {")
            for nm in names:
                d.add("  %s," % nm)
            d.add("};")
        return d
    for b in blocks:
        emit(d, b, None)
        d.add("")
    if ts:
        d.add("export interface AppConfig {", "  [key: string]: unknown;", "}", "")
        d.add("const config: AppConfig = {")
    else:
        d.add("const config = {")
    for sec, items in sectionize(r, fillers, kvgroup):
        ind = "  "
        if sec:
            d.add("  %s: {" % name(sec, "camel"))
            ind = "    "
        for it in items:
            emit(d, it, lambda kv: _lines_of(d, js_scalar(r, kv), "%s%s: " % (ind, name(kv.words, "camel")), ","))
        if sec:
            d.add("  },")
    d.add("};", "")
    d.add("export default config;" if esm else "module.exports = config;")
    return d


# ---------------------------------------------------------------------------
# Go


def go_scalar(kv):
    if kv.kind == "int":
        return str(kv.value)
    if kv.kind == "bool":
        return "true" if kv.value else "false"
    if kv.kind == "null":
        raise Unsupported("null in go")
    if kv.kind == "expr":
        return kv.value
    if is_multi(kv) or ('"' in kv.value and "`" not in kv.value):
        return "`" + kv.value + "`"
    return q_double(kv.value)


def r_go(r, ctx, fillers, group):
    d = Doc()
    main = r.random() < 0.25
    d.name = "cmd/%s/main.go" % ctx.pkg if main else r.choice(["internal/config/config.go", "config.go",
                                                              "pkg/%s/settings.go" % ctx.pkg])
    d.add("package " + ("main" if main else "config"), "")
    d.add("import (", '\t"os"', '\t"time"', ")", "")
    blocks = [g for g in group if isinstance(g, Block)]
    kvgroup = [g for g in group if isinstance(g, KV)]
    for b in blocks:
        emit(d, b, None)
        d.add("")
    items = flat(r, fillers, kvgroup)
    if r.random() < 0.5 or not kvgroup:
        kw = "var" if any(kv.kind == "expr" for kv in items) or r.random() < 0.3 else "const"
        d.add(kw + " (")
        st = r.choice(["pascal", "camel"])
        for it in items:
            emit(d, it, lambda kv: _lines_of(d, go_scalar(kv), "\t%s = " % name(kv.words, st)))
        d.add(")", "", "var shutdownTimeout = 30 * time.Second", "",
              "func Getenv(k, def string) string {", "\tif v := os.Getenv(k); v != \"\" {",
              "\t\treturn v", "\t}", "\treturn def", "}")
        return d
    d.add("type Settings struct {")
    for kv in items:
        d.add("\t%s %s" % (name(kv.words, "pascal"), {"int": "int", "bool": "bool"}.get(kv.kind, "string")))
    d.add("}", "", "var Default = Settings{")
    for it in items:
        emit(d, it, lambda kv: _lines_of(d, go_scalar(kv), "\t%s: " % name(kv.words, "pascal"), ","))
    d.add("}", "", "var shutdownTimeout = 30 * time.Second", "",
          "func Load() Settings {", "\ts := Default", '\tif v := os.Getenv("LOG_LEVEL"); v != "" {',
          "\t\t_ = v", "\t}", "\treturn s", "}")
    return d


# ---------------------------------------------------------------------------
# Java


def java_scalar(kv, ind):
    if kv.kind == "int":
        return str(kv.value)
    if kv.kind == "bool":
        return "true" if kv.value else "false"
    if kv.kind == "null":
        return "null"
    if kv.kind == "expr":
        return kv.value
    if is_multi(kv):
        body = "\n".join(ind + "    " + ln if ln else "" for ln in kv.value.split("\n"))
        return '"""\n' + body + '\n' + ind + '    """'
    return q_double(kv.value)


def _java_kv(d, prefix, kv, ind, suffix=";"):
    s, e = _lines_of(d, java_scalar(kv, ind), prefix, suffix)
    if is_multi(kv):
        return s + 1, e - 1
    return s, e


def r_java(r, ctx, fillers, group):
    d = Doc()
    cls = r.choice(["AppConfig", "Constants", ctx.pascal + "Settings"])
    d.name = "src/main/java/com/%s/%s/config/%s.java" % (ctx.company, ctx.pkg, cls)
    d.add("package com.%s.%s.config;" % (ctx.company, ctx.pkg), "")
    d.add("import java.time.Duration;", "import java.util.Properties;", "")
    d.add("public final class %s {" % cls, "")
    blocks = [g for g in group if isinstance(g, Block)]
    kvgroup = [g for g in group if isinstance(g, KV)]
    for b in blocks:
        emit(d, b, None, "    ")
        d.add("")
    items = flat(r, fillers, kvgroup)
    if r.random() < 0.6 or not kvgroup:
        for it in items:
            def kv_fn(kv):
                t = {"int": "int", "bool": "boolean"}.get(kv.kind, "String")
                return _java_kv(d, "    public static final %s %s = " % (t, name(kv.words, "upper")), kv, "    ")
            emit(d, it, kv_fn)
        d.add("", "    public static final Duration TIMEOUT = Duration.ofSeconds(30);", "",
              "    private %s() {" % cls, "    }", "}")
        return d
    d.add("    public static Properties load() {", "        Properties props = new Properties();")
    for it in items:
        def kv_fn(kv):
            k = name(kv.words, "dotted")
            if kv.kind in ("int", "bool"):
                kv = KV(kv.words, str(kv.value).lower(), "str", kv.secret, kv.mark)
            return _java_kv(d, '        props.setProperty("%s", ' % k, kv, "        ", ");")
        emit(d, it, kv_fn)
    d.add("        return props;", "    }", "", "    private %s() {" % cls, "    }", "}")
    return d


# ---------------------------------------------------------------------------
# C#


def r_csharp(r, ctx, fillers, group):
    d = Doc()
    cls = r.choice(["Settings", "AppSettings", ctx.pascal + "Options", "Constants"])
    d.name = r.choice(["%s.cs" % cls, "Config/%s.cs" % cls, "src/%s/%s.cs" % (ctx.pascal, cls)])
    d.add("using System;", "")
    d.add("namespace %s.%s.Config" % (ctx.company.capitalize(), ctx.pascal), "{")
    d.add("    public static class %s" % cls, "    {")
    blocks = [g for g in group if isinstance(g, Block)]
    kvgroup = [g for g in group if isinstance(g, KV)]
    for b in blocks:
        emit(d, b, None, "        ")
        d.add("")
    for it in flat(r, fillers, kvgroup):
        def kv_fn(kv):
            nm = name(kv.words, "pascal")
            t = {"int": "int", "bool": "bool"}.get(kv.kind, "string")
            ro = kv.kind in ("expr", "null") or r.random() < 0.3
            decl = "        public %s %s %s = " % ("static readonly" if ro else "const", t, nm)
            if kv.kind == "int":
                v = str(kv.value)
            elif kv.kind == "bool":
                v = "true" if kv.value else "false"
            elif kv.kind == "null":
                v = "null"
            elif kv.kind == "expr":
                v = kv.value
            elif is_multi(kv):
                v = '@"' + kv.value.replace('"', '""') + '"'
            else:
                v = q_double(kv.value)
            return _lines_of(d, v, decl, ";")
        emit(d, it, kv_fn)
    d.add("    }", "}")
    return d


# ---------------------------------------------------------------------------
# Ruby


def rb_scalar(r, kv):
    if kv.kind == "int":
        return str(kv.value)
    if kv.kind == "bool":
        return "true" if kv.value else "false"
    if kv.kind == "null":
        return "nil"
    if kv.kind == "expr":
        return kv.value
    v = kv.value
    if "#" in v or '"' in v or r.random() < 0.5:
        return q_single(v)
    return q_double(v)


def _rb_kv(d, r, prefix, kv, ind, suffix=""):
    s = d.n + 1
    if is_multi(kv):
        tag = r.choice(["PEM", "KEY", "EOS"])
        d.add("%s<<~%s%s" % (prefix, tag, suffix))
        for ln in kv.value.split("\n"):
            d.add(ind + "  " + ln if ln else "")
        d.add(ind + tag)
        return s + 1, d.n - 1
    d.add(prefix + rb_scalar(r, kv) + suffix)
    return s, s


def r_ruby(r, ctx, fillers, group):
    d = Doc()
    style = r.choice(["module", "rails", "hash"])
    d.add("# frozen_string_literal: true", "")
    blocks = [g for g in group if isinstance(g, Block)]
    kvgroup = [g for g in group if isinstance(g, KV)]
    if style == "module":
        d.name = r.choice(["lib/%s/config.rb" % ctx.pkg, "config/settings.rb"])
        d.add("module %s" % ctx.pascal, "  module Config")
        for it in flat(r, fillers, group):
            emit(d, it, lambda kv: _rb_kv(d, r, "    %s = " % name(kv.words, "upper"), kv, "    "), "    ")
        d.add("  end", "end")
        return d
    if style == "rails":
        d.name = r.choice(["config/environments/production.rb", "config/initializers/%s.rb" % ctx.pkg])
        d.add("Rails.application.configure do")
        for it in flat(r, fillers, group):
            emit(d, it, lambda kv: _rb_kv(d, r, "  config.x.%s = " % name(kv.words, "snake"), kv, "  "), "  ")
        d.add("  config.log_level = :info", "end")
        return d
    d.name = r.choice(["config/initializers/%s.rb" % ctx.pkg, "lib/%s/defaults.rb" % ctx.pkg])
    for b in blocks:
        emit(d, b, None)
        d.add("")
    d.add("%s_CONFIG = {" % ctx.pkg.upper())
    for sec, items in sectionize(r, fillers, kvgroup):
        ind = "  "
        if sec:
            d.add("  %s: {" % name(sec, "snake"))
            ind = "    "
        for it in items:
            emit(d, it, lambda kv: _rb_kv(d, r, "%s%s: " % (ind, name(kv.words, "snake")), kv, ind, ","), ind)
        if sec:
            d.add("  },")
    d.add("}.freeze")
    return d


# ---------------------------------------------------------------------------
# PHP


def php_scalar(kv):
    if kv.kind == "int":
        return str(kv.value)
    if kv.kind == "bool":
        return "true" if kv.value else "false"
    if kv.kind == "null":
        return "null"
    if kv.kind == "expr":
        return kv.value
    return "'" + kv.value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _php_kv(d, prefix, kv, ind, suffix):
    s = d.n + 1
    if is_multi(kv):
        d.add(prefix + "<<<'EOT'")
        for ln in kv.value.split("\n"):
            d.add(ind + "    " + ln if ln else "")
        d.add(ind + "    EOT" + suffix)
        return s + 1, d.n - 1
    d.add(prefix + php_scalar(kv) + suffix)
    return s, s


def r_php(r, ctx, fillers, group):
    d = Doc()
    style = r.choice(["array", "array", "define", "vars"])
    d.add("<?php", "")
    blocks = [g for g in group if isinstance(g, Block)]
    kvgroup = [g for g in group if isinstance(g, KV)]
    if style == "array" and kvgroup:
        d.name = r.choice(["config/services.php", "config.php", "config/%s.php" % ctx.pkg])
        for b in blocks:
            emit(d, b, None)
            d.add("")
        d.add("return [")
        for sec, items in sectionize(r, fillers, kvgroup):
            ind = "    "
            if sec:
                d.add("    '%s' => [" % name(sec, "snake"))
                ind = "        "
            for it in items:
                emit(d, it, lambda kv: _php_kv(d, "%s'%s' => " % (ind, name(kv.words, "snake")), kv, ind, ","))
            if sec:
                d.add("    ],")
        d.add("];")
        return d
    if style == "define":
        d.name = r.choice(["wp-config.php", "config.inc.php", "includes/config.php"])
        d.add("/**", " * %s configuration (%s)." % (ctx.title, ctx.env), " */", "")
        for it in flat(r, fillers, group):
            emit(d, it, lambda kv: _php_kv(d, "define('%s', " % name(kv.words, "upper"), kv, "", ");"))
        d.add("", "require_once __DIR__ . '/bootstrap.php';")
        return d
    d.name = r.choice(["settings.php", "inc/db.php", "public/bootstrap.php"])
    for it in flat(r, fillers, group):
        emit(d, it, lambda kv: _php_kv(d, "$%s = " % name(kv.words, "snake"), kv, "", ";"))
    d.add("", "date_default_timezone_set('UTC');")
    return d


# ---------------------------------------------------------------------------
# Markdown

PROSE = [
    "This service is deployed by the platform team; ask in #platform before changing anything here.",
    "The values below are read once at start-up, so restart the pods after editing them.",
    "Run `make dev` to start the stack locally with Docker Compose.",
    "Settings are grouped by the subsystem that reads them.",
    "All timeouts are in milliseconds unless the key says otherwise.",
    "See the runbook for the on-call procedure and dashboards.",
    "The staging environment mirrors production with smaller instance sizes.",
    "Migrations run automatically on deploy; roll back with `make migrate-down`.",
    "Metrics are exported in Prometheus format on `/metrics`.",
    "Logs are shipped as JSON to the central collector.",
]


def md_wrap(r, ctx, inner_fmt, inner):
    d = Doc()
    d.name = r.choice(["README.md", "docs/setup.md", "SETUP.md", "docs/deployment.md", "NOTES.md",
                       "docs/%s.md" % ctx.pkg])
    d.add("# " + ctx.title, "", r.choice(PROSE), "")
    d.add("## " + r.choice(["Configuration", "Local setup", "Deploying", "Environment"]), "")
    for p in r.sample(PROSE, r.randint(0, 2)):
        d.add(p, "")
    d.add(r.choice(["Use the following settings:", "Example configuration:", "Current %s values:" % ctx.env,
                    "Put this in `%s`:" % inner.name]), "")
    d.add("```" + FENCE_LANG[inner_fmt])
    off = d.n
    d.add(*inner.lines)
    d.add("```", "")
    if inner.span:
        d.span = [inner.span[0] + off, inner.span[1] + off]
    d.add(r.choice(PROSE))
    return d


def r_md_prose(r, ctx, fillers, group):
    d = Doc()
    d.name = r.choice(["README.md", "docs/notes.md", "HANDOVER.md", "docs/%s.md" % ctx.pkg, "docs/ops.md"])
    d.add("# %s - %s notes" % (ctx.title, ctx.env), "", r.choice(PROSE), "")
    for it in flat(r, fillers, group):
        def kv_fn(kv):
            label = title(kv.words)
            if is_multi(kv):
                d.add("%s:" % label, "", "```")
                s = d.n + 1
                d.add(*kv.value.split("\n"))
                e = d.n
                d.add("```", "")
                return s, e
            if kv.kind == "null":
                v = "(none)"
            elif kv.kind == "bool":
                v = "true" if kv.value else "false"
            else:
                v = str(kv.value)
            d.add(r.choice(["- %s: `%s`", "- **%s**: `%s`", "* %s = `%s`"]) % (label, v))
            return d.n, d.n
        emit(d, it, kv_fn)
    d.add("", r.choice(PROSE))
    return d


RENDER = {
    "env": r_env, "shell": r_shell, "yaml": r_yaml, "json": r_json, "toml": r_toml,
    "xml": r_xml, "properties": r_properties, "hcl": r_hcl, "dockerfile": r_dockerfile,
    "python": r_python, "js": r_js, "ts": lambda r, c, f, g: r_js(r, c, f, g, ts=True),
    "go": r_go, "java": r_java, "csharp": r_csharp, "ruby": r_ruby, "php": r_php,
    "md-prose": r_md_prose,
}


def group_lines(group):
    n = 0
    for g in group:
        if isinstance(g, KV):
            n += str(g.value).count("\n") + 1
        else:
            n += len(g.lines)
    return n


def render(r, ctx, fmt, group_fn, inner_choices=None):
    """Render one file. group_fn(fmt) gives the items (or a WholeFile).

    Returns (name, lines, span)."""
    if fmt == "markdown":
        inner_fmt = r.choice(inner_choices)
        group = group_fn(inner_fmt)
        n = r.randint(1, max(1, min(8, (40 - group_lines(group)) // 2)))
        inner = RENDER[inner_fmt](r, ctx, make_fillers(r, ctx, n), group)
        d = md_wrap(r, ctx, inner_fmt, inner)
        return d.name, d.lines, d.span
    group = group_fn(fmt)
    if hasattr(group, "lines") and hasattr(group, "name"):  # WholeFile
        return group.name, group.lines, group.span
    n = r.randint(4, max(4, min(20, (50 - group_lines(group)) // 2)))
    d = RENDER[fmt](r, ctx, make_fillers(r, ctx, n), group)
    return d.name, d.lines, d.span
