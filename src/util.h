/*
 * util.h - allocation wrappers, growable byte buffers and error records
 *
 * Every fallible function in leakstop returns 0 or a negative LS_E* code
 * and fills a struct ls_err that the caller owns.
 */
#ifndef LS_UTIL_H
#define LS_UTIL_H

#include <stddef.h>
#include <sys/stat.h>
#include <stdint.h>

enum {
	LS_OK = 0,
	LS_EIO = -1,		/* read or write failed */
	LS_EPARSE = -2,		/* bad config, rule or database */
	LS_ENOMEM = -3,		/* allocation failed */
	LS_EGIT = -4,		/* libgit2 reported an error */
	LS_EHS = -5,		/* Hyperscan reported an error */
	LS_EMISMATCH = -6,	/* database built for another version or CPU */
	LS_EUSAGE = -7,		/* bad command line */
	LS_ETOOBIG = -8		/* a file over the size limit */
};

#define LS_ERR_MSG 512

/* What every "cannot scan" and findings message offers as the way out. */
#define LS_OVERRIDE_HINT "LEAKSTOP_OVERRIDE=\"<reason>\" git commit ..."

/*
 * One error: the message already carries "file:line: " where it has one.
 * Only the first error set sticks, so the root cause is what gets printed.
 */
struct ls_err {
	int code;
	char msg[LS_ERR_MSG];
};

/* Set err (if not set yet) and return code. */
int ls_err_set(struct ls_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ls_err_clear(struct ls_err *err);

/* Allocation that never returns NULL: on failure it prints and exits 2. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);

/*
 * Big arrays: n zeroed bytes mapped with all their pages at once. On the
 * 2-vCPU VM of bench/perf, the first write to a page of malloc'd memory
 * cost about 12 us, against 4 us a page populated up front. xmap_grow()
 * grows such a mapping from old to n bytes (moving it if it must) and
 * populates the new part; xunmap() frees one, given its size (NULL is a
 * no-op). Out of memory exits, as xmalloc does.
 */
void *xmap(size_t n);
void *xmap_grow(void *p, size_t old, size_t n);
void xunmap(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Grow an array: *items, *alloc in elements; ensures room for need. */
#define LS_GROW(items, nr_need, alloc) \
	do { \
		if ((nr_need) > (alloc)) { \
			size_t ls_new_ = (alloc) ? (alloc) * 2 : 16; \
			while (ls_new_ < (nr_need)) \
				ls_new_ *= 2; \
			(items) = xrealloc((items), ls_new_ * sizeof(*(items))); \
			(alloc) = ls_new_; \
		} \
	} while (0)

/* A byte buffer; ptr is always NUL-terminated when len > 0 or after add. */
struct buf {
	char *ptr;
	size_t len;
	size_t alloc;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_add(struct buf *b, const void *data, size_t len);
void buf_addch(struct buf *b, char c);
void buf_addstr(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Forget the content but keep the memory (wiped first). */
void buf_reset(struct buf *b);
/* Wipe and free. */
void buf_release(struct buf *b);

/* Read a whole regular file; refuses symlinks. Returns 0 or LS_EIO. */
/*
 * Open path for reading, without following a last symbolic link, and
 * check it is a regular file (*st filled). Errors: LS_EIO, *fd -1.
 */
int open_regular(const char *path, int *fd, struct stat *st,
		 struct ls_err *err);

int read_file(struct buf *out, const char *path, struct ls_err *err);

/*
 * Write data to path atomically: a temporary file beside it, fsync,
 * rename. mode is the new file's permission bits.
 */
int write_file_atomic(const char *path, const void *data, size_t len,
		      int mode, struct ls_err *err);

/*
 * Append data to path (created with mode, never through a symbolic link)
 * in one write, so concurrent writers add whole lines; with sync, fsync
 * before closing.
 */
int append_file(const char *path, const void *data, size_t len, int mode,
		int sync, struct ls_err *err);

/* mkdir -p with mode for each created directory. */
int mkdir_p(const char *path, int mode, struct ls_err *err);

/* The big-endian 32-bit number at p (git's index and pack formats). */
static inline uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | p[3];
}

/* 64-bit FNV-1a, for staleness keys (never for secrets). */
uint64_t hash_fnv1a(uint64_t h, const void *data, size_t len);
#define HASH_FNV_INIT 0xcbf29ce484222325ULL

/* Wipe memory that held secret bytes; n may be 0, p may be NULL. */
void wipe(void *p, size_t n);



/*
 * Append s to b with everything a terminal could act on escaped: C0
 * controls, DEL, C1 controls and bytes that are not UTF-8, as \n, \t,
 * \\ or \xNN. quote also escapes '"'.
 */
void buf_add_escaped(struct buf *b, const char *s, size_t len, int quote);

/* "leakstop: note: ..." on stderr, for notes that are not findings. */
void ls_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * With LEAKSTOP_TRACE set, print to stderr how long it has been since the
 * previous call (or the first): a phase timer for benchmarks.
 */
void ls_trace(const char *what);

#endif
