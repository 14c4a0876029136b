/*
 * fuzz.h - what every fuzz target shares: the entry points and an
 * invariant check that aborts (libFuzzer and the standalone driver both
 * report an abort as a crash, with the input saved).
 */
#ifndef LS_FUZZ_H
#define LS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond, ...) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: invariant failed: %s: ", \
				__FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__); \
			fputc('\n', stderr); \
			abort(); \
		} \
	} while (0)

/* Lines in an INI text as inifile.c counts them: a last unended one too. */
static inline int
fuzz_count_lines(const uint8_t *data, size_t size)
{
	int n = 0;

	for (size_t i = 0; i < size; i++)
		if (data[i] == '\n')
			n++;
	if (size && data[size - 1] != '\n')
		n++;
	return n;
}

/*
 * The line number of a message that starts "<prefix>:<digits>:", or -1
 * (strict: no sign, no space, unlike sscanf's %d).
 */
static inline long
fuzz_msg_line(const char *msg, const char *prefix)
{
	size_t n = 0;
	long line = 0;

	while (prefix[n] && msg[n] == prefix[n])
		n++;
	if (prefix[n] != '\0' || msg[n] != ':')
		return -1;
	msg += n + 1;
	if (*msg < '0' || *msg > '9')
		return -1;
	for (; *msg >= '0' && *msg <= '9'; msg++) {
		line = line * 10 + (*msg - '0');
		if (line > 1000000000L)
			return -1;
	}
	return *msg == ':' ? line : -1;
}

#endif
