import {
  AddTagsCommand,
  AssociateTrialComponentCommand,
  CreateExperimentCommand,
  CreateTrialCommand,
  CreateTrialComponentCommand,
  ListExperimentsCommand,
  ListTrialComponentsCommand,
  ListTrialsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { TagMap } from '../../scripts/lib/factory.js';
import { clientConfig } from '../../scripts/lib/world.js';
import type { Outcome, Report } from '../../src/model.js';
import { describeWithMoto, runCli } from './harness.js';
import { startProxy, type Proxy } from '../../scripts/lib/proxy.js';

const REGION = 'us-east-1';
const TAG = { project: 'smx-test' };
const OTHER = { project: 'someone-else' };
const EXPERIMENT = 'sagemaker:experiment';
const TRIAL = 'sagemaker:experiment-trial';
const COMPONENT = 'sagemaker:experiment-trial-component';
/** The types under test. The usage check still lists every trial for the experiments and components it may hold back. */
const TYPES = [EXPERIMENT, TRIAL, COMPONENT].flatMap((t) => ['--include-type', t]);
const tagList = (tags: TagMap) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/**
 * SageMaker experiments, trials and trial components on moto 5.2.5. moto drops the Tags of their Create
 * calls (they are tagged afterwards with AddTags) and its Tagging API does not return them (AWS's does):
 * the runs use `--discovery list`, each type's own List + ListTags calls. moto does not refuse
 * DeleteExperiment while trials remain, nor DeleteTrial/DeleteTrialComponent while associated: the order
 * AWS requires is checked on the calls the CLI sent, through the recording proxy. Names are lower case:
 * moto looks ARNs up by the name as given, and AWS puts names in ARNs in lower case.
 */
describeWithMoto('sagemaker experiments, trials and trial components on moto', (moto) => {
  let sm: SageMakerClient;
  let proxy: Proxy;
  let backupDir: string;

  const run = async (extra: string[]) => {
    const r = await runCli(['--tag', 'project=smx-test', '--region', REGION, '--discovery', 'list', ...TYPES, '--json', '--backup-dir', backupDir, ...extra], {
      endpoint: proxy.url,
    });
    expect(r.stderr).not.toMatch(/unexpected error/);
    return { ...r, report: JSON.parse(r.stdout) as Report };
  };
  const by = (report: Report, type: string, name: string): Outcome | undefined => report.resources.find((o) => o.type === type && o.name === name);
  const named = (report: Report, status: Outcome['status']) => report.resources.filter((o) => o.status === status).map((o) => `${o.type} ${o.name}`).sort();
  /** The changing SageMaker calls the CLI sent, in order. */
  const writes = () => proxy.mutating().filter((r) => r.service === 'sagemaker').map((r) => r.operation);
  /** The same, with their bodies: `Operation {json}`. */
  const bodies: string[] = [];

  const tag = async (arn: string | undefined, tags?: TagMap) => {
    if (arn && tags) await sm.send(new AddTagsCommand({ ResourceArn: arn, Tags: tagList(tags) }));
  };
  const experiment = async (name: string, tags?: TagMap) => tag((await sm.send(new CreateExperimentCommand({ ExperimentName: name }))).ExperimentArn, tags);
  const trial = async (name: string, experimentName: string, tags?: TagMap) =>
    tag((await sm.send(new CreateTrialCommand({ TrialName: name, ExperimentName: experimentName }))).TrialArn, tags);
  const component = async (name: string, trialName: string, tags?: TagMap) => {
    await tag((await sm.send(new CreateTrialComponentCommand({ TrialComponentName: name, Status: { PrimaryStatus: 'Completed' } }))).TrialComponentArn, tags);
    await sm.send(new AssociateTrialComponentCommand({ TrialComponentName: name, TrialName: trialName }));
  };

  /** What is left in moto: names of each kind, and each trial's components (`trial/component`). */
  const left = async () => {
    const experiments = ((await sm.send(new ListExperimentsCommand({}))).ExperimentSummaries ?? []).map((e) => e.ExperimentName ?? '?');
    const trials = ((await sm.send(new ListTrialsCommand({}))).TrialSummaries ?? []).map((t) => t.TrialName ?? '?');
    const components = ((await sm.send(new ListTrialComponentsCommand({}))).TrialComponentSummaries ?? []).map((c) => c.TrialComponentName ?? '?');
    const associations: string[] = [];
    for (const t of trials) {
      const list = (await sm.send(new ListTrialComponentsCommand({ TrialName: t }))).TrialComponentSummaries ?? [];
      associations.push(...list.map((c) => `${t}/${c.TrialComponentName ?? '?'}`));
    }
    return { experiments: experiments.sort(), trials: trials.sort(), components: components.sort(), associations: associations.sort() };
  };

  const PLANNED = [`${EXPERIMENT} smx-exp`, `${TRIAL} smx-trial`, `${COMPONENT} smx-tc`];

  beforeEach(async () => {
    await moto().reset();
    sm = new SageMakerClient(clientConfig(moto().url, REGION));
    backupDir = await mkdtemp(join(tmpdir(), 'nova-smx-'));
    proxy = await startProxy(moto().url);
    // Sees every call first and answers none: the writes, with their bodies, in order.
    proxy.fail((r) => {
      if (r.mutating && r.service === 'sagemaker') bodies.push(`${r.operation} ${r.body}`);
      return false;
    }, { code: 'never' });

    // The tagged experiment, its tagged trial, and the trial's tagged component: all three go, trial first.
    await experiment('smx-exp', TAG);
    await trial('smx-trial', 'smx-exp', TAG);
    await component('smx-tc', 'smx-trial', TAG);
    // An untagged component of the tagged trial: the trial's delete disassociates it; it stays.
    await component('smx-tc-free', 'smx-trial');

    // Untagged users of tagged resources. An untagged trial of an untagged experiment uses a tagged component,
    // and an untagged trial is in a tagged experiment: both stay, and so do the component and the experiment.
    await experiment('team-exp');
    await trial('team-trial', 'team-exp');
    await component('smx-tc-kept', 'team-trial', TAG);
    await experiment('smx-exp-kept', TAG);
    await trial('team-run', 'smx-exp-kept');

    // Decoys: untagged with the same name prefix, and another project's tag value.
    await experiment('smx-exp-copy');
    await trial('smx-trial-copy', 'smx-exp-copy');
    await component('smx-tc-copy', 'smx-trial-copy');
    await experiment('smx-exp-other', OTHER);
    await trial('smx-trial-other', 'smx-exp-other', OTHER);
    await component('smx-tc-other', 'smx-trial-other', OTHER);
    proxy.clear();
    bodies.length = 0;
  });
  afterEach(async () => {
    sm.destroy();
    await proxy.stop();
  });

  it('--dry-run plans the tagged experiment, trial and component, keeps what untagged trials use, and changes nothing', async () => {
    const before = await left();
    expect(before.associations).toEqual([
      'smx-trial-copy/smx-tc-copy',
      'smx-trial-other/smx-tc-other',
      'smx-trial/smx-tc',
      'smx-trial/smx-tc-free',
      'team-trial/smx-tc-kept',
    ]);
    proxy.clear();
    const { code, report } = await run(['--dry-run']);
    expect(report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(code).toBe(0);
    expect(named(report, 'planned')).toEqual(PLANNED);
    expect(by(report, COMPONENT, 'smx-tc-kept')).toMatchObject({
      status: 'skipped',
      rule: 'in-use',
      reason: `used by ${TRIAL} team-trial (us-east-1), which stays`,
    });
    expect(by(report, EXPERIMENT, 'smx-exp-kept')).toMatchObject({ status: 'skipped', rule: 'in-use', reason: `used by ${TRIAL} team-run (us-east-1), which stays` });
    // Decoys are not even candidates.
    for (const name of ['smx-exp-copy', 'smx-exp-other', 'team-exp', 'smx-trial-copy', 'smx-trial-other', 'team-trial', 'team-run', 'smx-tc-copy', 'smx-tc-other', 'smx-tc-free']) {
      expect(report.resources.find((o) => o.name === name && o.status === 'planned')).toBeUndefined();
    }
    // Found by SageMaker's own calls (list discovery), tags read with ListTags.
    expect(proxy.count('ListTrials')).toBeGreaterThan(0);
    expect(proxy.count('ListTags')).toBeGreaterThan(0);
    expect(writes()).toEqual([]);
    expect(await left()).toEqual(before);
  });

  it('--yes disassociates the trial\'s components, deletes the trial, then its experiment and its component; the rest stays', async () => {
    const before = await left();
    const { code, report } = await run(['--yes']);
    expect(report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(code).toBe(0);
    expect(named(report, 'deleted')).toEqual(PLANNED);
    expect(by(report, COMPONENT, 'smx-tc-kept')).toMatchObject({ status: 'skipped', rule: 'in-use', reason: expect.stringContaining('team-trial') });
    expect(by(report, EXPERIMENT, 'smx-exp-kept')).toMatchObject({ status: 'skipped', rule: 'in-use', reason: expect.stringContaining('team-run') });

    // Exactly these writes: the two disassociations (the trial's children), then DeleteTrial, then the
    // experiment and the component (by then no trial lists it: its own delete disassociates nothing).
    const sent = writes();
    expect([...sent].sort()).toEqual(['DeleteExperiment', 'DeleteTrial', 'DeleteTrialComponent', 'DisassociateTrialComponent', 'DisassociateTrialComponent']);
    const at = (op: string, name: string) => bodies.findIndex((b) => b.startsWith(`${op} `) && b.includes(`"${name}"`));
    const deleteTrial = at('DeleteTrial', 'smx-trial');
    expect(at('DisassociateTrialComponent', 'smx-tc')).toBeLessThan(deleteTrial);
    expect(at('DisassociateTrialComponent', 'smx-tc-free')).toBeGreaterThanOrEqual(0);
    expect(at('DisassociateTrialComponent', 'smx-tc-free')).toBeLessThan(deleteTrial);
    expect(deleteTrial).toBeGreaterThanOrEqual(0);
    expect(at('DeleteExperiment', 'smx-exp')).toBeGreaterThan(deleteTrial);
    expect(at('DeleteTrialComponent', 'smx-tc')).toBeGreaterThan(deleteTrial);
    expect(bodies.filter((b) => b.startsWith('DisassociateTrialComponent ')).every((b) => b.includes('"smx-trial"'))).toBe(true);

    expect(await left()).toEqual({
      experiments: before.experiments.filter((n) => n !== 'smx-exp'),
      trials: before.trials.filter((n) => n !== 'smx-trial'),
      components: before.components.filter((n) => n !== 'smx-tc'),
      associations: ['smx-trial-copy/smx-tc-copy', 'smx-trial-other/smx-tc-other', 'team-trial/smx-tc-kept'],
    });

    // Run again: nothing of ours is left to delete; the two held back are still held back.
    const again = await run(['--yes']);
    expect(again.code).toBe(0);
    expect(again.report.resources.filter((o) => o.status === 'deleted' || o.status === 'failed')).toEqual([]);
    expect(named(again.report, 'skipped')).toEqual([`${EXPERIMENT} smx-exp-kept`, `${COMPONENT} smx-tc-kept`]);
  });
});
