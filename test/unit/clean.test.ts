import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import { runClean, type CleanDeps } from '../../src/commands/clean.js';
import { AbortedError, ExitCode, NovaError } from '../../src/errors.js';
import type { Outcome } from '../../src/model.js';
import type { CleanOptions } from '../../src/options.js';
import type { ResourceHandler } from '../../src/resources/handler.js';
import { awsError } from '../helpers/context.js';
import { RecordingUi, fakeHandler, seqOf, type FakeHandler } from '../helpers/fakes.js';

const sts = mockClient(STSClient);
const tagging = mockClient(ResourceGroupsTaggingAPIClient);
const iam = mockClient(IAMClient);

const ACCOUNT = '123456789012';
const CALLER = `arn:aws:iam::${ACCOUNT}:user/alice`;
const EP = `arn:aws:fake:us-east-1:${ACCOUNT}:endpoint/nova-ep`;
const CFG = `arn:aws:fake:us-east-1:${ACCOUNT}:config/nova-config`;
const thing = (name: string) => `arn:aws:fake:us-east-1:${ACCOUNT}:thing/${name}`;

let root: string;
let backupDir: string;

function options(o: Partial<CleanOptions> = {}): CleanOptions {
  return {
    tags: [{ key: 'project', values: ['nova'] }],
    regions: ['us-east-1'],
    dryRun: false,
    interactive: false,
    yes: false,
    json: false,
    backupDir,
    includeTypes: [],
    excludeTypes: [],
    waitTimeout: 60,
    ...o,
  };
}

function deps(ui: RecordingUi, handlers: readonly ResourceHandler[], extra: Partial<CleanDeps> = {}): CleanDeps {
  return { ui, interactiveTerminal: true, signal: new AbortController().signal, handlers, aws: new AwsClients({ maxAttempts: 1 }), ...extra };
}

/** What the Tagging API lists (in every region asked). */
function found(...arns: string[]): void {
  tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: arns.map((ResourceARN) => ({ ResourceARN, Tags: [{ Key: 'project', Value: 'nova' }] })) });
}

/** An endpoint that uses a config: the endpoint must be deleted first. */
function endpointAndConfig(onDelete?: (arn: string) => void | Promise<void>): { ep: FakeHandler; cfg: FakeHandler } {
  const ep = fakeHandler({
    type: 'fake:endpoint',
    dependsOn: ['fake:config'],
    describe: { tags: { project: 'nova' }, config: { EndpointName: 'nova-ep' }, uses: [CFG] },
    onDelete: (ref) => onDelete?.(ref.arn),
  });
  const cfg = fakeHandler({ type: 'fake:config', onDelete: (ref) => onDelete?.(ref.arn) });
  return { ep, cfg };
}

const statuses = (outcomes: readonly Outcome[] | undefined) => Object.fromEntries((outcomes ?? []).map((o) => [o.name, o.status]));
const noAwsCall = () => {
  expect(sts).not.toHaveReceivedAnyCommand();
  expect(tagging).not.toHaveReceivedAnyCommand();
  expect(iam).not.toHaveReceivedAnyCommand();
};

async function rejection(p: Promise<unknown>): Promise<NovaError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NovaError);
  return err as NovaError;
}

beforeEach(() => {
  sts.reset();
  tagging.reset();
  iam.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: CALLER, UserId: 'AIDAEXAMPLE' });
  // moto-like: no SimulatePrincipalPolicy, so the permission check is skipped with a warning.
  iam.on(SimulatePrincipalPolicyCommand).rejects(awsError('InternalFailure', 'The action SimulatePrincipalPolicy is not implemented', 500));
  root = mkdtempSync(join(tmpdir(), 'nova-clean-test-'));
  backupDir = join(root, 'backups');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('runClean: guards', () => {
  it('refuses without a terminal and without --yes, before any AWS call', async () => {
    const { ep, cfg } = endpointAndConfig();
    const err = await rejection(runClean(options(), deps(new RecordingUi(), [ep, cfg], { interactiveTerminal: false })));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toMatch(/refusing to delete without confirmation/);
    noAwsCall();
    expect(ep.calls).toEqual([]);
  });

  it('stops at an account mismatch before looking for resources', async () => {
    found(EP);
    const { ep, cfg } = endpointAndConfig();
    const err = await rejection(runClean(options({ yes: true, account: '999999999999' }), deps(new RecordingUi(), [ep, cfg])));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toMatch(/account guard: .*123456789012, not 999999999999/);
    expect(sts).toHaveReceivedCommand(GetCallerIdentityCommand);
    expect(tagging).not.toHaveReceivedCommand(GetResourcesCommand);
    expect(existsSync(backupDir)).toBe(false);
  });

  it('rejects an unknown region before any AWS call', async () => {
    const err = await rejection(runClean(options({ yes: true, regions: ['us-esat-1'] }), deps(new RecordingUi(), [])));
    expect(err.exitCode).toBe(ExitCode.Usage);
    noAwsCall();
  });

  it('stops when the permission check finds a denied action, deleting nothing', async () => {
    found(EP, CFG);
    iam.on(SimulatePrincipalPolicyCommand).resolves({ EvaluationResults: [{ EvalActionName: 'fake:Deleteendpoint', EvalResourceName: '*', EvalDecision: 'implicitDeny' }] });
    const { ep, cfg } = endpointAndConfig();
    const ui = new RecordingUi();
    const err = await rejection(runClean(options({ yes: true }), deps(ui, [ep, cfg])));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toMatch(/lacks \d+ permissions? the plan needs/);
    expect(ui.lines('error').join('\n')).toMatch(/fake:endpoint: not allowed: fake:Deleteendpoint \(implicitDeny\)/);
    expect([...ep.called('delete'), ...cfg.called('delete')]).toEqual([]);
    expect(existsSync(backupDir)).toBe(false);
  });
});

describe('runClean: dry run', () => {
  it('plans, reports "planned", deletes nothing and writes no backup', async () => {
    found(EP, CFG);
    const { ep, cfg } = endpointAndConfig();
    const ui = new RecordingUi();
    const code = await runClean(options({ dryRun: true }), deps(ui, [ep, cfg], { interactiveTerminal: false }));

    expect(code).toBe(ExitCode.Ok);
    const report = ui.lastReport;
    expect(report).toMatchObject({ dryRun: true, account: ACCOUNT, principal: CALLER, regions: ['us-east-1'], exitCode: 0, interrupted: false });
    expect(statuses(report?.resources)).toEqual({ 'nova-ep': 'planned', 'nova-config': 'planned' });
    expect(report?.summary).toMatchObject({ planned: 2, deleted: 0 });
    expect(report?.backupPath).toBeUndefined();
    expect(ep.called('delete')).toEqual([]);
    expect(cfg.called('delete')).toEqual([]);
    expect(ep.called('currentTags')).toEqual([]);
    expect(existsSync(backupDir)).toBe(false);
    expect(ui.calls.find((c) => c.kind === 'plan')).toMatchObject({ lines: expect.arrayContaining(['Plan: 2 resources in 2 layers (us-east-1)']) });
    expect(ui.lines('warn').join('\n')).toMatch(/permission check skipped: SimulatePrincipalPolicy failed/);
    expect(ui.calls.some((c) => c.kind === 'confirmPlan' || c.kind === 'confirmResource')).toBe(false);
  });

  it('exits 1 when a resource could not be read, and holds back the types it may use', async () => {
    found(EP, CFG);
    const { cfg } = endpointAndConfig();
    const ep = fakeHandler({ type: 'fake:endpoint', dependsOn: ['fake:config'], describe: awsError('AccessDeniedException', 'no DescribeEndpoint', 403) });
    const ui = new RecordingUi();
    expect(await runClean(options({ dryRun: true }), deps(ui, [ep, cfg]))).toBe(ExitCode.Failed);
    const byName = Object.fromEntries((ui.lastReport?.resources ?? []).map((o) => [o.name, o]));
    expect(byName['nova-ep']).toMatchObject({ status: 'failed', error: expect.stringContaining('no DescribeEndpoint') });
    expect(byName['nova-config']).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/held back/) });
  });
});

describe('runClean: deleting', () => {
  it('with --yes writes the backup before the first delete, deletes in order, exits 0', async () => {
    found(EP, CFG);
    const backupAtDelete: string[][] = [];
    const { ep, cfg } = endpointAndConfig(() => void backupAtDelete.push(existsSync(backupDir) ? readdirSync(backupDir) : []));
    const ui = new RecordingUi();
    const code = await runClean(options({ yes: true }), deps(ui, [ep, cfg], { interactiveTerminal: false }));

    expect(code).toBe(ExitCode.Ok);
    expect(backupAtDelete).toHaveLength(2);
    expect(backupAtDelete[0]?.some((f) => /^nova-cleanup-123456789012-.*\.json$/.test(f))).toBe(true);
    expect(seqOf(ep, 'delete', 'end', EP)).toBeLessThan(seqOf(cfg, 'delete', 'start', CFG));

    const report = ui.lastReport;
    expect(statuses(report?.resources)).toEqual({ 'nova-ep': 'deleted', 'nova-config': 'deleted' });
    expect(report).toMatchObject({ dryRun: false, exitCode: 0, interrupted: false, summary: expect.objectContaining({ deleted: 2, failed: 0 }) });
    const backup = JSON.parse(readFileSync(report?.backupPath ?? '', 'utf8')) as { account: string; resources: { arn: string; config: unknown }[] };
    expect(backup.account).toBe(ACCOUNT);
    expect(backup.resources.map((r) => r.arn).sort()).toEqual([CFG, EP].sort());
    expect(backup.resources.find((r) => r.arn === EP)?.config).toEqual({ EndpointName: 'nova-ep' });
    const journal = readFileSync(report?.journalPath ?? '', 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; arn: string });
    expect(journal.map((e) => `${e.event} ${e.arn === EP ? 'ep' : 'cfg'}`)).toEqual(['deleting ep', 'deleted ep', 'deleting cfg', 'deleted cfg']);
    expect(ui.calls.some((c) => c.kind === 'confirmPlan')).toBe(false);
  });

  it('exits 1 when a delete fails, and leaves what the failed one uses', async () => {
    found(EP, CFG);
    const { ep, cfg } = endpointAndConfig((arn) => {
      if (arn === EP) throw awsError('ResourceInUse', 'endpoint is updating', 400);
    });
    const ui = new RecordingUi();
    expect(await runClean(options({ yes: true }), deps(ui, [ep, cfg]))).toBe(ExitCode.Failed);
    expect(statuses(ui.lastReport?.resources)).toEqual({ 'nova-ep': 'failed', 'nova-config': 'skipped' });
    expect(ui.lastReport?.exitCode).toBe(1);
    expect(cfg.called('delete')).toEqual([]);
    expect(ui.lines('progress').some((l) => l.includes('failed fake:endpoint nova-ep: ResourceInUse: endpoint is updating'))).toBe(true);
  });

  it('asks once at a terminal; "no" aborts with exit code 3, deleting nothing', async () => {
    found(EP, CFG);
    const { ep, cfg } = endpointAndConfig();
    const ui = new RecordingUi([false]);
    const err = await runClean(options(), deps(ui, [ep, cfg])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortedError);
    expect((err as AbortedError).exitCode).toBe(ExitCode.Aborted);
    expect(ui.calls.filter((c) => c.kind === 'confirmPlan')).toHaveLength(1);
    expect([...ep.called('delete'), ...cfg.called('delete')]).toEqual([]);
    expect(existsSync(backupDir)).toBe(false);
  });

  it('asks once at a terminal; "yes" deletes everything', async () => {
    found(EP, CFG);
    const { ep, cfg } = endpointAndConfig();
    const ui = new RecordingUi([true]);
    expect(await runClean(options(), deps(ui, [ep, cfg]))).toBe(ExitCode.Ok);
    expect(statuses(ui.lastReport?.resources)).toEqual({ 'nova-ep': 'deleted', 'nova-config': 'deleted' });
  });

  it('with --interactive, "no" then "all" keeps the first and deletes the rest', async () => {
    found(thing('a'), thing('b'), thing('c'));
    const h = fakeHandler({ type: 'fake:thing' });
    const ui = new RecordingUi(['no', 'all']);
    expect(await runClean(options({ interactive: true }), deps(ui, [h]))).toBe(ExitCode.Ok);

    const questions = ui.calls.flatMap((c) => (c.kind === 'confirmResource' ? [c.question] : []));
    expect(questions.map((q) => [q.name, q.index, q.total])).toEqual([['a', 1, 3], ['b', 2, 3]]);
    expect(h.called('delete').sort()).toEqual([thing('b'), thing('c')]);
    const a = ui.lastReport?.resources.find((o) => o.name === 'a');
    expect(a).toMatchObject({ status: 'skipped', reason: 'declined by the user' });
    expect(statuses(ui.lastReport?.resources)).toEqual({ a: 'skipped', b: 'deleted', c: 'deleted' });
    expect(ui.remainingAnswers).toBe(0);
  });

  it('with --interactive, "quit" aborts, deleting nothing', async () => {
    found(thing('a'), thing('b'));
    const h = fakeHandler({ type: 'fake:thing' });
    const ui = new RecordingUi(['yes', 'quit']);
    await expect(runClean(options({ interactive: true }), deps(ui, [h]))).rejects.toBeInstanceOf(AbortedError);
    expect(h.called('delete')).toEqual([]);
    expect(existsSync(backupDir)).toBe(false);
  });

  it('with --interactive, declining everything deletes nothing and writes no backup', async () => {
    found(thing('a'), thing('b'));
    const h = fakeHandler({ type: 'fake:thing' });
    const ui = new RecordingUi(['no', 'no']);
    expect(await runClean(options({ interactive: true }), deps(ui, [h]))).toBe(ExitCode.Ok);
    expect(h.called('delete')).toEqual([]);
    expect(statuses(ui.lastReport?.resources)).toEqual({ a: 'skipped', b: 'skipped' });
    expect(existsSync(backupDir)).toBe(false);
  });

  it('exits 0 with an empty report when nothing is found, asking nothing', async () => {
    found();
    const h = fakeHandler({ type: 'fake:thing' });
    const ui = new RecordingUi();
    expect(await runClean(options(), deps(ui, [h]))).toBe(ExitCode.Ok);
    expect(ui.lastReport).toMatchObject({ resources: [], exitCode: 0, summary: { deleted: 0, failed: 0, skipped: 0, gone: 0, unsupported: 0, planned: 0 } });
    expect(ui.calls.some((c) => c.kind === 'confirmPlan' || c.kind === 'confirmResource')).toBe(false);
    expect(existsSync(backupDir)).toBe(false);
    expect(iam).not.toHaveReceivedCommand(SimulatePrincipalPolicyCommand);
  });

  it('after Ctrl-C finishes what runs, starts nothing else, and exits 3', async () => {
    found(EP, CFG);
    const ac = new AbortController();
    const { ep, cfg } = endpointAndConfig((arn) => {
      if (arn === EP) ac.abort();
    });
    const ui = new RecordingUi();
    expect(await runClean(options({ yes: true }), deps(ui, [ep, cfg], { signal: ac.signal }))).toBe(ExitCode.Aborted);
    expect(statuses(ui.lastReport?.resources)).toEqual({ 'nova-ep': 'deleted', 'nova-config': 'skipped' });
    expect(ui.lastReport).toMatchObject({ interrupted: true, exitCode: 3 });
    expect(cfg.called('delete')).toEqual([]);
  });
});
