/*
 * filter.c - placeholder stop list and entropy floor
 */
#define _GNU_SOURCE /* memmem */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "filter.h"

#include <pcre2.h>
#include <stdlib.h>

#include <ctype.h>
#include <math.h>
#include <nettle/base64.h>
#include <stdint.h>
#include <string.h>

/*
 * Words that only stand in documentation and templates for a secret.
 * Compared case-insensitively as substrings of the extracted secret.
 */
static const char *const stop_words[] = {
	"example", "xxxx", "placeholder", "changeme", "change_me", "dummy",
	"your_", "your-", "<", ">", "${", "{{", "redacted", "sample",
	"******", "...", "replace_me", "replace-me", "replaceme", "fill_me",
	"fill-me", "fillme", "insert_your", "insert-your",
	/* runs that only stand in documentation for random characters */
	"123456789", "abcdefghij", "abcdef1234", NULL
};

/*
 * Whole values that documentation and local emulators publish: never a
 * secret of anyone's (compared exactly).
 */
static const char *const public_values[] = {
	/* Azurite / Azure Storage Emulator account key */
	"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/"
	"K1SZFPTOtr/KBHBeksoGMGw==",
	/*
	 * OAuth 2.0's examples (RFC 6749): access and refresh token,
	 * authorization code, client credentials "s6BhdRkqt3:gX1fBat3bV";
	 * and OAuth 1.0's token (RFC 5849). Libraries quote them in their
	 * documentation (Python's oauthlib among them).
	 */
	"2YotnFZFEjr1zCsicMWpAA", "tGzv3JOkF0XG5Qx2TlKWIA",
	"SplxlOBeZQQYbYS6WxSbIA", "czZCaGRSa3F0MzpnWDFmQmF0M2JW",
	"ad180jjd733klru7",
	NULL
};

/* Words that stand for a password in examples, when they are all of it. */
static const char *const placeholder_values[] = {
	"password", "passwd", "pass", "secret", "token", "changeit",
	"admin", "root", "test", "default", "none", "null", "undefined",
	"pa$$word", "p@ssw0rd", "p@ssword", "password1", "password123",
	NULL
};

static int
is_ident(const char *s, size_t len)
{
	if (len == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return 0;
	return 1;
}

/*
 * Templates and code, not values: printf conversions (%s, %v),
 * %(name)s, {name}, and dotted references such as config.db.password.
 */
static int
is_template_ref(const char *s, size_t len)
{
	size_t dots = 0, start = 0;

	if (len == 2 && s[0] == '%' && strchr("sdvqx", s[1]))
		return 1;
	if (len >= 4 && s[0] == '%' && s[1] == '(' && s[len - 2] == ')' &&
	    is_ident(s + 2, len - 4) && strchr("sd", s[len - 1]))
		return 1;
	if (len >= 2 && s[0] == '{' && s[len - 1] == '}' &&
	    (len == 2 || is_ident(s + 1, len - 2)))
		return 1;
	/* Code paths are lower-case words; tokens mix cases and digits. */
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.') {
			if (!islower((unsigned char)s[i]) && s[i] != '_')
				return 0;
			continue;
		}
		if (i == start)
			return 0;
		if (i < len)
			dots++;
		start = i + 1;
	}
	return dots > 0;
}

/* A reference to a variable stands in for the value: $NAME, %NAME%. */
static int
is_variable_ref(const char *s, size_t len)
{
	size_t i = 1;

	if (is_template_ref(s, len))
		return 1;

	if (len >= 3 && s[0] == '%' && s[len - 1] == '%')
		len--;
	else if (len < 2 || s[0] != '$')
		return 0;
	if (!(isalpha((unsigned char)s[i]) || s[i] == '_'))
		return 0;
	for (; i < len; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return 0;
	return 1;
}

static int
equals_ci(const char *s, size_t len, const char *w)
{
	size_t n = strlen(w);

	if (n != len)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (tolower((unsigned char)s[i]) != w[i])
			return 0;
	return 1;
}

static int
contains_ci(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);

	for (size_t i = 0; i + n <= len; i++) {
		size_t j = 0;
		while (j < n && tolower((unsigned char)s[i + j]) == word[j])
			j++;
		if (j == n)
			return 1;
	}
	return 0;
}

static long b64url_decode(const char *s, size_t len, uint8_t *out,
			  size_t cap);
int filter_is_placeholder(const char *s, size_t len);

/*
 * Kubernetes Secrets and similar hold base64: a placeholder encoded is
 * still a placeholder. Only printable text is checked, since random
 * bytes would hit the stop list by chance.
 */
static int
decodes_to_placeholder(const char *s, size_t len)
{
	uint8_t buf[256];
	char std[344];
	long n;

	if (len < 8 || len > sizeof(std) || len % 4)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!(isalnum((unsigned char)c) || c == '+' || c == '/' ||
		      c == '='))
			return 0;
		/* base64url_decode wants - and _ */
		std[i] = c == '+' ? '-' : c == '/' ? '_' : c;
	}
	n = b64url_decode(std, len, buf, sizeof(buf));
	if (n <= 0)
		return 0;
	for (long i = 0; i < n; i++)
		if (buf[i] < 0x20 || buf[i] > 0x7e)
			return 0;
	return filter_is_placeholder((const char *)buf, (size_t)n);
}

int
filter_is_placeholder(const char *s, size_t len)
{
	for (const char *const *w = stop_words; *w; w++)
		if (contains_ci(s, len, *w))
			return 1;
	for (const char *const *w = placeholder_values; *w; w++)
		if (equals_ci(s, len, *w))
			return 1;
	for (const char *const *v = public_values; *v; v++)
		if (strlen(*v) == len && !memcmp(s, *v, len))
			return 1;
	if (is_variable_ref(s, len))
		return 1;
	return decodes_to_placeholder(s, len);
}

double
filter_entropy(const char *s, size_t len)
{
	size_t count[256] = { 0 };
	double h = 0;

	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		count[(unsigned char)s[i]]++;
	for (int c = 0; c < 256; c++) {
		if (count[c] == 0)
			continue;
		double p = (double)count[c] / (double)len;
		h -= p * log2(p);
	}
	return h;
}

static uint32_t
crc32_bytes(const char *s, size_t len)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < len; i++) {
		c ^= (unsigned char)s[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

/*
 * GitHub and npm tokens end in 6 base62 digits (0-9A-Za-z, zero-padded)
 * of the CRC32 of the 30 random characters before them.
 */
static int
valid_base62_crc32(const char *s, size_t len)
{
	static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz";
	char want[6];
	uint32_t crc;

	if (len < 36)
		return 0;
	crc = crc32_bytes(s + len - 36, 30);
	for (int i = 5; i >= 0; i--) {
		want[i] = b62[crc % 62];
		crc /= 62;
	}
	return memcmp(want, s + len - 6, 6) == 0;
}

/* Decode base64url (padding optional) into out; returns bytes or -1. */
static long
b64url_decode(const char *s, size_t len, uint8_t *out, size_t cap)
{
	struct base64_decode_ctx ctx;
	size_t n = cap;

	while (len && s[len - 1] == '=')
		len--;
	if (BASE64_DECODE_LENGTH(len) > cap)
		return -1;
	base64url_decode_init(&ctx);
	if (!base64_decode_update(&ctx, &n, out, len, (const char *)s))
		return -1;
	return (long)n;
}

static int
json_object_with(const char *s, size_t len, const char *key)
{
	uint8_t buf[1024];
	long n = b64url_decode(s, len, buf, sizeof(buf));

	if (n < 2 || buf[0] != '{')
		return 0;
	if (key == NULL)
		return 1;
	for (long i = 0; i + (long)strlen(key) <= n; i++)
		if (!memcmp(buf + i, key, strlen(key)))
			return 1;
	return 0;
}

/* header.payload[.signature]: a JSON header naming "alg", a JSON payload. */
static int
valid_jwt(const char *s, size_t len)
{
	const char *d1 = memchr(s, '.', len);
	const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - s))
		: NULL;

	if (d1 == NULL || d2 == NULL)
		return 0;
	return json_object_with(s, (size_t)(d1 - s), "\"alg\"") &&
		json_object_with(d1 + 1, (size_t)(d2 - d1 - 1), NULL);
}

int
filter_validate(enum rule_validate v, const char *s, size_t len)
{
	switch (v) {
	case LS_VALIDATE_BASE62_CRC32:
		return valid_base62_crc32(s, len);
	case LS_VALIDATE_JWT:
		return valid_jwt(s, len);
	default:
		return 1;
	}
}

struct filter {
	const struct policy *policy;
	pcre2_code **regex;
	size_t nr_regex;
	pcre2_match_data *md;
	size_t inline_allowed, ignored, baselined, disabled;
	int skip_lists;
};

int
filter_new(struct filter **out, const struct policy *policy,
	   struct ls_err *err)
{
	struct filter *f = xcalloc(1, sizeof(*f));

	f->policy = policy;
	f->regex = xcalloc(policy->nr_regex ? policy->nr_regex : 1,
			   sizeof(*f->regex));
	for (size_t i = 0; i < policy->nr_regex; i++) {
		int code;
		PCRE2_SIZE off;
		f->regex[i] = pcre2_compile((PCRE2_SPTR)policy->allow_regex[i],
					    PCRE2_ZERO_TERMINATED, 0, &code,
					    &off, NULL);
		if (f->regex[i] == NULL) {
			filter_free(f);
			return ls_err_set(err, LS_EPARSE, "allow regex '%s' "
					  "does not compile",
					  policy->allow_regex[i]);
		}
		f->nr_regex = i + 1;
	}
	f->md = pcre2_match_data_create(1, NULL);
	*out = f;
	return 0;
}

void
filter_free(struct filter *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->nr_regex; i++)
		pcre2_code_free(f->regex[i]);
	free(f->regex);
	pcre2_match_data_free(f->md);
	free(f);
}

size_t
filter_inline_allowed(const struct filter *f)
{
	return f ? f->inline_allowed : 0;
}

size_t
filter_ignored(const struct filter *f)
{
	return f ? f->ignored : 0;
}

size_t
filter_baselined(const struct filter *f)
{
	return f ? f->baselined : 0;
}

size_t
filter_disabled(const struct filter *f)
{
	return f ? f->disabled : 0;
}

void
filter_skip_lists(struct filter *f)
{
	f->skip_lists = 1;
}

int
filter_line_has_marker(const char *line, size_t len, const char *marker,
		       size_t skip, size_t skip_len)
{
	size_t n = strlen(marker);

	for (size_t i = 0; i + n <= len; i++) {
		if (memcmp(line + i, marker, n))
			continue;
		/* "allow" must not be the start of "allow-next-line" etc. */
		if (i + n < len && (line[i + n] == '-' ||
				    isalnum((unsigned char)line[i + n])))
			continue;
		/* The marker must not be made of the secret's own bytes. */
		if (i + n > skip && i < skip + skip_len)
			continue;
		return 1;
	}
	return 0;
}

/*
 * Is the finding's line covered by an inline marker in the new file?
 * One pass over the lines up to the finding's: linear, not quadratic.
 */
static int
inline_allowed(const struct added *a, const struct finding *f)
{
	const char *p, *end, *line = NULL, *prev = NULL;
	size_t len = 0, prev_len = 0;
	int open = 0;

	if (a == NULL || a->full == NULL || f->line == 0)
		return 0;
	p = a->full;
	end = a->full + a->full_len;
	for (size_t n = 1; n <= f->line && p <= end; n++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = (size_t)((nl ? nl : end) - p);

		if (l && p[l - 1] == '\r')
			l--;
		if (n < f->line) {
			if (filter_line_has_marker(p, l, "leakstop:allow-begin",
						   l, 0))
				open = 1;
			else if (filter_line_has_marker(p, l,
							"leakstop:allow-end",
							l, 0))
				open = 0;
			prev = p;
			prev_len = l;
		} else {
			line = p;
			len = l;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	if (line && filter_line_has_marker(line, len, "leakstop:allow",
					   f->col - 1, f->secret_len))
		return 1;
	if (prev && filter_line_has_marker(prev, prev_len,
					   "leakstop:allow-next-line",
					   prev_len, 0))
		return 1;
	return open;
}

static int
policy_allows(struct filter *flt, const struct finding *f)
{
	const struct policy *p = flt->policy;

	for (size_t i = 0; i < p->nr_paths; i++)
		if (policy_glob_match(p->allow_paths[i], f->path))
			return 1;
	for (size_t i = 0; f->secret && i < p->nr_stopwords; i++) {
		struct buf w = BUF_INIT;
		for (const char *c = p->stopwords[i]; *c; c++)
			buf_addch(&w, (char)tolower((unsigned char)*c));
		int hit = contains_ci(f->secret, f->secret_len, w.ptr);
		buf_release(&w);
		if (hit)
			return 1;
	}
	for (size_t i = 0; f->secret && i < flt->nr_regex; i++)
		if (flt->md && pcre2_match(flt->regex[i],
					   (PCRE2_SPTR)f->secret,
					   f->secret_len, 0, 0, flt->md,
					   NULL) >= 0)
			return 1;
	return 0;
}

void
filter_apply(struct filter *flt, struct finding_list *list, size_t from,
	     const struct rule_set *rules, const struct added *a)
{
	size_t i = from;
	/* Most files hold no marker: one search spares a pass per finding. */
	int markers = flt && flt->policy->inline_allow && a && a->full &&
		from < list->nr &&
		memmem(a->full, a->full_len, "leakstop:allow", 14) != NULL;

	while (i < list->nr) {
		struct finding *f = &list->items[i];
		const struct rule *r = &rules->rules[f->rule];
		const struct rule_policy *rp = flt ?
			policy_rule(flt->policy, rules, f->rule) : NULL;
		int drop = 0;

		if (f->secret == NULL)
			drop = 0;
		else if (filter_is_placeholder(f->secret, f->secret_len))
			drop = 1;
		else if (!filter_validate(r->validate, f->secret,
					  f->secret_len))
			drop = 1;
		else if (r->min_entropy > 0 &&
			 filter_entropy(f->secret, f->secret_len) <
			 r->min_entropy)
			drop = 1;
		if (!drop && rp && !rp->enabled) {
			flt->disabled++;	/* said in a note, never silent */
			drop = 1;
		}
		if (!drop && flt && policy_allows(flt, f))
			drop = 1;
		if (!drop && flt && !flt->skip_lists &&
		    policy_fp_listed(flt->policy->ignored,
				     flt->policy->nr_ignored, f->fingerprint)) {
			flt->ignored++;
			drop = 1;
		}
		if (!drop && flt && !flt->skip_lists &&
		    policy_fp_listed(flt->policy->baseline,
				     flt->policy->nr_baseline,
				     f->fingerprint)) {
			flt->baselined++;
			drop = 1;
		}
		if (!drop && markers && inline_allowed(a, f)) {
			flt->inline_allowed++;
			drop = 1;
		}
		if (!drop && rp && rp->severity == LS_SEV_WARN)
			f->warn = 1;
		if (drop)
			finding_remove(list, i);
		else
			i++;
	}
}
