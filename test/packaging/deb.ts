/**
 * auditrelay_<version>_<arch>.deb for Debian 13 on amd64 or arm64, built with the cached trixie root: the
 * tree `auditrelay install --root` lays out (program, units, sysusers/tmpfiles snippets, the example
 * config as a conffile) with the npm dependencies built for the target (trixie-modules.ts: the kerberos
 * addon compiled by trixie's toolchain, cross for arm64; only the target's koffi library), stripped with
 * the target's binutils, generated man pages and bash completion, a machine-readable copyright file naming
 * every bundled module's license, maintainer scripts (packaging/debian/), and dpkg-deb from that root.
 * lintian — trixie's, in a throwaway overlay of the amd64 root — checks the result.
 *
 * Reproducible: every date and file time is SOURCE_DATE_EPOCH (the environment's, else the last commit's),
 * dpkg-deb orders and owns files itself, gzip and xz write no time — two builds of one commit are the
 * same bytes.
 *
 * @relation(AR-REQ-028)
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  lutimesSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chrootSteps } from '../harness/chroot.js';
import { type Arch, debian13Root } from '../harness/debian13-root.js';
import { CLI, REPO_ROOT } from '../harness/exec.js';
import { withPrivateMounts } from '../harness/mount-ns.js';
import { inScratchRoot } from '../harness/throwaway-root.js';
import { trixieModules } from '../harness/trixie-modules.js';
import { bashCompletion, manPage5, manPage8 } from './manual.js';

export const DEB_DIR = join(REPO_ROOT, 'dist/deb');
const PROGRAM = 'usr/lib/auditrelay';
const SCRIPTS = join(REPO_ROOT, 'packaging/debian');

function version(): string {
  return (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

function write(path: string, content: string | Buffer, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  chmodSync(path, mode);
}

/** Runs `command` inside `root` (through chroot, in a private mount namespace) with `binds`. */
function inRoot(root: string, binds: Parameters<typeof chrootSteps>[1], command: string): string {
  const [file = 'unshare', ...args] = withPrivateMounts(chrootSteps(root, binds), [
    'chroot',
    root,
    'sh',
    '-c',
    command,
  ]);
  return execFileSync(file, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 10 * 60_000,
  });
}

/** Per target: koffi's name for it, and the binutils that strip its shared objects. */
const TARGETS: Readonly<Record<Arch, { koffi: string; strip: string }>> = {
  amd64: { koffi: 'x64', strip: 'strip' },
  arm64: { koffi: 'arm64', strip: 'aarch64-linux-gnu-strip' },
};

/** The seconds every date and file time of the package is: SOURCE_DATE_EPOCH, else the last commit's. */
export function sourceDateEpoch(): number {
  const given = process.env['SOURCE_DATE_EPOCH'];
  if (given !== undefined && /^\d+$/.test(given)) return Number(given);
  try {
    const out = execFileSync('git', ['-C', REPO_ROOT, 'log', '-1', '--format=%ct'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    if (/^\d+\s*$/.test(out)) return Number(out);
  } catch {
    // Not a git checkout (a source tarball): fall through.
  }
  return Math.floor(statSync(join(REPO_ROOT, 'package.json')).mtimeMs / 1000);
}

/** The trixie-built dependencies for `arch`, without what a glibc device of that architecture never loads. */
function layModules(tree: string, arch: Arch): void {
  const modules = join(tree, PROGRAM, 'node_modules');
  rmSync(modules, { recursive: true, force: true });
  // verbatimSymlinks: cpSync would otherwise rewrite npm's relative links to absolute paths of this machine.
  cpSync(trixieModules(REPO_ROOT, arch), modules, { recursive: true, verbatimSymlinks: true });
  const koffi = TARGETS[arch].koffi;
  for (const extra of [
    // npm's command shims: nothing on a device runs them.
    '.bin',
    `@koromix/koffi-linux-${koffi}/musl_${koffi}`,
    'kerberos/build/Release/obj.target',
    'kerberos/build/Release/.deps',
  ])
    rmSync(join(modules, extra), { recursive: true, force: true });
  // Another architecture's koffi library has no place on this one (npm installs only the target's).
  for (const other of readdirSync(join(modules, '@koromix')))
    if (other !== `koffi-linux-${koffi}`) rmSync(join(modules, '@koromix', other), { recursive: true });
  tidyFiles(join(tree, PROGRAM), TARGETS[arch].strip);
}

/** npm's and git's files in published modules that no device needs (lintian: package-contains-…). */
const DEV_FILES =
  /^\.(eslintrc.*|npmignore|gitattributes|gitignore|editorconfig|travis\.yml|github|nycrc|prettierrc.*)$/;

/** Modes as Debian wants them: shared objects 0644 and stripped, scripts executable only with a #! line. */
function tidyFiles(dir: string, strip: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (DEV_FILES.test(entry.name) || /\.(d\.ts|js\.map)$/.test(entry.name)) {
      rmSync(path, { recursive: true, force: true });
    } else if (entry.isDirectory()) {
      tidyFiles(path, strip);
    } else if (entry.isFile() && entry.name.endsWith('.node')) {
      execFileSync(strip, ['--strip-unneeded', path]);
      chmodSync(path, 0o644);
    } else if (entry.isFile()) {
      const script = readFileSync(path).subarray(0, 2).toString() === '#!';
      chmodSync(path, script ? 0o755 : 0o644);
    }
  }
}

/** The newest GLIBC symbol version the bundled shared objects reference: what libc6 must at least be. */
function glibcNeeded(tree: string): string {
  const found = execFileSync('find', [join(tree, PROGRAM), '-name', '*.node'], { encoding: 'utf8' });
  let best = [2, 0];
  for (const object of found.split('\n').filter((o) => o !== '')) {
    for (const m of execFileSync('readelf', ['-V', object], { encoding: 'utf8' }).matchAll(
      /GLIBC_(\d+)\.(\d+)/g,
    )) {
      const v = [Number(m[1]), Number(m[2])];
      if ((v[0] ?? 0) > (best[0] ?? 0) || (v[0] === best[0] && (v[1] ?? 0) > (best[1] ?? 0))) best = v;
    }
  }
  return best.join('.');
}

const LICENSES: Readonly<Record<string, string>> = {
  'Apache-2.0': ' On Debian systems the full text is in /usr/share/common-licenses/Apache-2.0.',
  'BSD-3-Clause': [
    ' Redistribution and use in source and binary forms, with or without modification, are permitted provided',
    ' that the following conditions are met: (1) redistributions of source code must retain the copyright',
    ' notice, this list of conditions and the following disclaimer; (2) redistributions in binary form must',
    ' reproduce the copyright notice, this list of conditions and the following disclaimer in the',
    ' documentation and/or other materials provided with the distribution; (3) neither the name of the',
    ' copyright holder nor the names of its contributors may be used to endorse or promote products derived',
    ' from this software without specific prior written permission.',
    ' .',
    ' THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY EXPRESS OR IMPLIED',
    ' WARRANTIES ARE DISCLAIMED.',
  ].join('\n'),
  MIT: [
    ' Permission is hereby granted, free of charge, to any person obtaining a copy of this software and',
    ' associated documentation files (the "Software"), to deal in the Software without restriction, including',
    ' without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell',
    ' copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the',
    ' following conditions:',
    ' .',
    ' The above copyright notice and this permission notice shall be included in all copies or substantial',
    ' portions of the Software.',
    ' .',
    ' THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT',
    ' LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT.',
  ].join('\n'),
  ISC: [
    ' Permission to use, copy, modify, and/or distribute this software for any purpose with or without fee',
    ' is hereby granted, provided that the above copyright notice and this permission notice appear in all',
    ' copies.',
    ' .',
    ' THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES WITH REGARD TO THIS SOFTWARE.',
  ].join('\n'),
};

/** DEP-5 copyright: auditrelay, then each bundled module with the license its package.json names. */
function copyright(tree: string): string {
  const modules = join(tree, PROGRAM, 'node_modules');
  const names = readdirSync(modules).flatMap((n) =>
    n.startsWith('@') ? readdirSync(join(modules, n)).map((m) => `${n}/${m}`) : n.startsWith('.') ? [] : [n],
  );
  const parts = [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: auditrelay\n',
    'Files: *\nCopyright: 2026 auditrelay maintainers\nLicense: Apache-2.0\n',
  ];
  for (const name of names.sort()) {
    const license = (
      JSON.parse(readFileSync(join(modules, name, 'package.json'), 'utf8')) as { license?: string }
    ).license;
    const short = (license ?? 'MIT').replace(/^\((.*)\)$/, '$1').replaceAll(' OR ', ' or ');
    parts.push(
      `Files: ${PROGRAM}/node_modules/${name}/*\nCopyright: the authors of ${name}\nLicense: ${short}\n`,
    );
  }
  for (const [name, text] of Object.entries(LICENSES)) parts.push(`License: ${name}\n${text}\n`);
  return parts.join('\n');
}

function installedKiB(tree: string): number {
  let bytes = 0;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      const stat = statSync(path, { throwIfNoEntry: false });
      if (stat?.isDirectory()) walk(path);
      else bytes += stat?.size ?? 0;
    }
  };
  walk(tree);
  return Math.ceil(bytes / 1024);
}

/** Every file, link and directory under `dir` (and itself) timed at `seconds`. */
function clampTimes(dir: string, seconds: number): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) clampTimes(join(dir, entry.name), seconds);
    else lutimesSync(join(dir, entry.name), seconds, seconds);
  }
  lutimesSync(dir, seconds, seconds);
}

/** Lays out the package tree under `stage` (tree/ with DEBIAN/); returns the tree. */
export function layTree(stage: string, arch: Arch, epoch: number): string {
  const tree = join(stage, 'tree');
  const when = new Date(epoch * 1000);
  execFileSync(process.execPath, [CLI, 'install', '--root', tree], { stdio: ['ignore', 'ignore', 'pipe'] });
  layModules(tree, arch);
  rmSync(join(tree, PROGRAM, 'installed-files'), { force: true }); // install's own record: dpkg keeps one
  const date = when.toISOString().slice(0, 10);
  write(join(tree, 'usr/share/man/man8/auditrelay.8.gz'), gzipSync(manPage8(version(), date), { level: 9 }));
  write(
    join(tree, 'usr/share/man/man5/auditrelay.toml.5.gz'),
    gzipSync(manPage5(version(), date), { level: 9 }),
  );
  write(join(tree, 'usr/share/bash-completion/completions/auditrelay'), bashCompletion());
  write(join(tree, 'usr/share/doc/auditrelay/copyright'), copyright(tree));
  const changelog = `auditrelay (${version()}) unstable; urgency=medium\n\n  * Built from the auditrelay repository.\n\n -- auditrelay maintainers <auditrelay@lists.example.org>  ${when.toUTCString().replace('GMT', '+0000')}\n`;
  // A native package (no Debian revision in the version): its changelog is changelog.gz.
  write(join(tree, 'usr/share/doc/auditrelay/changelog.gz'), gzipSync(changelog, { level: 9 }));
  const control = readFileSync(join(SCRIPTS, 'control.in'), 'utf8')
    .replace('@VERSION@', version())
    .replace('@ARCH@', arch)
    .replace('@SIZE@', String(installedKiB(tree)))
    .replace('@LIBC@', glibcNeeded(tree));
  write(join(tree, 'DEBIAN/control'), control);
  write(join(tree, 'DEBIAN/conffiles'), '/etc/auditrelay/auditrelay.toml\n');
  for (const script of ['postinst', 'prerm', 'postrm'])
    write(join(tree, 'DEBIAN', script), readFileSync(join(SCRIPTS, script)), 0o755);
  clampTimes(tree, epoch);
  return tree;
}

/** Builds the package for `arch` with trixie's dpkg-deb; returns its path under dist/deb. */
export function buildDeb(arch: Arch = 'amd64'): string {
  const root = debian13Root();
  const stage = join(DEB_DIR, `stage-${arch}`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  const epoch = sourceDateEpoch();
  const tree = layTree(stage, arch, epoch);
  const name = `auditrelay_${version()}_${arch}.deb`;
  inRoot(
    root,
    [
      { host: tree, inRoot: '/opt/tree', dir: true },
      { host: DEB_DIR, inRoot: '/opt/out', dir: true },
    ],
    `SOURCE_DATE_EPOCH=${epoch} dpkg-deb --root-owner-group -Zxz --build /opt/tree /opt/out/${name} >/dev/null`,
  );
  rmSync(stage, { recursive: true, force: true });
  return join(DEB_DIR, name);
}

/** trixie's lintian on `deb` (installed into a scratch root); exit 0 unless it reports an error. */
export function lintDeb(deb: string): { code: number; output: string } {
  const install =
    'apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ' +
    '--no-install-recommends lintian >/dev/null';
  return inScratchRoot(
    dirname(deb),
    `${install} && lintian --fail-on error --no-tag-display-limit /opt/out/${deb.split('/').pop()}`,
  );
}
