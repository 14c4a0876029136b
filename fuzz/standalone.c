/*
 * standalone.c - run a fuzz target over saved inputs, without libFuzzer
 *
 * Linked with one fuzz_<name>.c instead of libFuzzer's main (as
 * libgit2's fuzzers/standalone_driver.c), so the corpus in
 * tests/fuzz-corpus/<name>/ runs as a regression test under gcc:
 *
 *   fuzz_rules tests/fuzz-corpus/rules/...
 *
 * Arguments are files or directories (each regular file in it, one
 * level). An invariant that fails aborts, as under libFuzzer. An input
 * that runs longer than FUZZ_TIMEOUT seconds (default 10; 0: no limit)
 * fails too, as libFuzzer's -timeout: the saved inputs take
 * milliseconds each.
 */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Only the targets that need set-up define it. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static const char *current;
static unsigned timeout = 10;

static void
on_alarm(int sig)
{
	static const char msg[] = "standalone: timeout: input ran longer "
				  "than FUZZ_TIMEOUT seconds: ";

	(void)sig;
	/* Only async-signal-safe calls here. */
	if (write(2, msg, sizeof(msg) - 1) < 0 ||
	    write(2, current, strlen(current)) < 0 || write(2, "\n", 1) < 0)
		_exit(70);
	_exit(70);
}

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data = NULL;
	size_t len = 0, alloc = 0, n;

	if (f == NULL) {
		fprintf(stderr, "standalone: cannot open '%s'\n", path);
		return -1;
	}
	do {
		if (len == alloc) {
			alloc = alloc ? alloc * 2 : 4096;
			data = realloc(data, alloc);
			if (data == NULL) {
				fprintf(stderr, "standalone: out of memory\n");
				exit(2);
			}
		}
		n = fread(data + len, 1, alloc - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		fprintf(stderr, "standalone: cannot read '%s'\n", path);
		fclose(f);
		free(data);
		return -1;
	}
	fclose(f);
	/* An exact-size copy, so ASan sees reads past the end. */
	unsigned char *exact = malloc(len ? len : 1);
	if (exact == NULL) {
		fprintf(stderr, "standalone: out of memory\n");
		exit(2);
	}
	memcpy(exact, data, len);
	free(data);
	current = path;
	alarm(timeout);
	LLVMFuzzerTestOneInput(exact, len);
	alarm(0);
	free(exact);
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of dir, in name order; returns how many failed. */
static int
run_dir(const char *dir, int *nr_run)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t nr = 0, alloc = 0;
	int failed = 0;

	if (d == NULL) {
		fprintf(stderr, "standalone: cannot open '%s'\n", dir);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (nr == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			names = realloc(names, alloc * sizeof(*names));
			if (names == NULL)
				exit(2);
		}
		size_t n = strlen(dir) + strlen(de->d_name) + 2;
		names[nr] = malloc(n);
		if (names[nr] == NULL)
			exit(2);
		snprintf(names[nr], n, "%s/%s", dir, de->d_name);
		nr++;
	}
	closedir(d);
	qsort(names, nr, sizeof(*names), cmp_str);
	for (size_t i = 0; i < nr; i++) {
		struct stat st;
		if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(names[i]) < 0)
				failed++;
			else
				(*nr_run)++;
		}
		free(names[i]);
	}
	free(names);
	return failed;
}

int
main(int argc, char **argv)
{
	int failed = 0, nr_run = 0;

	if (getenv("FUZZ_TIMEOUT"))
		timeout = (unsigned)strtoul(getenv("FUZZ_TIMEOUT"), NULL, 10);
	signal(SIGALRM, on_alarm);
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 64;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			failed += run_dir(argv[i], &nr_run);
		} else if (run_file(argv[i]) < 0) {
			failed++;
		} else {
			nr_run++;
		}
	}
	printf("%s: %d inputs run, %d unreadable\n", argv[0], nr_run, failed);
	return failed ? 1 : 0;
}
