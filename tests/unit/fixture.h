/*
 * fixture.h - scratch directories for the unit tests that touch files
 *
 * fixture_tmpdir() makes a fresh directory under $TMPDIR (or /tmp);
 * fixture_rmtree() removes it with everything inside, never following a
 * symbolic link.
 */
#ifndef LS_FIXTURE_H
#define LS_FIXTURE_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Fill out (size n) with a new directory's path; 0, or -1 on failure. */
static inline int
fixture_tmpdir(char *out, size_t n)
{
	const char *tmp = getenv("TMPDIR");

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if ((size_t)snprintf(out, n, "%s/leakstop-unit.XXXXXX", tmp) >= n)
		return -1;
	return mkdtemp(out) ? 0 : -1;
}

static inline void
fixture_rmtree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;

	if (lstat(path, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	d = opendir(path);
	while (d && (e = readdir(d)) != NULL) {
		char sub[4096];
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
				     e->d_name) < sizeof(sub))
			fixture_rmtree(sub);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

/* Entries of dir other than "." and ".."; -1 when it cannot be read. */
static inline int
fixture_count(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

#endif
