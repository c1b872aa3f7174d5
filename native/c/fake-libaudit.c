/*
 * A stand-in for libaudit.so.1 for one unit test of the emitter's reopen backoff (loaded through the
 * AUDITRELAY_LIBAUDIT override). audit_open() fails with EPROTONOSUPPORT until the file named by
 * FAKE_AUDIT_READY exists, and appends one line per call to FAKE_AUDIT_CALLS so the test can count the
 * attempts. audit_log_user_message() always succeeds. Built by the test with the system cc.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void note(const char *what)
{
	const char *path = getenv("FAKE_AUDIT_CALLS");
	FILE *f = path ? fopen(path, "a") : NULL;
	if (f) {
		fprintf(f, "%s\n", what);
		fclose(f);
	}
}

int audit_open(void)
{
	const char *ready = getenv("FAKE_AUDIT_READY");
	note("open");
	if (ready == NULL || access(ready, F_OK) != 0) {
		errno = EPROTONOSUPPORT;
		return -1;
	}
	return dup(2);
}

void audit_close(int fd) { close(fd); }

int audit_log_user_message(int fd, int type, const char *message, const char *hostname, const char *addr,
			   const char *tty, int result)
{
	(void)fd; (void)type; (void)message; (void)hostname; (void)addr; (void)tty; (void)result;
	return 1;
}

int audit_log_user_comm_message(int fd, int type, const char *message, const char *comm, const char *hostname,
				const char *addr, const char *tty, int result)
{
	(void)comm;
	return audit_log_user_message(fd, type, message, hostname, addr, tty, result);
}

int audit_log_acct_message(int fd, int type, const char *pgname, const char *op, const char *name, unsigned int id,
			   const char *host, const char *addr, const char *tty, int result)
{
	(void)fd; (void)type; (void)pgname; (void)op; (void)name; (void)id; (void)host; (void)addr; (void)tty; (void)result;
	return 1;
}

int audit_name_to_msg_type(const char *name) { (void)name; return -1; }
const char *audit_msg_type_to_name(int type) { (void)type; return NULL; }
int audit_value_needs_encoding(const char *str, unsigned int size) { (void)str; (void)size; return 0; }
char *audit_encode_nv_string(const char *name, const char *value, unsigned int vlen) { (void)name; (void)value; (void)vlen; return NULL; }
