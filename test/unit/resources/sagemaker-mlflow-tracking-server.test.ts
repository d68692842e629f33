import {
  DeleteMlflowTrackingServerCommand,
  DescribeMlflowTrackingServerCommand,
  ListMlflowTrackingServersCommand,
  ListTagsCommand,
  SageMakerClient,
  StopMlflowTrackingServerCommand,
  type TrackingServerStatus,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { sagemakerMlflowTrackingServer as handler } from '../../../src/resources/sagemaker-mlflow-tracking-server.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:mlflow-tracking-server/nova-mlflow';
const ROLE = 'arn:aws:iam::123456789012:role/nova-mlflow';
const STORE = 's3://nova-mlflow-artifacts/runs';
const INPUT = { TrackingServerName: 'nova-mlflow' };
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const notFound = () => awsError('ResourceNotFound', 'Tracking server nova-mlflow not found');
const SERVER = {
  TrackingServerArn: ARN,
  TrackingServerName: 'nova-mlflow',
  ArtifactStoreUri: STORE,
  RoleArn: ROLE,
  TrackingServerStatus: 'Started' as TrackingServerStatus,
  IsActive: 'Active' as const,
};

/** The operations the mock received, in order, without `Command`. */
const ops = () => sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

/** Describe answers these statuses in turn (the last repeats); `gone` is not-found. */
function statuses(...list: (TrackingServerStatus | 'gone')[]): void {
  let chain = sm.on(DescribeMlflowTrackingServerCommand);
  for (const s of list.slice(0, -1)) chain = s === 'gone' ? chain.rejectsOnce(notFound()) : chain.resolvesOnce({ ...SERVER, TrackingServerStatus: s });
  const last = list.at(-1);
  if (last === 'gone') chain.rejects(notFound());
  else chain.resolves({ ...SERVER, TrackingServerStatus: last });
}

describe('sagemaker:mlflow-tracking-server', () => {
  beforeEach(() => sm.reset());
  afterEach(() => vi.useRealTimers());

  it('owns MLflow tracking server ARNs only, names them by name, may use IAM roles, and declares its reads', () => {
    expect(handler.type).toBe('sagemaker:mlflow-tracking-server');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test('arn:aws:sagemaker:us-east-1:123456789012:mlflow-app/app-abc')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-mlflow');
    expect(handler.references).toEqual(['iam:role']);
    expect(handler.taggingApi).toBe(true);
    expect(handler.reads).toEqual(['DescribeMlflowTrackingServer', 'ListMlflowTrackingServers', 'ListTags']);
  });

  it('describes config, live tags and the role it uses; a missing server is gone; other errors go through', async () => {
    sm.on(DescribeMlflowTrackingServerCommand, INPUT).resolves({ ...SERVER, $metadata: { httpStatusCode: 200 } });
    sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
    const d = await handler.describe(refFor(handler, ARN), ctx());
    expect(d).toEqual({ tags: { project: 'nova' }, config: SERVER, uses: [ROLE] });
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([ROLE]);
    sm.reset();
    sm.on(DescribeMlflowTrackingServerCommand).rejects(notFound());
    expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toBe(GONE);
    sm.on(DescribeMlflowTrackingServerCommand).rejects(awsError('AccessDeniedException', 'denied', 403));
    await expect(handler.describe(refFor(handler, ARN), ctx())).rejects.toThrow('denied');
  });

  it('lists every tracking server of the region by ARN, 100 a page', async () => {
    const a = (n: string) => `arn:aws:sagemaker:us-east-1:123456789012:mlflow-tracking-server/${n}`;
    sm.on(ListMlflowTrackingServersCommand)
      .resolvesOnce({ TrackingServerSummaries: [{ TrackingServerArn: a('one'), TrackingServerName: 'one' }], NextToken: 'n' })
      .resolvesOnce({ TrackingServerSummaries: [{ TrackingServerArn: a('two'), TrackingServerName: 'two', TrackingServerStatus: 'Stopped' }] });
    expect(await handler.list(ctx(), 'us-east-1')).toEqual([{ arn: a('one') }, { arn: a('two') }]);
    expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListMlflowTrackingServersCommand, { MaxResults: 100 });
    expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListMlflowTrackingServersCommand, { MaxResults: 100, NextToken: 'n' });
  });

  it('sends only its declared reads in describe, readUses, list, currentTags and the gone-wait', async () => {
    sm.on(DescribeMlflowTrackingServerCommand).resolves(SERVER);
    sm.on(ListTagsCommand).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
    sm.on(ListMlflowTrackingServersCommand).resolves({ TrackingServerSummaries: [] });
    await handler.describe(refFor(handler, ARN), ctx());
    await handler.readUses?.(refFor(handler, ARN), ctx());
    await handler.list(ctx(), 'us-east-1');
    sm.resetHistory();
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toEqual({ project: 'nova' });
    expect(ops()).toEqual(['ListTags']);
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'x', 500));
    sm.on(DescribeMlflowTrackingServerCommand).rejects(notFound());
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);
    await handler.waitUntilGone?.(refFor(handler, ARN), ctx());
    const reads = sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
    for (const op of reads) expect(handler.reads).toContain(op);
  });

  it('says its tracking data is lost and its artifact store stays, and needs ListTags, Describe (the wait) and Delete on the server', () => {
    const r = liveFor(handler, ARN, { config: SERVER });
    expect(handler.children?.(r)).toEqual([
      { kind: 'mlflow-tracking-data', id: '*', lost: `experiments, runs and registered models: not in the backup (the artifacts in ${STORE} stay)` },
    ]);
    expect(handler.actions(r)).toEqual([
      { action: 'sagemaker:ListTags', resource: ARN },
      { action: 'sagemaker:DescribeMlflowTrackingServer', resource: ARN },
      { action: 'sagemaker:DeleteMlflowTrackingServer', resource: ARN },
    ]);
  });

  it('deletes a running server in one step, without stopping it (AWS deletes it either way)', async () => {
    sm.on(DeleteMlflowTrackingServerCommand).resolves({ TrackingServerArn: ARN });
    const steps = recordingSteps();
    await handler.delete(liveFor(handler, ARN, { config: SERVER }), ctx(), steps);
    expect(steps.log).toEqual([{ name: 'delete' }]);
    expect(sm).toHaveReceivedCommandWith(DeleteMlflowTrackingServerCommand, INPUT);
    expect(sm).not.toHaveReceivedCommand(StopMlflowTrackingServerCommand);
    expect(ops()).toEqual(['DeleteMlflowTrackingServer']);
  });

  it('sends nothing when the delete step is stopped, and lets a not-found of the delete through for the core', async () => {
    sm.on(DeleteMlflowTrackingServerCommand).rejects(notFound());
    await expect(handler.delete(liveFor(handler, ARN), ctx(), recordingSteps({ stopAt: 'delete' }))).rejects.toMatchObject({ name: 'TagsChanged' });
    expect(ops()).toEqual([]);
    await expect(handler.delete(liveFor(handler, ARN), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'ResourceNotFound' });
  });

  describe('waitUntilGone', () => {
    it('is done once Describe cannot find it (first poll, no sleeping), and polls a Deleting server until then', async () => {
      statuses('gone');
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).resolves.toBeUndefined();
      expect(sm).toHaveReceivedCommandWith(DescribeMlflowTrackingServerCommand, INPUT);
      expect(sm).toHaveReceivedCommandTimes(DescribeMlflowTrackingServerCommand, 1);
      sm.reset();
      vi.useFakeTimers();
      statuses('Deleting', 'Deleting', 'gone');
      const wait = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
      await vi.advanceTimersByTimeAsync(60_000);
      await expect(wait).resolves.toBeUndefined();
      expect(sm).toHaveReceivedCommandTimes(DescribeMlflowTrackingServerCommand, 3);
    });

    it('fails on DeleteFailed, at once on another error, and times out on a server that stays', async () => {
      vi.useFakeTimers();
      statuses('Deleting', 'DeleteFailed');
      const failed = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
      const settled = expect(failed).rejects.toThrow(/FAILURE/);
      await vi.advanceTimersByTimeAsync(60_000);
      await settled;
      sm.reset();
      statuses('Deleting');
      const stays = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
      const timedOut = expect(stays).rejects.toMatchObject({ name: 'TimeoutError' });
      await vi.advanceTimersByTimeAsync(61_000);
      await timedOut;
      vi.useRealTimers();
      sm.reset();
      sm.on(DescribeMlflowTrackingServerCommand).rejects(awsError('AccessDeniedException', 'denied', 403));
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).rejects.toThrow(/FAILURE/);
      expect(sm).toHaveReceivedCommandTimes(DescribeMlflowTrackingServerCommand, 1);
    });

    it('stops waiting when the run is aborted', async () => {
      statuses('Deleting');
      const abort = new AbortController();
      abort.abort();
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), testContext({ waitTimeoutSeconds: 60, signal: abort.signal }))).rejects.toMatchObject({ name: 'AbortError' });
    });
  });
});
