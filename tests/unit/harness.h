/*
 * harness.h - the unit tests' harness, in the spirit of redis testhelp.h
 *
 * CHECK(cond, name...) prints "ok - <file>: <name>" or "not ok - ..."
 * followed by "# " lines naming the failed expression and its line. The
 * name is a printf format, so a table row can name itself. CHECK_STR and
 * CHECK_HAS also show the strings compared (both evaluated twice).
 * main() returns harness_done(): 1 when any check failed.
 */
#ifndef LS_HARNESS_H
#define LS_HARNESS_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static struct { int passed, failed; } harness;

static inline int harness_check(int ok, const char *expr, const char *file,
				int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static inline int
harness_check(int ok, const char *expr, const char *file, int line,
	      const char *fmt, ...)
{
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	va_list ap;

	printf("%sok - %.*s: ", ok ? "" : "not ", (int)strcspn(base, "."),
	       base);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!ok)
		printf("# %s:%d: failed: %s\n", file, line, expr);
	*(ok ? &harness.passed : &harness.failed) += 1;
	/* Notes on stderr must not land inside a line of ours. */
	fflush(stdout);
	return ok;
}

/* 1 when got equals want (part 0) or holds want (part 1); NULL: 0. */
static inline int
harness_str(const char *got, const char *want, int part)
{
	if (got == NULL || want == NULL)
		return 0;
	return part ? strstr(got, want) != NULL : strcmp(got, want) == 0;
}

/* Print "# got/want" when a comparison failed; NULL prints as (null). */
static inline void
harness_show(int ok, const char *what, const char *got, const char *want)
{
	if (!ok)
		printf("#   got:  '%s'\n#   %s '%s'\n", got ? got : "(null)",
		       what, want ? want : "(null)");
}

#define CHECK(cond, ...) \
	harness_check(!!(cond), #cond, __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_STR(got, want, ...) \
	harness_show(CHECK(harness_str((got), (want), 0), __VA_ARGS__), \
		     "want:", (got), (want))
#define CHECK_HAS(got, part, ...) \
	harness_show(CHECK(harness_str((got), (part), 1), __VA_ARGS__), \
		     "want part:", (got), (part))

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

/* file, line: main's, so the leak check is named after the test. */
static inline int
harness_finish(const char *file, int line)
{
	(void)file;
	(void)line;
#if defined(__SANITIZE_ADDRESS__)
	/* The runner does not look at exit codes: make a leak a failure. */
	harness_check(__lsan_do_recoverable_leak_check() == 0,
		      "__lsan_do_recoverable_leak_check() == 0", file, line,
		      "no memory leaked");
#endif
	printf("# %d passed, %d failed\n", harness.passed, harness.failed);
	return harness.failed ? 1 : 0;
}

#define harness_done() harness_finish(__FILE__, __LINE__)

#endif
