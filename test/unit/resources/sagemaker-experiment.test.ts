import { DeleteExperimentCommand, DescribeExperimentCommand, ListExperimentsCommand, ListTagsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { sagemakerExperiment as handler } from '../../../src/resources/sagemaker-experiment.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:experiment/nova-ft';
const INPUT = { ExperimentName: 'nova-ft' };
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const notFound = () => awsError('ResourceNotFound', `Experiment '${ARN}' does not exist.`);
const EXPERIMENT = {
  ExperimentName: 'nova-ft',
  ExperimentArn: ARN,
  DisplayName: 'Nova fine-tuning',
  Source: { SourceArn: 'arn:aws:sagemaker:us-east-1:123456789012:pipeline/nova-ft', SourceType: 'SageMakerPipeline' },
  CreationTime: new Date(0),
};

/** The operations the mock received, in order, without `Command`. */
const ops = () => sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

describe('sagemaker:experiment', () => {
  beforeEach(() => sm.reset());

  it('owns experiment ARNs only (not its trials or their components), uses nothing, and declares its reads', () => {
    expect(handler.type).toBe('sagemaker:experiment');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test('arn:aws:sagemaker:us-east-1:123456789012:experiment-trial/nova-ft')).toBe(false);
    expect(handler.arnPattern.test('arn:aws:sagemaker:us-east-1:123456789012:experiment-trial-component/nova-ft')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-ft');
    expect(handler.references).toEqual([]);
    expect(handler.taggingApi).toBe(true);
    expect(handler.notFound).toEqual(['ValidationException', 'ResourceNotFound']);
    expect(handler.reads).toEqual(['DescribeExperiment', 'ListExperiments', 'ListTags']);
    expect(handler.waitUntilGone).toBeUndefined();
  });

  it('describes its config (for the backup), live tags, and no uses', async () => {
    sm.on(DescribeExperimentCommand, INPUT).resolves({ ...EXPERIMENT, $metadata: { httpStatusCode: 200 } });
    sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
    const d = await handler.describe(refFor(handler, ARN), ctx());
    if (d === GONE) throw new Error('expected a description');
    expect(d.config).toEqual(EXPERIMENT);
    expect(d.tags).toEqual({ project: 'nova' });
    expect(d.uses).toEqual([]);
    expect(ops()).toEqual(['DescribeExperiment', 'ListTags']);
  });

  it('takes live tags from the hint instead of reading them again', async () => {
    sm.on(DescribeExperimentCommand).resolves(EXPERIMENT);
    expect(await handler.describe(refFor(handler, ARN), ctx(), { tags: { project: 'nova' } })).toMatchObject({ tags: { project: 'nova' } });
    expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
  });

  it('is gone when DescribeExperiment cannot find it; other errors go through', async () => {
    sm.on(DescribeExperimentCommand).rejects(notFound());
    expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toBe(GONE);
    expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'no such resource', 500));
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);

    sm.reset();
    sm.on(DescribeExperimentCommand).rejects(awsError('AccessDeniedException', 'not yours', 403));
    await expect(handler.describe(refFor(handler, ARN), ctx())).rejects.toThrow('not yours');
  });

  it('lists every experiment of the region by ARN, all pages, 100 a page', async () => {
    const e = (name: string) => `arn:aws:sagemaker:us-east-1:123456789012:experiment/${name}`;
    sm.on(ListExperimentsCommand)
      .resolvesOnce({ ExperimentSummaries: [{ ExperimentArn: e('a'), ExperimentName: 'a' }], NextToken: 'n' })
      .resolvesOnce({ ExperimentSummaries: [{ ExperimentArn: e('b'), ExperimentName: 'b' }, { ExperimentName: 'no-arn' }] });
    expect(await handler.list(ctx(), 'us-east-1')).toEqual([{ arn: e('a') }, { arn: e('b') }]);
    expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListExperimentsCommand, { MaxResults: 100 });
    expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListExperimentsCommand, { MaxResults: 100, NextToken: 'n' });
  });

  it('reads its tags with ListTags alone, and sends only its declared reads', async () => {
    sm.on(DescribeExperimentCommand).resolves(EXPERIMENT);
    sm.on(ListTagsCommand).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
    sm.on(ListExperimentsCommand).resolves({ ExperimentSummaries: [] });
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toEqual({ project: 'nova' });
    expect(ops()).toEqual(['ListTags']);
    await handler.describe(refFor(handler, ARN), ctx());
    await handler.readUses?.(refFor(handler, ARN), ctx());
    await handler.list(ctx(), 'us-east-1');
    const reads = ops();
    expect(new Set(reads)).toEqual(new Set(['DescribeExperiment', 'ListExperiments', 'ListTags']));
    for (const op of reads) expect(handler.reads).toContain(op);
  });

  it('has no children, and needs ListTags and DeleteExperiment on the experiment', () => {
    expect(handler.children?.(liveFor(handler, ARN, { config: EXPERIMENT })) ?? []).toEqual([]);
    expect(handler.actions(liveFor(handler, ARN, { config: EXPERIMENT }))).toEqual([
      { action: 'sagemaker:ListTags', resource: ARN },
      { action: 'sagemaker:DeleteExperiment', resource: ARN },
    ]);
  });

  it('deletes in one step named delete', async () => {
    sm.on(DeleteExperimentCommand).resolves({ ExperimentArn: ARN });
    const steps = recordingSteps();
    await handler.delete(liveFor(handler, ARN, { config: EXPERIMENT }), ctx(), steps);
    expect(steps.log).toEqual([{ name: 'delete' }]);
    expect(sm).toHaveReceivedCommandWith(DeleteExperimentCommand, INPUT);
    expect(ops()).toEqual(['DeleteExperiment']);
  });

  it('sends nothing when the delete step is stopped; lets AWS refusing it (trials left) and not-found through', async () => {
    await expect(handler.delete(liveFor(handler, ARN), ctx(), recordingSteps({ stopAt: 'delete' }))).rejects.toMatchObject({ name: 'TagsChanged' });
    expect(ops()).toEqual([]);
    sm.on(DeleteExperimentCommand).rejectsOnce(awsError('ValidationException', 'experiment has trials')).rejectsOnce(notFound());
    await expect(handler.delete(liveFor(handler, ARN), ctx(), recordingSteps())).rejects.toThrow('experiment has trials');
    await expect(handler.delete(liveFor(handler, ARN), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'ResourceNotFound' });
  });
});
