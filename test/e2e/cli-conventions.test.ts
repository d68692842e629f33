import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startProxy, type Proxy } from '../../scripts/lib/proxy.js';
import { buildWorld, type World } from '../../scripts/lib/world.js';
import type { ErrorReport, Report } from '../../src/model.js';
import { errorReportSchema, planSchema, reportSchema, restoreReportSchema, runReportSchema, tagReportSchema } from '../../src/schema.js';
import { schemaProblems } from '../helpers/schema.js';
import { describeWithMoto, runCli, spawnCli } from './harness.js';

const ESC = '\x1b[';
/** The environment of a user who set neither variable (the harness sets NO_COLOR, vitest FORCE_COLOR). */
const plainEnv = { NO_COLOR: undefined, FORCE_COLOR: undefined };

describe('help and usage errors, from the built CLI', () => {
  it('`help <command>` prints that command\'s help and exits 0; an unknown one is one line, exit 2', async () => {
    const plan = await runCli(['help', 'plan']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/^Usage: nova-cleanup plan \[options\]/);
    expect(plan.stdout).toContain('--out <file>');
    expect(plan.stderr).toBe('');
    // The same text as `plan --help`.
    expect((await runCli(['plan', '--help'])).stdout).toBe(plan.stdout);
    const bad = await runCli(['help', 'nosuch']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^nova-cleanup: help: no command "nosuch" \(plan, apply, .*\)/)]);
  });

  it('--json with a bad option still prints one JSON document (exit 2, code usage)', async () => {
    const r = await runCli(['--json', '--no-such-option']);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as ErrorReport;
    expect(schemaProblems(errorReportSchema, doc)).toEqual([]);
    expect(doc).toMatchObject({ command: 'clean', exitCode: 2, error: { code: 'usage' } });
    expect(doc.error.message).toMatch(/--no-such-option/);
    expect(doc.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('`types --json` prints JSON; --quiet with --verbose is refused in words', async () => {
    const t = await runCli(['types', '--json', '--no-color']);
    expect(t.code).toBe(0);
    expect((JSON.parse(t.stdout) as unknown[]).length).toBeGreaterThan(40);
    const both = await runCli(['plan', '--quiet', '--verbose', '--json', '--tag', 'a=b']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--quiet and --verbose contradict each other/);
    expect((JSON.parse(both.stdout) as ErrorReport).error).toMatchObject({ code: 'usage' });
  });
});

describeWithMoto('CLI conventions against moto', (moto) => {
  let world: World;
  let backupDir: string;
  let proxy: Proxy | undefined;
  const select = () => ['--tag', `${world.tagKey}=${world.tagValue}`, '--region', 'us-east-1'];

  beforeEach(async () => {
    await moto().reset();
    world = await buildWorld({ endpoint: moto().url });
    backupDir = await mkdtemp(join(tmpdir(), 'nova-conventions-'));
  });
  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
  });

  it('colour: none when piped, FORCE_COLOR=1 or --color gives it, --no-color wins over FORCE_COLOR', async () => {
    const run = (extra: string[], env: Record<string, string | undefined>) => runCli([...select(), '--dry-run', ...extra], { moto: moto(), env: { ...plainEnv, ...env } });
    const piped = await run([], {});
    expect(piped.code).toBe(0);
    expect(piped.stdout).toContain('would delete');
    expect(piped.stdout + piped.stderr).not.toContain(ESC);
    expect(piped.stderr).toMatch(/Looking for resources tagged/);
    const forced = await run([], { FORCE_COLOR: '1' });
    expect(forced.stdout).toContain(ESC);
    expect(forced.stderr).toContain(ESC);
    const flag = await run(['--color'], {});
    expect(flag.stdout).toContain(ESC);
    const off = await run(['--no-color'], { FORCE_COLOR: '1' });
    expect(off.stdout).toContain('would delete');
    expect(off.stdout + off.stderr).not.toContain(ESC);
  });

  it('--quiet: the one-line summary and nothing else; with --json nothing on stderr', async () => {
    const text = await runCli([...select(), '--dry-run', '--quiet'], { moto: moto() });
    expect(text.code).toBe(0);
    expect(text.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^Summary: \d+ would be deleted, .*; exit code 0$/)]);
    expect(text.stderr).toBe('');
    const json = await runCli([...select(), '--dry-run', '--quiet', '--json'], { moto: moto() });
    expect(json.stderr).toBe('');
    expect(schemaProblems(runReportSchema, JSON.parse(json.stdout))).toEqual([]);
  });

  it('a real run: --verbose shows each step; the report, the plan file, the journal and a restore report match their schemas', async () => {
    const planFile = join(backupDir, 'plan.json');
    const plan = await runCli(['plan', ...select(), '--out', planFile], { moto: moto() });
    expect(plan.code).toBe(0);
    const planDoc: unknown = JSON.parse(await readFile(planFile, 'utf8'));
    expect(schemaProblems(planSchema, planDoc)).toEqual([]);

    const r = await runCli(['apply', planFile, '--yes', '--json', '--verbose', '--backup-dir', backupDir], { moto: moto() });
    expect(r.code).toBe(0);
    // Each step, as it starts: `2026-12-02T06:01:02.345Z step iam:role nova-demo-exec: detach-policy arn:...`.
    const steps = r.stderr.split('\n').filter((l) => /^\S+Z step [a-z0-9-]+:[a-z0-9-]+ \S+: \S+/.test(l));
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.some((l) => / step iam:role /.test(l))).toBe(true);
    const report = JSON.parse(r.stdout) as Report;
    expect(schemaProblems(reportSchema, report)).toEqual([]);
    expect(schemaProblems(runReportSchema, report)).toEqual([]);
    expect(report.command).toBe('apply');
    expect(Date.parse(report.startedAt)).toBeLessThanOrEqual(Date.now());
    expect(report.durationMs).toBeGreaterThan(0);
    const deleted = report.resources.filter((o) => o.status === 'deleted');
    expect(deleted.length).toBeGreaterThan(0);
    for (const o of deleted) {
      expect(o.layer, o.arn).toEqual(expect.any(Number));
      expect(o.uses, o.arn).toEqual(expect.any(Array));
    }
    // The role is used by what goes before it: a later layer, and the function lists it among what it uses.
    const role = deleted.find((o) => o.type === 'iam:role');
    const fn = deleted.find((o) => o.type === 'lambda:function');
    expect(fn?.uses).toContain(role?.arn);
    expect(role?.layer).toBeGreaterThan(fn?.layer ?? Infinity);

    // Every step the journal records was printed once, and each item event names its type.
    const journalFile = (await readdir(backupDir)).find((n) => n.endsWith('.journal.ndjson'));
    const lines = (await readFile(join(backupDir, journalFile ?? 'missing'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l.event === 'step-started').length).toBe(steps.length);
    for (const l of lines) {
      if (['run-started', 'resumed', 'run-ended'].includes(l.event as string)) continue;
      expect(l, JSON.stringify(l)).toMatchObject({ arn: expect.any(String), type: expect.stringMatching(/^[a-z0-9-]+:[a-z0-9-]+$/), step: expect.any(String) });
    }

    const backupFile = (await readdir(backupDir)).find((n) => /^nova-cleanup-.*\.json$/.test(n) && n !== 'plan.json');
    const restore = await runCli(['restore', join(backupDir, backupFile ?? 'missing'), '--dry-run', '--json'], { moto: moto() });
    expect(restore.code).toBe(0);
    expect(schemaProblems(restoreReportSchema, JSON.parse(restore.stdout))).toEqual([]);
  });

  it('without --verbose no step is printed; a failure carries its error code apart from its message', async () => {
    proxy = await startProxy(moto().url);
    proxy.fail((q) => q.operation === 'DeleteRole', { code: 'AccessDenied', message: 'not allowed to delete roles', status: 403 });
    const r = await runCli([...select(), '--yes', '--json', '--backup-dir', backupDir], { endpoint: proxy.url });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter((l) => /^\S+Z step [a-z0-9-]+:[a-z0-9-]+ \S+: \S+/.test(l))).toEqual([]);
    expect(r.stderr).toMatch(/^\S+Z deleting iam:role /m);
    const report = JSON.parse(r.stdout) as Report;
    expect(schemaProblems(runReportSchema, report)).toEqual([]);
    const role = report.resources.find((o) => o.type === 'iam:role' && o.status === 'failed');
    expect(role).toMatchObject({ errorCode: 'AccessDenied', error: expect.stringContaining('not allowed to delete roles') });
  });

  it('--json on exit 2: a guard, an edited plan, and a `tag` report all print one document', async () => {
    const guard = await runCli([...select(), '--dry-run', '--json', '--account', '999999999999'], { moto: moto() });
    expect(guard.code).toBe(2);
    const g = JSON.parse(guard.stdout) as ErrorReport;
    expect(schemaProblems(errorReportSchema, g)).toEqual([]);
    expect(g).toMatchObject({ command: 'clean', exitCode: 2, error: { code: 'guard', message: expect.stringMatching(/999999999999/) } });

    const planFile = join(backupDir, 'plan.json');
    expect((await runCli(['plan', ...select(), '--out', planFile], { moto: moto() })).code).toBe(0);
    const doc = JSON.parse(await readFile(planFile, 'utf8')) as { items: unknown[] };
    doc.items = doc.items.slice(1);
    const edited = join(backupDir, 'edited.json');
    await writeFile(edited, JSON.stringify(doc));
    const apply = await runCli(['apply', edited, '--yes', '--json', '--backup-dir', backupDir], { moto: moto() });
    expect(apply.code).toBe(2);
    expect(JSON.parse(apply.stdout)).toMatchObject({ command: 'apply', exitCode: 2, error: { code: 'input', message: expect.stringMatching(/digest/) } });

    const tag = await runCli(['tag', '--name-prefix', 'nova-demo', '--tag', 'found=yes', '--region', 'us-east-1', '--dry-run', '--json'], { moto: moto() });
    expect(tag.code).toBe(0);
    expect(schemaProblems(tagReportSchema, JSON.parse(tag.stdout))).toEqual([]);
  });

  it('--json on exit 3: SIGTERM before the first delete prints one document with code aborted', async () => {
    proxy = await startProxy(moto().url);
    const hold = proxy.hold((q) => q.operation === 'GetResources');
    const { child, done } = spawnCli([...select(), '--yes', '--json', '--quiet', '--backup-dir', backupDir], { endpoint: proxy.url });
    await hold.arrived;
    child.kill('SIGTERM');
    // Give the CLI a moment to take the signal before the held call is answered.
    await new Promise((resolve) => setTimeout(resolve, 300));
    hold.release();
    const r = await done;
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout) as ErrorReport;
    expect(schemaProblems(errorReportSchema, doc)).toEqual([]);
    expect(doc).toMatchObject({ command: 'clean', exitCode: 3, error: { code: 'aborted', message: expect.stringMatching(/nothing was deleted/) } });
    expect(proxy.mutating()).toEqual([]);
  });
});
