/**
 * The one MIT krb5 call audisp-remote 3.0.9 makes before GSS-API (audisp/plugins/remote/audisp-remote.c):
 * krb5_get_init_creds_keytab() for `<client>` from the keytab. Doing the same shows what it would hit —
 * clock skew, unknown client, stale key — which the GSS path (kdc_timesync) can hide. libkrb5.so.3.
 */
import koffi from 'koffi';
import { lazy, loadLibrary } from './load.js';

type Handle = unknown;
type Out = [Handle];

interface Bindings {
  krb5_init_context: (out: Out) => number;
  krb5_free_context: (ctx: Handle) => void;
  krb5_parse_name: (ctx: Handle, name: string, out: Out) => number;
  krb5_free_principal: (ctx: Handle, principal: Handle) => void;
  krb5_kt_resolve: (ctx: Handle, name: string, out: Out) => number;
  krb5_kt_close: (ctx: Handle, keytab: Handle) => number;
  krb5_get_init_creds_keytab: (
    ctx: Handle,
    creds: Buffer,
    client: Handle,
    keytab: Handle,
    start: number,
    service: null,
    options: null,
  ) => number;
  krb5_free_cred_contents: (ctx: Handle, creds: Buffer) => void;
  /** Asynchronous (koffi runs it on a libuv thread): it waits on the network. */
  krb5_get_init_creds_password: {
    async: (
      ctx: Handle,
      creds: Buffer,
      client: Handle,
      password: null,
      prompter: null,
      data: null,
      start: number,
      service: null,
      options: null,
      done: (error: unknown, code: number) => void,
    ) => void;
  };
  /** A pointer, not a string: the message is ours to free with krb5_free_error_message. */
  krb5_get_error_message: (ctx: Handle, code: number) => Handle;
  krb5_free_error_message: (ctx: Handle, message: Handle) => void;
}

const bindings = lazy((): Bindings => {
  const lib = loadLibrary(['libkrb5.so.3'], 'AUDITRELAY_LIBKRB5');
  return {
    krb5_init_context: lib.func('int krb5_init_context(_Out_ void **context)'),
    krb5_free_context: lib.func('void krb5_free_context(void *context)'),
    krb5_parse_name: lib.func('int krb5_parse_name(void *context, const char *name, _Out_ void **principal)'),
    krb5_free_principal: lib.func('void krb5_free_principal(void *context, void *principal)'),
    krb5_kt_resolve: lib.func('int krb5_kt_resolve(void *context, const char *name, _Out_ void **keytab)'),
    krb5_kt_close: lib.func('int krb5_kt_close(void *context, void *keytab)'),
    krb5_get_init_creds_keytab: lib.func(
      'int krb5_get_init_creds_keytab(void *context, void *creds, void *client, void *keytab, int start, const char *service, void *options)',
    ),
    krb5_free_cred_contents: lib.func('void krb5_free_cred_contents(void *context, void *creds)'),
    krb5_get_init_creds_password: lib.func(
      'int krb5_get_init_creds_password(void *context, void *creds, void *client, const char *password, void *prompter, void *data, int start, const char *service, void *options)',
    ),
    krb5_get_error_message: lib.func('void *krb5_get_error_message(void *context, int code)'),
    krb5_free_error_message: lib.func('void krb5_free_error_message(void *context, void *message)'),
  };
});

/** The text krb5 has for `code`, copied out and freed. */
function errorMessage(b: Bindings, ctx: Handle, code: number): string {
  const pointer = b.krb5_get_error_message(ctx, code);
  if (pointer === null) return `krb5 error ${code}`;
  try {
    return koffi.decode(pointer, 'char', -1) as string;
  } finally {
    b.krb5_free_error_message(ctx, pointer);
  }
}

/** sizeof(krb5_creds) is under 200 bytes on LP64; the buffer leaves room and is zeroed for the free. */
const CREDS_BYTES = 1024;

/**
 * Gets initial credentials for `client` from `keytab` as audisp-remote does (KRB5_CONFIG from the
 * environment). Returns undefined on success, else the krb5 error message.
 */
export function initCredsFromKeytab(client: string, keytab: string): string | undefined {
  const b = bindings();
  const ctxOut: Out = [null];
  const rc = b.krb5_init_context(ctxOut);
  if (rc !== 0) return `krb5_init_context failed (${rc})`;
  const ctx = ctxOut[0];
  const principal: Out = [null];
  const kt: Out = [null];
  const creds = Buffer.alloc(CREDS_BYTES);
  try {
    let code = b.krb5_parse_name(ctx, client, principal);
    if (code === 0) code = b.krb5_kt_resolve(ctx, `FILE:${keytab}`, kt);
    if (code === 0) {
      code = b.krb5_get_init_creds_keytab(ctx, creds, principal[0], kt[0], 0, null, null);
      if (code === 0) b.krb5_free_cred_contents(ctx, creds);
    }
    return code === 0 ? undefined : errorMessage(b, ctx, code);
  } finally {
    if (kt[0] !== null) b.krb5_kt_close(ctx, kt[0]);
    if (principal[0] !== null) b.krb5_free_principal(ctx, principal[0]);
    b.krb5_free_context(ctx);
  }
}

/**
 * Asks the KDC for initial credentials of `client` without any key: no password and no prompter, so
 * nothing secret is sent and no failed login is counted. The KDC's answer (preauthentication required, or
 * a reply we cannot decrypt) ends in a local error; an unreachable KDC in KRB5_KDC_UNREACH. Resolves with
 * the krb5 code (0 never: there is no key) and its message. Reads `krb5Config` (the file audisp-remote
 * reads: auditd gives it no environment, so /etc/krb5.conf on a device).
 */
export function askKdc(client: string, krb5Config: string): Promise<{ code: number; message: string }> {
  const b = bindings();
  const ctxOut: Out = [null];
  // krb5_init_context reads KRB5_CONFIG once, synchronously: set it for that call only.
  const before = process.env['KRB5_CONFIG'];
  process.env['KRB5_CONFIG'] = krb5Config;
  const rc = b.krb5_init_context(ctxOut);
  if (before === undefined) delete process.env['KRB5_CONFIG'];
  else process.env['KRB5_CONFIG'] = before;
  if (rc !== 0) return Promise.resolve({ code: rc, message: `krb5_init_context failed (${rc})` });
  const ctx = ctxOut[0];
  const principal: Out = [null];
  const code = b.krb5_parse_name(ctx, client, principal);
  const finish = (result: number) => {
    const message = errorMessage(b, ctx, result);
    if (principal[0] !== null) b.krb5_free_principal(ctx, principal[0]);
    b.krb5_free_context(ctx);
    return { code: result, message };
  };
  if (code !== 0) return Promise.resolve(finish(code));
  const creds = Buffer.alloc(CREDS_BYTES);
  return new Promise((resolve) => {
    b.krb5_get_init_creds_password.async(
      ctx,
      creds,
      principal[0],
      null,
      null,
      null,
      0,
      null,
      null,
      (error, result) => {
        if (result === 0) b.krb5_free_cred_contents(ctx, creds);
        resolve(finish(error === null || error === undefined ? result : -1));
      },
    );
  });
}
