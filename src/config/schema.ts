/**
 * The integrator configuration (`/etc/auditrelay/auditrelay.toml`): this schema is the only source of its
 * type and its defaults. Unknown keys are refused. Keys marked "reload" take effect on SIGHUP; the others
 * need a restart (the daemon says which when a reload changes them).
 *
 * @relation(AR-REQ-011)
 */
import { z } from 'zod';
import { RECORD_BYTES } from '../audit/record.js';
import { duration } from '../duration.js';
import { auditdSchema, forwardingSchema } from '../forwarding/schema.js';

const absolutePath = z
  .string()
  .min(1)
  .max(255)
  .refine((p) => p.startsWith('/'), 'must be an absolute path');
const name = z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'must be a user or group name');
const id = z.number().int().min(0).max(4_294_967_294);
const mode = z.string().regex(/^0[0-7]{3}$/, 'must be an octal mode such as "0660"');
/** The size of a retention ring: 16 MiB unless set, at most 1 GiB, 0 keeps nothing. */
const ringBytes = () =>
  z
    .number()
    .int()
    .min(0)
    .max(1024 * 1024 * 1024)
    .default(16 * 1024 * 1024);

const daemon = z.strictObject({
  socket: absolutePath
    .default('/run/auditrelay/events.sock')
    .describe('Listening socket when systemd does not pass one.'),
  socket_mode: mode.default('0660').describe('Mode of the socket we create.'),
  socket_group: name.optional().describe('Group that owns the socket (its members may connect).'),
  max_line_bytes: z
    .number()
    .int()
    .min(1024)
    .max(65536)
    .default(8192)
    .describe('reload: longest request line accepted.'),
  max_record_bytes: z
    .number()
    .int()
    .min(RECORD_BYTES.min)
    .max(RECORD_BYTES.max)
    .default(RECORD_BYTES.default)
    .describe(
      'reload: longest encoded record text; larger events are refused whole (the kernel cuts at 8560 bytes, KRB5 fails earlier).',
    ),
  max_in_flight: z
    .number()
    .int()
    .min(1)
    .max(4096)
    .default(256)
    .describe('reload: unanswered requests one connection may have before we stop reading from it.'),
  queue_limit: z
    .number()
    .int()
    .min(64)
    .max(1_000_000)
    .default(8192)
    .describe(
      'reload: events queued for the kernel before every connection stops being read (backpressure).',
    ),
  max_rate: z
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .default(0)
    .describe(
      'reload: most records per second we write to the kernel; 0 = unpaced. Set it below what forwarding ' +
        'carries (stop-and-wait: about 1/RTT to the collector) so a long burst slows the applications instead of ' +
        "overflowing auditd's q_depth, where auditd drops records silently.",
    ),
  max_burst: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(1000)
    .describe('reload: records written at once above max_rate after a quiet spell (with max_rate > 0).'),
  max_connections: z
    .number()
    .int()
    .min(1)
    .max(65536)
    .default(256)
    .describe(
      'reload: most client connections at once (further ones get CONNECTION_LIMIT); lowered to keep 64 of ' +
        "the process's file descriptors free.",
    ),
  max_connections_per_uid: z
    .number()
    .int()
    .min(1)
    .max(65536)
    .default(64)
    .describe('reload: most client connections one uid may hold at once.'),
  idle_timeout: duration(1000, 3_600_000)
    .default(60_000)
    .describe('reload: a connection silent this long is closed.'),
  heartbeat_interval: duration(0, 3_600_000)
    .default(60_000)
    .refine((ms) => ms === 0 || ms >= 1000, 'must be 0s or at least 1s')
    .describe('reload: period of the heartbeat record (hb_seq); "0s" disables it.'),
  refusal_report_interval: duration(1000, 3_600_000)
    .default(10_000)
    .describe('reload: at most one audit record per this interval about refused requests (with counts).'),
  retention_window: duration(1000, 86_400_000)
    .default(600_000)
    .describe(
      'reload: how long each record is kept in memory (never on disk) to be written again when auditd or ' +
        'audisp-remote lost it; what is lost past it is counted in status and reported missing by verify.',
    ),
  retention_bytes: ringBytes().describe(
    'reload: the memory retention takes, at most (record text + a 48-byte header each); past it the oldest records ' +
      'leave early (counted). 0 keeps nothing.',
  ),
  foreign_retention_bytes: ringBytes().describe(
    'reload: the memory kept for records of other programs and of the kernel (read by the tap; record text + ' +
      'a 48-byte header each), to write them again, wrapped, when auditd or audisp-remote lost them. 0 keeps nothing.',
  ),
  resend_rate: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(1000)
    .describe(
      'reload: records per second written again after auditd or audisp-remote lost a queue, after a first burst ' +
        "of as many (at most half auditd.q_depth, so the re-send cannot overflow auditd's queue); set it below what " +
        'forwarding carries.',
    ),
  stop_timeout: duration(100, 120_000)
    .default(10_000)
    .describe('On SIGTERM, how long to finish in-flight events before exiting anyway.'),
});

/** Marks a key SIGHUP applies: its description starts with this (and the configuration reference says so). */
export const RELOAD_MARK = 'reload: ';

/**
 * `[daemon]` keys a SIGHUP applies, read from the schema's own descriptions: the one list, for the daemon's
 * reload and for the configuration reference. Every other `[daemon]` key needs a restart.
 */
export const RELOADABLE_DAEMON_KEYS: ReadonlySet<string> = new Set(
  Object.entries(daemon.shape)
    .filter(([, schema]) => schema.description?.startsWith(RELOAD_MARK))
    .map(([key]) => key),
);

const client = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be a short identifier')
      .describe('Name of the rule (logs).'),
    users: z.array(name).default([]).describe('User names allowed (must exist).'),
    uids: z.array(id).default([]).describe('Numeric uids allowed.'),
    groups: z.array(name).default([]).describe('Groups whose members are allowed (must exist).'),
    gids: z.array(id).default([]).describe('Numeric gids allowed.'),
    types: z
      .array(z.union([z.string().min(1), z.number().int()]))
      .min(1)
      .describe('Event type names or numbers this client may emit; "*" allows every user-space type.'),
  })
  .refine(
    (c) => c.users.length + c.uids.length + c.groups.length + c.gids.length > 0,
    'must name at least one of users, uids, groups, gids',
  );

export const configSchema = z
  .strictObject({
    daemon: daemon.default(daemon.parse({})).describe('The daemon (auditrelay run).'),
    clients: z.array(client).default([]).describe('Who may emit which event types; default: nobody.'),
    forwarding: forwardingSchema
      .optional()
      .describe('Absent: auditrelay does not manage forwarding (apply refuses).'),
    auditd: auditdSchema
      .default(auditdSchema.parse({}))
      .describe('The device auditd.conf keys apply manages.'),
  })
  .superRefine((c, ctx) => {
    if (c.daemon.max_rate > 0 && c.daemon.max_burst >= c.auditd.q_depth)
      ctx.addIssue({
        code: 'custom',
        path: ['daemon', 'max_burst'],
        message: `must be below auditd.q_depth (${c.auditd.q_depth}): auditd drops what overflows its queue`,
      });
  });

/** The validated configuration, every default resolved. */
export type Config = z.infer<typeof configSchema>;
export type ClientRule = Config['clients'][number];
