import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Journal, readJournal, type JournalEvent } from '../../src/backup/journal.js';
import { AbortedError, ExitCode, NovaError, withCode } from '../../src/errors.js';
import type { Report } from '../../src/model.js';
import { errorCodeOf } from '../../src/run/apply.js';
import { colorLevel } from '../../src/ui/color.js';
import { AutoUi, type UiOptions } from '../../src/ui/terminal.js';
import type { TagReport } from '../../src/ui/ui.js';

describe('colour', () => {
  const tty = { isTTY: true, ttyLevel: 2 as const };
  it('--no-color wins over everything; --color forces it', () => {
    expect(colorLevel({ flag: false, env: { FORCE_COLOR: '3' }, ...tty })).toBe(0);
    expect(colorLevel({ flag: true, env: {}, isTTY: false })).toBe(1);
    expect(colorLevel({ flag: true, env: { NO_COLOR: '1' }, isTTY: false })).toBe(1);
    expect(colorLevel({ flag: true, env: { FORCE_COLOR: '3' }, isTTY: false })).toBe(3);
  });
  it('FORCE_COLOR, then NO_COLOR, then whether it is a terminal', () => {
    expect(colorLevel({ env: {}, isTTY: false })).toBe(0);
    expect(colorLevel({ env: {}, ...tty })).toBe(2);
    expect(colorLevel({ env: { FORCE_COLOR: '1' }, isTTY: false })).toBe(1);
    expect(colorLevel({ env: { FORCE_COLOR: '' }, isTTY: false })).toBe(1);
    expect(colorLevel({ env: { FORCE_COLOR: 'true' }, isTTY: false })).toBe(1);
    expect(colorLevel({ env: { FORCE_COLOR: '0' }, ...tty })).toBe(0);
    expect(colorLevel({ env: { FORCE_COLOR: 'false' }, ...tty })).toBe(0);
    expect(colorLevel({ env: { NO_COLOR: '1' }, ...tty })).toBe(0);
    // An empty NO_COLOR is not set (no-color.org).
    expect(colorLevel({ env: { NO_COLOR: '' }, ...tty })).toBe(2);
    expect(colorLevel({ env: { NO_COLOR: '1', FORCE_COLOR: '1' }, isTTY: false })).toBe(1);
  });
});

/** A terminal UI on two pipes; what each received. */
function uiOn(json: boolean, options: UiOptions) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d: Buffer) => (stdout += d.toString()));
  err.on('data', (d: Buffer) => (stderr += d.toString()));
  const ui = new AutoUi(json, { out, err }, { env: {}, ...options });
  return { ui, stdout: () => stdout, stderr: () => stderr };
}

const report: Report = {
  version: 2,
  tool: { name: 'nova-cleanup', version: '0.1.0' },
  command: 'clean',
  dryRun: true,
  account: '123456789012',
  principal: 'arn:aws:iam::123456789012:user/t',
  regions: ['us-east-1'],
  tagFilters: [{ key: 'project', values: ['nova'] }],
  interrupted: false,
  summary: { deleted: 0, failed: 0, skipped: 0, gone: 0, unsupported: 0, planned: 1, blocked: 0, retained: 0 },
  resources: [{ arn: 'arn:aws:iam::123456789012:role/r', type: 'iam:role', region: 'us-east-1', name: 'r', status: 'planned', rule: 'delete' }],
  exitCode: 0,
  startedAt: '2025-01-02T03:04:05.678Z',
  durationMs: 5,
};

const speak = (ui: AutoUi) => {
  ui.info('Looking for resources');
  ui.warn('permission check skipped');
  ui.progress({ kind: 'start', resource: { arn: 'arn:aws:iam::123456789012:role/r', type: 'iam:role', name: 'r', region: 'us-east-1' } });
  ui.detail('    iam:role r: detach-policy');
  ui.error('iam:role: not allowed');
};

describe('verbosity', () => {
  it('normal: logs and progress, no step details', () => {
    const t = uiOn(false, {});
    speak(t.ui);
    t.ui.report(report);
    expect(t.stderr()).toContain('Looking for resources');
    expect(t.stderr()).toContain('warning: permission check skipped');
    expect(t.stderr()).toContain('deleting iam:role r');
    expect(t.stderr()).not.toContain('detach-policy');
    expect(t.stdout()).toContain('would delete');
  });

  it('--verbose: each step too', () => {
    const t = uiOn(false, { verbosity: 'verbose' });
    speak(t.ui);
    expect(t.stderr()).toContain('    iam:role r: detach-policy');
    expect(t.ui.verbosity).toBe('verbose');
  });

  it('--quiet: errors and the report\'s one summary line; with --json stderr holds only errors', () => {
    const t = uiOn(false, { verbosity: 'quiet' });
    speak(t.ui);
    t.ui.report(report);
    expect(t.stderr()).toBe('error: iam:role: not allowed\n');
    expect(t.stdout()).toBe('Summary: 1 would be deleted, 0 blocked, 0 retained by AWS, 0 already gone, 0 skipped, 0 unsupported, 0 failed; exit code 0\n');
    const j = uiOn(true, { verbosity: 'quiet' });
    speak(j.ui);
    j.ui.report(report);
    expect(j.stderr()).toBe('error: iam:role: not allowed\n');
    expect(JSON.parse(j.stdout())).toEqual(report);
    expect(j.ui.documents).toBe(1);
  });

  it('--quiet tag report: one summary line', () => {
    const tag: TagReport = {
      version: 1,
      tool: { name: 'nova-cleanup', version: '0.1.0' },
      command: 'tag',
      dryRun: false,
      phase: 'done',
      account: '123456789012',
      regions: ['us-east-1'],
      tags: { project: 'x' },
      prefixes: ['nova-'],
      resources: [{ arn: 'a', type: 'iam:role', region: 'us-east-1', name: 'nova-r', prefix: 'nova-', status: 'tagged' }],
      exitCode: 0,
      startedAt: '2025-01-02T03:04:05.678Z',
      durationMs: 5,
    };
    const t = uiOn(false, { verbosity: 'quiet' });
    t.ui.tagReport(tag);
    expect(t.stdout()).toBe('Summary: 1 tagged, 0 already tagged, 0 declined, 0 gone, 0 failed; exit code 0\n');
  });
});

describe('colour in the terminal UI', () => {
  it('pipes get none by default, FORCE_COLOR or --color gives it, --no-color wins', () => {
    const esc = (o: UiOptions) => {
      const t = uiOn(false, o);
      t.ui.error('x');
      t.ui.report(report);
      return t.stdout() + t.stderr();
    };
    expect(esc({})).not.toContain('\x1b[');
    expect(esc({ env: { FORCE_COLOR: '1' } })).toContain('\x1b[');
    expect(esc({ color: true })).toContain('\x1b[');
    expect(esc({ color: false, env: { FORCE_COLOR: '1' } })).not.toContain('\x1b[');
  });
});

describe('error codes', () => {
  it('a NovaError has a code from its kind; withCode names the phase it came from', async () => {
    expect(new NovaError('bad').code).toBe('usage');
    expect(new AbortedError().code).toBe('aborted');
    expect(new NovaError('x', ExitCode.Failed).code).toBe('failed');
    expect(new NovaError('x', ExitCode.Usage, { code: 'input' }).code).toBe('input');
    const coded = await withCode('guard', () => {
      throw new NovaError('account 1 is refused');
    }).catch((e: unknown) => e);
    expect(coded).toBeInstanceOf(NovaError);
    expect(coded).toMatchObject({ code: 'guard', message: 'account 1 is refused', exitCode: 2 });
    // An inner, more precise code is kept; other errors pass unchanged.
    const inner = await withCode('preflight', () => withCode('guard', () => Promise.reject(new NovaError('no')))).catch((e: unknown) => e);
    expect(inner).toMatchObject({ code: 'guard' });
    const plain = new Error('boom');
    expect(await withCode('guard', () => Promise.reject(plain)).catch((e: unknown) => e)).toBe(plain);
    expect(await withCode('guard', () => 5)).toBe(5);
  });

  it("a failure's error code is read from its message", () => {
    expect(errorCodeOf('AccessDeniedException: User is not authorized')).toBe('AccessDeniedException');
    expect(errorCodeOf('could not read it: NoSuchEntity: The role cannot be found')).toBe('NoSuchEntity');
    expect(errorCodeOf('could not list them: AccessDenied')).toBe('AccessDenied');
    expect(errorCodeOf('TimeoutError: an asynchronous step did not finish within --wait-timeout')).toBe('TimeoutError');
    expect(errorCodeOf('not continued: the credentials stopped working (ExpiredToken: expired); renew them')).toBe('ExpiredToken');
    expect(errorCodeOf('could not read it: the service answered with something that is not an AWS response')).toBe('Error');
  });
});

describe('the journal', () => {
  it('every item event carries its type; a line of an item event without one is refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nova-journal-type-'));
    const path = join(dir, 'run.journal.ndjson');
    const j = await Journal.create(path, 'run-1');
    const arn = 'arn:aws:iam::123456789012:role/r';
    const events: JournalEvent[] = [
      { event: 'run-started', command: 'clean', items: 1 },
      { event: 'step-started', arn, type: 'iam:role', step: 'detach', child: { kind: 'managed-policy-attachment', id: 'p' } },
      { event: 'step-done', arn, type: 'iam:role', step: 'detach', child: { kind: 'managed-policy-attachment', id: 'p' } },
      { event: 'failed', arn, type: 'iam:role', step: 'delete', error: 'AccessDenied: no' },
      { event: 'stopped', arn, type: 'iam:role', step: 'delete', error: 'TagsChanged: no' },
      { event: 'tagged', arn, type: 'iam:role', step: 'tag', tags: { a: 'b' } },
      { event: 'gone', arn, type: 'iam:role', step: 'delete' },
      { event: 'deleted', arn, type: 'iam:role', step: 'delete' },
      { event: 'resumed', command: 'resume', items: 1 },
      { event: 'run-ended', exitCode: 0, interrupted: false },
    ];
    for (const e of events) await j.append(e);
    await j.close();
    const lines = (await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.event)).toEqual(events.map((e) => e.event));
    for (const l of lines.filter((x) => x.arn !== undefined)) expect(l.type).toBe('iam:role');
    expect((await readJournal(path)).deleted.has(arn)).toBe(true);

    const typeless = join(dir, 'typeless.journal.ndjson');
    await writeFile(typeless, `${JSON.stringify({ at: 'now', runId: 'run-1', event: 'deleted', arn, step: 'delete' })}\n`);
    await expect(readJournal(typeless)).rejects.toThrow(/line 1 is not a journal event/);
  });
});
