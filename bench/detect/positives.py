"""Positive credential types: public token formats, fake random values.

Each type is written from the provider's published (or widely documented)
token shape.  Values are random, never real.  A type gives the value (or a
small group of items, or a whole file), the natural variable names it is
stored under, and the file formats it is placed in.
"""

import json

from common import (KV, Block, WholeFile, rs, rbytes, b64, b64u, b64u_json,
                    wrap, checksummed, uuid4, password, url_password, armor,
                    pem, ssh_string, name,
                    ALNUM, ALNUM_L, ALNUM_U, LETTERS, HEX, HEXU, B64, B64URL,
                    DIGITS, UPPER)
from formats import FORMATS, MULTI_OK

SINGLE = list(FORMATS)
MULTI = list(MULTI_OK)


class PType:
    def __init__(self, name, words=None, gen=None, group=None, formats=None,
                 usage=None, natives=(), native_share=0.3):
        self.name = name
        self.words = words or []
        self.gen = gen
        self.groupfn = group
        self.formats = list(formats or SINGLE)
        self.usage = usage          # shell one-liner using the value: "fmt %s"
        self.natives = list(natives)
        self.native_share = native_share

    def group(self, r, fmt, ctx):
        if self.groupfn:
            return self.groupfn(r, fmt, ctx)
        value = self.gen(r)
        if fmt == "shell" and self.usage and r.random() < 0.4:
            u = r.choice(self.usage) if isinstance(self.usage, list) else self.usage
            line = u.replace("{svc}", ctx.svc).replace("{domain}", ctx.domain) % value
            return [Block([line], secret=True)]
        return [KV(r.choice(self.words), value, secret=True)]


TYPES = []


def pt(*a, **k):
    TYPES.append(PType(*a, **k))


def pick(r, *choices):
    return r.choice(choices)


# ---------------------------------------------------------------------------
# key material (DER-shaped bytes, random contents)


def der_rsa_pkcs1(r):
    if r.random() < 0.8:
        return bytes.fromhex("308204a40201000282010100") + rbytes(r, 0x4A8 - 12)
    return bytes.fromhex("3082025c02010002818100") + rbytes(r, 0x260 - 11)


def der_pkcs8(r):
    k = r.random()
    if k < 0.5:
        return bytes.fromhex("308204bd020100300d06092a864886f70d0101010500048204a7") + rbytes(r, 0x4C1 - 26)
    if k < 0.8:
        return (bytes.fromhex("308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420")
                + rbytes(r, 32) + bytes.fromhex("a14403420004") + rbytes(r, 64))
    return bytes.fromhex("302e020100300506032b657004220420") + rbytes(r, 32)


def der_ec(r):
    return (bytes.fromhex("30770201010420") + rbytes(r, 32)
            + bytes.fromhex("a00a06082a8648ce3d030107a14403420004") + rbytes(r, 64))


def der_encrypted_pkcs8(r):
    return (bytes.fromhex("3082051e304906092a864886f70d01050d303c301b06092a864886f70d01050c300e0408")
            + rbytes(r, 8) + bytes.fromhex("02020800301d060960864801650304012a0410") + rbytes(r, 16)
            + bytes.fromhex("048204d0") + rbytes(r, 0x4D0))


def der_dsa(r):
    return bytes.fromhex("308201bb02010002818100") + rbytes(r, 0x1BF - 11)


def openssh_blob(r):
    if r.random() < 0.6:
        pub = rbytes(r, 32)
        seed = rbytes(r, 32)
        check = rbytes(r, 4)
        pubblob = ssh_string(b"ssh-ed25519") + ssh_string(pub)
        comment = ("%s@%s" % (pick(r, "deploy", "ci", "root", "jenkins", "ubuntu"),
                              pick(r, "bastion", "build-01", "laptop", "runner"))).encode()
        priv = (check + check + ssh_string(b"ssh-ed25519") + ssh_string(pub)
                + ssh_string(seed + pub) + ssh_string(comment))
        pad = 1
        while len(priv) % 8:
            priv += bytes([pad])
            pad += 1
        body = (b"openssh-key-v1\0" + ssh_string(b"none") + ssh_string(b"none") + ssh_string(b"")
                + (1).to_bytes(4, "big") + ssh_string(pubblob) + ssh_string(priv))
    else:
        body = (b"openssh-key-v1\0" + ssh_string(b"none") + ssh_string(b"none") + ssh_string(b"")
                + (1).to_bytes(4, "big") + ssh_string(b"\0\0\0\x07ssh-rsa" + rbytes(r, 268))
                + ssh_string(rbytes(r, 1380)))
    return body


def key_openssh(r):
    lines = ["-----BEGIN OPENSSH PRIVATE KEY-----"] + wrap(b64(openssh_blob(r)), 70)
    lines.append("-----END OPENSSH PRIVATE KEY-----")
    return "\n".join(lines)


def key_rsa(r):
    if r.random() < 0.2:
        return pem("RSA PRIVATE KEY", der_rsa_pkcs1(r),
                   ["Proc-Type: 4,ENCRYPTED", "DEK-Info: AES-128-CBC," + rs(r, HEXU, 32)])
    return pem("RSA PRIVATE KEY", der_rsa_pkcs1(r))


def key_ec(r):
    k = pem("EC PRIVATE KEY", der_ec(r))
    if r.random() < 0.3:
        k = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + k
    return k


def key_pgp(r):
    t = (1600000000 + r.randint(0, 150000000)).to_bytes(4, "big")
    if r.random() < 0.6:
        body = (b"\x04" + t + b"\x16\x09\x2b\x06\x01\x04\x01\xda\x47\x0f\x01\x01\x07\x40"
                + rbytes(r, 32) + b"\x00\x00\xff" + rbytes(r, 32) + rbytes(r, 2))
        uid = ("%s <%s@%s>" % (pick(r, "Release Signing", "Build Bot", "Ops Team"),
                                pick(r, "release", "ci", "ops"), pick(r, "acmecorp.net", "globex.dev"))).encode()
        data = (bytes([0x94, len(body) - 1]) + body[:len(body) - 1] + bytes([0xB4, len(uid)]) + uid
                + b"\x88\x90" + rbytes(r, 0x90) + b"\x9c\x5d" + rbytes(r, 0x5D) + b"\x88\x78" + rbytes(r, 0x78))
    else:
        data = b"\x95\x03\x98\x04" + t + b"\x01\x08\x00" + rbytes(r, 0x398 - 8) + b"\xb4\x1a" + rbytes(r, 0x1A)
    headers = []
    if r.random() < 0.3:
        headers = ["Comment: " + pick(r, "GPGTools - https://gpgtools.org", "Exported for CI signing")]
    return armor("PRIVATE KEY BLOCK", data, headers)


def key_pkcs8_pem(r):
    return pem("PRIVATE KEY", der_pkcs8(r))


def putty_file(r, fmt, ctx):
    if r.random() < 0.5:
        pub = ssh_string(b"ssh-ed25519") + ssh_string(rbytes(r, 32))
        priv = ssh_string(rbytes(r, 32))
        head = "PuTTY-User-Key-File-3: ssh-ed25519"
        mac = rs(r, HEX, 64)
        extra = []
    else:
        pub = ssh_string(b"ssh-rsa") + ssh_string(b"\x01\x00\x01") + ssh_string(b"\x00" + rbytes(r, 256))
        priv = ssh_string(b"\x00" + rbytes(r, 255)) + ssh_string(b"\x00" + rbytes(r, 128)) \
            + ssh_string(b"\x00" + rbytes(r, 128)) + ssh_string(rbytes(r, 128))
        head = "PuTTY-User-Key-File-2: ssh-rsa"
        mac = rs(r, HEX, 40)
        extra = []
    pl = wrap(b64(pub), 64)
    vl = wrap(b64(priv), 64)
    lines = [head, "Encryption: none",
             "Comment: %s-key-%04d%02d%02d" % ("eddsa" if "ed25519" in head else "rsa", r.randint(2019, 2025), r.randint(1, 12), r.randint(1, 28))]
    lines += extra + ["Public-Lines: %d" % len(pl)] + pl + ["Private-Lines: %d" % len(vl)] + vl
    lines.append("Private-MAC: " + mac)
    nm = pick(r, "id_rsa.ppk", "deploy.ppk", "keys/%s.ppk" % ctx.pkg, "putty/bastion.ppk")
    return WholeFile(nm, lines, (1, len(lines)))


def pem_file(namefn):
    def f(r, fmt, ctx, value):
        lines = value.split("\n")
        return WholeFile(namefn(r, ctx), lines, (1, len(lines)))
    return f


def multi_type(name, words, gen, files):
    """A multi-line key: in config formats, or alone in a key file."""
    nat = pem_file(files)

    def group(r, fmt, ctx):
        v = gen(r)
        if fmt == "keyfile":
            return nat(r, fmt, ctx, v)
        return [KV(r.choice(words), v, secret=True)]
    pt(name, words, group=group, formats=MULTI, natives=["keyfile"], native_share=0.3)


# ---------------------------------------------------------------------------
# AWS


def akid(r):
    return pick(r, "AKIA", "AKIA", "AKIA", "ASIA") + rs(r, UPPER + "234567", 16)


def aws_secret(r):
    return rs(r, B64, 40)


AKID_WORDS = [["aws", "access", "key", "id"], ["access", "key", "id"], ["aws", "access", "key"]]
ASK_WORDS = [["aws", "secret", "access", "key"], ["aws", "secret", "key"], ["secret", "access", "key"]]

pt("aws-access-key-id", AKID_WORDS, akid)
pt("aws-secret-access-key", ASK_WORDS, aws_secret)
pt("aws-session-token", [["aws", "session", "token"], ["session", "token"], ["aws", "security", "token"]],
   lambda r: pick(r, "FwoGZXIvYXdzE", "IQoJb3JpZ2luX2Vj") + rs(r, B64, r.randint(280, 560)))


def aws_pair(r, fmt, ctx):
    a, s = akid(r), aws_secret(r)
    if fmt == "awscreds":
        prof = pick(r, "default", "default", "prod", ctx.svc)
        lines = ["[%s]" % prof, "aws_access_key_id = " + a, "aws_secret_access_key = " + s,
                 "region = " + ctx.region]
        if r.random() < 0.5:
            lines.append("output = json")
        return WholeFile(pick(r, ".aws/credentials", "aws/credentials", "deploy/aws-credentials"), lines, (2, 3))
    i = r.randrange(len(AKID_WORDS))
    return [KV(AKID_WORDS[i], a, secret=True), KV(ASK_WORDS[i], s, secret=True)]


pt("aws-credentials-pair", group=aws_pair, natives=["awscreds"], native_share=0.2)

# ---------------------------------------------------------------------------
# Source hosting and CI

GH_WORDS = [["github", "token"], ["gh", "token"], ["github", "pat"], ["git", "token"], ["personal", "access", "token"]]
GH_USAGE = ['curl -fsSL -H "Authorization: token %s" https://api.github.com/user/repos',
            "git clone https://x-access-token:%s@github.com/{svc}/{svc}.git",
            'curl -fsSL -H "Authorization: Bearer %s" https://api.github.com/repos/acme/{svc}/releases']
pt("github-pat-classic", GH_WORDS, lambda r: checksummed(r, "ghp_"), usage=GH_USAGE)
pt("github-oauth-token", [["github", "oauth", "token"], ["gh", "oauth", "token"], ["oauth", "token"]],
   lambda r: checksummed(r, "gho_"), usage=GH_USAGE)
pt("github-user-to-server-token", [["github", "user", "token"], ["gh", "app", "user", "token"]],
   lambda r: checksummed(r, "ghu_"), usage=GH_USAGE)
pt("github-server-to-server-token", [["github", "app", "token"], ["installation", "token"], ["gh", "token"]],
   lambda r: checksummed(r, "ghs_"), usage=GH_USAGE)
pt("github-fine-grained-pat", GH_WORDS,
   lambda r: "github_pat_" + rs(r, ALNUM, 22) + "_" + rs(r, ALNUM, 59), usage=GH_USAGE)
pt("gitlab-pat", [["gitlab", "token"], ["gitlab", "private", "token"], ["gl", "token"], ["gitlab", "api", "token"]],
   lambda r: "glpat-" + rs(r, B64URL, 20),
   usage=['curl --header "PRIVATE-TOKEN: %s" "https://gitlab.com/api/v4/projects?membership=true"'])
pt("gitlab-runner-token", [["runner", "token"], ["gitlab", "runner", "token"], ["registration", "token"]],
   lambda r: "glrt-" + rs(r, B64URL, 20))
pt("gitlab-pipeline-trigger-token", [["trigger", "token"], ["gitlab", "trigger", "token"]],
   lambda r: "glptt-" + rs(r, HEX, 40),
   usage=['curl -X POST -F token=%s -F ref=main https://gitlab.com/api/v4/projects/4242/trigger/pipeline'])
pt("buildkite-api-token", [["buildkite", "api", "token"], ["buildkite", "token"]],
   lambda r: "bkua_" + rs(r, HEX, 40))
pt("circleci-pat", [["circleci", "token"], ["circle", "token"], ["circleci", "api", "token"]],
   lambda r: "CCIPAT_" + rs(r, ALNUM, 22) + "_" + rs(r, HEX, 40))

# ---------------------------------------------------------------------------
# Chat and messaging

pt("slack-bot-token", [["slack", "bot", "token"], ["slack", "token"], ["bot", "token"]],
   lambda r: "xoxb-%s-%s-%s" % (rs(r, DIGITS, r.randint(10, 13)), rs(r, DIGITS, r.randint(10, 13)), rs(r, ALNUM, 24)),
   usage='curl -s -H "Authorization: Bearer %s" https://slack.com/api/auth.test')
pt("slack-user-token", [["slack", "user", "token"], ["slack", "token"], ["slack", "oauth", "token"]],
   lambda r: "xoxp-%s-%s-%s-%s" % (rs(r, DIGITS, r.randint(10, 13)), rs(r, DIGITS, r.randint(10, 13)),
                                  rs(r, DIGITS, r.randint(10, 13)), rs(r, HEX, 32)))
pt("slack-app-token", [["slack", "app", "token"], ["app", "level", "token"]],
   lambda r: "xapp-1-A%s-%s-%s" % (rs(r, ALNUM_U, 10), rs(r, DIGITS, 13), rs(r, HEX, 64)))
POST_JSON = "curl -fsS -X POST -H 'Content-type: application/json' --data '{\"text\":\"Deploy of {svc} finished\"}' %s"
pt("slack-webhook-url", [["slack", "webhook", "url"], ["slack", "webhook"], ["webhook", "url"], ["slack", "hook"]],
   lambda r: "https://hooks.slack.com/services/T%s/B%s/%s" % (rs(r, ALNUM_U, r.randint(8, 10)),
                                                             rs(r, ALNUM_U, r.randint(8, 10)), rs(r, ALNUM, 24)),
   usage=POST_JSON)
pt("discord-webhook-url", [["discord", "webhook", "url"], ["discord", "webhook"], ["webhook", "url"]],
   lambda r: "https://%s/api/webhooks/%s/%s" % (pick(r, "discord.com", "discord.com", "discordapp.com"),
                                                "1" + rs(r, DIGITS, r.randint(17, 18)), rs(r, B64URL, 68)),
   usage="curl -fsS -H 'Content-Type: application/json' -d '{\"content\":\"{svc} deployed\"}' %s")
pt("discord-bot-token", [["discord", "bot", "token"], ["discord", "token"], ["bot", "token"]],
   lambda r: b64u(("1" + rs(r, DIGITS, 18)).encode()) + "." + rs(r, B64URL, 6) + "." + rs(r, B64URL, 38))


def telegram(r):
    return "%s:AA%s" % (rs(r, "123456789", 1) + rs(r, DIGITS, r.randint(7, 9)), rs(r, B64URL, 33))


def telegram_group(r, fmt, ctx):
    t = telegram(r)
    if r.random() < 0.25:
        return [KV(["telegram", "api", "url"], "https://api.telegram.org/bot%s/sendMessage" % t, secret=True)]
    if fmt == "shell" and r.random() < 0.4:
        return [Block(['curl -s "https://api.telegram.org/bot%s/sendMessage" -d chat_id=-100%s -d text="deploy ok"'
                       % (t, rs(r, DIGITS, 10))], secret=True)]
    return [KV(pick(r, ["telegram", "bot", "token"], ["telegram", "token"], ["tg", "bot", "token"]), t, secret=True)]


pt("telegram-bot-token", group=telegram_group)

TWILIO_SID = ["twilio", "account", "sid"]


def twilio_auth(r, fmt, ctx):
    sid = KV(TWILIO_SID, "AC" + rs(r, HEX, 32))
    tok = KV(pick(r, ["twilio", "auth", "token"], ["twilio", "token"]), rs(r, HEX, 32), secret=True)
    return [sid, tok] if r.random() < 0.6 else [tok]


pt("twilio-api-key", [["twilio", "api", "key"], ["twilio", "api", "key", "sid"]], lambda r: "SK" + rs(r, HEX, 32))
pt("twilio-auth-token", group=twilio_auth)
pt("sendgrid-api-key", [["sendgrid", "api", "key"], ["sendgrid", "key"], ["mail", "api", "key"]],
   lambda r: "SG." + rs(r, B64URL, 22) + "." + rs(r, B64URL, 43),
   usage='curl --request POST --url https://api.sendgrid.com/v3/mail/send --header "Authorization: Bearer %s"')
pt("mailgun-api-key", [["mailgun", "api", "key"], ["mailgun", "key"]], lambda r: "key-" + rs(r, HEX, 32),
   usage="curl -s --user 'api:%s' https://api.mailgun.net/v3/mg.{domain}/messages")
pt("mailchimp-api-key", [["mailchimp", "api", "key"], ["mailchimp", "key"]],
   lambda r: rs(r, HEX, 32) + "-us" + str(r.randint(1, 21)))
pt("brevo-api-key", [["brevo", "api", "key"], ["sendinblue", "api", "key"]],
   lambda r: "xkeysib-" + rs(r, HEX, 64) + "-" + rs(r, ALNUM, 16))

# ---------------------------------------------------------------------------
# Payments

pt("stripe-secret-key", [["stripe", "secret", "key"], ["stripe", "api", "key"], ["stripe", "key"]],
   lambda r: "sk_live_" + (rs(r, ALNUM, 24) if r.random() < 0.4 else "51" + rs(r, ALNUM, 97)),
   usage="curl https://api.stripe.com/v1/charges -u %s:")
pt("stripe-restricted-key", [["stripe", "restricted", "key"], ["stripe", "api", "key"]],
   lambda r: "rk_live_" + (rs(r, ALNUM, 24) if r.random() < 0.4 else "51" + rs(r, ALNUM, 97)))
pt("stripe-webhook-secret", [["stripe", "webhook", "secret"], ["webhook", "signing", "secret"]],
   lambda r: "whsec_" + rs(r, ALNUM, 32))
pt("square-access-token", [["square", "access", "token"], ["square", "token"]],
   lambda r: "EAAA" + rs(r, B64URL, 60))
pt("square-oauth-secret", [["square", "oauth", "secret"], ["square", "application", "secret"]],
   lambda r: "sq0csp-" + rs(r, B64URL, 43))
pt("plaid-access-token", [["plaid", "access", "token"], ["plaid", "token"]],
   lambda r: "access-production-" + uuid4(r))
pt("braintree-access-token", [["braintree", "access", "token"], ["paypal", "access", "token"]],
   lambda r: "access_token$production$%s$%s" % (rs(r, ALNUM_L, 16), rs(r, HEX, 32)))
pt("shopify-access-token", [["shopify", "access", "token"], ["shopify", "admin", "token"], ["shopify", "token"]],
   lambda r: pick(r, "shpat_", "shpat_", "shpca_", "shppa_") + rs(r, HEX, 32))

# ---------------------------------------------------------------------------
# Package registries

pt("npm-token", [["npm", "token"], ["npm", "auth", "token"], ["node", "auth", "token"]],
   lambda r: checksummed(r, "npm_"), usage="npm config set //registry.npmjs.org/:_authToken=%s",
   natives=["npmrc"], native_share=0.2)
pt("pypi-token", [["pypi", "token"], ["pypi", "api", "token"], ["twine", "password"]],
   lambda r: "pypi-AgEIcHlwaS5vcmc" + rs(r, B64URL, r.randint(150, 190)),
   usage="twine upload -u __token__ -p %s dist/*", natives=["pypirc"], native_share=0.2)
pt("dockerhub-pat", [["docker", "hub", "token"], ["dockerhub", "token"], ["docker", "password"], ["registry", "token"]],
   lambda r: "dckr_pat_" + rs(r, B64URL, 27), usage='echo "%s" | docker login -u ci-bot --password-stdin')
pt("nuget-api-key", [["nuget", "api", "key"], ["nuget", "key"]], lambda r: "oy2" + rs(r, ALNUM_L, 43),
   usage="dotnet nuget push bin/Release/*.nupkg -k %s -s https://api.nuget.org/v3/index.json")
pt("rubygems-api-key", [["rubygems", "api", "key"], ["gem", "host", "api", "key"]],
   lambda r: "rubygems_" + rs(r, HEX, 48))

# ---------------------------------------------------------------------------
# Cloud and infrastructure

pt("heroku-api-key", [["heroku", "api", "key"], ["heroku", "token"]], lambda r: "HRKU-AA" + rs(r, B64URL, 58))
pt("digitalocean-pat", [["digitalocean", "token"], ["do", "token"], ["digitalocean", "access", "token"]],
   lambda r: "dop_v1_" + rs(r, HEX, 64), usage="doctl auth init -t %s")
pt("digitalocean-oauth-token", [["digitalocean", "oauth", "token"], ["do", "oauth", "token"]],
   lambda r: "doo_v1_" + rs(r, HEX, 64))
pt("databricks-token", [["databricks", "token"], ["databricks", "host", "token"]],
   lambda r: "dapi" + rs(r, HEX, 32) + ("-%d" % r.randint(2, 3) if r.random() < 0.3 else ""))
pt("datadog-api-key", [["dd", "api", "key"], ["datadog", "api", "key"]], lambda r: rs(r, HEX, 32))
pt("datadog-app-key", [["dd", "app", "key"], ["datadog", "app", "key"], ["datadog", "application", "key"]],
   lambda r: rs(r, HEX, 40))
pt("newrelic-user-api-key", [["new", "relic", "api", "key"], ["newrelic", "api", "key"]],
   lambda r: "NRAK-" + rs(r, ALNUM_U, 27))
pt("newrelic-license-key", [["new", "relic", "license", "key"], ["newrelic", "license", "key"]],
   lambda r: rs(r, HEX, 36) + "NRAL")


def sentry_org(r):
    payload = {"iat": round(1690000000 + r.random() * 60000000, 6), "url": "https://sentry.io",
               "region_url": pick(r, "https://us.sentry.io", "https://de.sentry.io"),
               "org": pick(r, "acme", "globex", "northwind", "initech")}
    return "sntrys_" + b64(json.dumps(payload, separators=(",", ":")).encode()).rstrip("=") + "_" + rs(r, B64, 43)


pt("sentry-org-token", [["sentry", "auth", "token"], ["sentry", "token"]], sentry_org)
pt("sentry-user-token", [["sentry", "auth", "token"], ["sentry", "token"]], lambda r: "sntryu_" + rs(r, HEX, 64))
pt("vault-service-token", [["vault", "token"], ["vault", "root", "token"]],
   lambda r: "hvs." + (rs(r, ALNUM, 24) if r.random() < 0.4 else "CAESI" + rs(r, B64URL, r.randint(85, 100))),
   usage="VAULT_TOKEN=%s vault kv get secret/{svc}")


def tfc_token(r):
    return rs(r, ALNUM, 14) + ".atlasv1." + rs(r, B64URL, r.randint(60, 70))


def tfc_group(r, fmt, ctx):
    t = tfc_token(r)
    if fmt == "terraformrc":
        lines = ['credentials "app.terraform.io" {', '  token = "%s"' % t, "}"]
        return WholeFile(pick(r, ".terraformrc", "terraform.rc", "ci/terraformrc"), lines, (2, 2))
    return [KV(pick(r, ["tfc", "token"], ["terraform", "cloud", "token"], ["tf", "token", "app", "terraform", "io"],
                    ["atlas", "token"]), t, secret=True)]


pt("terraform-cloud-token", group=tfc_group, natives=["terraformrc"], native_share=0.2)
pt("alibaba-access-key-id", [["alibaba", "cloud", "access", "key", "id"], ["aliyun", "access", "key", "id"], ["oss", "access", "key", "id"]],
   lambda r: "LTAI" + rs(r, ALNUM, r.randint(12, 20)))
pt("alibaba-access-key-secret", [["alibaba", "cloud", "access", "key", "secret"], ["aliyun", "access", "key", "secret"]],
   lambda r: rs(r, ALNUM, 30))
pt("tencent-secret-id", [["tencentcloud", "secret", "id"], ["tencent", "secret", "id"], ["cos", "secret", "id"]],
   lambda r: "AKID" + rs(r, ALNUM, 32))
pt("cloudflare-api-token", [["cloudflare", "api", "token"], ["cf", "api", "token"]], lambda r: rs(r, B64URL, 40))
pt("pulumi-access-token", [["pulumi", "access", "token"]], lambda r: "pul-" + rs(r, HEX, 40))
pt("doppler-token", [["doppler", "token"], ["doppler", "service", "token"]],
   lambda r: pick(r, "dp.pt.", "dp.st.") + rs(r, ALNUM, 43))
pt("planetscale-token", [["planetscale", "service", "token"], ["pscale", "token"]],
   lambda r: "pscale_tkn_" + rs(r, B64URL, 43))
pt("dynatrace-token", [["dt", "api", "token"], ["dynatrace", "api", "token"]],
   lambda r: "dt0c01." + rs(r, ALNUM_U, 24) + "." + rs(r, ALNUM_U, 64))
pt("supabase-pat", [["supabase", "access", "token"]], lambda r: "sbp_" + rs(r, HEX, 40))
pt("tailscale-auth-key", [["ts", "authkey"], ["tailscale", "auth", "key"]],
   lambda r: "tskey-auth-k" + rs(r, ALNUM, 11) + "CNTRL-" + rs(r, ALNUM, 33))
pt("prefect-api-key", [["prefect", "api", "key"]], lambda r: "pnu_" + rs(r, ALNUM, 36))
pt("grafana-service-account-token", [["grafana", "token"], ["grafana", "api", "key"], ["grafana", "service", "account", "token"]],
   lambda r: "glsa_" + rs(r, ALNUM, 32) + "_" + rs(r, HEX, 8))


def grafana_cloud(r):
    payload = {"o": rs(r, DIGITS, 6), "n": pick(r, "stack-", "deploy-", "ci-") + rs(r, DIGITS, 6) + "-hm-read",
               "k": rs(r, ALNUM, 24), "m": {"r": pick(r, "prod-us-east-0", "prod-eu-west-2")}}
    return "glc_" + b64(json.dumps(payload, separators=(",", ":")).encode())


pt("grafana-cloud-token", [["grafana", "cloud", "token"], ["grafana", "cloud", "api", "key"]], grafana_cloud)


def op_token(r):
    payload = {"signInAddress": "my.1password.com", "userAuth": {"method": "SRPg-4096", "alg": "PBES2g-HS256",
               "iterations": 650000, "salt": b64u(rbytes(r, 16))}, "email": rs(r, ALNUM_L, 13) + "@1passwordserviceaccounts.com",
               "srpX": rs(r, HEX, 64), "muk": {"alg": "A256GCM", "ext": True, "k": b64u(rbytes(r, 32)),
                                            "key_ops": ["encrypt", "decrypt"], "kty": "oct", "kid": "mp"},
               "secretKey": "A3-" + rs(r, ALNUM_U, 6) + "-" + rs(r, ALNUM_U, 6), "throttleSecret": {"seed": rs(r, HEX, 64),
               "uuid": rs(r, ALNUM_U, 26)}, "deviceUuid": rs(r, ALNUM_L, 26)}
    return "ops_" + b64(json.dumps(payload, separators=(",", ":")).encode())


pt("onepassword-service-account-token", [["op", "service", "account", "token"]], op_token)
pt("age-secret-key", [["sops", "age", "key"], ["age", "secret", "key"], ["age", "key"]],
   lambda r: "AGE-SECRET-KEY-1" + rs(r, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58))

# ---------------------------------------------------------------------------
# Firebase, Google, Azure, Atlassian, Okta, SaaS

pt("firebase-fcm-server-key", [["fcm", "server", "key"], ["firebase", "server", "key"], ["fcm", "key"]],
   lambda r: "AAAA" + rs(r, B64URL, 7) + ":APA91b" + rs(r, B64URL, 134))
pt("google-api-key", [["google", "api", "key"], ["maps", "api", "key"], ["youtube", "api", "key"], ["gcp", "api", "key"]],
   lambda r: "AIza" + rs(r, B64URL, 35))
pt("google-oauth-client-secret", [["google", "client", "secret"], ["oauth", "client", "secret"], ["client", "secret"]],
   lambda r: "GOCSPX-" + rs(r, B64URL, 28))


def gcp_sa(r, fmt, ctx):
    proj = "%s-%s-%d" % (ctx.company, ctx.env, r.randint(100000, 999999))
    email = "%s@%s.iam.gserviceaccount.com" % (ctx.svc, proj)
    key = key_pkcs8_pem_rsa(r) + "\n"
    fields = [("type", "service_account"), ("project_id", proj), ("private_key_id", rs(r, HEX, 40)),
              ("private_key", key), ("client_email", email), ("client_id", rs(r, DIGITS, 21)),
              ("auth_uri", "https://accounts.google.com/o/oauth2/auth"),
              ("token_uri", "https://oauth2.googleapis.com/token"),
              ("auth_provider_x509_cert_url", "https://www.googleapis.com/oauth2/v1/certs"),
              ("client_x509_cert_url", "https://www.googleapis.com/robot/v1/metadata/x509/" + email.replace("@", "%40")),
              ("universe_domain", "googleapis.com")]
    if fmt == "gcpjson":
        lines = ["{"]
        for i, (k, v) in enumerate(fields):
            lines.append('  "%s": %s%s' % (k, json.dumps(v), "," if i < len(fields) - 1 else ""))
            if k == "private_key":
                at = len(lines)
        lines.append("}")
        nm = pick(r, "service-account.json", "gcp-key.json", "%s-%s.json" % (proj, rs(r, HEX, 12)), "keys/gcp.json")
        return WholeFile(nm, lines, (at, at))
    compact = json.dumps(dict(fields), separators=(",", ":"))
    return [KV(pick(r, ["google", "credentials"], ["gcp", "service", "account", "key"], ["gcp", "credentials", "json"]),
               compact, secret=True)]


def key_pkcs8_pem_rsa(r):
    return pem("PRIVATE KEY", bytes.fromhex("308204bd020100300d06092a864886f70d0101010500048204a7") + rbytes(r, 0x4C1 - 26))


pt("gcp-service-account-key", group=gcp_sa, formats=["env", "shell", "yaml", "toml", "python", "js", "json", "md-prose"],
   natives=["gcpjson"], native_share=0.5)


def azure_conn(r, fmt, ctx):
    acct = ctx.company + pick(r, "prod", "store", "data", "") + rs(r, DIGITS, 2)
    v = ("DefaultEndpointsProtocol=https;AccountName=%s;AccountKey=%s;EndpointSuffix=core.windows.net"
         % (acct, b64(rbytes(r, 64))))
    return [KV(pick(r, ["azure", "storage", "connection", "string"], ["storage", "connection", "string"],
                    ["azure", "web", "jobs", "storage"], ["blob", "connection", "string"]), v, secret=True)]


pt("azure-storage-connection-string", group=azure_conn)


def pct(s):
    return s.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")


def azure_sas(r):
    acct = rs(r, ALNUM_L, 10)
    sig = pct(b64(rbytes(r, 32)))
    y = r.randint(2024, 2027)
    q = ("sv=2022-11-02&ss=bfqt&srt=sco&sp=rwdlacupx&se=%d-12-31T23:59:59Z&st=%d-01-01T00:00:00Z&spr=https&sig=%s"
         % (y, y, sig))
    if r.random() < 0.5:
        return "https://%s.blob.core.windows.net/%s?%s" % (acct, pick(r, "uploads", "backups", "exports"), q)
    return "?" + q if r.random() < 0.5 else q


pt("azure-sas-token", [["azure", "sas", "url"], ["sas", "token"], ["azure", "storage", "sas"], ["blob", "sas", "url"]], azure_sas)


def servicebus(r):
    return ("Endpoint=sb://%s.servicebus.windows.net/;SharedAccessKeyName=%s;SharedAccessKey=%s"
            % (rs(r, ALNUM_L, 8), pick(r, "RootManageSharedAccessKey", "send-listen"), b64(rbytes(r, 32))))


pt("azure-servicebus-connection-string", [["service", "bus", "connection", "string"], ["azure", "servicebus", "connection"],
                                          ["event", "hub", "connection", "string"]], servicebus)
pt("azure-ad-client-secret", [["azure", "client", "secret"], ["aad", "client", "secret"], ["arm", "client", "secret"]],
   lambda r: rs(r, ALNUM + "_~.", 3) + rs(r, DIGITS, 1) + "Q~" + rs(r, ALNUM + "_~.-", 34))
pt("azure-devops-pat", [["azure", "devops", "pat"], ["azure", "devops", "ext", "pat"], ["ado", "pat"]],
   lambda r: rs(r, "abcdefghijklmnopqrstuvwxyz234567", 52) if r.random() < 0.6
   else rs(r, ALNUM, 52) + rs(r, ALNUM_U, 24) + "AZDO" + rs(r, ALNUM, 4))
pt("okta-api-token", [["okta", "api", "token"], ["okta", "token"], ["okta", "client", "token"]],
   lambda r: "00" + rs(r, B64URL, 40))
pt("atlassian-api-token", [["jira", "api", "token"], ["atlassian", "api", "token"], ["confluence", "api", "token"]],
   lambda r: "ATATT3xFfGF0" + rs(r, B64URL, 171) + "=" + rs(r, HEXU, 8))


def mapbox_sk(r):
    payload = {"u": pick(r, "acme-maps", "globexgeo", "northwind", "fleet-ops"), "a": "cl" + rs(r, ALNUM_L, 23)}
    return "sk." + b64u_json(payload) + "." + rs(r, B64URL, 22)


pt("mapbox-secret-token", [["mapbox", "secret", "token"], ["mapbox", "download", "token"], ["mapbox", "token"]], mapbox_sk)
pt("linear-api-key", [["linear", "api", "key"]], lambda r: "lin_api_" + rs(r, ALNUM, 40))
pt("postman-api-key", [["postman", "api", "key"]], lambda r: "PMAK-" + rs(r, HEX, 24) + "-" + rs(r, HEX, 34))
pt("contentful-pat", [["contentful", "management", "token"], ["contentful", "token"]],
   lambda r: "CFPAT-" + rs(r, B64URL, 43))
pt("airtable-pat", [["airtable", "token"], ["airtable", "api", "key"]],
   lambda r: "pat" + rs(r, ALNUM, 14) + "." + rs(r, HEX, 64))
pt("notion-integration-token", [["notion", "token"], ["notion", "api", "key"]], lambda r: "secret_" + rs(r, ALNUM, 43))
pt("figma-pat", [["figma", "token"], ["figma", "access", "token"]], lambda r: "figd_" + rs(r, B64URL, 40))
pt("twitter-bearer-token", [["twitter", "bearer", "token"], ["x", "bearer", "token"]],
   lambda r: "A" * 21 + rs(r, ALNUM, 8) + "AAAAAA" + rs(r, ALNUM + "%", 80))
pt("facebook-access-token", [["facebook", "access", "token"], ["fb", "page", "token"], ["meta", "access", "token"]],
   lambda r: pick(r, "EAAB", "EAAG", "EAAJ", "EAAM") + rs(r, ALNUM, r.randint(150, 200)))

# ---------------------------------------------------------------------------
# AI providers

pt("openai-project-key", [["openai", "api", "key"], ["openai", "key"]],
   lambda r: "sk-proj-" + (rs(r, B64URL, 74) + "T3BlbkFJ" + rs(r, B64URL, 74) if r.random() < 0.6
                           else rs(r, B64URL, 58) + "T3BlbkFJ" + rs(r, B64URL, 58)),
   usage='curl https://api.openai.com/v1/models -H "Authorization: Bearer %s"')
pt("openai-legacy-key", [["openai", "api", "key"], ["openai", "key"]],
   lambda r: "sk-" + rs(r, ALNUM, 20) + "T3BlbkFJ" + rs(r, ALNUM, 20))
pt("anthropic-api-key", [["anthropic", "api", "key"], ["claude", "api", "key"]],
   lambda r: "sk-ant-api03-" + rs(r, B64URL, 93) + "AA",
   usage='curl https://api.anthropic.com/v1/models -H "x-api-key: %s" -H "anthropic-version: 2023-06-01"')
pt("huggingface-token", [["hf", "token"], ["hugging", "face", "hub", "token"], ["huggingface", "token"]],
   lambda r: "hf_" + rs(r, LETTERS, 34), usage="huggingface-cli login --token %s")
pt("replicate-api-token", [["replicate", "api", "token"]], lambda r: "r8_" + rs(r, ALNUM, 37))
pt("groq-api-key", [["groq", "api", "key"]], lambda r: "gsk_" + rs(r, ALNUM, 52))
pt("langsmith-api-key", [["langsmith", "api", "key"], ["langchain", "api", "key"]],
   lambda r: pick(r, "lsv2_pt_", "lsv2_sk_") + rs(r, HEX, 32) + "_" + rs(r, HEX, 10))

# ---------------------------------------------------------------------------
# Tokens with structure


def jwt(r):
    alg = pick(r, "HS256", "HS256", "RS256", "ES256")
    hdr = {"alg": alg, "typ": "JWT"}
    if alg != "HS256" and r.random() < 0.7:
        hdr = {"alg": alg, "kid": rs(r, B64URL, 22), "typ": "JWT"}
    if r.random() < 0.3:
        hdr = {"typ": "JWT", "alg": alg}
    iat = 1690000000 + r.randint(0, 60000000)
    payload = {"sub": pick(r, uuid4(r), "user_" + rs(r, DIGITS, 6), rs(r, DIGITS, 8)), "iat": iat,
               "exp": iat + pick(r, 3600, 86400, 31536000 * 10)}
    if r.random() < 0.5:
        payload["iss"] = pick(r, "https://auth.acmecorp.net/", "supabase", "billing-api", "https://login.globex.dev")
    if r.random() < 0.5:
        payload["role"] = pick(r, "service_role", "admin", "authenticated")
    if r.random() < 0.4:
        payload["email"] = "ops@%s" % pick(r, "acmecorp.net", "globex.dev")
    sig = rbytes(r, {"HS256": 32, "RS256": 256, "ES256": 64}[alg])
    return b64u_json(hdr) + "." + b64u_json(payload) + "." + b64u(sig)


pt("jwt", [["access", "token"], ["auth", "token"], ["jwt"], ["service", "role", "key"], ["bearer", "token"], ["api", "jwt"]],
   jwt, usage='curl -H "Authorization: Bearer %s" https://api.{domain}/v1/me')

# ---------------------------------------------------------------------------
# Private keys

KEY_WORDS = [["private", "key"], ["tls", "key"], ["ssl", "private", "key"], ["signing", "key"], ["jwt", "private", "key"]]
multi_type("private-key-rsa", KEY_WORDS, key_rsa,
           lambda r, c: pick(r, "server.key", "certs/%s.key" % c.pkg, "id_rsa", "keys/private.pem", "tls/tls.key"))
multi_type("private-key-ec", KEY_WORDS, key_ec,
           lambda r, c: pick(r, "ec.key", "certs/%s-ec.key" % c.pkg, "keys/es256.pem", "apns/AuthKey.pem"))
multi_type("private-key-pkcs8", KEY_WORDS, key_pkcs8_pem,
           lambda r, c: pick(r, "private.pem", "key.pem", "certs/%s.key" % c.pkg, "secrets/signing.pem"))
multi_type("private-key-encrypted", KEY_WORDS, lambda r: pem("ENCRYPTED PRIVATE KEY", der_encrypted_pkcs8(r)),
           lambda r, c: pick(r, "private.enc.pem", "keys/client.key", "certs/%s.key" % c.pkg))
multi_type("private-key-openssh", [["ssh", "private", "key"], ["deploy", "key"], ["ssh", "key"]], key_openssh,
           lambda r, c: pick(r, "id_ed25519", ".ssh/id_ed25519", "deploy/id_deploy", "keys/bastion"))
multi_type("private-key-dsa", [["ssh", "private", "key"], ["dsa", "key"], ["private", "key"]],
           lambda r: pem("DSA PRIVATE KEY", der_dsa(r)), lambda r, c: pick(r, "id_dsa", "keys/dsa.key", "legacy/id_dsa"))
multi_type("pgp-private-key", [["gpg", "private", "key"], ["pgp", "private", "key"], ["signing", "key"]], key_pgp,
           lambda r, c: pick(r, "release-signing.asc", "keys/private.asc", "gpg/secret.key", "signing-key.gpg.asc"))
pt("putty-private-key", group=putty_file, formats=["ppk"])

# ---------------------------------------------------------------------------
# Connection strings and URIs


def host(r, ctx, kind):
    return pick(r, "%s.%s.%s" % (kind, ctx.env, ctx.domain), "%s-%s.internal" % (kind, ctx.env),
                "%s-prod.c%s.%s.rds.amazonaws.com" % (ctx.svc, rs(r, ALNUM_L, 12), ctx.region), "10.%d.%d.%d" % (
                    r.randint(0, 255), r.randint(0, 255), r.randint(1, 254)))


def user(r, ctx):
    return pick(r, "app", ctx.svc.split("-")[0], "admin", "svc_" + ctx.pkg, "deploy", "root")


URI_WORDS = [["database", "url"], ["db", "url"], ["datasource", "url"], ["connection", "string"], ["dsn"]]


def uri_type(tname, words, fn, usage=None):
    pt(tname, words, group=lambda r, fmt, ctx: _uri_group(r, fmt, ctx, words, fn, usage))


def _uri_group(r, fmt, ctx, words, fn, usage):
    v = fn(r, ctx)
    if fmt == "shell" and usage and r.random() < 0.4:
        return [Block([usage % v], secret=True)]
    return [KV(r.choice(words), v, secret=True)]


uri_type("postgres-uri", URI_WORDS, lambda r, c: "%s://%s:%s@%s:%d/%s%s" % (
    pick(r, "postgres", "postgresql"), user(r, c), url_password(r), host(r, c, "db"), pick(r, 5432, 5432, 6432),
    c.svc.split("-")[0], pick(r, "", "?sslmode=require", "?sslmode=verify-full")), usage="psql \"%s\" -c 'select 1'")
uri_type("mysql-uri", URI_WORDS + [["mysql", "url"]], lambda r, c: "%s://%s:%s@%s:3306/%s" % (
    pick(r, "mysql", "mysql2", "mysql+pymysql"), user(r, c), url_password(r), host(r, c, "mysql"), c.svc.split("-")[0]))
uri_type("mongodb-srv-uri", [["mongodb", "uri"], ["mongo", "url"], ["database", "url"]], lambda r, c:
         "mongodb+srv://%s:%s@cluster0.%s.mongodb.net/%s?retryWrites=true&w=majority" % (
             user(r, c), url_password(r), rs(r, ALNUM_L, 5), c.svc.split("-")[0]), usage='mongosh "%s"')
uri_type("redis-uri", [["redis", "url"], ["cache", "url"], ["celery", "broker", "url"]], lambda r, c: pick(
    r, "redis://:%s@%s:6379/0" % (url_password(r), host(r, c, "redis")),
    "rediss://default:%s@%s:6380" % (url_password(r), host(r, c, "cache"))), usage="redis-cli -u %s ping")
uri_type("amqp-uri", [["amqp", "url"], ["rabbitmq", "url"], ["broker", "url"]], lambda r, c: "%s://%s:%s@%s:%d/%s" % (
    pick(r, "amqp", "amqps"), user(r, c), url_password(r), host(r, c, "rabbitmq"), pick(r, 5672, 5671), pick(r, "", "%2F", c.env)))
uri_type("ldap-uri", [["ldap", "url"], ["ldap", "uri"], ["auth", "ldap", "url"]], lambda r, c: "%s://%s:%s@%s:%d/%s" % (
    pick(r, "ldap", "ldaps"), pick(r, "binduser", "svc-ldap", "admin"), url_password(r), host(r, c, "ldap"),
    pick(r, 389, 636), "dc=%s,dc=io" % c.company))
uri_type("ftp-uri", [["ftp", "url"], ["sftp", "url"], ["upload", "target"]], lambda r, c: "%s://%s:%s@%s/%s" % (
    pick(r, "ftp", "sftp", "ftps"), pick(r, "upload", "backup", c.pkg), url_password(r), host(r, c, "ftp"),
    pick(r, "incoming/", "exports", "backups/%s" % c.env)))
uri_type("basic-auth-uri", [["registry", "url"], ["webhook", "url"], ["smtp", "url"], ["repository", "url"], ["endpoint"]],
         lambda r, c: pick(r, "https", "https", "smtp", "http") + "://%s:%s@%s/%s" % (
             pick(r, "deploy", "ci", "admin", "mailer"), url_password(r), pick(
                 r, "nexus.%s" % c.domain, "smtp.%s:587" % c.domain, "artifactory.%s" % c.domain, "hooks.%s" % c.domain),
             pick(r, "repository/maven-releases/", "", "api/v1/notify", "artifactory/api/pypi/simple")),
         usage="git clone %s")
uri_type("jdbc-url-password", [["jdbc", "url"], ["datasource", "url"], ["spring", "datasource", "url"]], lambda r, c: pick(
    r, "jdbc:postgresql://%s:5432/%s?user=%s&password=%s&ssl=true" % (host(r, c, "db"), c.pkg, user(r, c), url_password(r)),
    "jdbc:mysql://%s:3306/%s?user=%s&password=%s&useSSL=true" % (host(r, c, "mysql"), c.pkg, user(r, c), url_password(r)),
    "jdbc:sqlserver://%s:1433;databaseName=%s;user=%s;password=%s;encrypt=true" % (host(r, c, "sql"), c.pkg, user(r, c), password(r, symbols=False)),
    "jdbc:oracle:thin:%s/%s@//%s:1521/ORCLPDB1" % (user(r, c), password(r, symbols=False), host(r, c, "oracle"))))
uri_type("mssql-connection-string", [["connection", "string"], ["default", "connection"], ["sql", "connection", "string"]],
         lambda r, c: pick(
             r, "Server=tcp:%s.database.windows.net,1433;Initial Catalog=%s;Persist Security Info=False;User ID=%s;"
                "Password=%s;MultipleActiveResultSets=False;Encrypt=True;TrustServerCertificate=False;Connection Timeout=30;"
                % (c.pkg + "-sql", c.pkg, user(r, c), password(r, symbols=False)),
             "Data Source=%s;Initial Catalog=%s;User Id=%s;Password=%s;" % (host(r, c, "sql"), c.pkg, user(r, c), password(r))))

# ---------------------------------------------------------------------------
# Credentials in other shapes


def basic_header(r, fmt, ctx):
    cred = b64(("%s:%s" % (pick(r, "admin", "api", "ci-bot", ctx.pkg), password(r))).encode())
    if fmt == "shell" and r.random() < 0.5:
        return [Block(['curl -fsS -H "Authorization: Basic %s" https://%s.%s/api/v1/status' % (cred, ctx.svc, ctx.domain)],
                      secret=True)]
    return [KV(pick(r, ["authorization"], ["auth", "header"], ["basic", "auth"], ["authorization", "header"]),
               "Basic " + cred, secret=True)]


pt("http-basic-auth-header", group=basic_header)


def cli_password(r, fmt, ctx):
    p = password(r, symbols=False)
    h = "%s.%s" % (pick(r, "db", "mysql", "bastion", "registry"), ctx.domain)
    line = pick(r, "mysql -h %s -u %s -p%s %s < dump.sql" % (h, user(r, ctx), p, ctx.pkg),
                "sshpass -p '%s' ssh -o StrictHostKeyChecking=no deploy@%s 'sudo systemctl restart %s'" % (p, h, ctx.svc),
                "docker login -u ci -p %s registry.%s" % (p, ctx.domain),
                "PGPASSWORD='%s' psql -h %s -U %s %s" % (p, h, user(r, ctx), ctx.pkg),
                "curl -fsS -u admin:%s https://%s/api/v1/backup" % (p, h),
                "htpasswd -b -c /etc/nginx/.htpasswd admin %s" % p,
                "redis-cli -h %s -a %s ping" % (h, p),
                "mysqldump -u root --password=%s --all-databases > backup.sql" % p)
    if fmt == "dockerfile":
        line = "RUN " + line
    return [Block([line], secret=True)]


pt("cli-password-flag", group=cli_password, formats=["shell", "shell", "dockerfile", "markdown"])


def kubeconfig(r, fmt, ctx):
    def certdata():
        return b64((pem("CERTIFICATE", bytes.fromhex("3082030e308201f6a003020102") + rbytes(r, 0x312 - 13)) + "\n").encode())
    keyd = b64((key_rsa(r) + "\n").encode())
    server = "https://%s:6443" % pick(r, "k8s.%s" % ctx.domain, "10.0.%d.%d" % (r.randint(0, 255), r.randint(1, 254)))
    cl = pick(r, "prod", "%s-%s" % (ctx.company, ctx.env), "kubernetes")
    lines = ["apiVersion: v1", "kind: Config", "clusters:", "- cluster:", "    certificate-authority-data: " + certdata(),
             "    server: " + server, "  name: " + cl, "contexts:", "- context:", "    cluster: " + cl,
             "    user: admin", "  name: admin@" + cl, "current-context: admin@" + cl, "preferences: {}", "users:",
             "- name: admin", "  user:", "    client-certificate-data: " + certdata(), "    client-key-data: " + keyd]
    return WholeFile(pick(r, "kubeconfig", ".kube/config", "deploy/kubeconfig.yaml", "ci/%s.kubeconfig" % ctx.env),
                     lines, (len(lines), len(lines)))


pt("kubeconfig-client-key-data", group=kubeconfig, formats=["kubeconfig"])


def k8s_secret(r, fmt, ctx):
    key = pick(r, "password", "DB_PASSWORD", "api-key", "token", "client-secret")
    pw = password(r, 18, 32) if key in ("password", "DB_PASSWORD") else rs(r, ALNUM, 40)
    lines = ["apiVersion: v1", "kind: Secret", "metadata:", "  name: %s-credentials" % ctx.svc,
             "  namespace: " + ctx.svc.split("-")[0], "type: Opaque"]
    if r.random() < 0.6:
        lines += ["data:", "  username: " + b64(user(r, ctx).encode())]
        lines.append("  %s: %s" % (key, b64(pw.encode())))
    else:
        lines += ["stringData:", "  username: " + user(r, ctx)]
        lines.append("  %s: %s" % (key, json.dumps(pw) if r.random() < 0.5 else "'" + pw + "'"))
    at = len(lines)
    return WholeFile(pick(r, "k8s/secret.yaml", "deploy/%s-secret.yaml" % ctx.svc, "manifests/credentials.yml"),
                     lines, (at, at))


pt("kubernetes-secret-manifest", group=k8s_secret, formats=["k8ssecret"])


def docker_config(r, fmt, ctx):
    reg = pick(r, "https://index.docker.io/v1/", "registry.%s" % ctx.domain, "ghcr.io",
               "%s.dkr.ecr.%s.amazonaws.com" % (rs(r, DIGITS, 12), ctx.region))
    auth = b64(("%s:%s" % (pick(r, "ci-bot", "deploy", ctx.company), password(r, 20, 32, symbols=False))).encode())
    lines = ["{", '  "auths": {', '    "%s": {' % reg, '      "auth": "%s"' % auth, "    }", "  }"]
    if r.random() < 0.4:
        lines[-1] += ","
        lines.append('  "HttpHeaders": {')
        lines.append('    "User-Agent": "Docker-Client/24.0.7 (linux)"')
        lines.append("  }")
    lines.append("}")
    return WholeFile(pick(r, ".docker/config.json", "docker/config.json", "ci/docker-config.json"), lines, (4, 4))


pt("docker-config-auth", group=docker_config, formats=["dockerjson"])


def netrc(r, fmt, ctx):
    secret = pick(r, password(r), checksummed(r, "ghp_"), rs(r, HEX, 40))
    mach = pick(r, "api.heroku.com", "github.com", "git.%s" % ctx.domain, "nexus.%s" % ctx.domain)
    if r.random() < 0.5:
        lines = ["machine %s login %s password %s" % (mach, pick(r, "ci", "ops@" + ctx.domain, "deploy"), secret)]
        at = 1
    else:
        lines = ["machine " + mach, "  login " + pick(r, "ci", "ops@" + ctx.domain, "deploy"), "  password " + secret]
        at = 3
    if r.random() < 0.5:
        lines = ["# credentials for CI fetches"] + lines
        at += 1
    return WholeFile(pick(r, ".netrc", "ci/netrc", "_netrc"), lines, (at, at))


pt("netrc-password", group=netrc, formats=["netrc"])


def wireguard(r, fmt, ctx):
    k = b64(rbytes(r, 32))
    if fmt == "wgconf":
        lines = ["[Interface]", "Address = 10.8.0.%d/24" % r.randint(2, 250), "PrivateKey = " + k,
                 "DNS = 1.1.1.1", "", "[Peer]", "PublicKey = " + b64(rbytes(r, 32)),
                 "Endpoint = vpn.%s:51820" % ctx.domain, "AllowedIPs = 0.0.0.0/0", "PersistentKeepalive = 25"]
        return WholeFile(pick(r, "wg0.conf", "vpn/wg0.conf", "wireguard/%s.conf" % ctx.env), lines, (3, 3))
    return [KV(pick(r, ["wireguard", "private", "key"], ["wg", "private", "key"]), k, secret=True)]


pt("wireguard-private-key", group=wireguard, formats=["yaml", "env", "shell", "hcl", "json", "markdown"],
   natives=["wgconf"], native_share=0.5)

# ---------------------------------------------------------------------------
# Generic assignments

pt("generic-password", [["password"], ["db", "password"], ["admin", "password"], ["smtp", "password"],
                        ["database", "password"], ["passwd"], ["mysql", "root", "password"],
                        ["ldap", "bind", "password"], ["redis", "password"], ["pwd"]],
   lambda r: password(r))


def hexish(r):
    k = r.random()
    if k < 0.3:
        return rs(r, HEX, pick(r, 32, 40, 64))
    if k < 0.6:
        return b64(rbytes(r, pick(r, 24, 32, 48)))
    return rs(r, ALNUM, r.randint(32, 50))


pt("generic-secret", [["secret", "key"], ["client", "secret"], ["app", "secret"], ["jwt", "secret"],
                      ["session", "secret"], ["webhook", "secret"], ["signing", "secret"], ["secret"],
                      ["encryption", "key"], ["secret", "key", "base"]], hexish)
pt("generic-token", [["auth", "token"], ["access", "token"], ["api", "token"], ["refresh", "token"],
                     ["service", "token"], ["token"], ["bearer", "token"]],
   lambda r: rs(r, pick(r, ALNUM, B64URL, HEX), r.randint(32, 64)))
pt("generic-api-key", [["api", "key"], ["apikey"], ["x", "api", "key"], ["partner", "api", "key"],
                       ["search", "api", "key"], ["service", "api", "key"]],
   lambda r: rs(r, pick(r, HEX, ALNUM, ALNUM_L), r.randint(32, 48)))


# ---------------------------------------------------------------------------
# native files for package registries


def _npmrc(r, fmt, ctx, t):
    lines = ["registry=https://registry.npmjs.org/", "//registry.npmjs.org/:_authToken=" + t]
    if r.random() < 0.5:
        lines.append("always-auth=true")
    if r.random() < 0.4:
        lines.insert(0, "@%s:registry=https://npm.pkg.github.com" % ctx.company)
    at = [i for i, ln in enumerate(lines) if "_authToken" in ln][0] + 1
    return WholeFile(pick(r, ".npmrc", "frontend/.npmrc", "packages/%s/.npmrc" % ctx.pkg), lines, (at, at))


def _pypirc(r, fmt, ctx, t):
    lines = ["[distutils]", "index-servers =", "    pypi", "", "[pypi]", "username = __token__", "password = " + t]
    return WholeFile(pick(r, ".pypirc", "ci/pypirc"), lines, (7, 7))


NATIVE_WRAPPERS = {"npmrc": _npmrc, "pypirc": _pypirc}


def build_group(t, r, fmt, ctx):
    if fmt in NATIVE_WRAPPERS:
        return NATIVE_WRAPPERS[fmt](r, fmt, ctx, t.gen(r))
    return t.group(r, fmt, ctx)

