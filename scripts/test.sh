#!/usr/bin/env bash
# `npm test`: set up (idempotent), check types and lint, then run every unit and integration test with
# node's test runner, one file at a time (integration tests own the kernel's audit state while they run).
# Exit status: node's (non-zero when any test failed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx biome check .
# Known advisories in the runtime dependencies (informational here: a registry without an audit endpoint
# answers with an error, which is printed, not hidden). npm run evidence records the result.
npm audit --omit=dev || echo "test: npm audit --omit=dev did not pass (see above)" >&2
# Kernel audit and the lab's network are machine-wide: one run at a time (waits for another, bounded, and
# removes what a killed run left; see with-kernel-audit.sh).
source scripts/with-kernel-audit.sh
take_kernel_audit_lock
mapfile -t files < <(find dist/test/unit dist/test/integration -name '*.test.js' 2>/dev/null | sort)
# The spec reporter streams as tests run; the summary reporter's lines (what did not run and why, then
# "tests: N passed, N failed, N skipped") are printed last, whatever the outcome.
summary=$(mktemp -t auditrelay-test-summary.XXXXXX)
trap 'rm -f "$summary"' EXIT
status=0
node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=./dist/test/harness/summary-reporter.js --test-reporter-destination="$summary" \
  "${files[@]}" || status=$?
echo
cat "$summary"
exit "$status"
