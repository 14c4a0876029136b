/*
 * test_pack.c - the pack reader against libgit2, on packs git wrote
 *
 * A repository is made with git (80 commits: a text file edited a line at
 * a time, a 190 KB file, binary and empty files, trees), packed by
 * `git gc --aggressive`. Every blob the reader hands out must be the
 * bytes libgit2 reads for that id, each blob exactly once, never a
 * commit or tree. Then the same on damaged copies of the pack: a blob
 * may be refused, never handed out wrong.
 */
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "fixture.h"
#include "harness.h"
#include "pack.h"

static char dir[4096];

static int
sh(const char *script)
{
	static char cmd[16384];

	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && export HOME='%s' GIT_CONFIG_NOSYSTEM=1 "
		 "GIT_AUTHOR_NAME=T GIT_AUTHOR_EMAIL=t@example.invalid "
		 "GIT_COMMITTER_NAME=T GIT_COMMITTER_EMAIL=t@example.invalid "
		 "&& (%s) >/dev/null 2>&1",
		 dir, dir, script);
	return system(cmd);
}

static const char make_repo[] =
	"git init -q r && cd r && "
	"i=0; while [ $i -lt 400 ]; do "
	"  echo \"line $i of the file, with words to fill it up a bit\"; "
	"  i=$((i+1)); done >f.txt && "
	"seq 1 30000 | sed 's/^/big line /' >big.txt && "
	"c=0; while [ $c -lt 80 ]; do "
	"  sed -i \"$((c*5+3))s/.*/edit $c/\" f.txt && "
	"  [ $((c % 7)) -ne 0 ] || echo \"tail $c\" >>big.txt; "
	"  printf 'bin\\000%d\\377\\n' $c >bin.dat && : >empty.txt && "
	"  mkdir -p d/$((c % 4)) && echo $c >d/$((c % 4))/n.txt && "
	"  git add -A && git commit -q -m c$c && c=$((c+1)); "
	"done && git gc -q --aggressive";

struct seen {
	git_odb *odb;
	const struct pack_object *objs;
	size_t nr;
	int *times;		/* each object handed out */
	int *result;
	size_t wrong;		/* bytes unlike libgit2's */
	size_t refused;
};

static int
on_blob(size_t index, int result, const unsigned char *data, size_t size,
	void *payload)
{
	struct seen *s = payload;
	git_odb_object *obj = NULL;

	if (index >= s->nr) {
		s->wrong++;
		return 0;
	}
	s->times[index]++;
	s->result[index] = result;
	if (result < 0) {
		s->refused++;
		return 0;
	}
	if (git_odb_read(&obj, s->odb, &s->objs[index].id) < 0 ||
	    git_odb_object_type(obj) != GIT_OBJECT_BLOB ||
	    git_odb_object_size(obj) != size ||
	    (result == 0 &&
	     memcmp(git_odb_object_data(obj), data, size) != 0) ||
	    (result == PACK_TOO_BIG && data != NULL))
		s->wrong++;
	git_odb_object_free(obj);
	return 0;
}

/* The repository's one pack, its objects sorted by offset. */
static struct pack *
open_pack(struct pack_object **v, size_t *nr, size_t *alloc)
{
	char path[4200];
	struct pack *p = NULL;
	struct ls_err err = { 0, "" };
	FILE *f;

	snprintf(path, sizeof(path),
		 "cd '%s/r/.git/objects/pack' && ls *.idx", dir);
	f = popen(path, "r");
	if (f == NULL)
		return NULL;
	{
		char name[256];
		int n = snprintf(path, sizeof(path), "%s/r/.git/objects/pack/",
				 dir);
		if (fgets(name, sizeof(name), f) == NULL) {
			pclose(f);
			return NULL;
		}
		name[strcspn(name, "\n")] = '\0';
		snprintf(path + n, sizeof(path) - (size_t)n, "%s", name);
	}
	pclose(f);
	*v = NULL;
	*nr = 0;
	*alloc = 0;
	if (pack_open_indexed(&p, path, 7, v, nr, alloc, &err) < 0) {
		printf("# %s\n", err.msg);
		return NULL;
	}
	for (size_t i = 1; i < *nr; i++)
		if ((*v)[i - 1].off >= (*v)[i].off) {
			printf("# objects %zu and %zu out of pack order\n",
			       i - 1, i);
			pack_free(p);
			return NULL;
		}
	return p;
}

/* Read every task of a plan of p; 0, or the first callback error. */
static int
read_all(struct pack *p, const struct pack_object *objs, size_t nr,
	 size_t task_size, size_t max_size, git_odb *odb, struct seen *s,
	 struct pack_plan *plan)
{
	int ret = 0;

	memset(s, 0, sizeof(*s));
	s->odb = odb;
	s->objs = objs;
	s->nr = nr;
	s->times = calloc(nr + 1, sizeof(int));
	s->result = calloc(nr + 1, sizeof(int));
	pack_plan_build(plan, p, objs, nr, task_size);
	for (size_t t = 0; ret == 0 && t < plan->nr_tasks; t++)
		ret = pack_read_task(p, objs, plan, t, max_size, on_blob, s);
	return ret;
}

static void
seen_release(struct seen *s, struct pack_plan *plan)
{
	free(s->times);
	free(s->result);
	pack_plan_release(plan);
}

/* Each blob once, never anything else; how many blobs, and big ones. */
static int
each_blob_once(const struct seen *s, const struct pack_plan *plan,
	       size_t *blobs, size_t *big, size_t max_size)
{
	int ok = 1;

	*blobs = *big = 0;
	for (size_t i = 0; i < s->nr; i++) {
		git_object_t type;
		size_t size;
		if (git_odb_read_header(&size, &type, s->odb,
					&s->objs[i].id) < 0)
			return 0;
		if (type == GIT_OBJECT_BLOB) {
			if (plan->kind[i] == PACK_LIBGIT2)
				continue;	/* the caller reads it */
			ok &= plan->kind[i] == PACK_BLOB && s->times[i] == 1;
			(*blobs)++;
			if (size > max_size) {
				ok &= s->result[i] == PACK_TOO_BIG;
				(*big)++;
			}
		} else {
			ok &= s->times[i] == 0 && plan->kind[i] != PACK_BLOB;
		}
	}
	return ok;
}

static void
test_whole_pack(git_odb *odb)
{
	struct pack_object *objs;
	struct pack_plan plan;
	struct seen s;
	size_t nr, alloc, blobs = 0, big = 0, tasks_one = 0;
	struct pack *p = open_pack(&objs, &nr, &alloc);
	static const size_t sizes[] = { 256, 4, 1 };

	if (!CHECK(p != NULL, "git's pack opens with its index, objects in "
		   "pack order"))
		return;
	CHECK(nr > 300 && objs[0].pack == 7, "its %zu objects are listed", nr);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(*sizes); k++) {
		int r = read_all(p, objs, nr, sizes[k], SIZE_MAX, odb, &s,
				 &plan);
		size_t deltas = 0, libgit2 = 0;
		for (size_t i = 0; i < nr; i++) {
			deltas += plan.up[i] != PACK_NONE;
			libgit2 += plan.kind[i] == PACK_LIBGIT2;
		}
		int once = each_blob_once(&s, &plan, &blobs, &big, SIZE_MAX);
		CHECK(r == 0 && s.wrong == 0 && s.refused == 0,
		      "tasks of %zu: every blob is libgit2's bytes", sizes[k]);
		CHECK(once && libgit2 == 0 && blobs > 200,
		      "tasks of %zu: each of %zu blobs once, nothing else",
		      sizes[k], blobs);
		CHECK(deltas > 60, "tasks of %zu: %zu blobs are deltas",
		      sizes[k], deltas);
		if (k == 0)
			tasks_one = plan.nr_tasks;
		else
			CHECK(plan.nr_tasks > tasks_one,
			      "tasks of %zu cut the delta trees: %zu tasks",
			      sizes[k], plan.nr_tasks);
		for (size_t t = 1; t < plan.nr_tasks; t++)
			if (plan.task_size[t] > plan.task_size[t - 1]) {
				CHECK(0, "tasks of %zu come largest first",
				      sizes[k]);
				break;
			}
		seen_release(&s, &plan);
	}
	/* Over max_size: the size, not the bytes; those under it still read. */
	read_all(p, objs, nr, 256, 1000, odb, &s, &plan);
	{
		int once = each_blob_once(&s, &plan, &blobs, &big, 1000);
		CHECK(s.wrong == 0 && s.refused == 0 && once && big > 80 &&
			      big < blobs,
		      "max_size 1000: %zu of %zu blobs come as too big, with "
		      "sizes", big, blobs);
	}
	seen_release(&s, &plan);
	/* Bases over the memory bound: what is below them is refused. */
	pack_limit_kept(p, 4096);
	read_all(p, objs, nr, 256, SIZE_MAX, odb, &s, &plan);
	{
		int once = each_blob_once(&s, &plan, &blobs, &big, SIZE_MAX);
		CHECK(s.wrong == 0 && once && s.refused > 20 &&
			      s.refused < blobs,
		      "4 KiB of bases kept: %zu of %zu blobs refused, for "
		      "libgit2", s.refused, blobs);
	}
	seen_release(&s, &plan);
	pack_free(p);
	pack_objects_free(objs, alloc);
}

static void
test_ref_deltas(git_odb *odb)
{
	struct pack_object *objs;
	struct pack_plan plan;
	struct seen s;
	size_t nr, alloc, libgit2 = 0, blobs = 0, big = 0;
	struct pack *p;

	/* git can still write deltas that name their base by id */
	sh("cd r && git -c repack.useDeltaBaseOffset=false repack -adfq");
	p = open_pack(&objs, &nr, &alloc);
	if (!CHECK(p != NULL, "a pack of ref deltas opens"))
		return;
	read_all(p, objs, nr, 256, SIZE_MAX, odb, &s, &plan);
	for (size_t i = 0; i < nr; i++)
		libgit2 += plan.kind[i] == PACK_LIBGIT2;
	int once = each_blob_once(&s, &plan, &blobs, &big, SIZE_MAX);
	CHECK(libgit2 > 60 && s.wrong == 0 && s.refused == 0 && once &&
		      blobs > 0,
	      "ref deltas: %zu objects left to libgit2, %zu whole blobs read",
	      libgit2, blobs);
	seen_release(&s, &plan);
	pack_free(p);
	pack_objects_free(objs, alloc);
	sh("cd r && git repack -adfq");
}

/*
 * Damage: flip one bit at each of 240 places in a copy of the pack. The
 * entry holding it fails its CRC, each time: the blob pass stops there,
 * before reading. Read anyway, the damaged pack still hands out each blob
 * of its plan once and nothing else (ASan watches the reading); what the
 * bytes are is the CRC's to vouch for, since a flipped type can make a
 * tree look like a blob.
 */
static void
test_damage(git_odb *odb)
{
	struct pack_object *objs;
	size_t nr, alloc, len, odd = 0, caught = 0, tried = 0;
	struct pack *p = open_pack(&objs, &nr, &alloc);
	char path[4200];
	unsigned char *copy;
	FILE *f;

	if (!CHECK(p != NULL, "the repacked pack opens"))
		return;
	pack_free(p);
	snprintf(path, sizeof(path),
		 "cat '%s'/r/.git/objects/pack/*.pack", dir);
	f = popen(path, "r");
	copy = malloc(8 << 20);
	len = f ? fread(copy, 1, 8 << 20, f) : 0;
	if (f)
		pclose(f);
	for (unsigned k = 0; k < 240 && len > 64; k++) {
		struct ls_err err = { 0, "" };
		struct pack_plan plan;
		struct seen s;
		size_t at = 12 + (size_t)k * 7919 % (len - 32);
		unsigned char was = copy[at];

		copy[at] ^= (unsigned char)(1u << (k % 8));
		if (pack_open_memory(&p, copy, len, &err) == 0) {
			uint32_t bad = pack_check(p, objs, nr, 0, nr);
			uint32_t in_2nd = pack_check(p, objs, nr, bad + 1, nr);
			read_all(p, objs, nr, 256, SIZE_MAX, odb, &s, &plan);
			for (size_t i = 0; i < nr; i++)
				odd += s.times[i] !=
				       (plan.kind[i] == PACK_BLOB);
			/* the entry holding the flipped bit, and no other */
			caught += bad != PACK_NONE && objs[bad].off <= at &&
				  (bad + 1 == nr || objs[bad + 1].off > at) &&
				  in_2nd == PACK_NONE &&
				  pack_check(p, objs, nr, 0, bad) == PACK_NONE;
			tried++;
			seen_release(&s, &plan);
			pack_free(p);
		}
		copy[at] = was;
	}
	CHECK(tried == 240 && caught == tried,
	      "%zu of %zu damaged entries fail their CRC", caught, tried);
	CHECK(odd == 0, "240 damaged packs read anyway: each blob of the "
	      "plan handed out once, nothing else");
	if (len > 64 && pack_open_memory(&p, copy, len, NULL) == 0) {
		CHECK(pack_check(p, objs, nr, 0, nr) == PACK_NONE,
		      "the undamaged copy passes its check");
		pack_free(p);
	}
	{
		struct ls_err err = { 0, "" };
		CHECK(pack_open_memory(&p, "PACK\0\0\0\4", 8, &err) < 0 &&
			      strstr(err.msg, "not a pack") != NULL,
		      "a short file is not a pack: %s", err.msg);
		ls_err_clear(&err);
		memcpy(copy + 4, "\0\0\0\5", 4);
		CHECK(pack_open_memory(&p, copy, len, &err) < 0 &&
			      strstr(err.msg, "pack version 5") != NULL,
		      "pack version 5 is refused: %s", err.msg);
	}
	free(copy);
	pack_objects_free(objs, alloc);
}

int
main(void)
{
	git_repository *repo = NULL;
	git_odb *odb = NULL;
	char path[4200];

	git_libgit2_init();
	if (!CHECK(fixture_tmpdir(dir, sizeof(dir)) == 0, "temporary folder") ||
	    !CHECK(sh(make_repo) == 0, "git makes and packs a repository"))
		return harness_done();
	snprintf(path, sizeof(path), "%s/r", dir);
	if (CHECK(git_repository_open(&repo, path) == 0 &&
			  git_repository_odb(&odb, repo) == 0,
		  "libgit2 opens it")) {
		test_whole_pack(odb);
		test_damage(odb);
		test_ref_deltas(odb);
	}
	git_odb_free(odb);
	git_repository_free(repo);
	git_libgit2_shutdown();
	fixture_rmtree(dir);
	return harness_done();
}
