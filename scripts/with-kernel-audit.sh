#!/usr/bin/env bash
# Kernel audit, the load rule and the collector's network are machine-wide: two runs of the tests, the
# demo or the bench at once break each other (the second one's `auditctl -a` fails with "Rule exists", its
# demo finds the first one's namespace). Whoever uses them holds this lock.
#
#   bash scripts/with-kernel-audit.sh COMMAND [ARG...]   run COMMAND holding the lock
#   source scripts/with-kernel-audit.sh; take_kernel_audit_lock   hold it for the rest of this shell
#
# The lock is an flock(2) on /run/auditrelay-test.lock (root's directory: no other user can plant a link
# there). It is held by the open file, which COMMAND inherits, and what a shell starts after it: it is
# released when the last of them exits, and whoever waits is told which processes hold it. (Node does not
# pass the file on to what it starts, and auditd closes it: a run's other processes are known by
# AUDITRELAY_TEST_RUN instead, below.)
# Waiting is bounded: AUDITRELAY_LOCK_WAIT_S (default 2400 s, about one whole test run), then exit 75.
# Once held, what a killed run left behind is removed (dist/test/harness/leftovers.js, built by setup).
# AUDITRELAY_LOCK names another lock file (the lock's own test); nothing is removed then. What a run starts
# carries AUDITRELAY_TEST_RUN in its environment: a root process with it is a killed run's, stopped by PID.

take_kernel_audit_lock() {
  local machine_lock=/run/auditrelay-test.lock
  local lock=${AUDITRELAY_LOCK:-$machine_lock}
  local wait_s=${AUDITRELAY_LOCK_WAIT_S:-2400}
  if ! { exec 9<>"$lock"; } 2>/dev/null; then
    echo "kernel-audit lock: cannot open $lock (not root?): running without it" >&2
    return 0
  fi
  if ! flock -n 9; then
    local waited=0 step
    while :; do
      # Closed while looking: this shell and what it starts would otherwise be among the holders.
      exec 9<&-
      echo "kernel-audit lock: another run holds $lock ($(cat "$lock" 2>/dev/null || true));" \
        "processes holding it: $(lock_holders "$lock"); waited ${waited} s of ${wait_s} s" >&2
      if ((waited >= wait_s)); then
        echo "kernel-audit lock: gave up after ${waited} s; stop that run (by its PID) or wait for it" >&2
        exit 75
      fi
      exec 9<>"$lock"
      step=$((wait_s - waited < 60 ? wait_s - waited : 60))
      if flock -w "$step" 9; then break; fi
      waited=$((waited + step))
    done
  fi
  # Who holds it, for the next one who waits (the same inode: the lock stays on the open file).
  printf 'pid %s: %s, since %s\n' "$$" "${*:-$0}" "$(date -u +%FT%TZ)" >"$lock"
  # Only the machine's lock makes it safe to remove what carries our names (another lock, a test's own,
  # says nothing about the runs holding the machine's).
  if [[ $lock == "$machine_lock" ]]; then node dist/test/harness/leftovers.js; fi
  # Every process this run starts carries it: the next run knows what a killed one left running.
  export AUDITRELAY_TEST_RUN=$$
}

# The processes with the lock file open: pid and command line (what a local user names a process is
# shown with unprintable bytes as '?').
lock_holders() {
  local pid out=""
  for pid in $(find /proc/[0-9]*/fd -maxdepth 1 -lname "$1" 2>/dev/null | cut -d/ -f3 | sort -un); do
    out+="$pid ($(cat "/proc/$pid/cmdline" 2>/dev/null | tr '\0' ' ' | tr -c '[:print:]' '?' | cut -c1-120)) "
  done
  echo "${out:-none found}"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  cd "$(dirname "$0")/.."
  if (($# == 0)); then
    echo "usage: with-kernel-audit.sh COMMAND [ARG...]" >&2
    exit 2
  fi
  take_kernel_audit_lock "$@"
  exec "$@"
fi
