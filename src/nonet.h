/*
 * nonet.h - leakstop opens no network connection
 */
#ifndef LS_NONET_H
#define LS_NONET_H

/*
 * Register streams that refuse every connection, plain or TLS, in place
 * of libgit2's own. Call after git_libgit2_init.
 */
void nonet_register(void);

#endif
