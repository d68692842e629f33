import {
  DeleteTrialCommand,
  DescribeTrialCommand,
  DisassociateTrialComponentCommand,
  ListTagsCommand,
  ListTrialComponentsCommand,
  ListTrialsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { sagemakerExperimentTrial as handler } from '../../../src/resources/sagemaker-experiment-trial.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const PREFIX = 'arn:aws:sagemaker:us-east-1:123456789012';
const ARN = `${PREFIX}:experiment-trial/nova-ft-run-1`;
const EXPERIMENT = `${PREFIX}:experiment/nova-ft`;
const component = (name: string) => `${PREFIX}:experiment-trial-component/${name}`;
const summary = (name: string) => ({ TrialComponentName: name, TrialComponentArn: component(name) });
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const notFound = () => awsError('ResourceNotFound', `Trial '${ARN}' does not exist.`);
const TRIAL = { TrialName: 'nova-ft-run-1', TrialArn: ARN, ExperimentName: 'nova-ft', DisplayName: 'run 1', CreationTime: new Date(0) };
/** Two components, as describe reads them (and the plan keeps them). */
const PLANNED = { ...TRIAL, TrialComponents: [summary('prep'), summary('train')] };

/** The operations the mock received, in order, without `Command`. */
const ops = () => sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
/** The components each DisassociateTrialComponent named, in order. */
const disassociated = () => sm.commandCalls(DisassociateTrialComponentCommand).map((c) => `${c.args[0].input.TrialName}/${c.args[0].input.TrialComponentName}`);

describe('sagemaker:experiment-trial', () => {
  beforeEach(() => sm.reset());

  it('owns trial ARNs only, may use experiments and trial components, and declares its reads', () => {
    expect(handler.type).toBe('sagemaker:experiment-trial');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test(EXPERIMENT)).toBe(false);
    expect(handler.arnPattern.test(component('nova-ft-run-1'))).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-ft-run-1');
    expect(handler.references).toEqual(['sagemaker:experiment', 'sagemaker:experiment-trial-component']);
    expect(handler.taggingApi).toBe(true);
    expect(handler.notFound).toEqual(['ValidationException', 'ResourceNotFound']);
    expect(handler.reads).toEqual(['DescribeTrial', 'ListTrials', 'ListTags', 'ListTrialComponents']);
    expect(handler.waitUntilGone).toBeUndefined();
  });

  describe('describe', () => {
    it('gives the trial, every component associated with it (all pages, 100 a page), live tags, and uses its experiment and components', async () => {
      sm.on(DescribeTrialCommand, { TrialName: 'nova-ft-run-1' }).resolves({ ...TRIAL, $metadata: { httpStatusCode: 200 } });
      sm.on(ListTrialComponentsCommand)
        .resolvesOnce({ TrialComponentSummaries: [summary('prep')], NextToken: 'more' })
        .resolvesOnce({ TrialComponentSummaries: [summary('train'), { TrialComponentName: 'no-arn' }] });
      sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
      const d = await handler.describe(refFor(handler, ARN), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.tags).toEqual({ project: 'nova' });
      expect(d.uses).toEqual([EXPERIMENT, component('prep'), component('train'), component('no-arn')]);
      expect(d.config).toMatchObject({ TrialName: 'nova-ft-run-1', ExperimentName: 'nova-ft' });
      expect(d.config.TrialComponents).toHaveLength(3);
      expect(d.config).not.toHaveProperty('$metadata');
      expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListTrialComponentsCommand, { TrialName: 'nova-ft-run-1', MaxResults: 100 });
      expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListTrialComponentsCommand, { TrialName: 'nova-ft-run-1', MaxResults: 100, NextToken: 'more' });
      expect(handler.children?.({ ref: refFor(handler, ARN), described: d })).toEqual([
        { kind: 'trial-component-association', id: 'prep' },
        { kind: 'trial-component-association', id: 'train' },
        { kind: 'trial-component-association', id: 'no-arn' },
      ]);
    });

    it('uses its experiment alone when no component is associated', async () => {
      sm.on(DescribeTrialCommand).resolves(TRIAL);
      sm.on(ListTrialComponentsCommand).resolves({ TrialComponentSummaries: [] });
      const d = await handler.describe(refFor(handler, ARN), ctx(), { tags: { project: 'nova' } });
      expect(d).toMatchObject({ uses: [EXPERIMENT], tags: { project: 'nova' } });
      expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
    });

    it('is gone when DescribeTrial cannot find it, or when it vanishes before its components are listed', async () => {
      sm.on(DescribeTrialCommand).rejects(notFound());
      expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
      expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
      sm.reset();
      sm.on(DescribeTrialCommand).resolvesOnce(TRIAL).rejects(notFound());
      sm.on(ListTrialComponentsCommand).rejects(notFound());
      expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
      expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
    });

    it('lets other errors through', async () => {
      sm.on(DescribeTrialCommand).resolves(TRIAL);
      sm.on(ListTrialComponentsCommand).rejects(awsError('AccessDeniedException', 'no components for you', 403));
      await expect(handler.describe(refFor(handler, ARN), ctx())).rejects.toThrow('no components for you');
      await expect(handler.readUses?.(refFor(handler, ARN), ctx())).rejects.toThrow('no components for you');
    });
  });

  describe('list and readUses', () => {
    it('lists every trial of the region by ARN, all pages, 100 a page (the list does not say what a trial uses)', async () => {
      const t = (name: string) => `${PREFIX}:experiment-trial/${name}`;
      sm.on(ListTrialsCommand)
        .resolvesOnce({ TrialSummaries: [{ TrialArn: t('a'), TrialName: 'a' }], NextToken: 'n' })
        .resolvesOnce({ TrialSummaries: [{ TrialArn: t('b'), TrialName: 'b' }, { TrialName: 'no-arn' }] });
      expect(await handler.list(ctx(), 'us-east-1')).toEqual([{ arn: t('a') }, { arn: t('b') }]);
      expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListTrialsCommand, { MaxResults: 100 });
      expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListTrialsCommand, { MaxResults: 100, NextToken: 'n' });
    });

    it('reads what one uses with DescribeTrial (its experiment) and ListTrialComponents (its components, all pages)', async () => {
      sm.on(DescribeTrialCommand, { TrialName: 'nova-ft-run-1' }).resolves(TRIAL);
      sm.on(ListTrialComponentsCommand)
        .resolvesOnce({ TrialComponentSummaries: [summary('prep')], NextToken: 'more' })
        .resolvesOnce({ TrialComponentSummaries: [summary('train')] });
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([EXPERIMENT, component('prep'), component('train')]);
      expect(ops().sort()).toEqual(['DescribeTrial', 'ListTrialComponents', 'ListTrialComponents']);
      expect(sm).toHaveReceivedCommandWith(ListTrialComponentsCommand, { TrialName: 'nova-ft-run-1', MaxResults: 100 });
    });

    it('is gone when the trial vanished since it was listed (either read)', async () => {
      sm.on(DescribeTrialCommand).rejects(notFound());
      sm.on(ListTrialComponentsCommand).resolves({ TrialComponentSummaries: [] });
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toBe(GONE);
      sm.reset();
      sm.on(DescribeTrialCommand).resolves(TRIAL);
      sm.on(ListTrialComponentsCommand).rejects(notFound());
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toBe(GONE);
    });
  });

  it('reads its tags with ListTags alone', async () => {
    sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toEqual({ project: 'nova' });
    expect(ops()).toEqual(['ListTags']);
    sm.reset();
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'x', 500));
    sm.on(DescribeTrialCommand).rejects(notFound());
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);
  });

  it('sends only its declared reads in describe, readUses, list and currentTags', async () => {
    sm.on(DescribeTrialCommand).resolves(TRIAL);
    sm.on(ListTrialComponentsCommand).resolves({ TrialComponentSummaries: [summary('prep')] });
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    sm.on(ListTrialsCommand).resolves({ TrialSummaries: [] });
    await handler.describe(refFor(handler, ARN), ctx());
    await handler.readUses?.(refFor(handler, ARN), ctx());
    await handler.list(ctx(), 'us-east-1');
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'x', 500));
    await handler.currentTags(refFor(handler, ARN), ctx()).catch(() => undefined);
    const reads = ops();
    expect(new Set(reads)).toEqual(new Set(['DescribeTrial', 'ListTrialComponents', 'ListTags', 'ListTrials']));
    for (const op of reads) expect(handler.reads).toContain(op);
  });

  describe('children and actions', () => {
    it('has no children when no component is associated, and needs no DisassociateTrialComponent then', () => {
      const bare = liveFor(handler, ARN, { config: { ...TRIAL, TrialComponents: [] } });
      expect(handler.children?.(bare)).toEqual([]);
      expect(handler.children?.(liveFor(handler, ARN))).toEqual([]);
      expect(handler.actions(bare)).toEqual([
        { action: 'sagemaker:ListTags', resource: ARN },
        { action: 'sagemaker:DescribeTrial', resource: ARN },
        { action: 'sagemaker:DeleteTrial', resource: ARN },
        { action: 'sagemaker:ListTrialComponents', resource: '*' },
      ]);
    });

    it('needs DisassociateTrialComponent on the trial and on each associated component', () => {
      const actions = handler.actions(liveFor(handler, ARN, { config: PLANNED }));
      expect(actions.filter((a) => a.action === 'sagemaker:DisassociateTrialComponent').map((a) => a.resource)).toEqual([ARN, component('prep'), component('train')]);
      expect(actions).toContainEqual({ action: 'sagemaker:DeleteTrial', resource: ARN });
      expect(actions).toHaveLength(7);
    });
  });

  describe('delete', () => {
    it('lists its components again, disassociates each (its own step, no re-check in between), then deletes the trial', async () => {
      sm.on(ListTrialComponentsCommand, { TrialName: 'nova-ft-run-1' }).resolves({ TrialComponentSummaries: [summary('prep'), summary('train')] });
      sm.on(DisassociateTrialComponentCommand).resolves({});
      sm.on(DeleteTrialCommand).resolves({ TrialArn: ARN });
      const steps = recordingSteps();
      await handler.delete(liveFor(handler, ARN, { config: PLANNED }), ctx(), steps);
      expect(steps.log).toEqual([
        { name: 'disassociate', child: { kind: 'trial-component-association', id: 'prep' }, done: 'disassociated trial component prep', recheck: false },
        { name: 'disassociate', child: { kind: 'trial-component-association', id: 'train' }, done: 'disassociated trial component train', recheck: false },
        { name: 'delete' },
      ]);
      expect(ops()).toEqual(['ListTrialComponents', 'DisassociateTrialComponent', 'DisassociateTrialComponent', 'DeleteTrial']);
      expect(disassociated()).toEqual(['nova-ft-run-1/prep', 'nova-ft-run-1/train']);
      expect(sm).toHaveReceivedCommandWith(DeleteTrialCommand, { TrialName: 'nova-ft-run-1' });
    });

    it('disassociates what is associated now: a component added since the plan too, one removed since not', async () => {
      sm.on(ListTrialComponentsCommand).resolves({ TrialComponentSummaries: [summary('train'), summary('eval')] });
      sm.on(DisassociateTrialComponentCommand).resolves({});
      sm.on(DeleteTrialCommand).resolves({});
      await handler.delete(liveFor(handler, ARN, { config: PLANNED }), ctx(), recordingSteps());
      expect(disassociated()).toEqual(['nova-ft-run-1/train', 'nova-ft-run-1/eval']);
      expect(sm).toHaveReceivedCommandTimes(DeleteTrialCommand, 1);
    });

    it('deletes a trial with no component in one step', async () => {
      sm.on(ListTrialComponentsCommand).resolves({ TrialComponentSummaries: [] });
      sm.on(DeleteTrialCommand).resolves({});
      const steps = recordingSteps();
      await handler.delete(liveFor(handler, ARN, { config: TRIAL }), ctx(), steps);
      expect(steps.log).toEqual([{ name: 'delete' }]);
      expect(ops()).toEqual(['ListTrialComponents', 'DeleteTrial']);
    });

    it('takes a component gone meanwhile as disassociated, and lets another refusal through without deleting', async () => {
      sm.on(ListTrialComponentsCommand).resolves({ TrialComponentSummaries: [summary('prep'), summary('train')] });
      sm.on(DisassociateTrialComponentCommand, { TrialComponentName: 'prep' }).rejects(awsError('ResourceNotFound', 'no such component'));
      sm.on(DisassociateTrialComponentCommand, { TrialComponentName: 'train' }).resolves({});
      sm.on(DeleteTrialCommand).resolves({});
      await handler.delete(liveFor(handler, ARN, { config: PLANNED }), ctx(), recordingSteps());
      expect(sm).toHaveReceivedCommandTimes(DeleteTrialCommand, 1);

      sm.reset();
      sm.on(ListTrialComponentsCommand).resolves({ TrialComponentSummaries: [summary('prep'), summary('train')] });
      sm.on(DisassociateTrialComponentCommand).rejects(awsError('AccessDeniedException', 'denied', 403));
      await expect(handler.delete(liveFor(handler, ARN, { config: PLANNED }), ctx(), recordingSteps())).rejects.toThrow('denied');
      expect(ops()).toEqual(['ListTrialComponents', 'DisassociateTrialComponent']);
    });

    it('sends nothing after a stopped step: no disassociation when the first is stopped, no delete when the delete is', async () => {
      sm.on(ListTrialComponentsCommand).resolves({ TrialComponentSummaries: [summary('prep')] });
      sm.on(DisassociateTrialComponentCommand).resolves({});
      await expect(handler.delete(liveFor(handler, ARN, { config: PLANNED }), ctx(), recordingSteps({ stopAt: 'disassociate' }))).rejects.toMatchObject({ name: 'TagsChanged' });
      expect(ops()).toEqual(['ListTrialComponents']);

      sm.resetHistory();
      await expect(handler.delete(liveFor(handler, ARN, { config: PLANNED }), ctx(), recordingSteps({ stopAt: 'delete' }))).rejects.toMatchObject({ name: 'TagsChanged' });
      expect(ops()).toEqual(['ListTrialComponents', 'DisassociateTrialComponent']);
    });

    it('lets a not-found of the re-list or of the delete through, for the core to report the trial gone', async () => {
      sm.on(ListTrialComponentsCommand).rejects(notFound());
      await expect(handler.delete(liveFor(handler, ARN, { config: PLANNED }), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'ResourceNotFound' });
      expect(sm).not.toHaveReceivedCommand(DeleteTrialCommand);
      sm.reset();
      sm.on(ListTrialComponentsCommand).resolves({ TrialComponentSummaries: [] });
      sm.on(DeleteTrialCommand).rejects(notFound());
      await expect(handler.delete(liveFor(handler, ARN, { config: TRIAL }), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'ResourceNotFound' });
    });
  });
});
