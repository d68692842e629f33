import {
  DeletePipelineCommand,
  DescribePipelineCommand,
  ListPipelineExecutionsCommand,
  ListPipelinesCommand,
  ListTagsCommand,
  SageMakerClient,
  StopPipelineExecutionCommand,
  type PipelineExecutionStatus,
  type PipelineExecutionSummary,
  type PipelineStatus,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { sagemakerPipeline as handler } from '../../../src/resources/sagemaker-pipeline.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:pipeline/nova-train';
const ROLE = 'arn:aws:iam::123456789012:role/nova-pipeline-exec';
const INPUT = { PipelineName: 'nova-train' };
const exec = (id: string) => `${ARN}/execution/${id}`;
const summary = (id: string, status: PipelineExecutionStatus): PipelineExecutionSummary => ({ PipelineExecutionArn: exec(id), PipelineExecutionStatus: status });
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const notFound = () => awsError('ValidationException', 'Could not find pipeline with PipelineName nova-train.');

/** A pipeline as describe leaves it: these unfinished executions in its config. */
const live = (executions: PipelineExecutionSummary[] = [], status: PipelineStatus = 'Active') =>
  liveFor(handler, ARN, { config: { PipelineName: 'nova-train', PipelineStatus: status, RoleArn: ROLE, Executions: executions }, uses: [ROLE] });

/** The operations the mock received, in order, without `Command`. */
const ops = () => sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

/** DescribePipeline answers Active; ListPipelineExecutions answers these listings in turn (the last repeats); Stop and Delete succeed. */
function world(...listings: PipelineExecutionSummary[][]): void {
  sm.on(DescribePipelineCommand).resolves({ PipelineName: 'nova-train', PipelineStatus: 'Active', RoleArn: ROLE });
  let chain = sm.on(ListPipelineExecutionsCommand);
  for (const l of listings.slice(0, -1)) chain = chain.resolvesOnce({ PipelineExecutionSummaries: l });
  chain.resolves({ PipelineExecutionSummaries: listings.at(-1) ?? [] });
  sm.on(StopPipelineExecutionCommand).resolves({});
  sm.on(DeletePipelineCommand).resolves({ PipelineArn: ARN });
}

/** Runs the delete of `r`, steps recorded: the names of the steps run, and its error. */
async function deleteIt(r = live(), opts: { stopAt?: string; ctx?: ReturnType<typeof ctx> } = {}) {
  const steps = recordingSteps(opts);
  const error: unknown = await handler.delete(r, opts.ctx ?? ctx(), steps).then(() => undefined, (err: unknown) => err);
  return { steps: steps.log, names: steps.log.map((s) => s.name), ...(error === undefined ? {} : { error }) };
}

describe('sagemaker:pipeline', () => {
  beforeEach(() => sm.reset());
  afterEach(() => vi.useRealTimers());

  it('owns pipeline ARNs, not their executions; may use IAM roles; reads its executions too', () => {
    expect(handler.type).toBe('sagemaker:pipeline');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test(exec('abc123'))).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-train');
    expect(handler.references).toEqual(['iam:role']);
    expect(handler.taggingApi).toBe(true);
    expect(handler.reads).toEqual(['DescribePipeline', 'ListPipelines', 'ListTags', 'ListPipelineExecutions']);
    expect(handler.waitUntilGone).toBeUndefined();
  });

  describe('describe', () => {
    it('gives the pipeline, its unfinished executions (every page, 100 a page), live tags and its role', async () => {
      sm.on(DescribePipelineCommand, INPUT).resolves({
        PipelineName: 'nova-train',
        PipelineStatus: 'Active',
        RoleArn: ROLE,
        PipelineDefinition: '{"Version":"2020-12-01","Steps":[]}',
        $metadata: { httpStatusCode: 200 },
      });
      sm.on(ListPipelineExecutionsCommand)
        .resolvesOnce({ PipelineExecutionSummaries: [summary('a', 'Succeeded'), summary('b', 'Executing')], NextToken: 'p2' })
        .resolvesOnce({ PipelineExecutionSummaries: [summary('c', 'Stopping'), summary('d', 'Failed'), summary('e', 'Stopped')] });
      sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
      const d = await handler.describe(refFor(handler, ARN), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.config).toEqual({
        PipelineName: 'nova-train',
        PipelineStatus: 'Active',
        RoleArn: ROLE,
        PipelineDefinition: '{"Version":"2020-12-01","Steps":[]}',
        Executions: [summary('b', 'Executing'), summary('c', 'Stopping')],
      });
      expect(d.tags).toEqual({ project: 'nova' });
      expect(d.uses).toEqual([ROLE]);
      expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListPipelineExecutionsCommand, { ...INPUT, MaxResults: 100 });
      expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListPipelineExecutionsCommand, { ...INPUT, MaxResults: 100, NextToken: 'p2' });
    });

    it('is gone when DescribePipeline cannot find it, or when it vanishes before its executions are listed', async () => {
      sm.on(DescribePipelineCommand).rejects(notFound());
      expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toBe(GONE);
      expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
      sm.reset();
      sm.on(DescribePipelineCommand).resolvesOnce({ PipelineName: 'nova-train', RoleArn: ROLE }).rejects(notFound());
      sm.on(ListPipelineExecutionsCommand).rejects(notFound());
      expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
    });

    it('lets other errors through', async () => {
      sm.on(DescribePipelineCommand).resolves({ PipelineName: 'nova-train', RoleArn: ROLE });
      sm.on(ListPipelineExecutionsCommand).rejects(awsError('AccessDeniedException', 'no ListPipelineExecutions', 403));
      await expect(handler.describe(refFor(handler, ARN), ctx())).rejects.toThrow('no ListPipelineExecutions');
    });

    it('reads what it uses with DescribePipeline alone, and its tags with ListTags alone', async () => {
      world([summary('b', 'Executing')]);
      sm.on(ListTagsCommand).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([ROLE]);
      expect(ops()).toEqual(['DescribePipeline']);
      sm.resetHistory();
      expect(await handler.currentTags(refFor(handler, ARN), ctx())).toEqual({ project: 'nova' });
      expect(ops()).toEqual(['ListTags']);
      sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'no such resource', 500));
      sm.on(DescribePipelineCommand).rejects(notFound());
      expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);
    });
  });

  it('lists every pipeline of the region by ARN, 100 a page', async () => {
    const p = (n: string) => `arn:aws:sagemaker:us-east-1:123456789012:pipeline/${n}`;
    sm.on(ListPipelinesCommand)
      .resolvesOnce({ PipelineSummaries: [{ PipelineName: 'a', PipelineArn: p('a'), RoleArn: ROLE }], NextToken: 'n' })
      .resolvesOnce({ PipelineSummaries: [{ PipelineName: 'b', PipelineArn: p('b') }] });
    expect(await handler.list(ctx(), 'us-east-1')).toEqual([{ arn: p('a') }, { arn: p('b') }]);
    expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListPipelinesCommand, { MaxResults: 100 });
    expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListPipelinesCommand, { MaxResults: 100, NextToken: 'n' });
  });

  it('sends only its declared reads in describe, readUses, list and currentTags', async () => {
    world([summary('b', 'Executing')]);
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    sm.on(ListPipelinesCommand).resolves({ PipelineSummaries: [] });
    await handler.describe(refFor(handler, ARN), ctx());
    await handler.readUses?.(refFor(handler, ARN), ctx());
    await handler.list(ctx(), 'us-east-1');
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'x', 500));
    await handler.currentTags(refFor(handler, ARN), ctx()).catch(() => undefined);
    expect(new Set(ops())).toEqual(new Set(['DescribePipeline', 'ListPipelineExecutions', 'ListTags', 'ListPipelines']));
    for (const op of ops()) expect(handler.reads).toContain(op);
    // What the delete and its wait read (all but the Stop and the Delete) is declared too.
    sm.reset();
    world([summary('b', 'Executing')], []);
    expect((await deleteIt(live([summary('b', 'Executing')]))).names).toEqual(['stop', 'delete']);
    for (const op of ops().filter((o) => !/^(Stop|Delete)/.test(o))) expect(handler.reads).toContain(op);
  });

  describe('children and actions', () => {
    it('has its Executing executions as children; Stopping and finished ones are not', () => {
      const r = live([summary('b', 'Executing'), summary('c', 'Stopping'), summary('d', 'Executing')]);
      expect(handler.children?.(r)).toEqual([
        { kind: 'pipeline-execution', id: exec('b'), lost: 'the run is stopped: its remaining steps do not run' },
        { kind: 'pipeline-execution', id: exec('d'), lost: 'the run is stopped: its remaining steps do not run' },
      ]);
      expect(handler.children?.(live([summary('c', 'Stopping')]))).toEqual([]);
      expect(handler.children?.(live())).toEqual([]);
    });

    it('needs StopPipelineExecution on each Executing execution, and ListPipelineExecutions on the pipeline', () => {
      expect(handler.actions(live([summary('b', 'Executing'), summary('c', 'Stopping')]))).toEqual([
        { action: 'sagemaker:ListTags', resource: ARN },
        { action: 'sagemaker:DescribePipeline', resource: ARN },
        { action: 'sagemaker:DeletePipeline', resource: ARN },
        { action: 'sagemaker:ListPipelineExecutions', resource: ARN },
        { action: 'sagemaker:StopPipelineExecution', resource: exec('b') },
      ]);
    });

    it('needs no StopPipelineExecution when nothing is executing', () => {
      expect(handler.actions(live([summary('c', 'Stopping')])).map((a) => a.action)).toEqual([
        'sagemaker:ListTags',
        'sagemaker:DescribePipeline',
        'sagemaker:DeletePipeline',
        'sagemaker:ListPipelineExecutions',
      ]);
    });
  });

  describe('delete', () => {
    it('deletes a pipeline with nothing running in one step, after reading its state and executions', async () => {
      world([summary('a', 'Succeeded')]);
      const { steps } = await deleteIt();
      expect(steps).toEqual([{ name: 'delete' }]);
      expect(ops()).toEqual(['DescribePipeline', 'ListPipelineExecutions', 'DeletePipeline']);
      expect(sm).toHaveReceivedCommandWith(DescribePipelineCommand, INPUT);
      expect(sm).toHaveReceivedCommandWith(DeletePipelineCommand, INPUT);
    });

    it('stops each Executing execution (its own step, children first), waits until none runs, then deletes', async () => {
      const running = [summary('b', 'Executing'), summary('c', 'Executing'), summary('a', 'Succeeded')];
      world(running, [summary('b', 'Stopped'), summary('c', 'Failed'), summary('a', 'Succeeded')]);
      const { steps } = await deleteIt(live(running.slice(0, 2)));
      expect(steps).toEqual([
        { name: 'stop', child: { kind: 'pipeline-execution', id: exec('b') }, done: 'stopped pipeline execution b' },
        { name: 'stop', child: { kind: 'pipeline-execution', id: exec('c') }, done: 'stopped pipeline execution c' },
        { name: 'delete' },
      ]);
      // The wait polls at once: both runs have ended by then.
      expect(ops()).toEqual(['DescribePipeline', 'ListPipelineExecutions', 'StopPipelineExecution', 'StopPipelineExecution', 'ListPipelineExecutions', 'DeletePipeline']);
      expect(sm).toHaveReceivedNthSpecificCommandWith(1, StopPipelineExecutionCommand, { PipelineExecutionArn: exec('b') });
      expect(sm).toHaveReceivedNthSpecificCommandWith(2, StopPipelineExecutionCommand, { PipelineExecutionArn: exec('c') });
    });

    it('lists again: an execution started since the plan is stopped too, one finished since is not', async () => {
      world([summary('new', 'Executing'), summary('planned', 'Succeeded')], []);
      const { names } = await deleteIt(live([summary('planned', 'Executing')]));
      expect(names).toEqual(['stop', 'delete']);
      expect(sm).toHaveReceivedCommandTimes(StopPipelineExecutionCommand, 1);
      expect(sm).toHaveReceivedCommandWith(StopPipelineExecutionCommand, { PipelineExecutionArn: exec('new') });
    });

    it('waits for an execution already Stopping without stopping it again', async () => {
      vi.useFakeTimers();
      world([summary('c', 'Stopping')], [summary('c', 'Stopping')], [summary('c', 'Stopped')]);
      const done = deleteIt(live([summary('c', 'Stopping')]));
      await vi.advanceTimersByTimeAsync(60_000);
      const { names, error } = await done;
      expect(error).toBeUndefined();
      expect(names).toEqual(['delete']);
      expect(sm).not.toHaveReceivedCommand(StopPipelineExecutionCommand);
      expect(ops()).toEqual(['DescribePipeline', 'ListPipelineExecutions', 'ListPipelineExecutions', 'ListPipelineExecutions', 'DeletePipeline']);
    });

    it('keeps polling while a stopped run is still Stopping, then deletes', async () => {
      vi.useFakeTimers();
      world([summary('b', 'Executing')], [summary('b', 'Stopping')], [summary('b', 'Stopped')]);
      const done = deleteIt(live([summary('b', 'Executing')]));
      await vi.advanceTimersByTimeAsync(60_000);
      expect((await done).names).toEqual(['stop', 'delete']);
      expect(ops()).toEqual([
        'DescribePipeline',
        'ListPipelineExecutions',
        'StopPipelineExecution',
        'ListPipelineExecutions',
        'ListPipelineExecutions',
        'DeletePipeline',
      ]);
    });

    it('fails with a TimeoutError when a run is still Stopping after --wait-timeout, and deletes nothing', async () => {
      vi.useFakeTimers();
      world([summary('b', 'Executing')], [summary('b', 'Stopping')]);
      const done = deleteIt(live([summary('b', 'Executing')]), { ctx: testContext({ waitTimeoutSeconds: 30 }) });
      await vi.advanceTimersByTimeAsync(60_000);
      const { names, error } = await done;
      expect(error).toMatchObject({ name: 'TimeoutError' });
      expect(names).toEqual(['stop']);
      expect(sm).not.toHaveReceivedCommand(DeletePipelineCommand);
    });

    it('stops waiting when the run is aborted', async () => {
      world([summary('c', 'Stopping')]);
      const abort = new AbortController();
      abort.abort();
      const { error } = await deleteIt(live([summary('c', 'Stopping')]), { ctx: testContext({ waitTimeoutSeconds: 60, signal: abort.signal }) });
      expect(error).toMatchObject({ name: 'AbortError' });
      expect(sm).not.toHaveReceivedCommand(DeletePipelineCommand);
    });

    it('ends the wait at once on an error other than not-found, and deletes nothing', async () => {
      world([summary('b', 'Executing')]);
      sm.on(ListPipelineExecutionsCommand)
        .resolvesOnce({ PipelineExecutionSummaries: [summary('b', 'Executing')] })
        .rejects(awsError('AccessDeniedException', 'no ListPipelineExecutions', 403));
      const { names, error } = await deleteIt(live([summary('b', 'Executing')]));
      expect(String(error)).toMatch(/FAILURE/);
      expect(names).toEqual(['stop']);
      expect(sm).not.toHaveReceivedCommand(DeletePipelineCommand);
    });

    it('takes a run gone before its stop as stopped', async () => {
      world([summary('b', 'Executing')], []);
      sm.on(StopPipelineExecutionCommand).rejects(awsError('ResourceNotFound', 'no such execution'));
      expect((await deleteIt(live([summary('b', 'Executing')]))).names).toEqual(['stop', 'delete']);
      expect(sm).toHaveReceivedCommand(DeletePipelineCommand);
    });

    it('lets a refused stop through and deletes nothing', async () => {
      world([summary('b', 'Executing')]);
      sm.on(StopPipelineExecutionCommand).rejects(awsError('AccessDeniedException', 'no StopPipelineExecution', 403));
      const { names, error } = await deleteIt(live([summary('b', 'Executing')]));
      expect(error).toMatchObject({ message: 'no StopPipelineExecution' });
      expect(names).toEqual(['stop']);
      expect(sm).not.toHaveReceivedCommand(DeletePipelineCommand);
    });

    it('sends no stop when the stop step is stopped, and no delete when the delete step is', async () => {
      world([summary('b', 'Executing'), summary('c', 'Executing')], []);
      expect(await deleteIt(live([summary('b', 'Executing')]), { stopAt: 'stop' })).toMatchObject({ names: [], error: { name: 'TagsChanged' } });
      expect(ops()).toEqual(['DescribePipeline', 'ListPipelineExecutions']);
      sm.reset();
      world([summary('b', 'Executing'), summary('c', 'Executing')], []);
      expect(await deleteIt(live([summary('b', 'Executing')]), { stopAt: 'delete' })).toMatchObject({ names: ['stop', 'stop'], error: { name: 'TagsChanged' } });
      expect(sm).not.toHaveReceivedCommand(DeletePipelineCommand);
    });

    it('goes straight to the delete step for a pipeline gone since the plan: its not-found is for the core to report', async () => {
      world([]);
      sm.on(DescribePipelineCommand).rejects(notFound());
      sm.on(DeletePipelineCommand).rejects(notFound());
      const { names, error } = await deleteIt(live([summary('b', 'Executing')]));
      expect(error).toMatchObject({ name: 'ValidationException' });
      expect(names).toEqual(['delete']);
      expect(ops()).toEqual(['DescribePipeline', 'DeletePipeline']);
    });

    it('goes to the delete step for a pipeline that vanishes before its executions are listed', async () => {
      world([]);
      sm.on(ListPipelineExecutionsCommand).rejects(notFound());
      sm.on(DeletePipelineCommand).rejects(notFound());
      const { names, error } = await deleteIt(live([summary('b', 'Executing')]));
      expect(error).toMatchObject({ name: 'ValidationException' });
      expect(names).toEqual(['delete']);
      expect(sm).not.toHaveReceivedCommand(StopPipelineExecutionCommand);
    });

    it('does nothing for a pipeline already Deleting', async () => {
      world([summary('b', 'Executing')]);
      sm.on(DescribePipelineCommand).resolves({ PipelineName: 'nova-train', PipelineStatus: 'Deleting' });
      expect(await deleteIt(live([summary('b', 'Executing')]))).toMatchObject({ names: [] });
      expect(ops()).toEqual(['DescribePipeline']);
    });
  });
});
