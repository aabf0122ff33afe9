/**
 * `npm test`'s pretest: the browser tests drive Debian's Chromium (/usr/bin/chromium) through
 * playwright-core, which bundles no browser. Silent when it is there; installs Debian's `chromium`
 * when it is missing and this user may (root, or password-less sudo, with apt-get); otherwise fails
 * with the one command to run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';
const PACKAGE_INSTALL = ['apt-get', 'install', '-y', '--no-install-recommends', 'chromium'];
/** What a user without the rights to install runs (once), then `npm test` again. */
export const MANUAL_COMMAND = `sudo sh -c 'apt-get update && ${PACKAGE_INSTALL.join(' ')}'`;

export interface ChromiumFacts {
  present: boolean;
  root: boolean;
  /** `sudo -n true` succeeds (password-less sudo). */
  sudo: boolean;
  apt: boolean;
}

export type ChromiumPlan =
  | { action: 'ready' }
  /** Each attempt is a list of commands run in order; the next attempt runs only if one of them fails. */
  | { action: 'install'; attempts: string[][][] }
  | { action: 'fail'; message: string };

export function planChromium(f: ChromiumFacts): ChromiumPlan {
  if (f.present) return { action: 'ready' };
  if (!f.apt) {
    return { action: 'fail', message: `The browser tests need Chromium at ${CHROMIUM}, and this machine has no apt-get to install Debian's package: install Chromium so that ${CHROMIUM} exists, then run npm test again.` };
  }
  if (!f.root && !f.sudo) {
    return { action: 'fail', message: `The browser tests need Debian's chromium at ${CHROMIUM}. Install it with:\n  ${MANUAL_COMMAND}\nthen run npm test again.` };
  }
  const as = (cmd: string[]): string[] => (f.root ? cmd : ['sudo', '-n', ...cmd]);
  // The package index may be stale or empty on a fresh machine: install, else update and install.
  return { action: 'install', attempts: [[as(PACKAGE_INSTALL)], [as(['apt-get', 'update']), as(PACKAGE_INSTALL)]] };
}

function succeeds(cmd: string[]): boolean {
  const [bin, ...args] = cmd as [string, ...string[]];
  const r = spawnSync(bin, args, { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status === 0;
}

function onPath(bin: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(`${dir}/${bin}`));
}

export function ensureChromium(): number {
  const plan = planChromium({
    present: existsSync(CHROMIUM),
    root: process.getuid?.() === 0,
    apt: onPath('apt-get'),
    sudo: onPath('sudo') && succeeds(['sudo', '-n', 'true']),
  });
  if (plan.action === 'ready') return 0;
  if (plan.action === 'fail') {
    console.error(plan.message);
    return 1;
  }
  console.error(`pretest: ${CHROMIUM} is missing; installing Debian's chromium for the browser tests (apt-get)…`);
  for (const attempt of plan.attempts) {
    if (attempt.every(succeeds) && existsSync(CHROMIUM)) return 0;
  }
  console.error(`pretest: could not install chromium. Install it with:\n  ${MANUAL_COMMAND}\nthen run npm test again.`);
  return 1;
}

if (import.meta.main) process.exitCode = ensureChromium();
