/*
 * nonet.c - stand-ins for libgit2's network dependencies
 *
 * leakstop reads repositories and never opens a connection, but the
 * static libgit2 it links still references TLS and Kerberos code for
 * its HTTP transport. Loading the shared Kerberos libraries cost about
 * 4 ms of every hook run, and parsing the system CA bundle 3 ms more.
 * The functions here stand in for them: each refuses, so any network
 * use would fail instead of working unchecked.
 */
#include <gssapi/gssapi.h>
#include <string.h>

#include <git2.h>
#include <git2/sys/stream.h>

#include "nonet.h"

/* Every connection libgit2 would open, plain or TLS, is refused. */
static int
refuse_init(git_stream **out, const char *host, const char *port)
{
	(void)host;
	(void)port;
	*out = NULL;
	git_error_set_str(GIT_ERROR_NET, "leakstop opens no connections");
	return -1;
}

static int
refuse_wrap(git_stream **out, git_stream *in, const char *host)
{
	(void)in;
	return refuse_init(out, host, NULL);
}

void
nonet_register(void)
{
	static git_stream_registration refuse = {
		GIT_STREAM_VERSION, refuse_init, refuse_wrap
	};

	git_stream_register(GIT_STREAM_STANDARD | GIT_STREAM_TLS, &refuse);
}

#ifndef LS_STATIC
/*
 * Debian's libgit2 1.5 is built with mbedTLS, and git_libgit2_init()
 * parses the whole system CA bundle for HTTPS. Linked dynamically (the
 * sanitizer builds), this executable's mbedTLS loader comes first in
 * symbol lookup and stands in: the bundle is never read, and any TLS
 * connection would fail its certificate check. The static release skips
 * that set-up as a whole (below).
 */
int mbedtls_x509_crt_parse_file(void *chain, const char *path);

int
mbedtls_x509_crt_parse_file(void *chain, const char *path)
{
	(void)chain;
	(void)path;
	return 0;
}
#endif

#ifdef LS_STATIC
/*
 * The set-up libgit2 does at start for connections leakstop never
 * opens, redirected here by ld --wrap: mbedTLS (a cipher list and a
 * random generator seeded from entropy) and libssh2 (which starts
 * OpenSSL; libssh2 would still start itself on first use). 2.4 M
 * instructions and OpenSSL's pages, on every run. nonet_register's
 * streams stand where mbedTLS's would.
 */
int __wrap_git_mbedtls_stream_global_init(void);
int __wrap_libssh2_init(int flags);

int
__wrap_git_mbedtls_stream_global_init(void)
{
	return 0;
}

int
__wrap_libssh2_init(int flags)
{
	(void)flags;
	return 0;
}

/*
 * GSSAPI, for libgit2's "Negotiate" HTTP authentication. Debian ships
 * no static Kerberos library; these make it unnecessary. Every call
 * that would authenticate fails, and the release calls have nothing to
 * release.
 */
static gss_OID_desc hostbased_service = {
	10, "\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04"
};
gss_OID GSS_C_NT_HOSTBASED_SERVICE = &hostbased_service;

OM_uint32
gss_indicate_mechs(OM_uint32 *minor, gss_OID_set *mechs)
{
	*minor = 0;
	*mechs = GSS_C_NO_OID_SET;
	return GSS_S_FAILURE;
}

OM_uint32
gss_import_name(OM_uint32 *minor, gss_buffer_t name, gss_OID type,
		gss_name_t *out)
{
	(void)name;
	(void)type;
	*minor = 0;
	*out = GSS_C_NO_NAME;
	return GSS_S_FAILURE;
}

OM_uint32
gss_init_sec_context(OM_uint32 *minor, gss_cred_id_t cred,
		     gss_ctx_id_t *ctx, gss_name_t target, gss_OID mech,
		     OM_uint32 flags, OM_uint32 time_req,
		     gss_channel_bindings_t bindings, gss_buffer_t input,
		     gss_OID *actual_mech, gss_buffer_t output,
		     OM_uint32 *ret_flags, OM_uint32 *time_rec)
{
	(void)cred;
	(void)ctx;
	(void)target;
	(void)mech;
	(void)flags;
	(void)time_req;
	(void)bindings;
	(void)input;
	(void)actual_mech;
	(void)ret_flags;
	(void)time_rec;
	*minor = 0;
	if (output) {
		output->length = 0;
		output->value = NULL;
	}
	return GSS_S_FAILURE;
}

OM_uint32
gss_display_status(OM_uint32 *minor, OM_uint32 status, int type,
		   gss_OID mech, OM_uint32 *more, gss_buffer_t out)
{
	static char msg[] = "Kerberos is not available in leakstop";

	(void)status;
	(void)type;
	(void)mech;
	*minor = 0;
	*more = 0;
	out->length = strlen(msg);
	out->value = msg;
	return GSS_S_COMPLETE;
}

OM_uint32
gss_release_buffer(OM_uint32 *minor, gss_buffer_t buffer)
{
	*minor = 0;
	if (buffer) {
		buffer->length = 0;
		buffer->value = NULL;
	}
	return GSS_S_COMPLETE;
}

OM_uint32
gss_release_name(OM_uint32 *minor, gss_name_t *name)
{
	*minor = 0;
	if (name)
		*name = GSS_C_NO_NAME;
	return GSS_S_COMPLETE;
}

OM_uint32
gss_release_oid_set(OM_uint32 *minor, gss_OID_set *set)
{
	*minor = 0;
	if (set)
		*set = GSS_C_NO_OID_SET;
	return GSS_S_COMPLETE;
}

OM_uint32
gss_delete_sec_context(OM_uint32 *minor, gss_ctx_id_t *ctx,
		       gss_buffer_t output)
{
	*minor = 0;
	if (ctx)
		*ctx = GSS_C_NO_CONTEXT;
	if (output) {
		output->length = 0;
		output->value = NULL;
	}
	return GSS_S_COMPLETE;
}
#endif
