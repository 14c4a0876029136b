/*
 * fuzz_pack.c - bytes as pack entries through pack_plan_build and
 * pack_read_task
 *
 * Input: byte 0 picks the task size (1-8) and max_size (bit 3: 64 bytes,
 * else no limit); byte 1 the number of objects n (1-32); then n offsets
 * (2 bytes each, little-endian) into the body; the rest is the body. The
 * target puts a version-2 pack header before the body and 20 zero bytes
 * after it. Offsets are taken modulo the body's length, sorted and made
 * unique, and each object's CRC is computed here over its entry, as an
 * index would hold it, so that the reader parses every entry (CRC
 * failures are tested in tests/unit/test_pack.c).
 *
 * Invariants: every entry passes its CRC check; a delta's base is an
 * object before it; every blob of the plan is handed out exactly once
 * over its tasks (read, too big, or refused) and nothing else is; a blob
 * read has at most max_size bytes, all of them readable.
 */
#include <string.h>
#include <zlib.h>

#include "fuzz.h"
#include "pack.h"

struct seen {
	const struct pack_plan *plan;
	size_t max_size;
	unsigned char *times;
	unsigned sum;		/* touches every byte read */
};

static int
on_blob(size_t index, int result, const unsigned char *data, size_t size,
	void *payload)
{
	struct seen *s = payload;

	FUZZ_CHECK(index < s->plan->nr, "index %zu of %zu", index,
		   s->plan->nr);
	FUZZ_CHECK(s->plan->kind[index] == PACK_BLOB, "object %zu is kind %d",
		   index, s->plan->kind[index]);
	FUZZ_CHECK(s->times[index] == 0, "object %zu handed out twice", index);
	s->times[index]++;
	if (result == 0) {
		FUZZ_CHECK(size <= s->max_size && data != NULL,
			   "blob of %zu bytes read", size);
		for (size_t i = 0; i < size; i++)
			s->sum += data[i];
	} else {
		FUZZ_CHECK(result == PACK_TOO_BIG || result == LS_EPARSE,
			   "result %d", result);
		FUZZ_CHECK(result != PACK_TOO_BIG || size > s->max_size,
			   "too big at %zu bytes", size);
	}
	return 0;
}

static int
cmp_off(const void *a, const void *b)
{
	const struct pack_object *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char head[12] = "PACK\0\0\0\2\0\0\0\0";
	struct pack_object objs[32];
	struct ls_err err = { 0, "" };
	struct pack_plan plan;
	struct pack *p = NULL;
	struct seen s;
	size_t n, nr = 0, body, len;
	unsigned char *file;

	if (size < 2)
		return 0;
	n = (size_t)data[1] % 32 + 1;
	if (size < 2 + 2 * n + 1)
		return 0;
	body = size - 2 - 2 * n;
	len = sizeof(head) + body + 20;
	file = malloc(len);
	FUZZ_CHECK(file != NULL, "out of memory");
	memcpy(file, head, sizeof(head));
	memcpy(file + sizeof(head), data + 2 + 2 * n, body);
	memset(file + sizeof(head) + body, 0, 20);
	for (size_t i = 0; i < n; i++) {
		size_t at = ((size_t)data[2 + 2 * i] |
			     (size_t)data[3 + 2 * i] << 8) % body;
		memset(&objs[nr], 0, sizeof(objs[nr]));
		objs[nr].off = sizeof(head) + at;
		nr++;
	}
	qsort(objs, nr, sizeof(*objs), cmp_off);
	{
		size_t k = 0;
		for (size_t i = 0; i < nr; i++)
			if (k == 0 || objs[i].off != objs[k - 1].off)
				objs[k++] = objs[i];
		nr = k;
	}
	for (size_t i = 0; i < nr; i++) {
		uint64_t end = i + 1 < nr ? objs[i + 1].off : len - 20;
		objs[i].crc = (uint32_t)crc32_z(0, file + objs[i].off,
						(size_t)(end - objs[i].off));
		objs[i].id.id[0] = (unsigned char)i;
	}
	FUZZ_CHECK(pack_open_memory(&p, file, len, &err) == 0, "%s", err.msg);
	pack_plan_build(&plan, p, objs, nr, (size_t)(data[0] & 7) + 1);
	memset(&s, 0, sizeof(s));
	s.plan = &plan;
	s.max_size = data[0] & 8 ? 64 : SIZE_MAX;
	s.times = calloc(nr, 1);
	FUZZ_CHECK(s.times != NULL, "out of memory");
	FUZZ_CHECK(pack_check(p, objs, nr, 0, nr) == PACK_NONE,
		   "an entry fails its CRC");
	for (size_t i = 0; i < nr; i++)
		FUZZ_CHECK(plan.up[i] == PACK_NONE || plan.up[i] < i,
			   "object %zu on base %u", i, plan.up[i]);
	for (size_t t = 0; t < plan.nr_tasks; t++)
		FUZZ_CHECK(pack_read_task(p, objs, &plan, t, s.max_size,
					  on_blob, &s) == 0,
			   "task %zu failed", t);
	for (size_t i = 0; i < nr; i++)
		FUZZ_CHECK(s.times[i] == (plan.kind[i] == PACK_BLOB),
			   "object %zu (kind %d) handed out %u times", i,
			   plan.kind[i], s.times[i]);
	free(s.times);
	pack_plan_release(&plan);
	pack_free(p);
	free(file);
	return 0;
}
