import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetRoleCommand, IAMClient, ListAccountAliasesCommand, SimulatePrincipalPolicyCommand, type SimulatePrincipalPolicyCommandInput } from '@aws-sdk/client-iam';
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient, type GetResourcesCommandInput } from '@aws-sdk/client-resource-groups-tagging-api';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import type { BackupDocument } from '../../src/backup/backup.js';
import type { JournalLine } from '../../src/backup/journal.js';
import { digestOf, verifyPlan } from '../../src/backup/plan-file.js';
import { runApply, type ApplyCommandOptions } from '../../src/commands/apply.js';
import { runClean, type CommandDeps } from '../../src/commands/clean.js';
import { runResume, type ResumeOptions } from '../../src/commands/resume.js';
import { AbortedError, ExitCode, NovaError } from '../../src/errors.js';
import type { Outcome, Report, TagFilter, Tags } from '../../src/model.js';
import type { CleanOptions } from '../../src/options.js';
import type { PlanDocument } from '../../src/plan/document.js';
import { GONE, type Child, type Described, type Gone } from '../../src/resources/handler.js';
import { buildRegistry, type Registry } from '../../src/resources/registry.js';
import { exitCodeOf, summarize } from '../../src/run/apply.js';
import { callerRoleName } from '../../src/run/gather.js';
import { matchesTags } from '../../src/tags.js';
import type { Answer } from '../../src/ui/ui.js';
import { awsError } from '../helpers/context.js';
import { DEFAULT_FILTERS, RecordingUi, allCalls, fakeHandler, seqOf, type FakeHandler, type FakeMethod } from '../helpers/fakes.js';

const sts = mockClient(STSClient);
const tagging = mockClient(ResourceGroupsTaggingAPIClient);
const iam = mockClient(IAMClient);
const ec2 = mockClient(EC2Client);
const mocks = [sts, tagging, iam, ec2];

const ACCOUNT = '123456789012';
const OTHER_ACCOUNT = '210987654321';
const CALLER = `arn:aws:iam::${ACCOUNT}:user/alice`;
const NOVA: Tags = { project: 'nova' };

// ─── A small account: resources of fake types whose state the test changes between runs ─────────

type TypeId = 'fake:endpoint' | 'fake:config' | 'fake:fn' | 'iam:role' | 'other:widget';

interface Res {
  readonly arn: string;
  readonly type: TypeId;
  readonly region: string;
  /** Live tags, as the resource's own service says. */
  tags: Tags;
  /** Tags as the Tagging API remembers them (stale after a re-tag); undefined: not indexed by it. */
  indexed: Tags | undefined;
  uses: string[];
  exists: boolean;
  readError?: Error | undefined;
  children: Child[];
  /** Deletes that fail before one succeeds. */
  failDeletes: number;
  lastUsed?: string | undefined;
}

class World {
  readonly res = new Map<string, Res>();
  /** ARNs the Tagging API lists that no handler owns. */
  readonly foreign: string[] = [];
  /** ARNs in the order their deletes completed. */
  readonly deleted: string[] = [];
  /** Called as each delete starts (before it can fail). */
  onDelete: (arn: string) => void = () => undefined;
  readonly h: Record<TypeId, FakeHandler>;
  readonly registry: Registry;

  constructor() {
    const describe = (arn: string): Described | Gone | Error => {
      const r = this.res.get(arn);
      if (!r?.exists) return GONE;
      if (r.readError) return r.readError;
      return { tags: { ...r.tags }, config: { arn, settings: { type: r.type } }, uses: [...r.uses] };
    };
    const common = (type: TypeId) => ({
      type,
      describe: (ref: { arn: string }) => describe(ref.arn),
      currentTags: (ref: { arn: string }): Tags | Gone => {
        const r = this.res.get(ref.arn);
        return r?.exists ? { ...r.tags } : GONE;
      },
      children: (lr: { ref: { arn: string } }) => [...(this.res.get(lr.ref.arn)?.children ?? [])],
      onDelete: (lr: { ref: { arn: string } }) => {
        const r = this.res.get(lr.ref.arn);
        if (!r?.exists) throw awsError('NotFound', 'no such thing', 404);
        this.onDelete(r.arn);
        if (r.failDeletes > 0) {
          r.failDeletes -= 1;
          throw awsError('ResourceInUse', `${r.arn} is busy`, 400);
        }
        r.exists = false;
        this.deleted.push(r.arn);
      },
    });
    const listed = (type: TypeId) => (region: string) =>
      [...this.res.values()].filter((r) => r.type === type && r.exists && r.region === region).map((r) => ({ arn: r.arn, uses: [...r.uses] }));
    this.h = {
      'fake:endpoint': fakeHandler({ ...common('fake:endpoint'), references: ['fake:config'], list: listed('fake:endpoint') }),
      'fake:config': fakeHandler({ ...common('fake:config'), references: ['iam:role'], list: listed('fake:config') }),
      'fake:fn': fakeHandler({ ...common('fake:fn'), references: ['iam:role'], list: listed('fake:fn') }),
      'iam:role': fakeHandler({
        ...common('iam:role'),
        global: true,
        lastUsedRegion: (lr) => this.res.get(lr.ref.arn)?.lastUsed,
        // Like IAM: the Tagging API does not return roles; list discovery finds them (here the list carries the live tags).
        taggingApi: false,
        list: () => [...this.res.values()].filter((r) => r.type === 'iam:role' && r.exists).map((r) => ({ arn: r.arn, tags: { ...r.tags } })),
      }),
      'other:widget': fakeHandler({ ...common('other:widget'), list: listed('other:widget') }),
    };
    this.registry = buildRegistry(Object.values(this.h));
  }

  add(type: TypeId, name: string, o: Partial<Omit<Res, 'arn' | 'type'>> = {}): string {
    const region = type === 'iam:role' ? '' : (o.region ?? 'us-east-1');
    const [service, kind] = type.split(':') as [string, string];
    const arn = `arn:aws:${service}:${region}:${ACCOUNT}:${kind}/${name}`;
    const tags = o.tags ?? { ...NOVA };
    this.res.set(arn, {
      arn,
      type,
      region: type === 'iam:role' ? 'us-east-1' : region,
      tags,
      indexed: type === 'iam:role' ? undefined : 'indexed' in o ? o.indexed : matchesTags(tags, DEFAULT_FILTERS) ? { ...tags } : undefined,
      uses: o.uses ?? [],
      exists: o.exists ?? true,
      readError: o.readError,
      children: o.children ?? [],
      failDeletes: o.failDeletes ?? 0,
      lastUsed: o.lastUsed,
    });
    return arn;
  }

  get(arn: string): Res {
    const r = this.res.get(arn);
    if (!r) throw new Error(`not in the world: ${arn}`);
    return r;
  }

  /** What GetResources answers for the filters it is given. */
  tagged(input: GetResourcesCommandInput) {
    const filters: TagFilter[] = (input.TagFilters ?? []).map((f) => ({ key: f.Key ?? '', values: f.Values ?? [] }));
    const list = [...this.res.values()]
      .filter((r) => r.indexed && matchesTags(r.indexed, filters))
      .map((r) => ({ ResourceARN: r.arn, Tags: Object.entries(r.indexed ?? {}).map(([Key, Value]) => ({ Key, Value })) }));
    for (const arn of this.foreign) list.push({ ResourceARN: arn, Tags: [{ Key: 'project', Value: 'nova' }] });
    return { ResourceTagMappingList: list };
  }

  /** Every call of every fake handler to `method` (after the call numbered `since`), as ARNs in the order they were made. */
  called(method: FakeMethod, since = 0): string[] {
    return allCalls(...Object.values(this.h))
      .filter((c) => c.method === method && c.phase === 'start' && c.seq > since)
      .map((c) => c.arn);
  }

  /** The number of the last call made so far: `called(method, mark)` gives the calls made after it. */
  mark(): number {
    return allCalls(...Object.values(this.h)).at(-1)?.seq ?? 0;
  }
}

let world: World;
let root: string;
let backupDir: string;
const clientsMade: AwsClients[] = [];

/** The usual account: a tagged endpoint using a tagged config, a tagged function using a tagged role, and a widget. */
function standard(w: World) {
  const CFG = w.add('fake:config', 'cfg');
  const EP = w.add('fake:endpoint', 'ep', { uses: [CFG] });
  const ROLE = w.add('iam:role', 'role');
  const FN = w.add('fake:fn', 'fn', { uses: [ROLE] });
  const W = w.add('other:widget', 'w');
  return { CFG, EP, ROLE, FN, W };
}

function cleanOptions(o: Partial<CleanOptions & { out: string; command: 'clean' | 'plan' }> = {}): CleanOptions & { out?: string; command?: 'clean' | 'plan' } {
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
    allRegions: false,
    discovery: 'tagging',
    settings: { deleteSharedLogGroups: false, deleteStudioEfs: false, deleteOwnedLogGroups: false, assumeAbsent: [] },
    waitTimeout: 60,
    ...o,
  };
}

/** What the CLI passes for `plan --out <file>`. */
const planOptions = (out?: string) => cleanOptions({ command: 'plan', dryRun: true, yes: true, backupDir: '', ...(out ? { out } : {}) });

function applyOptions(file: string, o: Partial<ApplyCommandOptions> = {}): ApplyCommandOptions {
  return { file, regions: [], interactive: false, yes: true, backupDir, json: false, waitTimeout: 60, ...o };
}

function resumeOptions(file: string, o: Partial<ResumeOptions> = {}): ResumeOptions {
  return { file, yes: true, json: false, waitTimeout: 60, ...o };
}

function deps(ui: RecordingUi, extra: Partial<CommandDeps> = {}): CommandDeps {
  const aws = new AwsClients({ maxAttempts: 1 });
  clientsMade.push(aws);
  return { ui, interactiveTerminal: true, signal: new AbortController().signal, registry: world.registry, aws, ...extra };
}

const byName = (report: Report | undefined): Record<string, Outcome> => Object.fromEntries((report?.resources ?? []).map((o) => [o.name, o]));
const statuses = (report: Report | undefined): Record<string, string> => Object.fromEntries((report?.resources ?? []).map((o) => [o.name, `${o.status} ${o.rule}`]));
const planned = (doc: PlanDocument | undefined): string[] => (doc?.items ?? []).map((i) => i.ref.name);
const backupFiles = (): string[] => (existsSync(backupDir) ? readdirSync(backupDir) : []);
const readJournalLines = (path: string): JournalLine[] =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as JournalLine);
const mode = (path: string): number => statSync(path).mode & 0o777;

function noAwsCall(): void {
  for (const m of mocks) expect(m).not.toHaveReceivedAnyCommand();
}
function clearHistory(): void {
  for (const m of mocks) m.resetHistory();
}

async function rejection(p: Promise<unknown>): Promise<NovaError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NovaError);
  return err as NovaError;
}

/** Answers SimulatePrincipalPolicy: every action allowed except `denied`. */
function simulateAnswering(denied: readonly string[] = []): void {
  iam.on(SimulatePrincipalPolicyCommand).callsFake((input: SimulatePrincipalPolicyCommandInput) => ({
    EvaluationResults: (input.ActionNames ?? []).map((a) => ({ EvalActionName: a, EvalResourceName: '*', EvalDecision: denied.includes(a) ? ('implicitDeny' as const) : ('allowed' as const) })),
  }));
}

/** Makes a plan file with `plan --out` and clears the mocks' history. */
async function writePlan(name = 'plan.json'): Promise<{ path: string; doc: PlanDocument }> {
  const path = join(root, name);
  const ui = new RecordingUi();
  expect(await runClean(planOptions(path), deps(ui, { interactiveTerminal: false }))).toBe(ExitCode.Ok);
  clearHistory();
  return { path, doc: ui.lastPlan as PlanDocument };
}

beforeEach(() => {
  for (const m of mocks) m.reset();
  world = new World();
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: CALLER, UserId: 'AIDAEXAMPLE' });
  tagging.on(GetResourcesCommand).callsFake((input: GetResourcesCommandInput) => world.tagged(input));
  ec2.on(DescribeRegionsCommand).resolves({
    Regions: [
      { RegionName: 'us-east-1', OptInStatus: 'opt-in-not-required' },
      { RegionName: 'us-west-2', OptInStatus: 'opt-in-not-required' },
      { RegionName: 'af-south-1', OptInStatus: 'not-opted-in' },
    ],
  });
  iam.on(ListAccountAliasesCommand).resolves({ AccountAliases: ['nova-prod'] });
  simulateAnswering();
  root = mkdtempSync(join(tmpdir(), 'nova-commands-test-'));
  backupDir = join(root, 'backups');
});
afterEach(async () => {
  for (const c of clientsMade.splice(0)) await c.destroy();
  rmSync(root, { recursive: true, force: true });
});

// ─── runClean ────────────────────────────────────────────────────────────────────────────────────

describe('runClean: refusals before anything happens', () => {
  it('refuses without a terminal and without --yes: exit 2, no AWS call, no backup folder', async () => {
    standard(world);
    const err = await rejection(runClean(cleanOptions(), deps(new RecordingUi(), { interactiveTerminal: false })));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toMatch(/^refusing to delete without confirmation/);
    noAwsCall();
    expect(world.called('describe')).toEqual([]);
    expect(existsSync(backupDir)).toBe(false);
  });

  it('refuses a plan whose permissions are denied: exit 2, the denied actions listed, nothing deleted, no backup', async () => {
    standard(world);
    simulateAnswering(['fake:Deleteendpoint']);
    const ui = new RecordingUi();
    const err = await rejection(runClean(cleanOptions({ yes: true }), deps(ui)));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toBe('the caller lacks 1 permission the plan needs (listed above); nothing was deleted');
    expect(ui.lines('error')).toEqual(['fake:endpoint: not allowed: fake:Deleteendpoint (implicitDeny)']);
    expect(iam).toHaveReceivedCommandWith(SimulatePrincipalPolicyCommand, { PolicySourceArn: CALLER, ActionNames: ['fake:Deleteendpoint'] });
    expect(world.called('delete')).toEqual([]);
    expect(world.called('currentTags')).toEqual([]);
    expect(backupFiles()).toEqual([]);
    expect(ui.lastReport).toBeUndefined();
  });

  it('stops at the account guard before looking for resources', async () => {
    standard(world);
    const err = await rejection(runClean(cleanOptions({ yes: true, account: OTHER_ACCOUNT }), deps(new RecordingUi())));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toMatch(/account guard: .*123456789012, not 210987654321/);
    expect(tagging).not.toHaveReceivedAnyCommand();
    expect(world.called('list')).toEqual([]);
  });
});

describe('runClean: regions', () => {
  it('refuses an unknown region before any AWS call', async () => {
    const err = await rejection(runClean(cleanOptions({ dryRun: true, regions: ['us-esat-1'] }), deps(new RecordingUi())));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toMatch(/^unknown region "us-esat-1"/);
    noAwsCall();
  });

  it("takes the SDK's region (AWS_REGION) when none is given", async () => {
    standard(world);
    const ui = new RecordingUi();
    expect(await runClean(cleanOptions({ dryRun: true, regions: [] }), deps(ui))).toBe(ExitCode.Ok);
    expect(process.env.AWS_REGION).toBe('us-east-1');
    expect(ui.lastReport?.regions).toEqual(['us-east-1']);
  });
});

describe('runClean: dry run', () => {
  it('returns 0 and plans exactly the resources that match, are in scope and unused; changes nothing', async () => {
    const { EP, CFG, FN, ROLE, W } = standard(world);
    world.add('other:widget', 'stale', { tags: { project: 'other' }, indexed: { ...NOVA } }); // the Tagging API remembers old tags
    world.add('fake:config', 'ghost', { exists: false, indexed: { ...NOVA } }); // deleted; the Tagging API still lists it
    world.add('other:widget', 'untagged', { tags: { team: 'x' } });
    const ui = new RecordingUi();
    const code = await runClean(cleanOptions({ dryRun: true }), deps(ui, { interactiveTerminal: false }));

    expect(code).toBe(ExitCode.Ok);
    const doc = ui.lastPlan;
    expect(planned(doc)).toEqual(['ep', 'fn', 'w', 'cfg', 'role']);
    expect(doc?.items.map((i) => i.layer)).toEqual([0, 0, 0, 1, 1]);
    expect(doc?.items.find((i) => i.ref.arn === CFG)).toMatchObject({ usedBy: [EP], rule: 'delete', config: { arn: CFG } });
    expect(doc?.items.find((i) => i.ref.arn === ROLE)?.usedBy).toEqual([FN]);
    expect(doc?.notPlanned.map((o) => `${o.name} ${o.status} ${o.rule}`)).toEqual(['ghost gone gone', 'stale skipped tags-not-matching']);
    const report = ui.lastReport;
    expect(report).toMatchObject({ dryRun: true, command: 'clean', account: ACCOUNT, principal: CALLER, regions: ['us-east-1'], exitCode: 0, interrupted: false });
    expect(report?.summary).toMatchObject({ planned: 5, deleted: 0, gone: 1, skipped: 1, failed: 0 });
    expect(statuses(report)).toEqual({
      ep: 'planned delete',
      fn: 'planned delete',
      w: 'planned delete',
      cfg: 'planned delete',
      role: 'planned delete',
      ghost: 'gone gone',
      stale: 'skipped tags-not-matching',
    });
    expect(report?.backupPath).toBeUndefined();
    expect(world.called('delete')).toEqual([]);
    expect(world.called('currentTags')).toEqual([]);
    expect(world.deleted).toEqual([]);
    expect(existsSync(backupDir)).toBe(false);
    expect(ui.calls.some((c) => c.kind === 'confirmPlan' || c.kind === 'confirmResource')).toBe(false);
    expect(iam).not.toHaveReceivedCommand(ListAccountAliasesCommand);
    expect(doc?.items.find((i) => i.ref.arn === W)?.usedBy).toEqual([]);
  });

  it('keeps a tagged role whose user is of an excluded type: the usage check lists every type that may use it', async () => {
    const { ROLE } = standard(world);
    const ui = new RecordingUi();
    expect(await runClean(cleanOptions({ dryRun: true, excludeTypes: ['fake:fn'] }), deps(ui))).toBe(ExitCode.Ok);
    expect(planned(ui.lastPlan)).toEqual(['ep', 'w', 'cfg']);
    expect(byName(ui.lastReport).fn).toMatchObject({ status: 'skipped', rule: 'type-excluded' });
    expect(byName(ui.lastReport).role).toMatchObject({ arn: ROLE, status: 'skipped', rule: 'in-use', reason: 'used by fake:fn fn (us-east-1), which stays' });
  });

  // src/discovery/reconcile.ts now holds back what the unreadable resource's TYPE declares (`references`), in its
  // region; the unsupported type (below) holds what its service may use and IAM roles (registry.mayUse).
  it('exits 1 on a read failure, and holds back what the unreadable type may use, in its region', async () => {
    const { EP } = standard(world);
    world.get(EP).readError = awsError('AccessDeniedException', 'User is not authorized to perform: fake:DescribeEndpoint', 403);
    world.add('fake:config', 'west-cfg', { region: 'us-west-2' });
    const ui = new RecordingUi();
    const code = await runClean(cleanOptions({ dryRun: true, regions: ['us-east-1', 'us-west-2'] }), deps(ui));

    expect(code).toBe(ExitCode.Failed);
    const o = byName(ui.lastReport);
    expect(o.ep).toMatchObject({ status: 'failed', rule: 'unreadable', error: 'could not read it: AccessDeniedException: User is not authorized to perform: fake:DescribeEndpoint' });
    expect(o.cfg).toMatchObject({ status: 'skipped', rule: 'held-back', reason: 'held back: fake:endpoint ep (us-east-1), which could not be read, may use it' });
    // Not what the endpoint may use, or in another region: still planned.
    expect(planned(ui.lastPlan).sort()).toEqual(['fn', 'role', 'w', 'west-cfg']);
    expect(ui.lastReport?.exitCode).toBe(ExitCode.Failed);
  });

  it('exits 1 when a resource reached by reference cannot be read, and reports it', async () => {
    const CFG = world.add('fake:config', 'hidden', { tags: {}, readError: awsError('AccessDeniedException', 'no DescribeConfig', 403) });
    world.add('fake:endpoint', 'ep', { uses: [CFG] });
    const ui = new RecordingUi();
    expect(await runClean(cleanOptions({ dryRun: true }), deps(ui))).toBe(ExitCode.Failed);
    expect(byName(ui.lastReport).hidden).toMatchObject({ arn: CFG, status: 'failed', rule: 'unreadable', error: expect.stringContaining('no DescribeConfig') });
    expect(planned(ui.lastPlan)).toEqual(['ep']);
  });

  it('exits 1 when the usage check cannot list the users of a role in a region, and holds the roles back', async () => {
    const { ROLE } = standard(world);
    const fn = world.h['fake:fn'];
    const list = fn.list!.bind(fn);
    fn.list = (ctx, region) => (region === 'us-west-2' ? Promise.reject(awsError('AccessDeniedException', 'no ListFunctions', 403)) : list(ctx, region));
    const ui = new RecordingUi();
    expect(await runClean(cleanOptions({ dryRun: true }), deps(ui))).toBe(ExitCode.Failed);
    const o = byName(ui.lastReport);
    expect(o.role).toMatchObject({ arn: ROLE, status: 'skipped', rule: 'held-back', reason: expect.stringMatching(/^held back: the fake:fn resources of us-west-2 could not be listed \(AccessDeniedException: no ListFunctions\)/) });
    expect(o['every fake:fn of us-west-2']).toMatchObject({ status: 'failed', rule: 'unreadable', error: 'could not list them: AccessDeniedException: no ListFunctions' });
    expect(planned(ui.lastPlan)).toEqual(['ep', 'fn', 'w', 'cfg']);
  });

  it('holds back the roles when the enabled regions cannot be listed', async () => {
    standard(world);
    ec2.on(DescribeRegionsCommand).rejects(awsError('UnauthorizedOperation', 'no DescribeRegions', 403));
    const ui = new RecordingUi();
    expect(await runClean(cleanOptions({ dryRun: true }), deps(ui))).toBe(ExitCode.Failed);
    expect(byName(ui.lastReport).role).toMatchObject({ rule: 'held-back', reason: expect.stringContaining('EC2 DescribeRegions: UnauthorizedOperation: no DescribeRegions') });
    expect(planned(ui.lastPlan)).toEqual(['ep', 'fn', 'w', 'cfg']);
  });

  it('exits 1 on a tagged resource of an unsupported type, and holds back IAM roles (anything may run as one)', async () => {
    standard(world);
    const JOB = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:training-job/train-1`;
    world.foreign.push(JOB);
    const ui = new RecordingUi();
    expect(await runClean(cleanOptions({ dryRun: true }), deps(ui))).toBe(ExitCode.Failed);
    const o = byName(ui.lastReport);
    expect(o[JOB]).toMatchObject({ arn: JOB, status: 'unsupported', rule: 'unsupported', reason: 'no handler for this type; left alone' });
    expect(o.role).toMatchObject({ status: 'skipped', rule: 'held-back', reason: `held back: sagemaker:training-job ${JOB} (unsupported type) may use it` });
    expect(planned(ui.lastPlan)).toEqual(['ep', 'fn', 'w', 'cfg']);
    expect(ui.lastReport?.summary).toMatchObject({ unsupported: 1, planned: 4 });
  });

  it('keeps a role used by an untagged function in another region, with its reason; looks in every enabled region', async () => {
    const { ROLE } = standard(world);
    const SHARED = world.add('iam:role', 'shared');
    world.add('fake:fn', 'etl', { region: 'us-west-2', tags: {}, uses: [SHARED] });
    const FREE = world.add('iam:role', 'free');
    const ui = new RecordingUi();
    expect(await runClean(cleanOptions({ dryRun: true }), deps(ui))).toBe(ExitCode.Ok);

    expect(byName(ui.lastReport).shared).toMatchObject({ arn: SHARED, status: 'skipped', rule: 'in-use', reason: 'used by fake:fn etl (us-west-2), which stays' });
    const items = ui.lastPlan?.items.map((i) => i.ref.arn) ?? [];
    expect(items).toContain(FREE);
    expect(items).toContain(ROLE);
    expect(items).not.toContain(SHARED);
    expect(ui.lastPlan?.examinedRegions).toEqual(['us-east-1', 'us-west-2']);
    expect(world.h['fake:fn'].called('list').sort()).toEqual(['us-east-1', 'us-west-2']);
    expect(ec2).toHaveReceivedCommandTimes(DescribeRegionsCommand, 1);
  });

  it('keeps a config used by an untagged endpoint, and a role IAM says was last used in a region not examined', async () => {
    const { CFG } = standard(world);
    world.add('fake:endpoint', 'untagged-ep', { tags: {}, uses: [CFG] });
    world.add('iam:role', 'traveller', { lastUsed: 'eu-central-1' });
    world.add('iam:role', 'local', { lastUsed: 'us-west-2' });
    const ui = new RecordingUi();
    expect(await runClean(cleanOptions({ dryRun: true }), deps(ui))).toBe(ExitCode.Ok);
    const o = byName(ui.lastReport);
    expect(o.cfg).toMatchObject({ rule: 'in-use', reason: 'used by fake:endpoint untagged-ep (us-east-1), which stays' });
    expect(o.traveller).toMatchObject({ rule: 'last-used-elsewhere', reason: expect.stringContaining('eu-central-1') });
    expect(o.local).toMatchObject({ status: 'planned', rule: 'delete' });
  });

  it('never plans the role the run itself is using', async () => {
    standard(world);
    world.add('iam:role', 'deployer');
    sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci`, UserId: 'AROA:ci' });
    iam.on(GetRoleCommand).resolves({ Role: { Arn: `arn:aws:iam::${ACCOUNT}:role/deployer`, RoleName: 'deployer', Path: '/', RoleId: 'AROA', CreateDate: new Date() } });
    expect(callerRoleName(`arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci`)).toBe('deployer');
    const ui = new RecordingUi();
    expect(await runClean(cleanOptions({ dryRun: true }), deps(ui))).toBe(ExitCode.Ok);
    expect(byName(ui.lastReport).deployer).toMatchObject({ status: 'skipped', rule: 'caller-role' });
    expect(planned(ui.lastPlan)).not.toContain('deployer');
  });
});

describe('runClean: plan --out', () => {
  it('writes a sealed plan (0600) that verifies, and deletes nothing', async () => {
    const { EP } = standard(world);
    const out = join(root, 'plan.json');
    const ui = new RecordingUi();
    expect(await runClean(planOptions(out), deps(ui, { interactiveTerminal: false }))).toBe(ExitCode.Ok);

    expect(mode(out)).toBe(0o600);
    const raw = JSON.parse(readFileSync(out, 'utf8')) as PlanDocument;
    expect(verifyPlan(raw, out)).toEqual(raw);
    expect(raw.digest).toBe(digestOf(raw));
    expect(raw.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(raw).toEqual(JSON.parse(JSON.stringify(ui.lastPlan)));
    expect(raw).toMatchObject({
      format: 'nova-cleanup-plan',
      version: 1,
      account: ACCOUNT,
      principal: CALLER,
      partition: 'aws',
      regions: ['us-east-1'],
      filters: [{ key: 'project', values: ['nova'] }],
      types: { include: [], exclude: [] },
      discovery: 'tagging',
      settings: { deleteSharedLogGroups: false, deleteStudioEfs: false, deleteOwnedLogGroups: false, assumeAbsent: [] },
      permissions: { status: 'allowed' },
    });
    expect(raw.items.map((i) => i.ref.name)).toEqual(['ep', 'fn', 'w', 'cfg', 'role']);
    expect(raw.items[0]).toMatchObject({ ref: { arn: EP }, tags: NOVA, config: { arn: EP }, uses: [expect.stringContaining('config/cfg')], layer: 0 });
    expect(ui.lastReport).toMatchObject({ command: 'plan', dryRun: true, planPath: out });
    expect(ui.lines('info').join('\n')).toContain(`Plan written to ${out}`);
    expect(world.called('delete')).toEqual([]);
  });

  it('never overwrites an existing file', async () => {
    standard(world);
    const out = join(root, 'plan.json');
    writeFileSync(out, 'mine\n');
    const err = await rejection(runClean(planOptions(out), deps(new RecordingUi())));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toMatch(/exists; plans are never overwritten/);
    expect(readFileSync(out, 'utf8')).toBe('mine\n');
  });
});

describe('runClean: confirming', () => {
  it('shows account, alias, regions, counts and what the backup cannot bring back; "no" is AbortedError (exit 3), nothing deleted', async () => {
    const { W } = standard(world);
    world.get(W).children = [{ kind: 'object-versions', id: '*', count: 2720, lost: 'data not in the backup' }];
    const ui = new RecordingUi([false]);
    const err = await rejection(runClean(cleanOptions(), deps(ui)));

    expect(err).toBeInstanceOf(AbortedError);
    expect(err.exitCode).toBe(ExitCode.Aborted);
    const asked = ui.calls.flatMap((c) => (c.kind === 'confirmPlan' ? [c.summary] : []));
    expect(asked).toEqual([
      {
        account: ACCOUNT,
        alias: 'nova-prod',
        regions: ['us-east-1'],
        counts: [
          ['fake:endpoint', 1],
          ['fake:fn', 1],
          ['other:widget', 1],
          ['fake:config', 1],
          ['iam:role', 1],
        ],
        total: 5,
        lost: ['2,720 object versions (data not in the backup) of other:widget w'],
      },
    ]);
    expect(ui.lastPlan?.accountAlias).toBe('nova-prod');
    expect(world.called('delete')).toEqual([]);
    expect(world.called('currentTags')).toEqual([]);
    expect(backupFiles()).toEqual([]);
  });

  it('"yes" at the confirmation deletes the plan', async () => {
    standard(world);
    const ui = new RecordingUi([true]);
    expect(await runClean(cleanOptions(), deps(ui))).toBe(ExitCode.Ok);
    expect(world.deleted).toHaveLength(5);
    expect(ui.remainingAnswers).toBe(0);
  });

  it('--interactive: a declined resource keeps what it uses (and what that uses), which is not asked about', async () => {
    const { EP, CFG, FN, W, ROLE } = standard(world);
    const CFG_ROLE = world.add('iam:role', 'cfg-role');
    world.get(CFG).uses = [CFG_ROLE];
    const answers: Answer[] = ['no', 'yes', 'yes', 'yes']; // ep, fn, w, role (cfg and cfg-role are not asked)
    const ui = new RecordingUi(answers);
    expect(await runClean(cleanOptions({ interactive: true }), deps(ui))).toBe(ExitCode.Ok);

    expect(planned(ui.lastPlan)).toEqual(['ep', 'fn', 'w', 'cfg', 'role', 'cfg-role']);
    const asked = ui.calls.flatMap((c) => (c.kind === 'confirmResource' ? [`${c.question.index}/${c.question.total} ${c.question.name}`] : []));
    expect(asked).toEqual(['1/6 ep', '2/6 fn', '3/6 w', '5/6 role']);
    expect(ui.remainingAnswers).toBe(0);
    const o = byName(ui.lastReport);
    expect(o.ep).toMatchObject({ status: 'skipped', rule: 'declined', reason: 'declined at the prompt' });
    expect(o.cfg).toMatchObject({ status: 'skipped', rule: 'declined', reason: 'kept because fake:endpoint ep, which uses it, is kept' });
    expect(o['cfg-role']).toMatchObject({ status: 'skipped', rule: 'declined', reason: 'kept because fake:config cfg, which uses it, is kept' });
    expect(world.deleted.sort()).toEqual([FN, W, ROLE].sort());
    expect(world.called('delete')).not.toContain(EP);
    expect(world.called('delete')).not.toContain(CFG);
    expect(world.called('currentTags')).not.toContain(CFG);
  });

  it('--interactive: "all" takes the rest, "quit" aborts with nothing deleted', async () => {
    standard(world);
    const ui = new RecordingUi(['yes', 'all'] satisfies Answer[]);
    expect(await runClean(cleanOptions({ interactive: true }), deps(ui))).toBe(ExitCode.Ok);
    expect(world.deleted).toHaveLength(5);

    const second = new World();
    world = second;
    standard(world);
    const quitter = new RecordingUi(['yes', 'quit'] satisfies Answer[]);
    const err = await rejection(runClean(cleanOptions({ interactive: true }), deps(quitter)));
    expect(err).toBeInstanceOf(AbortedError);
    expect(world.deleted).toEqual([]);
  });
});

describe('runClean: --yes', () => {
  it('writes the backup (0600) before the first delete, deletes in dependency order, journals one run id', async () => {
    const { EP, CFG, FN, ROLE, W } = standard(world);
    const filesAtFirstDelete: string[][] = [];
    world.onDelete = () => void (filesAtFirstDelete.length === 0 && filesAtFirstDelete.push(backupFiles()));
    const ui = new RecordingUi();
    expect(await runClean(cleanOptions({ yes: true }), deps(ui, { interactiveTerminal: false }))).toBe(ExitCode.Ok);

    // Order: a resource goes only once everything that uses it is gone.
    expect(seqOf(world.h['fake:endpoint'], 'delete', 'end', EP)).toBeLessThan(seqOf(world.h['fake:config'], 'delete', 'start', CFG));
    expect(seqOf(world.h['fake:fn'], 'delete', 'end', FN)).toBeLessThan(seqOf(world.h['iam:role'], 'delete', 'start', ROLE));
    expect(world.deleted.sort()).toEqual([CFG, EP, FN, ROLE, W].sort());
    // Each delete re-checked the tags first.
    expect(world.called('currentTags').sort()).toEqual([CFG, EP, FN, ROLE, W].sort());

    const report = ui.lastReport as Report;
    expect(report).toMatchObject({ dryRun: false, command: 'clean', exitCode: 0, interrupted: false, summary: expect.objectContaining({ deleted: 5, failed: 0 }) });
    expect(Object.values(statuses(report))).toEqual(Array(5).fill('deleted delete'));
    expect(ui.calls.some((c) => c.kind === 'confirmPlan')).toBe(false);

    // The backup: written first, 0600, the plan document and each configuration.
    const backupPath = report.backupPath as string;
    expect(filesAtFirstDelete[0]).toContain(backupPath.split('/').at(-1));
    expect(mode(backupPath)).toBe(0o600);
    const backup = JSON.parse(readFileSync(backupPath, 'utf8')) as BackupDocument;
    expect(backup).toMatchObject({ format: 'nova-cleanup-backup', version: 2, runId: report.runId });
    expect(backup.plan).toEqual(JSON.parse(JSON.stringify(ui.lastPlan)));
    expect(verifyPlan(backup.plan, 'backup').digest).toBe(ui.lastPlan?.digest);
    expect(backup.resources.map((r) => r.arn).sort()).toEqual([CFG, EP, FN, ROLE, W].sort());
    expect(backup.resources.find((r) => r.arn === EP)).toEqual({
      arn: EP,
      type: 'fake:endpoint',
      region: 'us-east-1',
      name: 'ep',
      tags: NOVA,
      config: { arn: EP, settings: { type: 'fake:endpoint' } },
      artifacts: [],
    });

    // The journal: 0600, one run id, every item's step and its deletion.
    const journalPath = report.journalPath as string;
    expect(mode(journalPath)).toBe(0o600);
    const lines = readJournalLines(journalPath);
    expect(new Set(lines.map((l) => l.runId))).toEqual(new Set([report.runId]));
    expect(lines[0]).toMatchObject({ event: 'run-started', command: 'clean', items: 5 });
    expect(lines.at(-1)).toMatchObject({ event: 'run-ended', exitCode: 0, interrupted: false });
    for (const arn of [CFG, EP, FN, ROLE, W]) {
      expect(lines.filter((l) => 'arn' in l && l.arn === arn).map((l) => `${l.event} ${'step' in l ? l.step : ''}`)).toEqual(['step-started delete', 'step-done delete', 'deleted delete']);
    }
    const at = (arn: string, event: string) => lines.findIndex((l) => 'arn' in l && l.arn === arn && l.event === event);
    expect(at(EP, 'deleted')).toBeLessThan(at(CFG, 'step-started'));
    expect(at(FN, 'deleted')).toBeLessThan(at(ROLE, 'step-started'));
  });

  it('exits 1 when a delete fails, and does not attempt what the failed one uses', async () => {
    const { EP, CFG } = standard(world);
    world.get(EP).failDeletes = 1;
    const ui = new RecordingUi();
    expect(await runClean(cleanOptions({ yes: true }), deps(ui))).toBe(ExitCode.Failed);
    const o = byName(ui.lastReport);
    expect(o.ep).toMatchObject({ status: 'failed', rule: 'delete-failed', error: expect.stringContaining('ResourceInUse') });
    expect(o.cfg).toMatchObject({ status: 'skipped', rule: 'not-attempted' });
    expect(world.called('delete')).not.toContain(CFG);
    expect(world.get(CFG).exists).toBe(true);
    expect(readJournalLines(ui.lastReport?.journalPath as string).at(-1)).toMatchObject({ event: 'run-ended', exitCode: ExitCode.Failed });
  });

  it('on Ctrl-C / SIGTERM during the deletes: what runs finishes, nothing new starts, exit 3', async () => {
    const { EP, CFG } = standard(world);
    const abort = new AbortController();
    world.onDelete = (arn) => {
      if (arn === EP) abort.abort();
    };
    const ui = new RecordingUi();
    expect(await runClean(cleanOptions({ yes: true }), deps(ui, { signal: abort.signal }))).toBe(ExitCode.Aborted);
    const o = byName(ui.lastReport);
    expect(o.ep).toMatchObject({ status: 'deleted' });
    expect(o.cfg).toMatchObject({ status: 'skipped', rule: 'interrupted' });
    expect(world.called('delete')).not.toContain(CFG);
    expect(ui.lastReport).toMatchObject({ interrupted: true, exitCode: ExitCode.Aborted });
    expect(readJournalLines(ui.lastReport?.journalPath as string).at(-1)).toMatchObject({ event: 'run-ended', exitCode: ExitCode.Aborted, interrupted: true });
  });

  it('interrupted at the confirmation: AbortedError, no backup, nothing deleted', async () => {
    standard(world);
    const abort = new AbortController();
    class InterruptedUi extends RecordingUi {
      override confirmPlan(summary: Parameters<RecordingUi['confirmPlan']>[0]): Promise<boolean> {
        abort.abort();
        return super.confirmPlan(summary);
      }
    }
    const err = await rejection(runClean(cleanOptions(), deps(new InterruptedUi([true]), { signal: abort.signal })));
    expect(err).toBeInstanceOf(AbortedError);
    expect(err.message).toBe('interrupted before the first delete; nothing was deleted');
    expect(world.called('delete')).toEqual([]);
    expect(backupFiles()).toEqual([]);
  });

  it('goes on with a warning when the permissions cannot be simulated (an emulator without it)', async () => {
    standard(world);
    iam.on(SimulatePrincipalPolicyCommand).rejects(awsError('InternalFailure', 'The action SimulatePrincipalPolicy is not implemented', 500));
    const ui = new RecordingUi();
    expect(await runClean(cleanOptions({ yes: true }), deps(ui))).toBe(ExitCode.Ok);
    expect(ui.lines('warn')).toContain('permission check skipped: SimulatePrincipalPolicy failed: InternalFailure: The action SimulatePrincipalPolicy is not implemented');
    expect(world.deleted).toHaveLength(5);
  });

  it('with nothing to delete: a report, exit 0, no question, no backup', async () => {
    world.add('other:widget', 'stale', { tags: { project: 'other' }, indexed: { ...NOVA } });
    const ui = new RecordingUi();
    expect(await runClean(cleanOptions(), deps(ui))).toBe(ExitCode.Ok);
    expect(ui.lastPlan?.items).toEqual([]);
    expect(ui.lastReport).toMatchObject({ dryRun: false, exitCode: 0, resources: [expect.objectContaining({ name: 'stale', rule: 'tags-not-matching' })] });
    expect(ui.lastReport?.backupPath).toBeUndefined();
    expect(ui.calls.some((c) => c.kind === 'confirmPlan')).toBe(false);
    expect(backupFiles()).toEqual([]);
  });
});

describe('runClean: --all-regions', () => {
  /** Answers GetResources from the world, and records the region of each client it was sent through. */
  function taggingRegions(): string[] {
    const asked: string[] = [];
    tagging.on(GetResourcesCommand).callsFake(async (input: GetResourcesCommandInput, getClient) => {
      asked.push(await (getClient().config.region as () => Promise<string>)());
      return world.tagged(input);
    });
    return asked;
  }

  beforeEach(() => {
    ec2.on(DescribeRegionsCommand).resolves({
      Regions: [
        { RegionName: 'eu-west-1', OptInStatus: 'opt-in-not-required' },
        { RegionName: 'us-east-1', OptInStatus: 'opt-in-not-required' },
        { RegionName: 'ap-south-1', OptInStatus: 'opt-in-not-required' },
        { RegionName: 'me-south-1', OptInStatus: 'opted-in' },
        { RegionName: 'af-south-1', OptInStatus: 'not-opted-in' },
      ],
    });
  });

  it('takes the regions enabled for the account from EC2 DescribeRegions, the home region first, and looks in each (IAM once)', async () => {
    const { EP, CFG, FN, ROLE, W } = standard(world);
    const FAR = world.add('fake:endpoint', 'far', { region: 'eu-west-1' });
    const OPTED = world.add('fake:config', 'opted', { region: 'me-south-1' });
    const asked = taggingRegions();
    const ui = new RecordingUi();
    expect(await runClean(cleanOptions({ dryRun: true, regions: [], allRegions: true }), deps(ui))).toBe(ExitCode.Ok);

    const all = ['us-east-1', 'ap-south-1', 'eu-west-1', 'me-south-1'];
    expect(ui.lines('info')).toContain(`All 4 regions enabled for the account: ${all.join(', ')}`);
    expect(ui.lastReport?.regions).toEqual(all);
    expect(ui.lastPlan?.regions).toEqual(all);
    expect(asked.sort()).toEqual([...all].sort());
    expect(ec2).toHaveReceivedCommandWith(DescribeRegionsCommand, { AllRegions: false });
    expect(world.h['iam:role'].called('list')).toEqual(['us-east-1']);
    expect(new Set(ui.lastPlan?.items.map((i) => i.ref.arn))).toEqual(new Set([EP, CFG, FN, ROLE, W, FAR, OPTED]));
    expect(ui.lastPlan?.items.find((i) => i.ref.arn === FAR)?.ref.region).toBe('eu-west-1');
  });

  it('puts the home region of the config chain first, whatever its place in the sorted list', async () => {
    standard(world);
    taggingRegions();
    const previous = process.env.AWS_REGION;
    process.env.AWS_REGION = 'me-south-1';
    try {
      const ui = new RecordingUi();
      expect(await runClean(cleanOptions({ dryRun: true, regions: [], allRegions: true }), deps(ui))).toBe(ExitCode.Ok);
      expect(ui.lastReport?.regions).toEqual(['me-south-1', 'ap-south-1', 'eu-west-1', 'us-east-1']);
      // STS and DescribeRegions were asked in the home region.
      const regionOf = (c: unknown) => ((c as EC2Client).config.region as () => Promise<string>)();
      expect(await regionOf(sts.commandCalls(GetCallerIdentityCommand)[0]?.thisValue)).toBe('me-south-1');
      expect(new Set(await Promise.all(ec2.commandCalls(DescribeRegionsCommand).map((c) => regionOf(c.thisValue))))).toEqual(new Set(['me-south-1']));
    } finally {
      process.env.AWS_REGION = previous;
    }
  });

  it('refuses (exit 2, one line naming --all-regions) when the regions cannot be listed, before looking for resources', async () => {
    standard(world);
    ec2.on(DescribeRegionsCommand).rejects(awsError('UnauthorizedOperation', 'no DescribeRegions', 403));
    const err = await rejection(runClean(cleanOptions({ dryRun: true, regions: [], allRegions: true }), deps(new RecordingUi())));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toBe('--all-regions: the regions enabled for the account could not be listed (EC2 DescribeRegions: UnauthorizedOperation: no DescribeRegions)');
    expect(tagging).not.toHaveReceivedAnyCommand();
    expect(world.called('list')).toEqual([]);
    expect(world.called('describe')).toEqual([]);
  });

  it('without --all-regions the run stays in the regions given (DescribeRegions only for the usage check)', async () => {
    standard(world);
    world.add('fake:endpoint', 'far', { region: 'eu-west-1' });
    const asked = taggingRegions();
    const ui = new RecordingUi();
    expect(await runClean(cleanOptions({ dryRun: true }), deps(ui))).toBe(ExitCode.Ok);
    expect(asked).toEqual(['us-east-1']);
    expect(ui.lastReport?.regions).toEqual(['us-east-1']);
    expect(byName(ui.lastReport).far).toMatchObject({ status: 'skipped', rule: 'outside-regions' });
    expect(ui.lines('info').some((l) => l.startsWith('All '))).toBe(false);
  });
});

describe('runClean: --discovery', () => {
  /** The standard account, a tagged widget the Tagging API does not show yet, and one it remembers with old tags. */
  function lagging(w: World) {
    const arns = standard(w);
    const FRESH = w.add('other:widget', 'fresh', { indexed: undefined });
    const STALE = w.add('other:widget', 'stale', { tags: { project: 'other' }, indexed: { ...NOVA } });
    return { ...arns, FRESH, STALE };
  }

  it('tagging (the default) misses what the Tagging API does not show yet, and checks what it remembers', async () => {
    const { FRESH } = lagging(world);
    const ui = new RecordingUi();
    expect(await runClean(cleanOptions({ dryRun: true }), deps(ui))).toBe(ExitCode.Ok);
    expect(ui.lastPlan?.discovery).toBe('tagging');
    expect(ui.lastPlan?.items.map((i) => i.ref.arn)).not.toContain(FRESH);
    expect(byName(ui.lastReport).stale).toMatchObject({ status: 'skipped', rule: 'tags-not-matching' });
    expect(tagging).toHaveReceivedCommand(GetResourcesCommand);
  });

  it('list: every supported type is found by its own list and live tags (the Tagging API only for unsupported types), and the plan says so', async () => {
    const { EP, CFG, FN, ROLE, W, FRESH, STALE } = lagging(world);
    const ui = new RecordingUi();
    expect(await runClean(cleanOptions({ dryRun: true, discovery: 'list' }), deps(ui))).toBe(ExitCode.Ok);

    // Asked (it alone shows tagged resources of unsupported types), but its hits of supported types are dropped.
    expect(tagging).toHaveReceivedCommand(GetResourcesCommand);
    expect(ui.lastPlan?.discovery).toBe('list');
    expect(new Set(ui.lastPlan?.items.map((i) => i.ref.arn))).toEqual(new Set([EP, CFG, FN, ROLE, W, FRESH]));
    // The stale one is not ours by its live tags: the Tagging API still returns it, but the listing decides:
    // never found, never reported.
    expect(ui.lastReport?.resources.map((o) => o.arn)).not.toContain(STALE);
    // Tags were read for the listed resources whose list does not carry them (the roles' does).
    const tagReads = world.called('currentTags');
    for (const arn of [EP, CFG, FN, W, FRESH, STALE]) expect(tagReads).toContain(arn);
    expect(tagReads).not.toContain(ROLE);
  });

  it('both: the Tagging API and every list; what one misses the other finds', async () => {
    const { FRESH } = lagging(world);
    const ui = new RecordingUi();
    expect(await runClean(cleanOptions({ dryRun: true, discovery: 'both' }), deps(ui))).toBe(ExitCode.Ok);
    expect(tagging).toHaveReceivedCommand(GetResourcesCommand);
    expect(ui.lastPlan?.discovery).toBe('both');
    expect(ui.lastPlan?.items.map((i) => i.ref.arn)).toContain(FRESH);
    expect(byName(ui.lastReport).stale).toMatchObject({ status: 'skipped', rule: 'tags-not-matching' });
    expect(planned(ui.lastPlan).sort()).toEqual(['cfg', 'ep', 'fn', 'fresh', 'role', 'w']);
  });

  it("a type's own listing that fails in discovery: exit 1, reported once; what only it would find is not planned, the rest goes on", async () => {
    const { ROLE } = standard(world);
    const FREE = world.add('iam:role', 'free'); // tagged, used by nothing: only the listing of roles finds it
    world.h['iam:role'].list = () => Promise.reject(awsError('AccessDenied', 'not authorized to ListRoles', 403));
    const ui = new RecordingUi();
    expect(await runClean(cleanOptions({ dryRun: true }), deps(ui))).toBe(ExitCode.Failed);
    const failed = (ui.lastReport?.resources ?? []).filter((o) => o.status === 'failed');
    expect(failed).toEqual([expect.objectContaining({ type: 'iam:role', region: 'us-east-1', rule: 'unreadable', error: 'could not list them: AccessDenied: not authorized to ListRoles' })]);
    expect(ui.lastPlan?.items.map((i) => i.ref.arn)).not.toContain(FREE);
    // The function's role is still reached by reference, and its own live tags decide.
    expect(ui.lastPlan?.items.map((i) => i.ref.arn)).toContain(ROLE);
    expect(planned(ui.lastPlan)).toEqual(['ep', 'fn', 'w', 'cfg', 'role']);
  });

  it('--discovery list: a listing that fails in discovery holds back what that type may use in that region, even when a later listing answers', async () => {
    const { CFG } = standard(world);
    const ep = world.h['fake:endpoint'];
    const list = ep.list.bind(ep);
    let first = true;
    ep.list = (ctx, region) => {
      if (first) {
        first = false;
        return Promise.reject(awsError('ThrottlingException', 'Rate exceeded'));
      }
      return list(ctx, region);
    };
    const ui = new RecordingUi();
    expect(await runClean(cleanOptions({ dryRun: true, discovery: 'list' }), deps(ui))).toBe(ExitCode.Failed);
    expect(byName(ui.lastReport).cfg).toMatchObject({ arn: CFG, status: 'skipped', rule: 'held-back', reason: expect.stringContaining('fake:endpoint resources of us-east-1 could not be listed') });
    expect(byName(ui.lastReport)['every fake:endpoint of us-east-1']).toMatchObject({ status: 'failed', error: 'could not list them: ThrottlingException: Rate exceeded' });
    expect(planned(ui.lastPlan)).not.toContain('ep');
  });

  // A tagged resource of an unsupported type is only ever seen through the Tagging API: it is asked even
  // when no selected type is one it returns.
  it('--include-type iam:role: a tagged resource of an unsupported type still holds the roles back (exit 1)', async () => {
    standard(world);
    const JOB = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:training-job/train-1`;
    world.foreign.push(JOB);
    const ui = new RecordingUi();
    expect(await runClean(cleanOptions({ dryRun: true, includeTypes: ['iam:role'] }), deps(ui))).toBe(ExitCode.Failed);
    expect(tagging).toHaveReceivedCommand(GetResourcesCommand);
    expect(byName(ui.lastReport)[JOB]).toMatchObject({ status: 'unsupported', rule: 'unsupported' });
    expect(byName(ui.lastReport).role).toMatchObject({ status: 'skipped', rule: 'held-back' });
    expect(planned(ui.lastPlan)).toEqual([]);
  });

  it('--discovery list: a tagged resource of an unsupported type (seen only through the Tagging API) is reported and holds the roles back (exit 1)', async () => {
    const { ROLE } = standard(world);
    const JOB = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:training-job/train-1`;
    world.foreign.push(JOB);
    const ui = new RecordingUi();
    expect(await runClean(cleanOptions({ dryRun: true, discovery: 'list' }), deps(ui))).toBe(ExitCode.Failed);
    expect(tagging).toHaveReceivedCommand(GetResourcesCommand);
    expect(byName(ui.lastReport)[JOB]).toMatchObject({ status: 'unsupported', rule: 'unsupported' });
    expect(byName(ui.lastReport).role).toMatchObject({ arn: ROLE, status: 'skipped', rule: 'held-back' });
    expect(planned(ui.lastPlan)).not.toContain('role');
    // The supported types are still found by their own listings and planned.
    expect(planned(ui.lastPlan).sort()).toEqual(['cfg', 'ep', 'fn', 'w']);
  });

  it('--discovery list: a Tagging API hit of a supported type is dropped; the type\'s own listing and live tags decide', async () => {
    const { EP } = standard(world);
    // The Tagging API still remembers these as ours: one deleted since, one re-tagged since.
    const DELETED = world.add('other:widget', 'deleted', { exists: false, indexed: { ...NOVA } });
    const RETAGGED = world.add('other:widget', 'retagged', { tags: { project: 'other' }, indexed: { ...NOVA } });
    // In tagging mode the Tagging API's hits are used: the re-tagged one is read again and reported as not ours.
    const viaTagging = new RecordingUi();
    expect(await runClean(cleanOptions({ dryRun: true }), deps(viaTagging))).toBe(ExitCode.Ok);
    expect(byName(viaTagging.lastReport).retagged).toMatchObject({ status: 'skipped', rule: 'tags-not-matching' });
    const mark = world.mark();
    clearHistory();

    const ui = new RecordingUi();
    expect(await runClean(cleanOptions({ dryRun: true, discovery: 'list' }), deps(ui))).toBe(ExitCode.Ok);
    expect(tagging).toHaveReceivedCommand(GetResourcesCommand);
    // In list mode neither is a hit: neither is described nor reported; the deleted one is not read at all.
    const reported = (ui.lastReport?.resources ?? []).map((o) => o.arn);
    expect(reported).not.toContain(DELETED);
    expect(reported).not.toContain(RETAGGED);
    const readAgain = [...world.called('describe', mark), ...world.called('currentTags', mark)];
    expect(readAgain).not.toContain(DELETED);
    expect(readAgain).toContain(RETAGGED); // its own listing found it, and its live tags (not ours) decided
    expect(world.called('describe', mark)).not.toContain(RETAGGED);
    expect(ui.lastPlan?.items.map((i) => i.ref.arn)).toContain(EP);
    expect(planned(ui.lastPlan).sort()).toEqual(['cfg', 'ep', 'fn', 'role', 'w']);
  });
});

describe('runClean and runApply: explicit settings', () => {
  const REFUSAL = 'an account-wide log group every job writes to; pass --delete-shared-log-groups';
  const ON = { deleteSharedLogGroups: true, deleteStudioEfs: false, deleteOwnedLogGroups: false, assumeAbsent: [] as string[] };

  /** The widget refuses unless the user turned the setting on; records what protect was given. */
  function settingAware(): unknown[] {
    const seen: unknown[] = [];
    world.h['other:widget'].protect = (_lr, settings) => {
      seen.push({ ...settings });
      return settings.deleteSharedLogGroups === true ? undefined : REFUSAL;
    };
    return seen;
  }

  it('off by default: protect is given the settings, refuses, and the plan records them off', async () => {
    standard(world);
    const seen = settingAware();
    const ui = new RecordingUi();
    expect(await runClean(cleanOptions({ dryRun: true }), deps(ui))).toBe(ExitCode.Ok);
    expect(byName(ui.lastReport).w).toMatchObject({ status: 'skipped', rule: 'protected', reason: REFUSAL });
    expect(seen).toEqual([{ deleteSharedLogGroups: false, deleteStudioEfs: false, deleteOwnedLogGroups: false, assumeAbsent: [] }]);
    expect(ui.lastPlan?.settings).toEqual({ deleteSharedLogGroups: false, deleteStudioEfs: false, deleteOwnedLogGroups: false, assumeAbsent: [] });
  });

  it('turned on: protect lets it through; the plan records it, and apply decides with the plan\'s settings', async () => {
    const { W } = standard(world);
    const seen = settingAware();
    const path = join(root, 'plan.json');
    const planUi = new RecordingUi();
    expect(await runClean(cleanOptions({ command: 'plan', dryRun: true, yes: true, backupDir: '', out: path, settings: ON }), deps(planUi))).toBe(ExitCode.Ok);
    expect(planned(planUi.lastPlan)).toContain('w');
    expect((JSON.parse(readFileSync(path, 'utf8')) as PlanDocument).settings).toEqual(ON);
    expect(seen).toEqual([ON]);

    seen.length = 0;
    const ui = new RecordingUi();
    expect(await runApply(applyOptions(path), deps(ui))).toBe(ExitCode.Ok);
    expect(seen).toEqual([ON]);
    expect(byName(ui.lastReport).w).toMatchObject({ status: 'deleted' });
    expect(world.get(W).exists).toBe(false);
  });
});

describe('runClean: retained by AWS', () => {
  const KEPT = 'a finished job: AWS keeps its record and has no delete for it';

  it('a record AWS keeps is reported retained (never deleted, never a failure), and the role it used is deleted', async () => {
    const { FN, ROLE } = standard(world);
    const fn = world.h['fake:fn'];
    fn.retained = (lr) => (lr.ref.arn === FN ? KEPT : undefined);
    // Like ListTrainingJobs: the listing does not say what each uses (it is read, or reused from describe).
    const list = fn.list.bind(fn);
    fn.list = async (ctx, region) => (await list(ctx, region)).map((l) => ({ arn: l.arn }));
    const ui = new RecordingUi();
    expect(await runClean(cleanOptions({ yes: true }), deps(ui))).toBe(ExitCode.Ok);

    const o = byName(ui.lastReport);
    expect(o.fn).toMatchObject({ arn: FN, status: 'retained', rule: 'retained-by-aws', reason: KEPT });
    expect(o.role).toMatchObject({ arn: ROLE, status: 'deleted' });
    expect(world.called('delete')).not.toContain(FN);
    expect(world.get(FN).exists).toBe(true);
    expect(ui.lastReport?.summary).toMatchObject({ retained: 1, failed: 0, deleted: 4 });
    expect(ui.lastReport?.exitCode).toBe(ExitCode.Ok);
  });
});

// ─── runApply ────────────────────────────────────────────────────────────────────────────────────

describe('runApply', () => {
  it('carries out the plan: the same items, in order, with a backup of the plan', async () => {
    const { EP, CFG } = standard(world);
    const { path, doc } = await writePlan();
    const ui = new RecordingUi();
    expect(await runApply(applyOptions(path), deps(ui, { interactiveTerminal: false }))).toBe(ExitCode.Ok);
    expect(world.deleted).toHaveLength(5);
    expect(seqOf(world.h['fake:endpoint'], 'delete', 'end', EP)).toBeLessThan(seqOf(world.h['fake:config'], 'delete', 'start', CFG));
    expect(ui.lastReport).toMatchObject({ command: 'apply', planPath: path, exitCode: 0 });
    expect(tagging).not.toHaveReceivedAnyCommand(); // nothing is looked for: only the plan's items
    const backup = JSON.parse(readFileSync(ui.lastReport?.backupPath as string, 'utf8')) as BackupDocument;
    expect(backup.plan.items.map((i) => i.ref.arn)).toEqual(doc.items.map((i) => i.ref.arn));
  });

  it('re-reads every item: gone → gone, tags changed → skipped (changed since the plan); a resource not in the plan is never touched', async () => {
    const { EP, W } = standard(world);
    const { path } = await writePlan();
    world.get(EP).exists = false;
    world.get(W).tags = { project: 'other' };
    const NEW = world.add('other:widget', 'newcomer');
    const ui = new RecordingUi();
    expect(await runApply(applyOptions(path), deps(ui))).toBe(ExitCode.Ok);

    const o = byName(ui.lastReport);
    expect(o.ep).toMatchObject({ status: 'gone', rule: 'gone', reason: 'it no longer exists' });
    expect(o.w).toMatchObject({ status: 'skipped', rule: 'changed-since-plan', reason: 'its tags changed since the plan was made; left alone' });
    expect(o.cfg).toMatchObject({ status: 'deleted' });
    expect(o.fn).toMatchObject({ status: 'deleted' });
    expect(o.role).toMatchObject({ status: 'deleted' });
    expect(o.newcomer).toBeUndefined();
    expect(world.get(W).exists).toBe(true);
    expect(world.get(NEW).exists).toBe(true);
    for (const method of ['describe', 'currentTags', 'delete'] as const) expect(world.called(method)).not.toContain(NEW);
    expect(world.called('delete')).not.toContain(W);
  });

  it('keeps a planned role that something started using since the plan', async () => {
    const { ROLE } = standard(world);
    const { path } = await writePlan();
    world.add('fake:fn', 'late', { region: 'us-west-2', tags: {}, uses: [ROLE] });
    const ui = new RecordingUi();
    expect(await runApply(applyOptions(path), deps(ui))).toBe(ExitCode.Ok);
    expect(byName(ui.lastReport).role).toMatchObject({ rule: 'in-use', reason: 'used by fake:fn late (us-west-2), which stays' });
    expect(world.get(ROLE).exists).toBe(true);
  });

  it('refuses an edited plan: exit 2, no AWS call', async () => {
    standard(world);
    const { path } = await writePlan();
    const raw = JSON.parse(readFileSync(path, 'utf8')) as { items: { tags: Tags }[] };
    raw.items[0]!.tags = { project: 'nova', extra: 'x' };
    writeFileSync(path, JSON.stringify(raw));
    const err = await rejection(runApply(applyOptions(path), deps(new RecordingUi())));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toMatch(/was changed after it was made \(its digest does not match its content\)/);
    noAwsCall();
    expect(world.called('delete')).toEqual([]);
    expect(existsSync(backupDir)).toBe(false);
  });

  it('refuses a plan made for another account (the credentials answer another account): exit 2, nothing deleted', async () => {
    standard(world);
    const { path } = await writePlan();
    const mark = world.mark();
    sts.on(GetCallerIdentityCommand).resolves({ Account: OTHER_ACCOUNT, Arn: `arn:aws:iam::${OTHER_ACCOUNT}:user/bob`, UserId: 'AIDB' });
    const err = await rejection(runApply(applyOptions(path), deps(new RecordingUi())));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toContain(OTHER_ACCOUNT);
    expect(err.message).toContain(ACCOUNT);
    expect(sts).toHaveReceivedCommand(GetCallerIdentityCommand);
    expect(iam).not.toHaveReceivedCommand(SimulatePrincipalPolicyCommand);
    expect(world.called('describe', mark)).toEqual([]);
    expect(world.called('delete')).toEqual([]);
    expect(backupFiles()).toEqual([]);
  });

  it('refuses a --region the plan does not name: exit 2, no AWS call', async () => {
    standard(world);
    const { path } = await writePlan();
    const err = await rejection(runApply(applyOptions(path, { regions: ['us-east-1', 'eu-west-1'] }), deps(new RecordingUi())));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toBe('--region eu-west-1: the plan covers us-east-1 only; make a new plan for other regions');
    noAwsCall();
    expect(world.called('delete')).toEqual([]);
  });

  it('refuses without a terminal and without --yes: exit 2, no AWS call', async () => {
    standard(world);
    const { path } = await writePlan();
    const err = await rejection(runApply(applyOptions(path, { yes: false }), deps(new RecordingUi(), { interactiveTerminal: false })));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toMatch(/^refusing to delete without confirmation/);
    noAwsCall();
  });

  it('refuses when the permissions the plan needs are denied now: exit 2, nothing deleted', async () => {
    standard(world);
    const { path } = await writePlan();
    simulateAnswering(['iam:Deleterole']);
    const ui = new RecordingUi();
    const err = await rejection(runApply(applyOptions(path), deps(ui)));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(ui.lines('error')).toEqual(['iam:role: not allowed: iam:Deleterole (implicitDeny)']);
    expect(world.called('delete')).toEqual([]);
    expect(backupFiles()).toEqual([]);
  });
});

// ─── runResume ───────────────────────────────────────────────────────────────────────────────────

describe('runResume', () => {
  /** A run of the standard account where the config's and the widget's deletes fail: exit 1. */
  async function stoppedRun() {
    const arns = standard(world);
    world.get(arns.CFG).failDeletes = 1;
    world.get(arns.W).failDeletes = 1;
    const ui = new RecordingUi();
    expect(await runClean(cleanOptions({ yes: true }), deps(ui))).toBe(ExitCode.Failed);
    const report = ui.lastReport as Report;
    expect(statuses(report)).toMatchObject({ ep: 'deleted delete', fn: 'deleted delete', role: 'deleted delete', cfg: 'failed delete-failed', w: 'failed delete-failed' });
    clearHistory();
    return { ...arns, report, backupPath: report.backupPath as string, journalPath: report.journalPath as string };
  }

  it('skips what the journal says is deleted, re-verifies and deletes the rest, and appends to the same journal under the same run id', async () => {
    const { EP, CFG, FN, W, report, journalPath } = await stoppedRun();
    world.get(W).tags = { project: 'other' }; // re-tagged since: re-verified, left alone
    const before = readFileSync(journalPath, 'utf8');
    const mark = world.mark();
    const ui = new RecordingUi();
    expect(await runResume(resumeOptions(journalPath), deps(ui, { interactiveTerminal: false }))).toBe(ExitCode.Ok);

    const o = byName(ui.lastReport);
    for (const name of ['ep', 'fn', 'role']) expect(o[name]).toMatchObject({ status: 'deleted', rule: 'delete', reason: 'deleted by the run being resumed' });
    expect(o.cfg).toMatchObject({ status: 'deleted', rule: 'delete' });
    expect(o.cfg?.reason).toBeUndefined();
    expect(o.w).toMatchObject({ status: 'skipped', rule: 'changed-since-plan' });
    expect(ui.lastReport).toMatchObject({ command: 'resume', runId: report.runId, backupPath: report.backupPath, journalPath });

    // Only the rest was read again and deleted.
    const describedNow = world.called('describe', mark);
    expect(describedNow).toContain(CFG);
    expect(describedNow).toContain(W);
    expect(describedNow).not.toContain(EP);
    expect(describedNow).not.toContain(FN);
    expect(world.called('delete', mark)).toEqual([CFG]);
    expect(world.get(CFG).exists).toBe(false);
    expect(world.get(W).exists).toBe(true);

    // The same journal, appended to, one run id throughout.
    const after = readFileSync(journalPath, 'utf8');
    expect(after.startsWith(before)).toBe(true);
    const added = after.slice(before.length).trim().split('\n').map((l) => JSON.parse(l) as JournalLine);
    expect(added[0]).toMatchObject({ event: 'resumed', command: 'resume', items: 1 }); // the re-tagged widget left the plan on re-verification
    expect(added.filter((l) => 'arn' in l && l.arn === CFG).map((l) => l.event)).toEqual(['step-started', 'step-done', 'deleted']);
    expect(new Set(readJournalLines(journalPath).map((l) => l.runId))).toEqual(new Set([report.runId]));
    expect(readJournalLines(journalPath).filter((l) => l.event === 'run-started')).toHaveLength(1);
    // No second backup.
    expect(backupFiles().filter((f) => f.endsWith('.json'))).toEqual([report.backupPath?.split('/').at(-1)]);
  });

  it('accepts the backup as well as the journal', async () => {
    const { CFG, W, backupPath } = await stoppedRun();
    const ui = new RecordingUi();
    expect(await runResume(resumeOptions(backupPath), deps(ui))).toBe(ExitCode.Ok);
    expect(world.get(CFG).exists).toBe(false);
    expect(world.get(W).exists).toBe(false);
  });

  it('refuses a journal whose run id differs from the backup\'s: exit 2, no AWS call', async () => {
    const { backupPath, journalPath, report } = await stoppedRun();
    const mark = world.mark();
    const other = '00000000-0000-4000-8000-000000000000';
    writeFileSync(journalPath, readFileSync(journalPath, 'utf8').replaceAll(report.runId as string, other));
    const err = await rejection(runResume(resumeOptions(backupPath), deps(new RecordingUi())));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toBe(`${journalPath} belongs to run ${other}, the backup to ${report.runId}; they do not go together`);
    noAwsCall();
    expect(world.called('describe', mark)).toEqual([]);
  });

  it('refuses without a terminal and without --yes: exit 2, no AWS call', async () => {
    const { journalPath } = await stoppedRun();
    const err = await rejection(runResume(resumeOptions(journalPath, { yes: false }), deps(new RecordingUi(), { interactiveTerminal: false })));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toMatch(/^refusing to delete without confirmation/);
    noAwsCall();
  });

  it('refuses when the backup is not beside the journal', async () => {
    const err = await rejection(runResume(resumeOptions(join(root, 'nova-cleanup-x.journal.ndjson')), deps(new RecordingUi())));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toMatch(/^no backup beside the journal/);
    noAwsCall();
  });
});

// ─── The pure parts of src/run ───────────────────────────────────────────────────────────────────

describe('run helpers', () => {
  const outcome = (status: Outcome['status']): Outcome => ({ arn: `arn:aws:fake:us-east-1:${ACCOUNT}:thing/${status}`, type: 'fake:thing', region: 'us-east-1', name: status, status, rule: 'delete' });

  it('exitCodeOf: 1 for a failure or an unsupported type (whatever else), 3 when interrupted, else 0', () => {
    expect(exitCodeOf([outcome('deleted'), outcome('gone'), outcome('skipped'), outcome('planned'), outcome('blocked')], false)).toBe(0);
    expect(exitCodeOf([outcome('deleted'), outcome('failed')], false)).toBe(1);
    expect(exitCodeOf([outcome('unsupported')], false)).toBe(1);
    expect(exitCodeOf([outcome('failed')], true)).toBe(1);
    expect(exitCodeOf([outcome('deleted')], true)).toBe(3);
    expect(exitCodeOf([], false)).toBe(0);
    expect(exitCodeOf([outcome('retained'), outcome('deleted')], false)).toBe(0); // retained by AWS is never a failure
  });

  it('summarize counts each status', () => {
    expect(summarize([outcome('deleted'), outcome('deleted'), outcome('failed'), outcome('blocked'), outcome('planned')])).toEqual({
      deleted: 2,
      failed: 1,
      skipped: 0,
      gone: 0,
      unsupported: 0,
      planned: 1,
      blocked: 1,
      retained: 0,
    });
    expect(summarize([outcome('retained'), outcome('retained'), outcome('deleted')])).toMatchObject({ retained: 2, deleted: 1, failed: 0, skipped: 0 });
  });

  it.each([
    [`arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci-session`, 'deployer'],
    [`arn:aws:iam::${ACCOUNT}:role/ops/deployer`, 'deployer'],
    [`arn:aws:iam::${ACCOUNT}:role/deployer`, 'deployer'],
    [`arn:aws:iam::${ACCOUNT}:user/alice`, undefined],
    [`arn:aws:iam::${ACCOUNT}:root`, undefined],
  ])('callerRoleName(%s) is %s', (arn, name) => {
    expect(callerRoleName(arn)).toBe(name);
  });
});
