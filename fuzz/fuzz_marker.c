/*
 * fuzz_marker.c - the inline-allow markers: filter_line_has_marker, and
 * filter_apply's leakstop:allow handling over a whole file
 *
 * Input: byte 0 sets the secret's length (and the marker for part A),
 * bytes 1-2 its offset (little-endian, modulo the file), the rest is
 * the file, scanned whole. One finding of a one-rule set (no validator,
 * no entropy floor) is put at that offset and filtered under the
 * default policy (inline markers on).
 *
 * Invariants, from filter.h's contract rather than filter.c's code:
 * A: filter_line_has_marker says 1 exactly when the marker occurs, not
 *    followed by '-' or an alphanumeric, and not overlapping the skipped
 *    span;
 * B: the finding is dropped exactly when it reads as a placeholder, or
 *    its line has "leakstop:allow" outside the secret, or the line
 *    before has "leakstop:allow-next-line", or it sits after a line with
 *    "leakstop:allow-begin" and no "leakstop:allow-end" since (lines
 *    with both markers are left undecided); lines are split at '\n',
 *    less one '\r'.
 */
#include <string.h>

#include "config.h"
#include "filter.h"
#include "finding.h"
#include "fuzz.h"
#include "lines.h"
#include "rules.h"

static const char *const markers[] = {
	"leakstop:allow", "leakstop:allow-next-line", "leakstop:allow-begin",
	"leakstop:allow-end"
};

static const unsigned char zero_key[LS_KEY_LEN];
static struct rule_set rules;
static struct policy policy;
static struct filter *flt;

static void
cleanup(void)
{
	filter_free(flt);
	policy_release(&policy);
	rules_release(&rules);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char text[] = "[t]\ndescription = t\nregex = x\n";
	struct ls_err err = { 0, "" };

	(void)argc;
	(void)argv;
	rules_init(&rules);
	policy_init(&policy);
	if (rules_add_text(&rules, "t.ini", text, sizeof(text) - 1, &err) < 0 ||
	    rules_finish(&rules, &err) < 0 ||
	    filter_new(&flt, &policy, &err) < 0) {
		fprintf(stderr, "fuzz_marker: %s\n", err.msg);
		abort();
	}
	atexit(cleanup);
	return 0;
}

/* The marker at line[i], not followed by '-' or an alphanumeric? */
static int
marker_at(const char *line, size_t len, size_t i, const char *m)
{
	size_t n = strlen(m);
	char c;

	if (i + n > len || memcmp(line + i, m, n))
		return 0;
	if (i + n == len)
		return 1;
	c = line[i + n];
	return !(c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		 (c >= 'A' && c <= 'Z'));
}

/* Some marker m in line, outside [skip, skip + skip_len) (no overflow). */
static int
has_marker(const char *line, size_t len, const char *m, size_t skip,
	   size_t skip_len)
{
	size_t n = strlen(m);

	for (size_t i = 0; i < len; i++) {
		if (!marker_at(line, len, i, m))
			continue;
		int before = i + n <= skip;
		int after = skip_len <= SIZE_MAX - skip ? i >= skip + skip_len
			: 0;
		if (before || after)
			return 1;
	}
	return 0;
}

static void
part_a(const char *line, size_t len, unsigned b0, size_t skip)
{
	const char *m = markers[b0 % 4];
	size_t skip_len = b0 / 4;

	int got = filter_line_has_marker(line, len, m, skip, skip_len);
	int want = has_marker(line, len, m, skip, skip_len);
	FUZZ_CHECK(got == want, "marker '%s', skip %zu+%zu: got %d, want %d",
		   m, skip, skip_len, got, want);
}

/* Line number n (1-based) of the file: start and length less "\r". */
static int
nth_line(const char *p, size_t len, size_t n, const char **line,
	 size_t *llen)
{
	const char *end = p + len;

	for (size_t k = 1; k < n; k++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return 0;
		p = nl + 1;
	}
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	*line = p;
	*llen = (size_t)((nl ? nl : end) - p);
	if (*llen && p[*llen - 1] == '\r')
		(*llen)--;
	return 1;
}

static void
part_b(const char *file, size_t len, unsigned b0, size_t off)
{
	struct finding_list list = { NULL, 0, 0 };
	struct added a;
	struct finding *f;
	size_t slen, lineno, col, llen;
	const char *line;
	int want, undecided = 0;

	if (len == 0)
		return;
	off %= len;
	slen = 1 + b0 % (len - off);
	lines_whole(&a, file, len);
	LS_GROW(list.items, 1, list.alloc);
	f = &list.items[list.nr++];
	memset(f, 0, sizeof(*f));
	f->rule = 0;
	f->path = xstrdup("f.txt");
	f->secret = file + off;
	f->secret_len = slen;
	f->redacted = xstrdup("");
	lines_locate(&a, off, &f->line, &f->col);
	lineno = f->line;
	col = f->col;
	finding_fingerprint(f->fingerprint, zero_key, "t", f->secret,
			    f->secret_len);

	/* The model. */
	want = filter_is_placeholder(file + off, slen);
	FUZZ_CHECK(nth_line(file, len, lineno, &line, &llen),
		   "no line %zu", lineno);
	if (has_marker(line, llen, markers[0], col - 1, slen))
		want = 1;
	if (lineno > 1 && nth_line(file, len, lineno - 1, &line, &llen) &&
	    has_marker(line, llen, markers[1], llen, 0))
		want = 1;
	/* One pass over the lines before it (the model stays linear). */
	int open = 0;
	const char *p = file, *end = file + len;
	for (size_t n = 1; n < lineno; n++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		FUZZ_CHECK(nl != NULL, "line %zu has no end", n);
		llen = (size_t)(nl - p);
		if (llen && p[llen - 1] == '\r')
			llen--;
		int b = has_marker(p, llen, markers[2], llen, 0);
		int e = has_marker(p, llen, markers[3], llen, 0);
		if (b && e)
			undecided = 1;
		if (b)
			open = 1;
		else if (e)
			open = 0;
		p = nl + 1;
	}
	if (open)
		want = 1;

	filter_apply(flt, &list, 0, &rules, &a);
	int dropped = list.nr == 0;
	FUZZ_CHECK(list.nr <= 1, "%zu findings", list.nr);
	if (!undecided || dropped == want)
		FUZZ_CHECK(dropped == want, "line %zu col %zu len %zu: "
			   "dropped %d, want %d", lineno, col, slen, dropped,
			   want);
	finding_list_release(&list);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	unsigned b0 = data[0];
	size_t off = (size_t)data[1] | (size_t)data[2] << 8;
	const char *rest = (const char *)data + 3;
	size_t len = size - 3;

	part_a(rest, len, b0, off);
	part_b(rest, len, b0, off);
	return 0;
}
