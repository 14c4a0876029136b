"""Tricky negative cases: things that look like credentials and are not.

Each case names a kind of look-alike, the formats it is placed in, and makes
its items (marked as the tricky part) or a whole file.  Nothing here is a
working secret: documented example keys, placeholders, references to where a
secret is kept, hashes, identifiers, public keys, encrypted blobs, data.
"""

import json
import struct
import zlib

from common import (KV, Block, WholeFile, rs, rbytes, b64, b64u, b64u_json,
                    wrap, wrong_checksummed, uuid4, armor, pem, ssh_string,
                    ALNUM, ALNUM_L, ALNUM_U, HEX, HEXU, B64URL, B32L,
                    DIGITS, UPPER, LOWER, BECH32, BASE58)
from formats import FORMATS, MULTI_OK

ALL = list(FORMATS)
CONF = ["json", "yaml", "toml", "env", "xml", "properties", "hcl", "dockerfile", "shell", "md-prose", "markdown"]
CODE = ["python", "js", "ts", "go", "java", "csharp", "ruby", "php"]
NOJSON = [f for f in ALL if f != "json"]
STRINGY = ALL  # any format holding a string value
MULTI = list(MULTI_OK)


class NCase:
    def __init__(self, name, formats, gen, n=3):
        self.name = name
        self.formats = list(formats)
        self.gen = gen
        self.n = n


CASES = []


def nc(name, formats, n=3):
    def deco(fn):
        CASES.append(NCase(name, formats, fn, n))
        return fn
    return deco


def M(words, value, kind="str", interp=False):
    return KV(words, value, kind, mark=True, interp=interp)


def pick(r, *c):
    return r.choice(c)


SECRET_WORDS = [["api", "key"], ["token"], ["password"], ["secret", "key"], ["auth", "token"],
                ["client", "secret"], ["db", "password"], ["stripe", "secret", "key"], ["github", "token"],
                ["slack", "bot", "token"], ["access", "token"], ["smtp", "password"]]


def sw(r):
    return r.choice(SECRET_WORDS)


COMMENT = {"yaml": "# ", "toml": "# ", "env": "# ", "properties": "# ", "hcl": "# ", "dockerfile": "# ",
           "shell": "# ", "python": "# ", "ruby": "# ", "js": "// ", "ts": "// ", "go": "// ",
           "java": "// ", "csharp": "// ", "php": "// "}


def comment(fmt, lines):
    if isinstance(lines, str):
        lines = [lines]
    if fmt == "md-prose":
        return list(lines)
    if fmt == "xml":
        return ["<!-- %s -->" % ln for ln in lines]
    return [COMMENT[fmt] + ln for ln in lines]


def mblock(lines, **kw):
    return Block(lines, mark=True, **kw)


# ---------------------------------------------------------------------------
# Documented example keys

AWS_DOC_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_DOC_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@nc("aws-doc-access-key-id", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["aws", "access", "key", "id"], ["access", "key", "id"]), AWS_DOC_ID)]


@nc("aws-doc-secret-access-key", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["aws", "secret", "access", "key"], ["aws", "secret", "key"]), AWS_DOC_SECRET)]


@nc("aws-doc-credentials-pair", ["awscreds", "env", "yaml", "md-prose", "shell"])
def _(r, fmt, ctx):
    if fmt == "awscreds":
        lines = ["[default]", "aws_access_key_id = " + AWS_DOC_ID, "aws_secret_access_key = " + AWS_DOC_SECRET,
                 "region = us-west-2"]
        return WholeFile("docs/aws-credentials", lines, (2, 3))
    return [M(["aws", "access", "key", "id"], AWS_DOC_ID), M(["aws", "secret", "access", "key"], AWS_DOC_SECRET)]


@nc("slack-doc-webhook", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["slack", "webhook", "url"], ["webhook", "url"]),
              "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX")]


AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


@nc("azurite-well-known-dev-key", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["azure", "storage", "connection", "string"], ["azure", "web", "jobs", "storage"]),
              "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=%s;"
              "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;" % AZURITE_KEY)]


@nc("azure-use-development-storage", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["azure", "web", "jobs", "storage"], ["storage", "connection", "string"]), "UseDevelopmentStorage=true")]


# ---------------------------------------------------------------------------
# Placeholders


@nc("placeholder-angle-brackets", STRINGY)
def _(r, fmt, ctx):
    return [M(sw(r), pick(r, "<token>", "<YOUR_API_KEY>", "<your-access-token>", "<password>", "<client-secret>",
                          "<SECRET>", "<insert token>"))]


@nc("placeholder-your-key-here", STRINGY)
def _(r, fmt, ctx):
    return [M(sw(r), pick(r, "your_api_key_here", "YOUR_TOKEN_HERE", "your-secret-key", "insert-your-key-here",
                          "paste-your-token-here", "your_password"))]


@nc("placeholder-dollar-brace", ["env", "shell", "yaml", "dockerfile", "properties", "toml", "json", "xml", "md-prose"])
def _(r, fmt, ctx):
    v = pick(r, "API_KEY", "DB_PASSWORD", "SECRET_KEY", "STRIPE_SECRET_KEY", "GITHUB_TOKEN")
    return [M(sw(r), pick(r, "${%s}", "${%s:-}", "${%s:?missing}") % v, interp=True)]


@nc("placeholder-dollar-plain", ["env", "shell", "yaml", "dockerfile"])
def _(r, fmt, ctx):
    return [M(sw(r), "$" + pick(r, "API_KEY", "DB_PASSWORD", "SLACK_TOKEN", "NPM_TOKEN"), interp=True)]


@nc("placeholder-helm-template", ["yaml"])
def _(r, fmt, ctx):
    return [M(sw(r), pick(r, "{{ .Values.token }}", "{{ .Values.db.password | quote }}",
                          '{{ required "slack token is required" .Values.slack.token | quote }}'), kind="expr")]


@nc("placeholder-jinja-variable", ["yaml", "json", "md-prose"])
def _(r, fmt, ctx):
    return [M(sw(r), pick(r, "{{ vault_db_password }}", "{{ secret_key }}", "{{ lookup('env', 'API_TOKEN') }}"))]


@nc("placeholder-actions-secrets", ["yaml"])
def _(r, fmt, ctx):
    return [M(pick(r, ["npm", "token"], ["github", "token"], ["aws", "secret", "access", "key"], ["slack", "webhook", "url"]),
              pick(r, "${{ secrets.NPM_TOKEN }}", "${{ secrets.GITHUB_TOKEN }}", "${{ secrets.AWS_SECRET_ACCESS_KEY }}",
                   "${{ secrets.SLACK_WEBHOOK_URL }}"), kind="expr")]


@nc("placeholder-python-percent-format", ["python"])
def _(r, fmt, ctx):
    return [M(pick(r, ["database", "url"], ["dsn"]), "postgresql://%(user)s:%(password)s@%(host)s:%(port)s/%(name)s"),
            M(["password", "template"], "%(password)s")]


ENVREF = {
    "python": ['os.environ["%s"]', 'os.environ.get("%s")', 'os.getenv("%s", "")'],
    "js": ["process.env.%s", 'process.env["%s"] ?? ""', "process.env.%s || ''"],
    "ts": ["process.env.%s ?? ''", "process.env.%s!"],
    "java": ['System.getenv("%s")'],
    "go": ['os.Getenv("%s")'],
    "csharp": ['Environment.GetEnvironmentVariable("%s")', 'Environment.GetEnvironmentVariable("%s") ?? string.Empty'],
    "ruby": ['ENV["%s"]', 'ENV.fetch("%s")', 'ENV.fetch("%s", nil)'],
    "php": ["getenv('%s')", "$_ENV['%s'] ?? ''", "env('%s')"],
}


def env_case(name, langs):
    @nc(name, langs)
    def _(r, fmt, ctx):
        w = sw(r)
        var = "_".join(x.upper() for x in w)
        return [M(w, r.choice(ENVREF[fmt]) % var, kind="expr")]


env_case("env-lookup-python", ["python"])
env_case("env-lookup-node", ["js", "ts"])
env_case("env-lookup-java", ["java"])
env_case("env-lookup-go", ["go"])
env_case("env-lookup-csharp", ["csharp"])
env_case("env-lookup-ruby", ["ruby"])
env_case("env-lookup-php", ["php"])


@nc("terraform-variable-reference", ["hcl"])
def _(r, fmt, ctx):
    return [M(sw(r), pick(r, "var.db_password", "random_password.db.result",
                          "data.aws_secretsmanager_secret_version.db.secret_string", "sensitive(var.api_token)"),
              kind="expr")]


@nc("spring-property-placeholder", ["properties", "yaml", "xml"])
def _(r, fmt, ctx):
    return [M(pick(r, ["spring", "datasource", "password"], ["jwt", "secret"], ["mail", "password"]),
              pick(r, "${DB_PASSWORD}", "${spring.datasource.password:}", "${vcap.services.db.credentials.password}",
                   "${JWT_SECRET:}"), interp=True)]


@nc("placeholder-changeme", STRINGY)
def _(r, fmt, ctx):
    return [M(sw(r), pick(r, "changeme", "change-me", "CHANGE_ME", "changeit", "change_me_in_production"))]


@nc("placeholder-dummy", STRINGY)
def _(r, fmt, ctx):
    return [M(sw(r), pick(r, "dummy", "dummy-token", "dummy_secret_value", "dummypassword"))]


@nc("placeholder-x-run", STRINGY)
def _(r, fmt, ctx):
    return [M(sw(r), pick(r, "x" * 16, "X" * 32, "xxxx-xxxx-xxxx-xxxx", "x" * 40))]


@nc("placeholder-stars", STRINGY)
def _(r, fmt, ctx):
    return [M(sw(r), pick(r, "********", "****", "*" * 12, "**********"))]


@nc("placeholder-redacted", STRINGY)
def _(r, fmt, ctx):
    return [M(sw(r), pick(r, "REDACTED", "[REDACTED]", "***REDACTED***", "[FILTERED]"))]


@nc("placeholder-todo", STRINGY)
def _(r, fmt, ctx):
    return [M(sw(r), pick(r, "TODO", "TBD", "FIXME", "set-me", "TODO: fetch from vault"))]


@nc("prefixed-x-github", STRINGY)
def _(r, fmt, ctx):
    return [M(["github", "token"], pick(r, "ghp_" + "x" * 36, "ghp_" + "X" * 36, "github_pat_" + "X" * 82,
                                        "gho_" + "x" * 36))]


@nc("prefixed-x-stripe", STRINGY)
def _(r, fmt, ctx):
    return [M(["stripe", "secret", "key"], pick(r, "sk_live_" + "x" * 24, "sk_live_" + "X" * 99, "rk_live_" + "x" * 24))]


@nc("prefixed-x-slack", STRINGY)
def _(r, fmt, ctx):
    return [M(["slack", "bot", "token"], pick(r, "xoxb-XXXXXXXXXXXX-XXXXXXXXXXXX-XXXXXXXXXXXXXXXXXXXXXXXX",
                                              "xoxp-xxxxxxxxxxx-xxxxxxxxxxx-xxxxxxxxxxxxx-" + "x" * 32))]


@nc("prefixed-x-aws", STRINGY)
def _(r, fmt, ctx):
    return [M(["aws", "access", "key", "id"], pick(r, "AKIAXXXXXXXXXXXXXXXX", "AKIA" + "*" * 16, "ASIAXXXXXXXXXXXXXXXX"))]


@nc("prefixed-x-other", STRINGY)
def _(r, fmt, ctx):
    w, v = pick(r, (["gitlab", "token"], "glpat-" + "x" * 20),
                (["sendgrid", "api", "key"], "SG." + "x" * 22 + "." + "x" * 43),
                (["npm", "token"], "npm_" + "x" * 36), (["hf", "token"], "hf_" + "x" * 34),
                (["openai", "api", "key"], "sk-proj-" + "x" * 48), (["anthropic", "api", "key"], "sk-ant-api03-" + "X" * 95))
    return [M(w, v)]


@nc("prefixed-your-token", STRINGY)
def _(r, fmt, ctx):
    w, v = pick(r, (["slack", "bot", "token"], "xoxb-your-bot-token"), (["github", "token"], "ghp_YOUR_TOKEN"),
                (["stripe", "secret", "key"], "sk_live_YOUR_SECRET_KEY"), (["anthropic", "api", "key"], "sk-ant-api03-YOUR-KEY"),
                (["hf", "token"], "hf_YOUR_TOKEN"), (["openai", "api", "key"], "sk-...your-key..."))
    return [M(w, v)]


@nc("sequential-placeholder-tokens", STRINGY)
def _(r, fmt, ctx):
    w, v = pick(r, (["slack", "bot", "token"], "xoxb-1234567890-1234567890-abcdefghijklmnopqrstuvwx"),
                (["stripe", "secret", "key"], "sk_live_1234567890abcdefghijklmn"),
                (["github", "token"], "ghp_1234567890abcdefghijklmnopqrstuvwxyz"),
                (["gitlab", "token"], "glpat-1234567890abcdefghij"),
                (["api", "key"], "0123456789abcdef0123456789abcdef"))
    return [M(w, v)]


@nc("trivial-word-values", STRINGY)
def _(r, fmt, ctx):
    return [M(sw(r), pick(r, "password", "secret", "pass", "token", "apikey", "none"))]


@nc("empty-value", [f for f in ALL if f not in ("md-prose",)])
def _(r, fmt, ctx):
    return [M(sw(r), "")]


@nc("null-value", ["json", "yaml", "python", "js", "ts", "java", "csharp", "ruby", "php", "hcl"])
def _(r, fmt, ctx):
    return [M(sw(r), None, kind="null")]


CALLS = {
    "python": ["get_token()", "auth.get_token()", 'vault_client.read("secret/data/app")["data"]["token"]',
               "secrets_manager.get_secret_value(SecretId=SECRET_ID)[\"SecretString\"]"],
    "js": ["getToken()", "await secrets.get('stripe/secret-key')", "loadSecret('API_KEY')"],
    "ts": ["getToken()", "await secretClient.getSecret('db-password')", "loadSecret('API_KEY')"],
    "go": ["mustSecret(\"db/password\")", "vault.Read(\"secret/app\").Token"],
    "java": ["TokenProvider.fetch()", "secretsClient.getSecretValue(\"prod/db\")"],
    "csharp": ["TokenProvider.Fetch()", "await secretClient.GetSecretAsync(\"db-password\")"],
    "ruby": ['Vault.logical.read("secret/app").data[:token]', "TokenStore.fetch(:slack)"],
    "php": ["get_token()", "Secrets::get('stripe.secret')"],
    "hcl": ['data.vault_generic_secret.app.data["token"]', "data.aws_ssm_parameter.db.value"],
}


@nc("value-from-function-call", list(CALLS))
def _(r, fmt, ctx):
    return [M(sw(r), r.choice(CALLS[fmt]), kind="expr")]


LOOKUPS = {
    "python": ["settings.SECRET_KEY", 'app.config["SECRET_KEY"]', 'config["stripe"]["secret_key"]'],
    "js": ["config.get('stripe.secretKey')", "options.apiKey", "this.apiKey"],
    "ts": ["config.get<string>('jwt.secret')", "options.apiKey"],
    "java": ['props.getProperty("db.password")', "config.getSecretKey()"],
    "csharp": ['Configuration["Stripe:SecretKey"]', "options.Value.ApiKey"],
    "ruby": ["Rails.application.credentials.secret_key_base", "Rails.application.credentials.dig(:stripe, :secret_key)"],
    "php": ["config('services.stripe.secret')", "$config['api_key']"],
    "go": ["cfg.Secrets.APIKey", "settings.Token"],
}


@nc("value-from-config-lookup", list(LOOKUPS))
def _(r, fmt, ctx):
    return [M(sw(r), r.choice(LOOKUPS[fmt]), kind="expr")]


PROMPTS = {
    "python": ['getpass.getpass("Password: ")', 'input("API token: ")'],
    "js": ["readlineSync.question('Password: ', { hideEchoBack: true })", "await prompt('API token: ')"],
    "ruby": ["STDIN.noecho(&:gets).chomp", 'ask("Password: ") { |q| q.echo = "*" }'],
    "php": ["readline('Password: ')"],
}


@nc("value-from-prompt", list(PROMPTS) + ["shell"])
def _(r, fmt, ctx):
    if fmt == "shell":
        return [mblock(['read -rsp "Password for %s: " DB_PASSWORD' % ctx.svc, "echo"])]
    return [M(sw(r), r.choice(PROMPTS[fmt]), kind="expr")]


@nc("secret-file-path", STRINGY)
def _(r, fmt, ctx):
    w, v = pick(r, (["postgres", "password", "file"], "/run/secrets/db_password"),
                (["password", "file"], "/etc/%s/secrets/db.txt" % ctx.svc),
                (["ssh", "key", "path"], "~/.ssh/id_ed25519"),
                (["google", "application", "credentials"], "/var/run/secrets/gcp/key.json"),
                (["tls", "key", "file"], "/etc/ssl/private/%s.key" % ctx.svc),
                (["client", "secret", "file"], "/vault/secrets/client-secret"))
    return [M(w, v)]


@nc("secret-manager-reference", STRINGY)
def _(r, fmt, ctx):
    return [M(sw(r), pick(r, "vault:secret/data/%s#api_key" % ctx.svc, "ref+vault://secret/%s#/token" % ctx.svc,
                          "op://Production/Stripe/credential", "aws-sm://prod/%s/db-password" % ctx.svc,
                          "projects/%s/secrets/db-password/versions/latest" % rs(r, DIGITS, 12),
                          "@Microsoft.KeyVault(SecretUri=https://kv-%s.vault.azure.net/secrets/db-password/)" % ctx.pkg))]


@nc("secretsmanager-arn", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["db", "secret", "arn"], ["secret", "arn"], ["api", "key", "secret", "arn"]),
              "arn:aws:secretsmanager:%s:%s:secret:prod/%s/db-%s" % (ctx.region, rs(r, DIGITS, 12), ctx.svc, rs(r, ALNUM, 6)))]


def _k8s_ref(r, ctx):
    b = mblock(["- name: " + pick(r, "DB_PASSWORD", "STRIPE_SECRET_KEY", "API_TOKEN"), "  valueFrom:", "    secretKeyRef:",
                "      name: %s-secrets" % ctx.svc, "      key: " + pick(r, "password", "stripe-secret-key", "token")])
    b.yaml_style = "k8s"
    return b


@nc("k8s-secret-key-ref", ["yaml"])
def _(r, fmt, ctx):
    return [_k8s_ref(r, ctx)]


@nc("git-url-token-variable", ["shell", "yaml", "env", "dockerfile", "md-prose"])
def _(r, fmt, ctx):
    return [M(pick(r, ["repo", "url"], ["git", "remote"]), pick(
        r, "https://x-access-token:${GITHUB_TOKEN}@github.com/%s/%s.git" % (ctx.company, ctx.svc),
        "https://oauth2:${CI_JOB_TOKEN}@gitlab.com/%s/%s.git" % (ctx.company, ctx.svc),
        "https://gitlab-ci-token:${CI_JOB_TOKEN}@git.%s/%s.git" % (ctx.domain, ctx.svc)), interp=True)]


# ---------------------------------------------------------------------------
# URIs and connection strings that carry no secret

URIW = [["database", "url"], ["db", "url"], ["mongo", "uri"], ["redis", "url"], ["broker", "url"], ["dsn"]]


@nc("db-uri-word-password", STRINGY)
def _(r, fmt, ctx):
    return [M(r.choice(URIW), pick(r, "postgres://user:password@localhost:5432/app", "mysql://root:password@127.0.0.1:3306/app",
                                   "mongodb://admin:pass@localhost:27017/app", "postgresql://username:password@host:5432/database"))]


@nc("db-uri-angle-password", STRINGY)
def _(r, fmt, ctx):
    return [M(r.choice(URIW), pick(r, "mongodb+srv://%s:<password>@cluster0.%s.mongodb.net/?retryWrites=true&w=majority"
                                   % (ctx.pkg, rs(r, ALNUM_L, 5)), "postgres://app:<db_password>@db:5432/app",
                                   "redis://:<password>@redis:6379/0"))]


@nc("db-uri-env-password", [f for f in STRINGY if f not in ("hcl",)])
def _(r, fmt, ctx):
    return [M(r.choice(URIW), pick(r, "postgres://app:${DB_PASSWORD}@db:5432/app", "mysql://root:$MYSQL_ROOT_PASSWORD@mysql/app",
                                   "amqp://%s:${RABBITMQ_PASS}@rabbitmq:5672/" % ctx.pkg), interp=True)]


@nc("db-uri-empty-password", STRINGY)
def _(r, fmt, ctx):
    return [M(r.choice(URIW), pick(r, "postgres://app:@db:5432/app", "redis://:@localhost:6379/0",
                                   "mysql://root:@localhost/app", "amqp://guest:@localhost:5672/"))]


@nc("db-uri-no-credentials", STRINGY)
def _(r, fmt, ctx):
    return [M(r.choice(URIW), pick(r, "postgres://localhost/app", "postgresql:///app?host=/var/run/postgresql",
                                   "mongodb://mongo-0.mongo:27017,mongo-1.mongo:27017/app?replicaSet=rs0",
                                   "redis://localhost:6379/0", "amqp://rabbitmq:5672/", "ldap://ldap.%s:389" % ctx.domain))]


@nc("url-user-without-password", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["repo", "url"], ["git", "remote"], ["mirror", "url"]), pick(
        r, "https://deploy@git.%s/%s.git" % (ctx.domain, ctx.svc), "ssh://git@github.com/%s/%s.git" % (ctx.company, ctx.svc),
        "git@github.com:%s/%s.git" % (ctx.company, ctx.svc), "ftp://anonymous@ftp.%s/pub/" % ctx.domain))]


@nc("dotnet-conn-without-password", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["connection", "string"], ["default", "connection"]), pick(
        r, "Server=localhost;Database=%s;Trusted_Connection=True;" % ctx.pkg,
        "Server=(localdb)\\mssqllocaldb;Database=%s;Integrated Security=true;" % ctx.pkg,
        "Data Source=%s.db" % ctx.pkg, "Server=db;Database=%s;User Id=sa;Password=;" % ctx.pkg))]


@nc("dev-default-credentials", ["yaml", "env", "dockerfile", "md-prose", "shell"])
def _(r, fmt, ctx):
    w, v = pick(r, (["postgres", "password"], "postgres"), (["mysql", "root", "password"], "root"),
                (["rabbitmq", "default", "pass"], "guest"), (["minio", "root", "password"], "minioadmin"))
    return [M(w, v)]


@nc("basic-auth-placeholder-credentials", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["authorization"], ["auth", "header"]), "Basic " + b64(pick(
        r, b"username:password", b"user:pass", b"<user>:<password>", b"admin:changeme")))]


@nc("auth-header-from-variable", ["shell", "dockerfile", "md-prose"])
def _(r, fmt, ctx):
    line = pick(r, 'curl -fsS -H "Authorization: Bearer ${API_TOKEN}" https://api.%s/v1/status' % ctx.domain,
                'curl -fsS -u "${REGISTRY_USER}:${REGISTRY_PASSWORD}" https://registry.%s/v2/_catalog' % ctx.domain,
                'curl -fsS -H "X-API-Key: $API_KEY" https://api.%s/v1/ping' % ctx.domain)
    if fmt == "dockerfile":
        line = "RUN --mount=type=secret,id=api_token " + line.replace("${API_TOKEN}", "$(cat /run/secrets/api_token)")
    if fmt == "md-prose":
        return [mblock(["```sh", line, "```"], span=(1, 1))]
    return [mblock([line])]


# ---------------------------------------------------------------------------
# Names that mention secrets, values that are not


@nc("secret-policy-settings", STRINGY)
def _(r, fmt, ctx):
    items = [M(["password", "min", "length"], pick(r, 10, 12, 14), kind="int"),
             M(["token", "ttl", "seconds"], pick(r, 900, 3600, 86400), kind="int"),
             M(["secret", "rotation", "days"], pick(r, 30, 90), kind="int"),
             M(["api", "key", "required"], True, kind="bool")]
    r.shuffle(items)
    return items[:r.randint(2, 3)]


@nc("secret-names-as-values", STRINGY)
def _(r, fmt, ctx):
    items = [M(["token", "header"], "X-Auth-Token"), M(["password", "field"], "password"),
             M(["token", "type"], "Bearer"), M(["auth", "scheme"], "Basic"),
             M(["secret", "name"], "prod/%s/stripe" % ctx.svc), M(["api", "key", "param"], "api_key"),
             M(["secret", "backend"], "vault")]
    r.shuffle(items)
    return items[:r.randint(2, 3)]


@nc("i18n-password-strings", ["json", "yaml", "properties", "php", "ruby", "js", "toml"])
def _(r, fmt, ctx):
    items = [M(["forgot", "password"], "Forgot your password?"),
             M(["token", "expired"], "Your session token has expired. Please sign in again."),
             M(["api", "key", "label"], "API key"), M(["password", "too", "short"], "Password must be at least 12 characters."),
             M(["password"], "Password"), M(["secret", "copied"], "Secret copied to clipboard")]
    r.shuffle(items)
    return items[:3]


HTML_PW = ['<input type="password" name="password" id="password" autocomplete="current-password" required>',
           '<label for="api-key">API key</label> <input type="password" name="api_key" id="api-key">']


@nc("html-password-input", ["md-prose", "php", "js", "ts", "xml"])
def _(r, fmt, ctx):
    h = r.choice(HTML_PW)
    if fmt == "md-prose":
        return [mblock(["```html", '<form method="post" action="/login">', h, "</form>", "```"], span=(2, 2))]
    if fmt == "php":
        return [mblock(["function render_login_field(): void", "{", "    echo '%s';" % h, "}"], span=(2, 2))]
    if fmt in ("js", "ts"):
        return [mblock(["const passwordField = `%s`;" % h])]
    h = h.replace(" required>", " required=\"required\" />").replace('id="api-key">', 'id="api-key" />')
    if not h.endswith("/>"):
        h = h[:-1] + " />"
    return [mblock(["<loginForm>", "  " + h.replace("<label for=\"api-key\">API key</label> ", ""), "</loginForm>"], span=(1, 1))]


DOCS = ["GitHub personal access tokens start with ghp_ followed by 36 characters.",
        "Slack bot tokens look like xoxb-<team id>-<bot id>-<secret>; never commit them.",
        "AWS access key IDs begin with AKIA (long-term) or ASIA (temporary credentials).",
        "Stripe secret keys start with sk_live_ in live mode and sk_test_ in test mode.",
        "OpenAI project keys start with sk-proj- and are shown only once.",
        "GitLab personal access tokens have the prefix glpat-.",
        "Put the npm token (npm_...) in the CI secret store, not in .npmrc.",
        "Anthropic keys have the form sk-ant-api03-...; rotate them in the console."]


@nc("docs-token-format-description", ["md-prose", "python", "go", "js", "yaml", "shell", "ruby", "env"])
def _(r, fmt, ctx):
    return [mblock(comment(fmt, r.sample(DOCS, r.randint(1, 2))))]


REGEX_CODE = {
    "python": ["import re", "", 'GITHUB_TOKEN_RE = re.compile(r"\\bghp_[A-Za-z0-9]{36}\\b")',
               'AWS_KEY_ID_RE = re.compile(r"\\b(?:AKIA|ASIA)[A-Z2-7]{16}\\b")',
               'SLACK_TOKEN_RE = re.compile(r"xox[baprs]-[0-9A-Za-z-]{10,}")'],
    "js": ["const GITHUB_TOKEN = /\\bghp_[A-Za-z0-9]{36}\\b/;", "const AWS_KEY_ID = /\\b(?:AKIA|ASIA)[A-Z2-7]{16}\\b/;",
           "const STRIPE_KEY = /\\bsk_live_[0-9a-zA-Z]{24,99}\\b/;"],
    "go": ["var (", "\tgithubToken = regexp.MustCompile(`\\bghp_[A-Za-z0-9]{36}\\b`)",
           "\tawsKeyID    = regexp.MustCompile(`\\b(?:AKIA|ASIA)[A-Z2-7]{16}\\b`)", ")"],
    "ruby": ["GITHUB_TOKEN = /\\bghp_[A-Za-z0-9]{36}\\b/.freeze", "AWS_KEY_ID = /\\b(?:AKIA|ASIA)[A-Z2-7]{16}\\b/.freeze"],
    "java": ['private static final Pattern GITHUB_TOKEN = Pattern.compile("\\\\bghp_[A-Za-z0-9]{36}\\\\b");',
             'private static final Pattern AWS_KEY_ID = Pattern.compile("\\\\b(?:AKIA|ASIA)[A-Z2-7]{16}\\\\b");'],
}
REGEX_CODE["ts"] = REGEX_CODE["js"]


@nc("token-regex-in-code", list(REGEX_CODE))
def _(r, fmt, ctx):
    return [mblock(REGEX_CODE[fmt])]


@nc("truncated-unicode-ellipsis", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["token", "prefix"], ["key", "hint"], ["leaked", "key"]),
              pick(r, "ghp_4f2a\u2026", "sk_live_51H\u2026", "AKIA\u2026(20 chars)", "xoxb-1234\u2026", "glpat-\u2026"))]


@nc("truncated-ascii-dots", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["token", "prefix"], ["key", "hint"]),
              pick(r, "ghp_abc...", "sk_live_...", "AKIA...", "xoxb-...", "SG.xxxx...", "sk-ant-..."))]


@nc("truncated-too-short", STRINGY)
def _(r, fmt, ctx):
    w, v = pick(r, (["github", "token", "prefix"], "ghp_abc123"), (["stripe", "key", "prefix"], "sk_live_abc"),
                (["aws", "key", "prefix"], "AKIA1234"), (["slack", "token", "prefix"], "xoxb-12345"),
                (["gitlab", "token", "prefix"], "glpat-abc"))
    return [M(w, v)]


@nc("github-pat-wrong-checksum", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["github", "token"], ["gh", "token"]), wrong_checksummed(r, "ghp_"))]


@nc("github-oauth-wrong-checksum", STRINGY)
def _(r, fmt, ctx):
    return [M(["github", "oauth", "token"], wrong_checksummed(r, "gho_"))]


@nc("github-app-wrong-checksum", STRINGY)
def _(r, fmt, ctx):
    return [M(["github", "app", "token"], wrong_checksummed(r, pick(r, "ghu_", "ghs_")))]


@nc("npm-token-wrong-checksum", STRINGY)
def _(r, fmt, ctx):
    return [M(["npm", "token"], wrong_checksummed(r, "npm_"))]


PAGE_WORDS = [["next", "page", "token"], ["cursor"], ["etag"], ["continuation", "token"]]


@nc("jwt-shape-non-json-header", STRINGY)
def _(r, fmt, ctx):
    v = b64u(pick(r, b"not a json header at all", b"v2|cursor|page", b"\x8a\x01" + rbytes(r, 14))) + "." + \
        b64u(rbytes(r, 24)) + "." + b64u(rbytes(r, 32))
    return [M(r.choice(PAGE_WORDS), v)]


@nc("jwt-shape-broken-json", STRINGY)
def _(r, fmt, ctx):
    v = (b64u(b'{"alg":"HS256","typ":"JWT"') + "." + b64u(('{"sub": %s, "page' % rs(r, DIGITS, 6)).encode())
         + "." + b64u(rbytes(r, 32)))
    return [M(r.choice(PAGE_WORDS), v)]


# ---------------------------------------------------------------------------
# Hashes and digests


@nc("md5-hex-checksum", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["md5"], ["checksum"], ["content", "md5"]), rs(r, HEX, 32))]


@nc("sha1-hex-checksum", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["sha1"], ["file", "sha1"], ["commit", "sha"], ["revision"]), rs(r, HEX, 40))]


@nc("sha256-hex-checksum", STRINGY)
def _(r, fmt, ctx):
    if fmt == "shell" and r.random() < 0.5:
        return [mblock(['echo "%s  %s-%s.tar.gz" | sha256sum -c -' % (rs(r, HEX, 64), ctx.svc, ctx.version)])]
    return [M(pick(r, ["sha256"], ["archive", "sha256"], ["node", "sha256"], ["checksum"]), rs(r, HEX, 64))]


@nc("sha512-hex-digest", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["sha512"], ["digest"], ["release", "sha512"]), rs(r, HEX, 128))]


CRYPT = "./" + DIGITS + UPPER + LOWER


@nc("bcrypt-hash", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["password", "hash"], ["admin", "password", "hash"], ["hashed", "password"]),
              "$2%s$%02d$%s" % (pick(r, "b", "a", "y"), pick(r, 10, 12, 14), rs(r, CRYPT, 53)))]


@nc("argon2-hash", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["password", "hash"], ["hashed", "password"]), "$argon2id$v=19$m=65536,t=3,p=4$%s$%s" % (
        b64(rbytes(r, 16)).rstrip("="), b64(rbytes(r, 32)).rstrip("=")))]


@nc("sha512crypt-hash", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["password", "hash"], ["passwd"], ["root", "password", "hash"]),
              "$6$%s$%s" % (rs(r, CRYPT, 16), rs(r, CRYPT, 86)))]


@nc("apr1-htpasswd-entry", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["basic", "auth", "users"], ["htpasswd"]), "admin:$apr1$%s$%s" % (rs(r, CRYPT, 8), rs(r, CRYPT, 22)))]


@nc("django-pbkdf2-hash", ["json", "yaml", "python", "md-prose"])
def _(r, fmt, ctx):
    return [M(pick(r, ["password"], ["password", "hash"]), "pbkdf2_sha256$600000$%s$%s" % (
        rs(r, ALNUM, 22), b64(rbytes(r, 32))))]


@nc("git-log-commit-ids", ["md-prose"])
def _(r, fmt, ctx):
    if r.random() < 0.5:
        lines = ["```"]
        for _i in range(r.randint(3, 7)):
            lines.append("%s %s" % (rs(r, HEX, 7), pick(r, "Fix retry loop in worker", "Bump dependencies",
                                                       "Add health endpoint", "Refactor config loading", "Update README")))
        lines.append("```")
        return [mblock(lines, span=(1, len(lines) - 2))]
    return [mblock(["```", "commit " + rs(r, HEX, 40), "Author: Ops Team <ops@%s>" % ctx.domain,
                    "Date:   Mon Jan 15 10:22:01 2024 +0100", "", "    Rotate the deploy key", "```"], span=(1, 1))]


@nc("git-sha-in-urls", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["commit", "url"], ["source", "url"]), pick(
        r, "https://github.com/%s/%s/commit/%s" % (ctx.company, ctx.svc, rs(r, HEX, 40)),
        "https://github.com/%s/%s/blob/%s/README.md" % (ctx.company, ctx.svc, rs(r, HEX, 40))))]


def b64h(r, n):
    return b64(rbytes(r, n))


@nc("go-sum-lines", ["gosum"])
def _(r, fmt, ctx):
    mods = ["github.com/google/uuid v1.6.0", "github.com/stretchr/testify v1.9.0", "golang.org/x/sys v0.20.0",
            "github.com/spf13/cobra v1.8.0", "go.uber.org/zap v1.27.0", "github.com/prometheus/client_golang v1.19.1"]
    lines = []
    for m in r.sample(mods, r.randint(3, 6)):
        lines.append("%s h1:%s" % (m, b64h(r, 32)))
        lines.append("%s/go.mod h1:%s" % (m, b64h(r, 32)))
    return WholeFile("go.sum", lines, (1, len(lines)))


@nc("npm-lock-integrity", ["npmlock"])
def _(r, fmt, ctx):
    pkgs = [("express", "4.19.2"), ("lodash", "4.17.21"), ("debug", "4.3.4"), ("ms", "2.1.3"), ("uuid", "9.0.1"),
            ("chalk", "5.3.0")]
    lines = ["{", '  "name": "%s",' % ctx.svc, '  "version": "%s",' % ctx.version, '  "lockfileVersion": 3,',
             '  "requires": true,', '  "packages": {']
    chosen = r.sample(pkgs, r.randint(2, 4))
    first = len(lines) + 1
    for i, (p, v) in enumerate(chosen):
        lines += ['    "node_modules/%s": {' % p, '      "version": "%s",' % v,
                  '      "resolved": "https://registry.npmjs.org/%s/-/%s-%s.tgz",' % (p, p, v),
                  '      "integrity": "sha512-%s"' % b64h(r, 64), "    }" + ("," if i < len(chosen) - 1 else "")]
    lines += ["  }", "}"]
    return WholeFile("package-lock.json", lines, (first, len(lines)))


SRI = '<script src="https://cdn.jsdelivr.net/npm/bootstrap@5.3.2/dist/js/bootstrap.bundle.min.js" integrity="sha384-%s" crossorigin="anonymous"></script>'


@nc("sri-integrity-attribute", ["md-prose", "php", "js", "ts", "python"])
def _(r, fmt, ctx):
    tag = SRI % b64h(r, 48)
    if fmt == "md-prose":
        return [mblock(["```html", tag, "```"], span=(1, 1))]
    if fmt == "php":
        return [mblock(["function bootstrap_script(): string", "{", "    return '%s';" % tag, "}"], span=(2, 2))]
    if fmt == "python":
        return [M(["bootstrap", "script", "tag"], tag)]
    return [mblock(["const bootstrapScript = `%s`;" % tag])]


@nc("docker-image-digest", ["yaml", "hcl", "json", "shell", "dockerfile", "env", "toml"])
def _(r, fmt, ctx):
    img = "%s@sha256:%s" % (pick(r, "nginx", "postgres", "redis", "ghcr.io/%s/%s" % (ctx.company, ctx.svc)), rs(r, HEX, 64))
    if fmt == "dockerfile":
        return [mblock(["COPY --from=%s /etc/nginx/nginx.conf /etc/nginx/nginx.conf" % img])]
    return [M(pick(r, ["image"], ["base", "image"], ["sidecar", "image"]), img)]


@nc("pip-hash-pins", ["shell", "dockerfile", "md-prose"])
def _(r, fmt, ctx):
    line = 'pip install --require-hashes "requests==2.31.0" --hash=sha256:%s --hash=sha256:%s' % (rs(r, HEX, 64), rs(r, HEX, 64))
    if fmt == "dockerfile":
        return [mblock(["RUN " + line])]
    if fmt == "md-prose":
        return [mblock(["```sh", line, "```"], span=(1, 1))]
    return [mblock([line])]


@nc("cargo-lock-checksums", ["cargolock"])
def _(r, fmt, ctx):
    crates = [("serde", "1.0.197"), ("tokio", "1.37.0"), ("anyhow", "1.0.82"), ("regex", "1.10.4"), ("log", "0.4.21")]
    lines = ["# This file is automatically @generated by Cargo.", "# It is not intended for manual editing.", "version = 3", ""]
    for c, v in r.sample(crates, r.randint(2, 4)):
        lines += ["[[package]]", 'name = "%s"' % c, 'version = "%s"' % v,
                  'source = "registry+https://github.com/rust-lang/crates.io-index"', 'checksum = "%s"' % rs(r, HEX, 64), ""]
    return WholeFile("Cargo.lock", lines[:-1], (5, len(lines) - 1))


@nc("poetry-lock-hashes", ["poetrylock"])
def _(r, fmt, ctx):
    lines = []
    for p, v in r.sample([("requests", "2.31.0"), ("urllib3", "2.2.1"), ("idna", "3.7"), ("certifi", "2024.2.2")], 2):
        lines += ["[[package]]", 'name = "%s"' % p, 'version = "%s"' % v, 'optional = false', 'python-versions = ">=3.8"',
                  "files = [", '    {file = "%s-%s-py3-none-any.whl", hash = "sha256:%s"},' % (p, v, rs(r, HEX, 64)),
                  '    {file = "%s-%s.tar.gz", hash = "sha256:%s"},' % (p, v, rs(r, HEX, 64)), "]", ""]
    lines += ["[metadata]", 'lock-version = "2.0"', 'python-versions = "^3.11"', 'content-hash = "%s"' % rs(r, HEX, 64)]
    return WholeFile("poetry.lock", lines, (1, len(lines)))


@nc("composer-lock-references", ["composerlock"])
def _(r, fmt, ctx):
    lines = ["{", '    "content-hash": "%s",' % rs(r, HEX, 32), '    "packages": [', "        {",
             '            "name": "monolog/monolog",', '            "version": "3.5.0",', '            "source": {',
             '                "type": "git",', '                "url": "https://github.com/Seldaek/monolog.git",',
             '                "reference": "%s"' % rs(r, HEX, 40), "            },", '            "dist": {',
             '                "type": "zip",',
             '                "url": "https://api.github.com/repos/Seldaek/monolog/zipball/%s",' % rs(r, HEX, 40),
             '                "reference": "%s",' % rs(r, HEX, 40), '                "shasum": ""', "            }",
             "        }", "    ]", "}"]
    return WholeFile("composer.lock", lines, (1, len(lines)))


@nc("terraform-lock-hashes", ["tflock"])
def _(r, fmt, ctx):
    lines = ["# This file is maintained automatically by \"terraform init\".", "# Manual edits may be lost in future updates.", "",
             'provider "registry.terraform.io/hashicorp/aws" {', '  version     = "5.46.0"', '  constraints = "~> 5.0"',
             "  hashes = [", '    "h1:%s",' % b64h(r, 32)]
    for _i in range(r.randint(3, 8)):
        lines.append('    "zh:%s",' % rs(r, HEX, 64))
    lines += ["  ]", "}"]
    return WholeFile(".terraform.lock.hcl", lines, (8, len(lines) - 2))


@nc("csp-hashes-and-nonce", STRINGY)
def _(r, fmt, ctx):
    return [M(["content", "security", "policy"], "default-src 'self'; script-src 'self' 'sha256-%s' 'nonce-%s'" % (
        b64h(r, 32), b64h(r, 16)))]


@nc("helm-checksum-annotations", ["yaml"])
def _(r, fmt, ctx):
    b = mblock(["annotations:", "  checksum/config: " + rs(r, HEX, 64), "  checksum/secret: " + rs(r, HEX, 64)])
    return [b]


# ---------------------------------------------------------------------------
# Identifiers


@nc("uuid-identifiers", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["request", "id"], ["correlation", "id"], ["installation", "id"], ["workspace", "id"], ["project", "id"]),
              uuid4(r))]


@nc("azure-tenant-and-client-ids", STRINGY)
def _(r, fmt, ctx):
    return [M(["azure", "tenant", "id"], uuid4(r)), M(["azure", "subscription", "id"], uuid4(r)),
            M(["azure", "client", "id"], uuid4(r))][: r.randint(2, 3)]


@nc("project-guids", ["xml", "json", "csharp"])
def _(r, fmt, ctx):
    g = uuid4(r).upper()
    if fmt == "csharp":
        return [M(["component", "id"], 'new Guid("%s")' % g, kind="expr")]
    return [M(["project", "guid"], "{%s}" % g)]


@nc("oauth-client-ids", STRINGY)
def _(r, fmt, ctx):
    w, v = pick(r, (["auth0", "client", "id"], rs(r, ALNUM, 32)), (["okta", "client", "id"], "0oa" + rs(r, ALNUM, 17)),
                (["github", "client", "id"], pick(r, "Iv1." + rs(r, HEX, 16), "Ov23li" + rs(r, ALNUM, 14))),
                (["google", "client", "id"], "%s-%s.apps.googleusercontent.com" % (rs(r, DIGITS, 12), rs(r, ALNUM_L, 32))))
    return [M(w, v)]


@nc("twilio-account-sid", STRINGY)
def _(r, fmt, ctx):
    return [M(["twilio", "account", "sid"], "AC" + rs(r, HEX, 32))]


@nc("aws-resource-identifiers", ["hcl", "yaml", "json", "env", "toml", "md-prose", "properties"])
def _(r, fmt, ctx):
    acct = rs(r, "123456789", 1) + rs(r, DIGITS, 11)
    items = [M(["aws", "account", "id"], acct), M(["role", "arn"], "arn:aws:iam::%s:role/%s-deploy" % (acct, ctx.svc)),
             M(["vpc", "id"], "vpc-" + rs(r, HEX, 17)), M(["ami", "id"], "ami-" + rs(r, HEX, 17)),
             M(["security", "group", "id"], "sg-" + rs(r, HEX, 17)), M(["instance", "id"], "i-" + rs(r, HEX, 17))]
    r.shuffle(items)
    return items[:3]


@nc("aws-kms-key-arn", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["kms", "key", "arn"], ["kms", "key", "id"]),
              "arn:aws:kms:%s:%s:key/%s" % (ctx.region, rs(r, DIGITS, 12), uuid4(r)))]


@nc("stripe-object-ids", STRINGY)
def _(r, fmt, ctx):
    items = [M(["stripe", "price", "id"], "price_1" + rs(r, ALNUM, 23)), M(["stripe", "product", "id"], "prod_" + rs(r, ALNUM, 14)),
             M(["stripe", "account", "id"], "acct_1" + rs(r, ALNUM, 15))]
    r.shuffle(items)
    return items[:2]


@nc("slack-channel-ids", STRINGY)
def _(r, fmt, ctx):
    return [M(["slack", "channel", "id"], "C0" + rs(r, ALNUM_U, 9)), M(["slack", "team", "id"], "T0" + rs(r, ALNUM_U, 9))]


@nc("analytics-measurement-ids", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["ga", "measurement", "id"], ["gtm", "id"]), pick(r, "G-" + rs(r, ALNUM_U, 10), "GTM-" + rs(r, ALNUM_U, 7),
                                                                     "UA-%s-1" % rs(r, DIGITS, 8)))]


@nc("firebase-web-config-ids", ["js", "ts", "json", "yaml"])
def _(r, fmt, ctx):
    proj = "%s-%s" % (ctx.company, rs(r, ALNUM_L, 5))
    sender = rs(r, DIGITS, 12)
    return [M(["auth", "domain"], proj + ".firebaseapp.com"), M(["project", "id"], proj),
            M(["storage", "bucket"], proj + ".appspot.com"), M(["messaging", "sender", "id"], sender),
            M(["app", "id"], "1:%s:web:%s" % (sender, rs(r, HEX, 22))), M(["measurement", "id"], "G-" + rs(r, ALNUM_U, 10))]


@nc("crypto-wallet-addresses", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["donation", "address"], ["treasury", "wallet", "address"], ["contract", "address"]),
              pick(r, "0x" + "".join(c.upper() if r.random() < 0.5 else c for c in rs(r, HEX, 40)),
                   "bc1q" + rs(r, BECH32, 38)))]


@nc("ipfs-cids", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["ipfs", "cid"], ["metadata", "cid"]), pick(r, "Qm" + rs(r, BASE58, 44), "bafybei" + rs(r, B32L, 52)))]


@nc("ssh-host-key-fingerprints", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["host", "key", "fingerprint"], ["ssh", "fingerprint"]),
              pick(r, "SHA256:" + b64h(r, 32).rstrip("="), "MD5:" + ":".join(rs(r, HEX, 2) for _i in range(16))))]


@nc("gpg-key-fingerprint", STRINGY)
def _(r, fmt, ctx):
    fp = rs(r, HEXU, 40)
    return [M(pick(r, ["gpg", "key", "id"], ["signing", "key", "fingerprint"], ["release", "key"]),
              pick(r, fp, " ".join(fp[i:i + 4] for i in range(0, 40, 4))))]


# ---------------------------------------------------------------------------
# Public keys and certificates


def ssh_pub(r, kind=None):
    kind = kind or pick(r, "rsa", "ed25519", "ecdsa")
    if kind == "rsa":
        blob = ssh_string(b"ssh-rsa") + ssh_string(b"\x01\x00\x01") + ssh_string(b"\x00" + rbytes(r, 256))
        t = "ssh-rsa"
    elif kind == "ed25519":
        blob = ssh_string(b"ssh-ed25519") + ssh_string(rbytes(r, 32))
        t = "ssh-ed25519"
    else:
        blob = ssh_string(b"ecdsa-sha2-nistp256") + ssh_string(b"nistp256") + ssh_string(b"\x04" + rbytes(r, 64))
        t = "ecdsa-sha2-nistp256"
    return t, b64(blob)


def who(r):
    return "%s@%s" % (pick(r, "alice", "bob", "deploy", "ci", "ops"), pick(r, "laptop", "bastion", "build-01", "workstation"))


@nc("ssh-rsa-public-key", STRINGY + ["authkeys"])
def _(r, fmt, ctx):
    t, k = ssh_pub(r, "rsa")
    if fmt == "authkeys":
        lines = ["%s %s %s" % (t, k, who(r)) for _i in range(1)] + ["%s %s %s" % (ssh_pub(r)[0], ssh_pub(r)[1], who(r))]
        return WholeFile(pick(r, ".ssh/authorized_keys", "deploy/authorized_keys"), lines, (1, len(lines)))
    return [M(pick(r, ["ssh", "public", "key"], ["authorized", "key"], ["public", "key"]), "%s %s %s" % (t, k, who(r)))]


@nc("ssh-ed25519-public-key", STRINGY)
def _(r, fmt, ctx):
    t, k = ssh_pub(r, "ed25519")
    return [M(pick(r, ["ssh", "public", "key"], ["deploy", "key", "pub"]), "%s %s %s" % (t, k, who(r)))]


@nc("ssh-known-hosts", ["knownhosts", "shell", "md-prose"])
def _(r, fmt, ctx):
    t1, k1 = ssh_pub(r, "ed25519")
    t2, k2 = ssh_pub(r, "ecdsa")
    l1 = "github.com %s %s" % (t1, k1)
    l2 = "|1|%s|%s %s %s" % (b64h(r, 20), b64h(r, 20), t2, k2)
    if fmt == "knownhosts":
        return WholeFile(pick(r, ".ssh/known_hosts", "ci/known_hosts"), [l1, l2], (1, 2))
    if fmt == "shell":
        return [mblock(["mkdir -p ~/.ssh", "echo '%s' >> ~/.ssh/known_hosts" % l1], span=(1, 1))]
    return [mblock(["```", l1, l2, "```"], span=(1, 2))]


def spki_rsa(r):
    return bytes.fromhex("30820122300d06092a864886f70d01010105000382010f003082010a0282010100") + rbytes(r, 256) + bytes.fromhex("0203010001")


def spki_ec(r):
    return bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200") + b"\x04" + rbytes(r, 64)


def cert_der(r):
    return bytes.fromhex("3082030e308201f6a003020102") + rbytes(r, 0x312 - 13)


def multi_neg(name, words, gen, files):
    @nc(name, MULTI + ["pemfile"])
    def _(r, fmt, ctx):
        v = gen(r)
        if fmt == "pemfile":
            lines = v.split("\n")
            return WholeFile(files(r, ctx), lines, (1, len(lines)))
        return [M(r.choice(words), v)]


multi_neg("pem-public-key", [["public", "key"], ["jwt", "public", "key"], ["verification", "key"]],
          lambda r: pem("PUBLIC KEY", spki_rsa(r) if r.random() < 0.6 else spki_ec(r)),
          lambda r, c: pick(r, "public.pem", "keys/jwt.pub.pem", "certs/%s.pub" % c.pkg))
multi_neg("pem-rsa-public-key", [["public", "key"], ["rsa", "public", "key"]],
          lambda r: pem("RSA PUBLIC KEY", bytes.fromhex("3082010a0282010100") + rbytes(r, 256) + bytes.fromhex("0203010001")),
          lambda r, c: pick(r, "rsa.pub.pem", "keys/license.pub"))
multi_neg("pem-certificate", [["tls", "cert"], ["ca", "cert"], ["certificate"], ["ca", "bundle"]],
          lambda r: pem("CERTIFICATE", cert_der(r)),
          lambda r, c: pick(r, "server.crt", "certs/ca.pem", "tls/%s.crt" % c.pkg))
multi_neg("pem-certificate-chain", [["tls", "cert", "chain"], ["ca", "bundle"]],
          lambda r: "\n".join(pem("CERTIFICATE", cert_der(r)) for _i in range(r.randint(2, 3))),
          lambda r, c: pick(r, "fullchain.pem", "certs/chain.pem"))
multi_neg("pem-certificate-request", [["csr"], ["certificate", "request"]],
          lambda r: pem("CERTIFICATE REQUEST", bytes.fromhex("308202a230820189020100") + rbytes(r, 0x2A6 - 11)),
          lambda r, c: pick(r, "%s.csr" % c.pkg, "certs/request.csr"))


def pgp_pub(r):
    t = (1600000000 + r.randint(0, 150000000)).to_bytes(4, "big")
    data = b"\x98\x33\x04" + t + b"\x16\x09\x2b\x06\x01\x04\x01\xda\x47\x0f\x01\x01\x07\x40" + rbytes(r, 32)
    uid = b"Release Signing <release@example.org>"
    data += bytes([0xB4, len(uid)]) + uid + b"\x88\x93" + rbytes(r, 0x93)
    return armor("PUBLIC KEY BLOCK", data)


multi_neg("pgp-public-key-block", [["gpg", "public", "key"], ["signing", "public", "key"], ["release", "key"]], pgp_pub,
          lambda r, c: pick(r, "KEYS.asc", "release-key.pub.asc", "keys/signing.pub.asc"))


def pgp_sig(r):
    return armor("SIGNATURE", b"\x88\x75\x04\x00\x16\x0a\x00\x1d\x16\x21\x04" + rbytes(r, 0x75 - 9))


multi_neg("pgp-signature-block", [["signature"], ["release", "signature"]], pgp_sig,
          lambda r, c: pick(r, "%s-%s.tar.gz.asc" % (c.svc, c.version), "SHA256SUMS.asc"))


@nc("jwks-public-keys", ["jwks"])
def _(r, fmt, ctx):
    keys = []
    for _i in range(r.randint(1, 2)):
        keys.append({"kty": "RSA", "use": "sig", "kid": b64u(rbytes(r, 16)), "alg": "RS256",
                     "n": b64u(b"\xc0" + rbytes(r, 255)), "e": "AQAB"})
    text = json.dumps({"keys": keys}, indent=2)
    lines = text.split("\n")
    return WholeFile(pick(r, ".well-known/jwks.json", "jwks.json", "public/keys.json"), lines, (1, len(lines)))


@nc("pem-placeholder-body", MULTI)
def _(r, fmt, ctx):
    label = pick(r, "PRIVATE KEY", "RSA PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY")
    body = pick(r, "...", "<your key here>", "REDACTED", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC...", "(paste the key here)")
    return [M(pick(r, ["private", "key"], ["tls", "key"], ["ssh", "key"]),
              "-----BEGIN %s-----\n%s\n-----END %s-----" % (label, body, label))]


PEM_CODE = {
    "python": ['PEM_PRIVATE_HEADERS = (', '    "-----BEGIN RSA PRIVATE KEY-----",', '    "-----BEGIN OPENSSH PRIVATE KEY-----",',
               '    "-----BEGIN PRIVATE KEY-----",', ")", "", "", "def looks_like_private_key(text):",
               "    return any(h in text for h in PEM_PRIVATE_HEADERS)"],
    "go": ['const pemPrivateHeader = "-----BEGIN PRIVATE KEY-----"', "",
           "func isPrivateKey(b []byte) bool {", "\treturn bytes.HasPrefix(b, []byte(pemPrivateHeader))", "}"],
    "js": ["function isEncryptedKey(pem) {", "  return pem.startsWith('-----BEGIN ENCRYPTED PRIVATE KEY-----');", "}"],
    "java": ['private static final String PRIVATE_KEY_HEADER = "-----BEGIN PRIVATE KEY-----";',
             'private static final String PRIVATE_KEY_FOOTER = "-----END PRIVATE KEY-----";'],
    "ruby": ['PEM_HEADER = "-----BEGIN RSA PRIVATE KEY-----"', 'PEM_FOOTER = "-----END RSA PRIVATE KEY-----"'],
}
PEM_CODE["ts"] = PEM_CODE["js"]


@nc("pem-header-in-code", list(PEM_CODE))
def _(r, fmt, ctx):
    return [mblock(PEM_CODE[fmt])]


# ---------------------------------------------------------------------------
# Public client-side keys


def mapbox_pk(r):
    return "pk." + b64u_json({"u": pick(r, "acme-maps", "globexgeo", "fleet-ops"), "a": "cl" + rs(r, ALNUM_L, 23)}) + "." + rs(r, B64URL, 22)


@nc("mapbox-public-token", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["mapbox", "access", "token"], ["mapbox", "public", "token"], ["next", "public", "mapbox", "token"]), mapbox_pk(r))]


@nc("posthog-project-key", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["posthog", "key"], ["posthog", "api", "key"], ["next", "public", "posthog", "key"]), "phc_" + rs(r, ALNUM, 43))]


@nc("stripe-publishable-key-live", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["stripe", "publishable", "key"], ["next", "public", "stripe", "key"]),
              "pk_live_" + (rs(r, ALNUM, 24) if r.random() < 0.4 else "51" + rs(r, ALNUM, 97)))]


@nc("stripe-publishable-key-test", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["stripe", "publishable", "key"], ["stripe", "pk"]), "pk_test_" + "51" + rs(r, ALNUM, 97))]


@nc("sentry-dsn-public", STRINGY)
def _(r, fmt, ctx):
    return [M(["sentry", "dsn"], "https://%s@o%s.ingest.sentry.io/%s" % (rs(r, HEX, 32), rs(r, DIGITS, 6), rs(r, DIGITS, 7)))]


@nc("recaptcha-site-key", STRINGY)
def _(r, fmt, ctx):
    return [M(["recaptcha", "site", "key"], "6L" + pick(r, "c", "d", "e", "f") + rs(r, B64URL, 37))]


@nc("public-age-recipient", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["age", "recipient"], ["sops", "age", "recipients"], ["age", "public", "key"]), "age1" + rs(r, BECH32, 58))]


@nc("wireguard-peer-public-key", ["wgconf", "yaml", "md-prose"])
def _(r, fmt, ctx):
    pk = b64h(r, 32)
    if fmt == "wgconf":
        lines = ["[Interface]", "Address = 10.8.0.1/24", "ListenPort = 51820",
                 "PostUp = wg set %i private-key /etc/wireguard/private.key", "",
                 "[Peer]", "PublicKey = " + pk, "AllowedIPs = 10.8.0.2/32"]
        return WholeFile(pick(r, "wg0.conf", "vpn/wg0.conf"), lines, (7, 7))
    return [M(["peer", "public", "key"], pk)]


# ---------------------------------------------------------------------------
# Data that is high-entropy and harmless


def stored_zlib(data):
    return b"\x78\x01\x01" + struct.pack("<HH", len(data), len(data) ^ 0xFFFF) + data + struct.pack(">I", zlib.adler32(data))


def png(r):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    w, h = r.randint(8, 32), r.randint(8, 32)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", stored_zlib(rbytes(r, r.randint(60, 300)))) + chunk(b"IEND", b""))


@nc("data-uri-png", ["js", "ts", "python", "json", "yaml", "md-prose", "php"])
def _(r, fmt, ctx):
    uri = "data:image/png;base64," + b64(png(r))
    if fmt == "md-prose":
        return [mblock(["![status](%s)" % uri])]
    return [M(pick(r, ["logo"], ["placeholder", "image"], ["favicon"], ["empty", "avatar"]), uri)]


@nc("data-uri-font", ["js", "ts", "python"])
def _(r, fmt, ctx):
    return [M(["inline", "font"], "data:font/woff2;base64," + b64(b"wOF2\x00\x01\x00\x00" + rbytes(r, r.randint(200, 600))))]


@nc("base64-compressed-blob", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["compressed", "payload"], ["gzip", "blob"], ["embedded", "asset"]),
              b64(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + rbytes(r, r.randint(60, 200))))]


JSWORDS = ["render", "props", "state", "length", "push", "call", "apply", "value", "default", "exports", "prototype",
           "children", "setState", "forEach", "indexOf", "createElement", "useEffect", "then", "catch", "key"]


def minified(r, n):
    out = []
    ids = [a + b for a in "abcdefghijklmnopqrstuvwxyz" for b in ["", "e", "t", "n", "r"]]
    for _i in range(n):
        a, b, c, d = (r.choice(ids) for _j in range(4))
        w = r.choice(JSWORDS)
        t = r.randrange(8)
        if t == 0:
            out.append("var %s=%s.%s||{};" % (a, b, w))
        elif t == 1:
            out.append("function %s(%s,%s){return %s.%s(%s)}" % (a, b, c, b, w, c))
        elif t == 2:
            out.append("%s.prototype.%s=function(%s){this._%s=%s};" % (a.upper(), w, b, w, b))
        elif t == 3:
            out.append('if(%s&&%s.%s){%s(%s,"%s")}' % (a, a, w, d, a, r.choice(JSWORDS)))
        elif t == 4:
            out.append("for(var %s=0,%s=%s.length;%s<%s;%s++)%s(%s[%s]);" % (a, b, c, a, b, a, d, c, a))
        elif t == 5:
            out.append("%s=[%d,%d,%d,%d];" % (a, r.randint(0, 9999), r.randint(0, 99), r.randint(0, 255), r.randint(0, 65535)))
        elif t == 6:
            out.append('%s.%s("%s",function(%s){return %s.%s});' % (a, r.choice(["on", "emit", "set"]), w, b, b, r.choice(JSWORDS)))
        else:
            out.append("const %s=(%s,%s)=>%s?%s:%s.%s;" % (a, b, c, b, c, d, w))
    return "".join(out)


@nc("minified-javascript", ["minjs"])
def _(r, fmt, ctx):
    lines = ["/*! %s v%s | MIT */" % (ctx.svc, ctx.version)]
    lines += ['!function(e,t){"use strict";' + minified(r, r.randint(60, 150)) + "}(window,document);"]
    if r.random() < 0.5:
        lines.append(minified(r, r.randint(20, 60)))
    lines.append("//# sourceMappingURL=app.min.js.map")
    return WholeFile(pick(r, "static/app.min.js", "public/js/bundle.min.js", "dist/%s.min.js" % ctx.pkg), lines, (1, len(lines)))


VLQ = "ACDEFGHIKMOQSUWYacegikmoqsuwy"


def mappings(r, n):
    segs = []
    for _i in range(n):
        seg = "".join(r.choice(VLQ) if r.random() < 0.9 else r.choice("ghijklmnopqrstuvwxyz0123456789+/") + "B"
                      for _j in range(r.choice([4, 4, 5, 1])))
        segs.append(seg + (";" if r.random() < 0.15 else ","))
    return "".join(segs).rstrip(",;")


@nc("source-map-mappings", ["sourcemap"])
def _(r, fmt, ctx):
    doc = {"version": 3, "file": "app.min.js", "sources": ["../src/index.ts", "../src/api.ts", "../src/store.ts"],
           "names": r.sample(JSWORDS, 8), "mappings": mappings(r, r.randint(200, 600))}
    lines = json.dumps(doc, indent=1).split("\n")
    return WholeFile(pick(r, "static/app.min.js.map", "dist/%s.js.map" % ctx.pkg), lines, (1, len(lines)))


@nc("content-hashed-asset-names", ["assetmanifest"])
def _(r, fmt, ctx):
    files = {"main.js": "/static/js/main.%s.js" % rs(r, HEX, 8), "main.css": "/static/css/main.%s.css" % rs(r, HEX, 8),
             "runtime.js": "/static/js/runtime.%s.js" % rs(r, HEX, 20), "vendor.js": "/static/js/%s.%s.chunk.js" % (r.randint(100, 999), rs(r, HEX, 8))}
    lines = json.dumps({"files": files, "entrypoints": [files["runtime.js"][1:], files["main.js"][1:]]}, indent=2).split("\n")
    return WholeFile(pick(r, "build/asset-manifest.json", "public/manifest.json"), lines, (1, len(lines)))


LOREM = ["Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore.",
         "Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.",
         "Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur.",
         "Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum."]


@nc("lorem-ipsum-text", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["description"], ["placeholder", "text"], ["banner", "message"]), r.choice(LOREM))]


@nc("version-strings", STRINGY)
def _(r, fmt, ctx):
    items = [M(["version"], "1.%d.0-rc.2+build.%s" % (r.randint(0, 9), rs(r, HEX, 7))),
             M(["go", "module", "version"], "v0.0.0-2024%02d%02d%06d-%s" % (r.randint(1, 12), r.randint(1, 28), r.randint(0, 235959), rs(r, HEX, 12))),
             M(["base", "image", "tag"], "nginx:1.25.3-alpine3.18"), M(["build", "id"], "2024%02d%02d.%d" % (r.randint(1, 12), r.randint(1, 28), r.randint(1, 9)))]
    r.shuffle(items)
    return items[:2]


@nc("trace-ids-in-logs", ["md-prose"])
def _(r, fmt, ctx):
    lines = ["```"]
    for _i in range(r.randint(2, 5)):
        lines.append('2024-01-15T10:22:%02dZ INFO request_id=%s trace_id=%s span_id=%s msg="GET /v1/orders 200"' % (
            r.randint(0, 59), uuid4(r), rs(r, HEX, 32), rs(r, HEX, 16)))
    lines.append("```")
    return [mblock(lines, span=(1, len(lines) - 2))]


# ---------------------------------------------------------------------------
# Encrypted values (ciphertext is not a leak)


def hexlines(r, nbytes):
    h = rs(r, HEX, nbytes * 2)
    return wrap(h, 80)


@nc("ansible-vault-encrypted", ["yaml", "yaml", "ansiblevault"])
def _(r, fmt, ctx):
    body = ["$ANSIBLE_VAULT;1.1;AES256"] + hexlines(r, r.randint(150, 260))
    if fmt == "ansiblevault":
        return WholeFile(pick(r, "group_vars/all/vault.yml", "inventory/prod/vault.yml"), body, (1, len(body)))
    return [mblock(["%s: !vault |" % pick(r, "db_password", "api_token", "vault_stripe_key")] + ["  " + ln for ln in body])]


def sops_enc(r, n):
    return "ENC[AES256_GCM,data:%s,iv:%s,tag:%s,type:str]" % (b64(rbytes(r, n)), b64h(r, 32), b64h(r, 16))


@nc("sops-encrypted-file", ["sopsyaml", "sopsjson"])
def _(r, fmt, ctx):
    vals = [("db_password", sops_enc(r, 24)), ("stripe_secret_key", sops_enc(r, 32)), ("api_token", sops_enc(r, 40))]
    meta = [("kms", "[]"), ("age_recipient", "age1" + rs(r, BECH32, 58)), ("lastmodified", "2024-03-11T09:14:22Z"),
            ("mac", sops_enc(r, 32)), ("version", "3.8.1")]
    if fmt == "sopsyaml":
        lines = ["%s: %s" % (k, v) for k, v in vals] + ["sops:", "    kms: []", "    age:",
                                                       "        - recipient: " + meta[1][1], "    lastmodified: \"%s\"" % meta[2][1],
                                                       "    mac: " + meta[3][1], "    version: " + meta[4][1]]
        return WholeFile(pick(r, "secrets.enc.yaml", "deploy/%s.sops.yaml" % ctx.env), lines, (1, len(lines)))
    lines = ["{"] + ['  "%s": "%s",' % (k, v) for k, v in vals] + ['  "sops": {', '    "mac": "%s",' % meta[3][1],
                                                                  '    "version": "3.8.1"', "  }", "}"]
    return WholeFile(pick(r, "secrets.enc.json", "config/%s.sops.json" % ctx.env), lines, (2, len(lines) - 1))


@nc("sealed-secret", ["sealedsecret"])
def _(r, fmt, ctx):
    lines = ["apiVersion: bitnami.com/v1alpha1", "kind: SealedSecret", "metadata:", "  name: %s-credentials" % ctx.svc,
             "  namespace: " + ctx.svc.split("-")[0], "spec:", "  encryptedData:",
             "    password: AgB" + b64(rbytes(r, r.randint(500, 560))),
             "    api-token: AgC" + b64(rbytes(r, r.randint(500, 560))), "  template:", "    metadata:",
             "      name: %s-credentials" % ctx.svc]
    return WholeFile(pick(r, "k8s/sealed-secret.yaml", "deploy/%s-sealed.yaml" % ctx.svc), lines, (8, 9))


@nc("jasypt-encrypted-property", ["properties", "yaml"])
def _(r, fmt, ctx):
    return [M(pick(r, ["spring", "datasource", "password"], ["mail", "password"], ["api", "secret"]),
              "ENC(%s)" % b64h(r, pick(r, 32, 48)))]


@nc("kms-ciphertext-blob", STRINGY)
def _(r, fmt, ctx):
    return [M(pick(r, ["encrypted", "db", "password"], ["ciphertext", "blob"], ["kms", "encrypted", "token"]),
              b64(b"\x01\x02\x02\x00\x78" + rbytes(r, 180)))]


@nc("k8s-secret-placeholder-base64", ["k8ssecret"])
def _(r, fmt, ctx):
    v = pick(r, "changeme", "password", "your-api-key-here", "REPLACE_ME")
    lines = ["apiVersion: v1", "kind: Secret", "metadata:", "  name: %s-credentials" % ctx.svc, "type: Opaque", "data:",
             "  username: " + b64(b"admin"), "  password: " + b64(v.encode())]
    return WholeFile(pick(r, "k8s/secret.yaml", "charts/%s/templates/secret.yaml" % ctx.svc, "deploy/secret.yaml"),
                     lines, (8, 8))


# ---------------------------------------------------------------------------
# Code that handles credentials without containing one

CRED_CODE = {
    "python": ["def reset_password(user, new_password):", '    """Hash and store a new password."""',
               "    user.password_hash = hasher.hash(new_password)", "    user.save(update_fields=[\"password_hash\"])"],
    "go": ["func validatePassword(password string) error {", "\tif len(password) < 12 {", "\t\treturn errPasswordTooShort",
           "\t}", "\treturn nil", "}"],
    "js": ["function isTokenExpired(token) {", "  return Date.now() >= token.expiresAt * 1000;", "}"],
    "ts": ["export function bearer(token: string): Record<string, string> {",
           "  return { Authorization: `Bearer ${token}` };", "}"],
    "java": ["public boolean matches(String rawPassword, String encodedPassword) {",
             "    return encoder.matches(rawPassword, encodedPassword);", "}"],
    "ruby": ["def password_reset_token_valid?(token)", "  token.present? && token_expires_at.future?", "end"],
    "php": ["function verify_password(string $password, string $hash): bool", "{",
            "    return password_verify($password, $hash);", "}"],
    "csharp": ["public static bool IsApiKeyHeader(string name) =>", '    string.Equals(name, "X-Api-Key", StringComparison.OrdinalIgnoreCase);'],
}


@nc("password-identifiers-in-code", list(CRED_CODE))
def _(r, fmt, ctx):
    return [mblock(CRED_CODE[fmt])]


CHECK_CODE = {
    "python": ["def check_webhook(request):", '    sent = request.headers.get("X-Webhook-Secret", "")',
               "    if not hmac.compare_digest(sent, settings.WEBHOOK_SECRET):", "        abort(403)"],
    "js": ["function tokenFrom(req) {", "  const [scheme, token] = (req.headers.authorization || '').split(' ');",
           "  return scheme === 'Bearer' ? token : null;", "}"],
    "go": ["func tokenFrom(r *http.Request) string {", '\treturn strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")', "}"],
    "ruby": ["def api_key_from(request)", "  request.headers['X-Api-Key'] || request.params[:api_key]", "end"],
}


@nc("credential-handling-code", list(CHECK_CODE))
def _(r, fmt, ctx):
    return [mblock(CHECK_CODE[fmt])]


@nc("ci-cache-key-template", ["yaml"])
def _(r, fmt, ctx):
    return [M(["cache", "key"], pick(r, 'v2-deps-{{ checksum "package-lock.json" }}',
                                     "${{ runner.os }}-node-${{ hashFiles('**/package-lock.json') }}"), kind="expr")]
