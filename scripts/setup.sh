#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian 12 machine (root, Node 20): the Debian packages auditrelay and its
# tests use, the npm dependencies, the TypeScript build and the C baseline. Safe to run again: each step
# only acts when something is missing or stale.
set -euo pipefail
cd "$(dirname "$0")/.."

# command → Debian package that provides it
declare -A NEEDS=(
  [auditd]=auditd [/sbin/audisp-remote]=audispd-plugins [/usr/include/libaudit.h]=libaudit-dev
  [krb5kdc]=krb5-kdc [kadmin.local]=krb5-admin-server [kinit]=krb5-user [krb5-config]=libkrb5-dev
  [tcpdump]=tcpdump [ip]=iproute2 [setpriv]=util-linux [capsh]=libcap2-bin [gcc]=gcc [make]=make
  [python3]=python3 [g++]=g++ [faketime]=faketime [diff]=diffutils [debootstrap]=debootstrap
  [systemd-nspawn]=systemd-container [systemd-analyze]=systemd [ss]=iproute2
  # The arm64 package: its root (mmdebstrap, arch-test), run under qemu-user, stripped with its binutils.
  [mmdebstrap]=mmdebstrap [arch-test]=arch-test [/usr/lib/binfmt.d/qemu-aarch64.conf]=qemu-user-static
  [aarch64-linux-gnu-strip]=binutils-aarch64-linux-gnu
)
missing=()
for need in "${!NEEDS[@]}"; do
  if [[ $need == /* ]]; then [[ -e $need ]] || missing+=("${NEEDS[$need]}")
  else command -v "$need" >/dev/null 2>&1 || missing+=("${NEEDS[$need]}"); fi
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  # Installing auditd or krb5-kdc must not start them: tests start their own, by PID.
  guard=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
    guard=/usr/sbin/policy-rc.d
  fi
  trap '[[ -n $guard ]] && rm -f "$guard"' EXIT
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: installing npm dependencies" >&2
  # Native addons build from source against this Node (kerberos would first try to download a prebuilt
  # binary from outside the package registries, which this machine must not reach).
  npm_config_build_from_source=true npm ci --no-audit --no-fund --loglevel=error
fi

# tsc never removes what a renamed or deleted source compiled to; install and the .deb copy dist/ whole.
rm -rf dist/src dist/native dist/test
npx tsc -p tsconfig.json
chmod +x dist/src/cli.js
# The benchmarks' C baseline: built beside them, never into dist/native (which install copies to devices).
baseline=dist/test/bench/emit-baseline
if [[ ! -x $baseline || native/c/emit-baseline.c -nt $baseline ]]; then
  gcc -O2 -Wall -Wextra -o "$baseline" native/c/emit-baseline.c -laudit
fi
