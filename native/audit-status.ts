/**
 * The kernel's audit status (AUDIT_GET) through libaudit: audit_request_status() then audit_get_reply()
 * into a raw `struct audit_reply`, from which we read `struct audit_status` (linux/audit.h). Needs
 * CAP_AUDIT_CONTROL. Mirrors what `auditctl -s` prints.
 */
import { auditClose, auditOpen, getReply, requestStatus } from './libaudit.js';
import { SyscallError } from './syscall-error.js';

export interface KernelAuditStatus {
  readonly enabled: number;
  readonly failure: number;
  /** pid of the auditd that owns kernel audit; 0 when none. */
  readonly pid: number;
  readonly rateLimit: number;
  readonly backlogLimit: number;
  readonly lost: number;
  readonly backlog: number;
  readonly backlogWaitTime: number;
}

const AUDIT_GET = 1000;
/** sizeof(struct audit_reply) is about 9 KiB (MAX_AUDIT_MESSAGE_LENGTH 8970 + headers): leave room. */
const REPLY_BYTES = 16384;
/** struct audit_reply: int type; int len; struct nlmsghdr *nlh; struct audit_message msg {nlmsghdr; data}. */
const OFFSET_TYPE = 0;
const OFFSET_DATA = 4 + 4 + 8 + 16;

function parse(buf: Buffer): KernelAuditStatus {
  const u32 = (index: number) => buf.readUInt32LE(OFFSET_DATA + 4 * index);
  return {
    enabled: u32(1),
    failure: u32(2),
    pid: u32(3),
    rateLimit: u32(4),
    backlogLimit: u32(5),
    lost: u32(6),
    backlog: u32(7),
    backlogWaitTime: u32(9),
  };
}

/** Asks the kernel for its audit status; throws SyscallError (EPERM without CAP_AUDIT_CONTROL). */
export function kernelAuditStatus(): KernelAuditStatus {
  const fd = auditOpen();
  try {
    requestStatus(fd);
    const reply = Buffer.alloc(REPLY_BYTES);
    for (let attempt = 0; attempt < 8; attempt++) {
      getReply(fd, reply);
      if (reply.readInt32LE(OFFSET_TYPE) === AUDIT_GET) return parse(reply);
    }
    throw new SyscallError('audit_get_reply', 0, 'no AUDIT_GET reply');
  } finally {
    auditClose(fd);
  }
}
