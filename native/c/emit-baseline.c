/*
 * emit-baseline: the C loop every auditrelay benchmark compares against. It makes the same libaudit
 * call the emitter makes (audit_log_user_message, hostname NULL, tty "") N times and prints one JSON line.
 *
 *   emit-baseline N TAG [TYPE]      (TYPE defaults to 1121 AUDIT_TRUSTED_APP)
 *
 * Returns 0 when every call was accepted, 1 when audit_open failed, 2 when any call failed.
 */
#include <libaudit.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 20000;
	const char *tag = argc > 2 ? argv[2] : "C";
	int type = argc > 3 ? atoi(argv[3]) : AUDIT_TRUSTED_APP;
	int fd = audit_open(), fails = 0;
	char msg[256];
	struct timespec a, b;

	if (fd < 0) {
		perror("audit_open");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < n; i++) {
		snprintf(msg, sizeof msg, "op=bench tag=\"%s\" i=\"%d\"", tag, i);
		if (audit_log_user_message(fd, type, msg, NULL, NULL, "", 1) <= 0)
			fails++;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	printf("{\"impl\":\"c\",\"n\":%d,\"fails\":%d,\"seconds\":%.4f,\"events_per_s\":%.0f}\n",
	       n, fails, s, n / s);
	audit_close(fd);
	return fails ? 2 : 0;
}
