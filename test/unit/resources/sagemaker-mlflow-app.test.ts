import {
  DeleteMlflowAppCommand,
  DescribeMlflowAppCommand,
  ListMlflowAppsCommand,
  ListTagsCommand,
  SageMakerClient,
  type MlflowAppStatus,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { sagemakerMlflowApp as handler } from '../../../src/resources/sagemaker-mlflow-app.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
// An MLflow app's ARN ends in its id: every call names it by ARN.
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:mlflow-app/app-0a1b2c3d4e5f';
const BY_ARN = { Arn: ARN };
const ROLE = 'arn:aws:iam::123456789012:role/nova-mlflow-app';
const STORE = 's3://nova-mlflow-app/artifacts';
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const notFound = () => awsError('ResourceNotFound', 'MLflow app not found');
const APP = { Arn: ARN, Name: 'nova-mlflow', ArtifactStoreUri: STORE, RoleArn: ROLE, Status: 'Created' as MlflowAppStatus, DefaultDomainIdList: ['d-abc123'] };

/** The operations the mock received, in order, without `Command`. */
const ops = () => sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

/** Describe answers these statuses in turn (the last repeats); `gone` is not-found. */
function statuses(...list: (MlflowAppStatus | 'gone')[]): void {
  let chain = sm.on(DescribeMlflowAppCommand);
  for (const s of list.slice(0, -1)) chain = s === 'gone' ? chain.rejectsOnce(notFound()) : chain.resolvesOnce({ ...APP, Status: s });
  const last = list.at(-1);
  if (last === 'gone') chain.rejects(notFound());
  else chain.resolves({ ...APP, Status: last });
}

describe('sagemaker:mlflow-app', () => {
  beforeEach(() => sm.reset());
  afterEach(() => vi.useRealTimers());

  it('owns MLflow app ARNs only, names them by ARN, may use IAM roles, and declares its reads', () => {
    expect(handler.type).toBe('sagemaker:mlflow-app');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test('arn:aws:sagemaker:us-east-1:123456789012:mlflow-tracking-server/nova')).toBe(false);
    expect(handler.references).toEqual(['iam:role']);
    expect(handler.taggingApi).toBe(true);
    expect(handler.reads).toEqual(['DescribeMlflowApp', 'ListMlflowApps', 'ListTags']);
  });

  it('describes config, live tags and its role, by ARN; a missing or Deleted app is gone; other errors go through', async () => {
    sm.on(DescribeMlflowAppCommand, BY_ARN).resolves({ ...APP, $metadata: { httpStatusCode: 200 } });
    sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
    expect(await handler.describe(refFor(handler, ARN), ctx())).toEqual({ tags: { project: 'nova' }, config: APP, uses: [ROLE] });
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([ROLE]);
    statuses('Deleted');
    expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([]);
    statuses('gone');
    expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toBe(GONE);
    sm.on(DescribeMlflowAppCommand).rejects(awsError('AccessDeniedException', 'denied', 403));
    await expect(handler.describe(refFor(handler, ARN), ctx())).rejects.toThrow('denied');
  });

  it('lists every MLflow app of the region by ARN, 100 a page, leaving out Deleted ones', async () => {
    const a = (id: string) => `arn:aws:sagemaker:us-east-1:123456789012:mlflow-app/${id}`;
    sm.on(ListMlflowAppsCommand)
      .resolvesOnce({ Summaries: [{ Arn: a('app-1'), Status: 'Created' }, { Arn: a('app-old'), Status: 'Deleted' }], NextToken: 'n' })
      .resolvesOnce({ Summaries: [{ Arn: a('app-2'), Status: 'Updating' }] });
    expect(await handler.list(ctx(), 'us-east-1')).toEqual([{ arn: a('app-1') }, { arn: a('app-2') }]);
    expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListMlflowAppsCommand, { MaxResults: 100 });
    expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListMlflowAppsCommand, { MaxResults: 100, NextToken: 'n' });
  });

  it('sends only its declared reads in describe, readUses, list, currentTags and the gone-wait', async () => {
    sm.on(DescribeMlflowAppCommand).resolves(APP);
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    sm.on(ListMlflowAppsCommand).resolves({ Summaries: [] });
    await handler.describe(refFor(handler, ARN), ctx());
    await handler.readUses?.(refFor(handler, ARN), ctx());
    await handler.list(ctx(), 'us-east-1');
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'x', 500));
    sm.on(DescribeMlflowAppCommand).rejects(notFound());
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);
    await handler.waitUntilGone?.(refFor(handler, ARN), ctx());
    expect(new Set(ops())).toEqual(new Set(['DescribeMlflowApp', 'ListTags', 'ListMlflowApps']));
    for (const op of ops()) expect(handler.reads).toContain(op);
  });

  it('says its tracking data is lost and its artifact store stays, and needs ListTags, Describe (the wait) and Delete on the app', () => {
    const r = liveFor(handler, ARN, { config: APP });
    expect(handler.children?.(r)).toEqual([
      { kind: 'mlflow-tracking-data', id: '*', lost: `experiments, runs and registered models: not in the backup (the artifacts in ${STORE} stay)` },
    ]);
    expect(handler.actions(r)).toEqual([
      { action: 'sagemaker:ListTags', resource: ARN },
      { action: 'sagemaker:DescribeMlflowApp', resource: ARN },
      { action: 'sagemaker:DeleteMlflowApp', resource: ARN },
    ]);
  });

  it('deletes in one step, naming the app by ARN; a stopped step sends nothing; a not-found of the delete is for the core', async () => {
    sm.on(DeleteMlflowAppCommand).resolves({ Arn: ARN });
    const steps = recordingSteps();
    await handler.delete(liveFor(handler, ARN, { config: APP }), ctx(), steps);
    expect(steps.log).toEqual([{ name: 'delete' }]);
    expect(sm).toHaveReceivedCommandWith(DeleteMlflowAppCommand, BY_ARN);
    expect(ops()).toEqual(['DeleteMlflowApp']);
    sm.reset();
    sm.on(DeleteMlflowAppCommand).rejects(notFound());
    await expect(handler.delete(liveFor(handler, ARN), ctx(), recordingSteps({ stopAt: 'delete' }))).rejects.toMatchObject({ name: 'TagsChanged' });
    expect(ops()).toEqual([]);
    await expect(handler.delete(liveFor(handler, ARN), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'ResourceNotFound' });
  });

  describe('waitUntilGone', () => {
    it('is done once Describe cannot find it, or says Deleted (first poll); polls a Deleting app until then', async () => {
      statuses('gone');
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).resolves.toBeUndefined();
      expect(sm).toHaveReceivedCommandWith(DescribeMlflowAppCommand, BY_ARN);
      sm.reset();
      statuses('Deleted');
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).resolves.toBeUndefined();
      expect(sm).toHaveReceivedCommandTimes(DescribeMlflowAppCommand, 1);
      sm.reset();
      vi.useFakeTimers();
      statuses('Deleting', 'Deleting', 'Deleted');
      const wait = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
      await vi.advanceTimersByTimeAsync(60_000);
      await expect(wait).resolves.toBeUndefined();
      expect(sm).toHaveReceivedCommandTimes(DescribeMlflowAppCommand, 3);
    });

    it('fails on DeleteFailed, and at once on another error', async () => {
      vi.useFakeTimers();
      statuses('Deleting', 'DeleteFailed');
      const wait = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
      const settled = expect(wait).rejects.toThrow(/FAILURE/);
      await vi.advanceTimersByTimeAsync(60_000);
      await settled;
      vi.useRealTimers();
      sm.reset();
      sm.on(DescribeMlflowAppCommand).rejects(awsError('AccessDeniedException', 'denied', 403));
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).rejects.toThrow(/FAILURE/);
      expect(sm).toHaveReceivedCommandTimes(DescribeMlflowAppCommand, 1);
    });
  });
});
