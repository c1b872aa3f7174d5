/**
 * The one MIT krb5 call audisp-remote 3.0.9 makes before GSS-API (audisp/plugins/remote/audisp-remote.c):
 * krb5_get_init_creds_keytab() for `<client>` from the keytab. Doing the same shows what it would hit —
 * clock skew, unknown client, stale key — which the GSS path (kdc_timesync) can hide. libkrb5.so.3.
 */
import { lazy, loadLibrary } from './load.js';

type Handle = unknown;
type Out = [Handle];

const bindings = lazy(() => {
  const lib = loadLibrary(['libkrb5.so.3'], 'AUDITRELAY_LIBKRB5');
  return {
    initContext: lib.func('int krb5_init_context(_Out_ void **context)') as (out: Out) => number,
    freeContext: lib.func('void krb5_free_context(void *context)') as (ctx: Handle) => void,
    parseName: lib.func('int krb5_parse_name(void *context, const char *name, _Out_ void **principal)') as (
      ctx: Handle,
      name: string,
      out: Out,
    ) => number,
    freePrincipal: lib.func('void krb5_free_principal(void *context, void *principal)') as (
      ctx: Handle,
      p: Handle,
    ) => void,
    ktResolve: lib.func('int krb5_kt_resolve(void *context, const char *name, _Out_ void **keytab)') as (
      ctx: Handle,
      name: string,
      out: Out,
    ) => number,
    ktClose: lib.func('int krb5_kt_close(void *context, void *keytab)') as (
      ctx: Handle,
      kt: Handle,
    ) => number,
    getInitCredsKeytab: lib.func(
      'int krb5_get_init_creds_keytab(void *context, void *creds, void *client, void *keytab, int start, const char *service, void *options)',
    ) as (
      ctx: Handle,
      creds: Buffer,
      client: Handle,
      kt: Handle,
      start: number,
      service: null,
      options: null,
    ) => number,
    freeCredContents: lib.func('void krb5_free_cred_contents(void *context, void *creds)') as (
      ctx: Handle,
      creds: Buffer,
    ) => void,
    errorMessage: lib.func('const char *krb5_get_error_message(void *context, int code)') as (
      ctx: Handle,
      code: number,
    ) => string,
  };
});

/** sizeof(krb5_creds) is under 200 bytes on LP64; the buffer leaves room and is zeroed for the free. */
const CREDS_BYTES = 1024;

/**
 * Gets initial credentials for `client` from `keytab` as audisp-remote does (KRB5_CONFIG from the
 * environment). Returns undefined on success, else the krb5 error message.
 */
export function initCredsFromKeytab(client: string, keytab: string): string | undefined {
  const b = bindings();
  const ctxOut: Out = [null];
  const rc = b.initContext(ctxOut);
  if (rc !== 0) return `krb5_init_context failed (${rc})`;
  const ctx = ctxOut[0];
  const principal: Out = [null];
  const kt: Out = [null];
  const creds = Buffer.alloc(CREDS_BYTES);
  try {
    let code = b.parseName(ctx, client, principal);
    if (code === 0) code = b.ktResolve(ctx, `FILE:${keytab}`, kt);
    if (code === 0) {
      code = b.getInitCredsKeytab(ctx, creds, principal[0], kt[0], 0, null, null);
      if (code === 0) b.freeCredContents(ctx, creds);
    }
    return code === 0 ? undefined : b.errorMessage(ctx, code);
  } finally {
    if (kt[0] !== null) b.ktClose(ctx, kt[0]);
    if (principal[0] !== null) b.freePrincipal(ctx, principal[0]);
    b.freeContext(ctx);
  }
}
