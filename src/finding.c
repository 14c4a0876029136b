/*
 * finding.c - second-stage confirm, location, redaction, fingerprint
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "finding.h"

#include <errno.h>
#include <fcntl.h>
#include <nettle/hmac.h>
#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* Without a width bound, look back this far for the match start. */
#define UNBOUNDED_WINDOW 4096

struct confirmer {
	const struct rule_set *rules;
	const struct db *db;
	pcre2_code **code;	/* per rule; NULL until first needed */
	char *failed;		/* per rule: PCRE2 could not compile it */
	pcre2_match_data *md;
	const uint32_t *max_width;	/* NULL: the database's */
	size_t nr;			/* size of code and failed */
};

int
confirmer_new(struct confirmer **out, const struct rule_set *rules,
	      const struct db *db, struct ls_err *err)
{
	struct confirmer *c = xcalloc(1, sizeof(*c));

	(void)err;
	c->rules = rules;
	c->db = db;
	c->code = xcalloc(rules->nr, sizeof(*c->code));
	c->failed = xcalloc(rules->nr, 1);
	c->nr = rules->nr;
	*out = c;
	return 0;
}

void
confirmer_free(struct confirmer *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nr; i++)
		pcre2_code_free(c->code[i]);
	pcre2_match_data_free(c->md);
	free(c->failed);
	free(c->code);
	free(c);
}

void
confirmer_set_widths(struct confirmer *c, const struct rule_set *rules,
		     const uint32_t *max_width)
{
	size_t old = c->nr;

	c->rules = rules;
	c->max_width = max_width;
	if (rules->nr <= old)
		return;
	c->code = xrealloc(c->code, rules->nr * sizeof(*c->code));
	c->failed = xrealloc(c->failed, rules->nr);
	memset(c->code + old, 0, (rules->nr - old) * sizeof(*c->code));
	memset(c->failed + old, 0, rules->nr - old);
	c->nr = rules->nr;
}

/* The rule anchored at the end: Hyperscan told us where it ends. */
static pcre2_code *
confirm_code(struct confirmer *c, size_t rule)
{
	if (c->code[rule] || c->failed[rule])
		return c->code[rule];
	struct buf pat = BUF_INIT;
	int errcode;
	PCRE2_SIZE erroff;

	buf_printf(&pat, "(?:%s)\\z", c->rules->rules[rule].regex);
	c->code[rule] = pcre2_compile((PCRE2_SPTR)pat.ptr, pat.len, 0,
				      &errcode, &erroff, NULL);
	buf_release(&pat);
	if (c->code[rule] == NULL) {
		c->failed[rule] = 1;
		return NULL;
	}
	return c->code[rule];
}

/*
 * Find the secret of a match of rule ending at end. Returns 1 and the
 * span when PCRE2 agrees with Hyperscan, 0 when it does not (the caller
 * still reports the match: a disagreement must not hide a secret).
 */
static int
confirm(struct confirmer *c, size_t rule, const struct added *a, size_t end,
	size_t *s_start, size_t *s_end)
{
	pcre2_code *code = confirm_code(c, rule);
	uint32_t width = c->max_width ? c->max_width[rule] :
		c->db->max_width[rule];
	size_t from;
	uint32_t ncap = 0;
	int rc;

	if (width == UINT32_MAX)
		width = UNBOUNDED_WINDOW;
	from = end > width ? end - width : 0;
	if (code == NULL)
		return 0;
	if (c->md == NULL)
		c->md = pcre2_match_data_create(16, NULL);
	if (c->md == NULL)
		return 0;
	/*
	 * The subject ends at the match end; lookbehind such as \b may
	 * still see bytes before from, as PCRE2 allows.
	 */
	rc = pcre2_match(code, (PCRE2_SPTR)a->data, end, from, 0, c->md,
			 NULL);
	if (rc < 0)
		return 0;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);
	pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &ncap);
	if (ncap >= 1 && rc >= 2 && ov[2] != PCRE2_UNSET && ov[3] > ov[2]) {
		*s_start = ov[2];
		*s_end = ov[3];
	} else {
		*s_start = ov[0];
		*s_end = ov[1];
	}
	return *s_end > *s_start;
}

void
finding_fingerprint(char out[LS_FINGERPRINT_LEN + 1],
		    const unsigned char key[LS_KEY_LEN], const char *rule_id,
		    const char *secret, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	struct hmac_sha256_ctx ctx;
	uint8_t digest[SHA256_DIGEST_SIZE];

	hmac_sha256_set_key(&ctx, LS_KEY_LEN, key);
	hmac_sha256_update(&ctx, strlen(rule_id) + 1,
			   (const uint8_t *)rule_id);
	hmac_sha256_update(&ctx, len, (const uint8_t *)secret);
	hmac_sha256_digest(&ctx, sizeof(digest), digest);
	for (int i = 0; i < LS_FINGERPRINT_LEN / 2; i++) {
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 15];
	}
	out[LS_FINGERPRINT_LEN] = '\0';
	wipe(&ctx, sizeof(ctx));
	wipe(digest, sizeof(digest));
}

/* Show at most 4 bytes and at most a quarter of the secret. */
static char *
redact(const char *secret, size_t len)
{
	size_t n = len / 4;

	if (n > 4)
		n = 4;
	return xstrndup(secret, n);
}

/* The finding of rule whose secret starts at secret, or NULL. */
static struct finding *
same_start(struct finding_list *out, size_t from, size_t rule,
	   const char *secret)
{
	for (size_t i = from; i < out->nr; i++)
		if (out->items[i].rule == rule && out->items[i].secret == secret)
			return &out->items[i];
	return NULL;
}

static void
set_secret(struct finding *f, const struct rule *r, const char *secret,
	   size_t len, const unsigned char key[LS_KEY_LEN])
{
	free(f->redacted);
	f->secret = secret;
	f->secret_len = len;
	f->redacted = redact(secret, len);
	finding_fingerprint(f->fingerprint, key, r->id, secret, len);
}

int
finding_collect(struct finding_list *out, struct confirmer *c,
		const struct raw_matches *raw, const struct added *a,
		const char *path, const unsigned char key[LS_KEY_LEN],
		struct ls_err *err)
{
	size_t first = out->nr;

	(void)err;
	for (size_t i = 0; i < raw->nr; i++) {
		size_t rule = raw->items[i].rule, end = raw->items[i].end;
		size_t s, e;
		int ok;

		if (rule >= c->rules->nr || end > a->len)
			continue;
		ok = confirm(c, rule, a, end, &s, &e);
		if (!ok) {
			/* Report the tail of the match on its line. */
			size_t ls = lines_line_start(a, end ? end - 1 : 0);
			s = end - ls > 40 ? end - 40 : ls;
			e = end;
			if (e == s)
				continue;
		}
		/*
		 * An optional tail (`-2`, `.01.abc`) or a multi-line body
		 * gives several ends for one start: keep the longest.
		 */
		struct finding *f = same_start(out, first, rule, a->data + s);
		if (f != NULL) {
			if (e - s > f->secret_len)
				set_secret(f, &c->rules->rules[rule],
					   a->data + s, e - s, key);
			continue;
		}
		LS_GROW(out->items, out->nr + 1, out->alloc);
		f = &out->items[out->nr++];
		memset(f, 0, sizeof(*f));
		f->rule = rule;
		f->path = xstrdup(path);
		lines_locate(a, s, &f->line, &f->col);
		f->confirmed = ok;
		set_secret(f, &c->rules->rules[rule], a->data + s, e - s, key);
	}
	return 0;
}

void
finding_known_hash(unsigned char out[32], const unsigned char key[LS_KEY_LEN],
		   const char *s, size_t len)
{
	struct hmac_sha256_ctx ctx;

	hmac_sha256_set_key(&ctx, LS_KEY_LEN, key);
	hmac_sha256_update(&ctx, 6, (const uint8_t *)"known");
	hmac_sha256_update(&ctx, len, (const uint8_t *)s);
	hmac_sha256_digest(&ctx, 32, out);
	wipe(&ctx, sizeof(ctx));
}

static int
cmp_hash(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static void
known_candidate(struct finding_list *out, size_t first, size_t rule,
		const struct rule *r, const struct added *a, const char *path,
		size_t s, size_t e, const unsigned char (*known)[32],
		size_t nr_known, const unsigned char key[LS_KEY_LEN])
{
	unsigned char h[32];
	struct finding *f;

	if (e - s < 16 || e - s > 512)
		return;
	finding_known_hash(h, key, a->data + s, e - s);
	if (bsearch(h, known, nr_known, 32, cmp_hash) == NULL)
		return;
	if (same_start(out, first, rule, a->data + s))
		return;
	LS_GROW(out->items, out->nr + 1, out->alloc);
	f = &out->items[out->nr++];
	memset(f, 0, sizeof(*f));
	f->rule = rule;
	f->path = xstrdup(path);
	f->confirmed = 1;
	lines_locate(a, s, &f->line, &f->col);
	set_secret(f, r, a->data + s, e - s, key);
}

void
finding_known(struct finding_list *out, size_t rule, const struct rule *r,
	      const struct added *a, const char *path,
	      const unsigned char (*known)[32], size_t nr_known,
	      const unsigned char key[LS_KEY_LEN])
{
	const char *d = a->data;
	size_t first = out->nr, n = a->len;

	if (nr_known == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		char c = d[i];
		size_t j;

		if (c == '"' || c == '\'' || c == '`') {
			for (j = i + 1; j < n && d[j] != c && d[j] != '\n' &&
			     j - i <= 513; j++)
				;
			if (j < n && d[j] == c)
				known_candidate(out, first, rule, r, a, path,
						i + 1, j, known, nr_known, key);
		} else if (c == '=' || c == ':') {
			j = i + 1;
			while (j < n && d[j] == ' ')
				j++;
			size_t s = j;
			while (j < n && !strchr(" \t\r\n\"'`;,", d[j]) &&
			       j - s <= 513)
				j++;
			known_candidate(out, first, rule, r, a, path, s, j,
					known, nr_known, key);
		}
	}
}

void
finding_forget_secrets(struct finding_list *list, size_t from)
{
	for (size_t i = from; i < list->nr; i++)
		list->items[i].secret = NULL;
}

static void
finding_release(struct finding *f)
{
	free(f->path);
	free(f->redacted);
	free(f->commit);
	free(f->subject);
}

static void
close_gap(struct finding_list *list, size_t i)
{
	memmove(&list->items[i], &list->items[i + 1],
		(list->nr - i - 1) * sizeof(*list->items));
	list->nr--;
}

void
finding_remove(struct finding_list *list, size_t i)
{
	finding_release(&list->items[i]);
	close_gap(list, i);
}

void
finding_move(struct finding_list *to, struct finding_list *from, size_t i)
{
	LS_GROW(to->items, to->nr + 1, to->alloc);
	to->items[to->nr++] = from->items[i];
	close_gap(from, i);
}

void
finding_list_release(struct finding_list *list)
{
	for (size_t i = 0; i < list->nr; i++)
		finding_release(&list->items[i]);
	free(list->items);
	memset(list, 0, sizeof(*list));
}

int
finding_key_load(unsigned char key[LS_KEY_LEN], const char *dir,
		 struct ls_err *err)
{
	struct buf path = BUF_INIT, b = BUF_INIT;
	int ret = 0;

	memset(key, 0, LS_KEY_LEN);
	if (dir == NULL)
		return 0;
	buf_printf(&path, "%s/key", dir);
	if (access(path.ptr, F_OK) == 0) {
		ret = read_file(&b, path.ptr, err);
		if (ret == 0 && b.len != LS_KEY_LEN)
			ret = ls_err_set(err, LS_EPARSE, "'%s' is not a "
					 "%d-byte key", path.ptr, LS_KEY_LEN);
		if (ret == 0)
			memcpy(key, b.ptr, LS_KEY_LEN);
		goto out;
	}
	if (getrandom(key, LS_KEY_LEN, 0) != LS_KEY_LEN) {
		ret = ls_err_set(err, LS_EIO, "cannot get random bytes: %s",
				 strerror(errno));
		goto out;
	}
	ret = mkdir_p(dir, 0700, err);
	if (ret == 0)
		ret = write_file_atomic(path.ptr, key, LS_KEY_LEN, 0600, err);
out:
	buf_release(&b);
	buf_release(&path);
	return ret;
}
