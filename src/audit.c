/*
 * audit.c - append-only override log
 */
#include "audit.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void
add_field(struct buf *b, const char *name, const char *value)
{
	buf_printf(b, " %s=\"", name);
	buf_add_escaped(b, value, strlen(value), 1);
	buf_addch(b, '"');
}

static void
add_head(struct buf *b, const struct audit_entry *e)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_addstr(b, when);
	add_field(b, "mode", e->mode);
	add_field(b, "user", e->user);
	add_field(b, "reason", e->reason);
}

static int append_lines(const char *dir, struct buf *b, struct ls_err *err);

int
audit_append_fingerprint(const char *dir, const struct audit_entry *e,
			 const char *fingerprint, struct ls_err *err)
{
	struct buf b = BUF_INIT;
	int ret;

	add_head(&b, e);
	add_field(&b, "rule", "-");
	add_field(&b, "location", "-");
	add_field(&b, "fingerprint", fingerprint);
	buf_addch(&b, '\n');
	ret = append_lines(dir, &b, err);
	buf_release(&b);
	return ret;
}

int
audit_append(const char *dir, const struct audit_entry *e,
	     const struct finding_list *list, const struct rule_set *rules,
	     struct ls_err *err)
{
	struct buf b = BUF_INIT;
	int ret;

	if (e->error) {
		add_head(&b, e);
		add_field(&b, "error", e->error);
		buf_addch(&b, '\n');
	}
	for (size_t i = 0; list && i < list->nr; i++) {
		const struct finding *f = &list->items[i];
		struct buf loc = BUF_INIT;

		add_head(&b, e);
		add_field(&b, "rule", rules->rules[f->rule].id);
		buf_printf(&loc, "%s:%zu", f->path, f->line);
		add_field(&b, "location", loc.ptr);
		add_field(&b, "fingerprint", f->fingerprint);
		buf_addch(&b, '\n');
		buf_release(&loc);
	}
	ret = append_lines(dir, &b, err);
	buf_release(&b);
	return ret;
}

/*
 * Cut the log back to size bytes (or remove it, when it was not there):
 * a line cut short by a full disk must not stay and read as a record.
 */
static void
undo_append(const char *path, off_t size)
{
	int fd;

	if (size < 0) {
		unlink(path);
		return;
	}
	fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	if (ftruncate(fd, size) < 0)
		ls_note("cannot cut '%s' back after a failed write", path);
	close(fd);
}

static int
append_lines(const char *dir, struct buf *b, struct ls_err *err)
{
	struct buf path = BUF_INIT;
	struct stat st;
	off_t size = -1;
	int ret;

	ret = mkdir_p(dir, 0700, err);
	if (ret == 0) {
		buf_printf(&path, "%s/audit.log", dir);
		if (lstat(path.ptr, &st) == 0)
			size = st.st_size;
		/* An override must leave its trace: written through to disk. */
		ret = append_file(path.ptr, b->ptr, b->len, 0600, 1, err);
		if (ret < 0 && (size < 0 || S_ISREG(st.st_mode)))
			undo_append(path.ptr, size);
	}
	buf_release(&path);
	return ret;
}
