/** `npm test` alone works on a fresh machine: its pretest provides Debian's Chromium for the browser tests. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHROMIUM, MANUAL_COMMAND, planChromium } from '../../scripts/ensure-chromium.ts';

const INSTALL = ['apt-get', 'install', '-y', '--no-install-recommends', 'chromium'];

describe('npm test pretest: Chromium for the browser tests', () => {
  it('runs before the README test command, and .ci/run calls exactly that command without its own install', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.pretest).toBe('node scripts/ensure-chromium.ts');
    expect(readFileSync('README.md', 'utf8')).toMatch(/^npm test\b/m);
    const ci = readFileSync('.ci/run', 'utf8');
    expect(ci).toMatch(/^npm test$/m);
    expect(ci).not.toContain('apt-get');
  });

  it('does nothing when the browser is there', () => {
    expect(planChromium({ present: true, root: false, sudo: false, apt: false })).toEqual({ action: 'ready' });
  });

  it('installs Debian\'s package as root, updating the package index only if the plain install fails', () => {
    expect(planChromium({ present: false, root: true, sudo: false, apt: true })).toEqual({
      action: 'install',
      attempts: [[INSTALL], [['apt-get', 'update'], INSTALL]],
    });
  });

  it('uses password-less sudo when not root', () => {
    const plan = planChromium({ present: false, root: false, sudo: true, apt: true });
    expect(plan).toEqual({ action: 'install', attempts: [[['sudo', '-n', ...INSTALL]], [['sudo', '-n', 'apt-get', 'update'], ['sudo', '-n', ...INSTALL]]] });
  });

  it('fails with the one command to run when this user may not install', () => {
    const plan = planChromium({ present: false, root: false, sudo: false, apt: true });
    expect(plan.action).toBe('fail');
    expect(plan.action === 'fail' && plan.message).toContain(`Install it with:\n  ${MANUAL_COMMAND}`);
    expect(MANUAL_COMMAND).toBe("sudo sh -c 'apt-get update && apt-get install -y --no-install-recommends chromium'");
  });

  it('names the missing path when there is no apt-get', () => {
    const plan = planChromium({ present: false, root: true, sudo: false, apt: false });
    expect(plan.action === 'fail' && plan.message).toContain(CHROMIUM);
  });

  it('is silent and succeeds where the browser is installed (as it is once the pretest ran)', () => {
    const r = spawnSync(process.execPath, ['scripts/ensure-chromium.ts'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout + r.stderr).toBe('');
  });
});
