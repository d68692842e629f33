import {
  DeleteTrialComponentCommand,
  DescribeTrialComponentCommand,
  DisassociateTrialComponentCommand,
  ListTagsCommand,
  ListTrialComponentsCommand,
  ListTrialsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { sagemakerExperimentTrialComponent as handler } from '../../../src/resources/sagemaker-experiment-trial-component.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const PREFIX = 'arn:aws:sagemaker:us-east-1:123456789012';
const ARN = `${PREFIX}:experiment-trial-component/nova-ft-train`;
const trial = (name: string) => `${PREFIX}:experiment-trial/${name}`;
const summary = (name: string) => ({ TrialName: name, TrialArn: trial(name) });
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const notFound = () => awsError('ResourceNotFound', `Trial component '${ARN}' does not exist.`);
const COMPONENT = {
  TrialComponentName: 'nova-ft-train',
  TrialComponentArn: ARN,
  DisplayName: 'train',
  Source: { SourceArn: `${PREFIX}:training-job/nova-ft`, SourceType: 'SageMakerTrainingJob' },
  Parameters: { epochs: { NumberValue: 3 } },
  OutputArtifacts: { model: { Value: 's3://nova-bucket/model.tar.gz' } },
};
/** Associated with two trials when it was planned (both were in the delete set: each uses it). */
const PLANNED = { ...COMPONENT, Trials: [summary('run-1'), summary('run-2')] };

/** The operations the mock received, in order, without `Command`. */
const ops = () => sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
const disassociated = () => sm.commandCalls(DisassociateTrialComponentCommand).map((c) => `${c.args[0].input.TrialName}/${c.args[0].input.TrialComponentName}`);

describe('sagemaker:experiment-trial-component', () => {
  beforeEach(() => sm.reset());

  it('owns trial component ARNs only, uses nothing, and declares its reads', () => {
    expect(handler.type).toBe('sagemaker:experiment-trial-component');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test(trial('nova-ft-train'))).toBe(false);
    expect(handler.arnPattern.test(`${PREFIX}:experiment/nova-ft-train`)).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-ft-train');
    expect(handler.references).toEqual([]);
    expect(handler.taggingApi).toBe(true);
    expect(handler.notFound).toEqual(['ValidationException', 'ResourceNotFound']);
    expect(handler.reads).toEqual(['DescribeTrialComponent', 'ListTrialComponents', 'ListTags', 'ListTrials']);
    expect(handler.waitUntilGone).toBeUndefined();
  });

  describe('describe', () => {
    it('gives the component, every trial it is associated with (all pages, 100 a page), live tags, and no uses', async () => {
      sm.on(DescribeTrialComponentCommand, { TrialComponentName: 'nova-ft-train' }).resolves({ ...COMPONENT, $metadata: { httpStatusCode: 200 } });
      sm.on(ListTrialsCommand)
        .resolvesOnce({ TrialSummaries: [summary('run-1')], NextToken: 'more' })
        .resolvesOnce({ TrialSummaries: [summary('run-2')] });
      sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
      const d = await handler.describe(refFor(handler, ARN), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.tags).toEqual({ project: 'nova' });
      expect(d.uses).toEqual([]);
      expect(d.config).toEqual(PLANNED);
      expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListTrialsCommand, { TrialComponentName: 'nova-ft-train', MaxResults: 100 });
      expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListTrialsCommand, { TrialComponentName: 'nova-ft-train', MaxResults: 100, NextToken: 'more' });
      expect(handler.children?.({ ref: refFor(handler, ARN), described: d })).toEqual([
        { kind: 'trial-association', id: 'run-1' },
        { kind: 'trial-association', id: 'run-2' },
      ]);
    });

    it('takes live tags from the hint', async () => {
      sm.on(DescribeTrialComponentCommand).resolves(COMPONENT);
      sm.on(ListTrialsCommand).resolves({ TrialSummaries: [] });
      expect(await handler.describe(refFor(handler, ARN), ctx(), { tags: { project: 'nova' } })).toMatchObject({ tags: { project: 'nova' }, config: { Trials: [] } });
      expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
    });

    it('is gone when DescribeTrialComponent cannot find it, or when it vanishes before its trials are listed', async () => {
      sm.on(DescribeTrialComponentCommand).rejects(notFound());
      expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toBe(GONE);
      sm.reset();
      sm.on(DescribeTrialComponentCommand).resolvesOnce(COMPONENT).rejects(notFound());
      sm.on(ListTrialsCommand).rejects(notFound());
      expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
      expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
    });

    it('lets other errors through', async () => {
      sm.on(DescribeTrialComponentCommand).resolves(COMPONENT);
      sm.on(ListTrialsCommand).rejects(awsError('AccessDeniedException', 'no trials for you', 403));
      await expect(handler.describe(refFor(handler, ARN), ctx())).rejects.toThrow('no trials for you');
    });
  });

  it('lists every trial component of the region by ARN, all pages, 100 a page', async () => {
    const c = (name: string) => `${PREFIX}:experiment-trial-component/${name}`;
    sm.on(ListTrialComponentsCommand)
      .resolvesOnce({ TrialComponentSummaries: [{ TrialComponentArn: c('a'), TrialComponentName: 'a' }], NextToken: 'n' })
      .resolvesOnce({ TrialComponentSummaries: [{ TrialComponentArn: c('b'), TrialComponentName: 'b' }, { TrialComponentName: 'no-arn' }] });
    expect(await handler.list(ctx(), 'us-east-1')).toEqual([{ arn: c('a') }, { arn: c('b') }]);
    expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListTrialComponentsCommand, { MaxResults: 100 });
    expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListTrialComponentsCommand, { MaxResults: 100, NextToken: 'n' });
  });

  it('reads its tags with ListTags alone; gone when that fails and Describe cannot find it', async () => {
    sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toEqual({ project: 'nova' });
    expect(ops()).toEqual(['ListTags']);
    sm.reset();
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'x', 500));
    sm.on(DescribeTrialComponentCommand).rejects(notFound());
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);
  });

  it('sends only its declared reads in describe, readUses, list and currentTags', async () => {
    sm.on(DescribeTrialComponentCommand).resolves(COMPONENT);
    sm.on(ListTrialsCommand).resolves({ TrialSummaries: [summary('run-1')] });
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    sm.on(ListTrialComponentsCommand).resolves({ TrialComponentSummaries: [] });
    await handler.describe(refFor(handler, ARN), ctx());
    await handler.readUses?.(refFor(handler, ARN), ctx());
    await handler.list(ctx(), 'us-east-1');
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'x', 500));
    await handler.currentTags(refFor(handler, ARN), ctx()).catch(() => undefined);
    const reads = ops();
    expect(new Set(reads)).toEqual(new Set(['DescribeTrialComponent', 'ListTrials', 'ListTags', 'ListTrialComponents']));
    for (const op of reads) expect(handler.reads).toContain(op);
  });

  describe('children and actions', () => {
    it('has no children and needs no DisassociateTrialComponent when no trial lists it', () => {
      const free = liveFor(handler, ARN, { config: { ...COMPONENT, Trials: [] } });
      expect(handler.children?.(free)).toEqual([]);
      expect(handler.children?.(liveFor(handler, ARN))).toEqual([]);
      expect(handler.actions(free)).toEqual([
        { action: 'sagemaker:ListTags', resource: ARN },
        { action: 'sagemaker:DescribeTrialComponent', resource: ARN },
        { action: 'sagemaker:DeleteTrialComponent', resource: ARN },
        { action: 'sagemaker:ListTrials', resource: '*' },
      ]);
    });

    it('needs DisassociateTrialComponent on the component and on each trial that lists it', () => {
      const actions = handler.actions(liveFor(handler, ARN, { config: PLANNED }));
      expect(actions.filter((a) => a.action === 'sagemaker:DisassociateTrialComponent').map((a) => a.resource)).toEqual([ARN, trial('run-1'), trial('run-2')]);
      expect(actions).toHaveLength(7);
    });
  });

  describe('delete', () => {
    it('deletes in one step when no trial lists it any more (the trials that used it disassociated it)', async () => {
      sm.on(ListTrialsCommand, { TrialComponentName: 'nova-ft-train' }).resolves({ TrialSummaries: [] });
      sm.on(DeleteTrialComponentCommand).resolves({ TrialComponentArn: ARN });
      const steps = recordingSteps();
      await handler.delete(liveFor(handler, ARN, { config: PLANNED }), ctx(), steps);
      expect(steps.log).toEqual([{ name: 'delete' }]);
      expect(ops()).toEqual(['ListTrials', 'DeleteTrialComponent']);
      expect(sm).toHaveReceivedCommandWith(DeleteTrialComponentCommand, { TrialComponentName: 'nova-ft-train' });
    });

    it('disassociates it from each planned trial still listing it (its own step, no re-check in between), then deletes it', async () => {
      sm.on(ListTrialsCommand).resolves({ TrialSummaries: [summary('run-1'), summary('run-2')] });
      sm.on(DisassociateTrialComponentCommand, { TrialName: 'run-1' }).resolves({});
      // run-2 was deleted a moment ago: its disassociation finds nothing, which is fine.
      sm.on(DisassociateTrialComponentCommand, { TrialName: 'run-2' }).rejects(awsError('ResourceNotFound', 'no such trial'));
      sm.on(DeleteTrialComponentCommand).resolves({});
      const steps = recordingSteps();
      await handler.delete(liveFor(handler, ARN, { config: PLANNED }), ctx(), steps);
      expect(steps.log).toEqual([
        { name: 'disassociate', child: { kind: 'trial-association', id: 'run-1' }, done: 'disassociated from trial run-1', recheck: false },
        { name: 'disassociate', child: { kind: 'trial-association', id: 'run-2' }, done: 'disassociated from trial run-2', recheck: false },
        { name: 'delete' },
      ]);
      expect(disassociated()).toEqual(['run-1/nova-ft-train', 'run-2/nova-ft-train']);
      expect(ops()).toEqual(['ListTrials', 'DisassociateTrialComponent', 'DisassociateTrialComponent', 'DeleteTrialComponent']);
    });

    it('compares trials by ARN whatever their case (SageMaker puts names in ARNs in lower case)', async () => {
      sm.on(ListTrialsCommand).resolves({ TrialSummaries: [{ TrialName: 'Run-1', TrialArn: trial('run-1') }] });
      sm.on(DisassociateTrialComponentCommand).resolves({});
      sm.on(DeleteTrialComponentCommand).resolves({});
      await handler.delete(liveFor(handler, ARN, { config: { ...COMPONENT, Trials: [{ TrialName: 'Run-1', TrialArn: trial('Run-1') }] } }), ctx(), recordingSteps());
      expect(disassociated()).toEqual(['Run-1/nova-ft-train']);
    });

    it('changes nothing and fails, naming it, when a trial the plan did not see lists it now (it was never checked, and may stay)', async () => {
      sm.on(ListTrialsCommand).resolves({ TrialSummaries: [summary('run-1'), summary('team-run')] });
      const steps = recordingSteps();
      await expect(handler.delete(liveFor(handler, ARN, { config: PLANNED }), ctx(), steps)).rejects.toMatchObject({
        name: 'TrialComponentInUse',
        message: expect.stringContaining('sagemaker:experiment-trial team-run'),
      });
      expect(steps.log).toEqual([]);
      expect(ops()).toEqual(['ListTrials']);
    });

    it('sends nothing after a stopped step', async () => {
      sm.on(ListTrialsCommand).resolves({ TrialSummaries: [summary('run-1')] });
      sm.on(DisassociateTrialComponentCommand).resolves({});
      await expect(handler.delete(liveFor(handler, ARN, { config: PLANNED }), ctx(), recordingSteps({ stopAt: 'disassociate' }))).rejects.toMatchObject({ name: 'TagsChanged' });
      expect(ops()).toEqual(['ListTrials']);
      sm.resetHistory();
      await expect(handler.delete(liveFor(handler, ARN, { config: PLANNED }), ctx(), recordingSteps({ stopAt: 'delete' }))).rejects.toMatchObject({ name: 'TagsChanged' });
      expect(ops()).toEqual(['ListTrials', 'DisassociateTrialComponent']);
    });

    it('lets a refused disassociation through without deleting, and a not-found of the delete for the core', async () => {
      sm.on(ListTrialsCommand).resolves({ TrialSummaries: [summary('run-1')] });
      sm.on(DisassociateTrialComponentCommand).rejects(awsError('AccessDeniedException', 'denied', 403));
      await expect(handler.delete(liveFor(handler, ARN, { config: PLANNED }), ctx(), recordingSteps())).rejects.toThrow('denied');
      expect(sm).not.toHaveReceivedCommand(DeleteTrialComponentCommand);

      sm.reset();
      sm.on(ListTrialsCommand).resolves({ TrialSummaries: [] });
      sm.on(DeleteTrialComponentCommand).rejects(notFound());
      await expect(handler.delete(liveFor(handler, ARN, { config: PLANNED }), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'ResourceNotFound' });
    });
  });
});
