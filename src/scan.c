/*
 * scan.c - Hyperscan block scans
 */
#include "scan.h"

#include <limits.h>
#include <stdlib.h>

struct scanner {
	const struct db *db;
	hs_scratch_t *scratch;
};

int
scanner_new(struct scanner **out, struct db *db, struct ls_err *err)
{
	struct scanner *s = xcalloc(1, sizeof(*s));
	hs_error_t e = HS_SUCCESS;

	*out = NULL;
	s->db = db;
	/* Scratch is not cheap: once per process, never per file. */
	s->scratch = db_take_scratch(db);
	if (s->scratch == NULL)
		e = hs_alloc_scratch(db->hs, &s->scratch);
	if (e != HS_SUCCESS) {
		free(s);
		return ls_err_set(err, e == HS_DB_PLATFORM_ERROR ?
				  LS_EMISMATCH : LS_EHS,
				  "cannot allocate Hyperscan scratch space "
				  "(error %d)", e);
	}
	*out = s;
	return 0;
}

void
scanner_free(struct scanner *s)
{
	if (s == NULL)
		return;
	hs_free_scratch(s->scratch);
	free(s);
}

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to,
	 unsigned int flags, void *ctx)
{
	struct raw_matches *m = ctx;

	(void)from;
	(void)flags;
	LS_GROW(m->items, m->nr + 1, m->alloc);
	m->items[m->nr].rule = id;
	m->items[m->nr].end = (size_t)to;
	m->nr++;
	return 0;
}

static int
cmp_match(const void *a, const void *b)
{
	const struct raw_match *x = a, *y = b;

	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return 0;
}

int
scan_buffer(struct scanner *s, const char *data, size_t len,
	    struct raw_matches *out, struct ls_err *err)
{
	size_t first = out->nr, keep = first;
	hs_error_t e;

	/* hs_scan takes an unsigned int length. */
	if (len > UINT_MAX)
		return ls_err_set(err, LS_EIO, "buffer of %zu bytes is too "
				  "large to scan", len);
	if (len == 0)
		return 0;
	e = hs_scan(s->db->hs, data, (unsigned int)len, 0, s->scratch,
		    on_match, out);
	if (e != HS_SUCCESS)
		return ls_err_set(err, LS_EHS, "Hyperscan scan failed "
				  "(error %d)", e);
	if (out->nr - first < 1)
		return 0;
	qsort(out->items + first, out->nr - first, sizeof(*out->items),
	      cmp_match);
	for (size_t i = first; i < out->nr; i++) {
		const struct raw_match *m = &out->items[i];
		if (i + 1 < out->nr && out->items[i + 1].rule == m->rule &&
		    out->items[i + 1].end <= m->end + 1)
			continue;
		out->items[keep++] = *m;
	}
	out->nr = keep;
	return 0;
}

void
raw_matches_release(struct raw_matches *m)
{
	free(m->items);
	m->items = NULL;
	m->nr = m->alloc = 0;
}
