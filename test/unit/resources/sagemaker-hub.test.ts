import {
  DeleteHubCommand,
  DeleteHubContentCommand,
  DeleteHubContentReferenceCommand,
  DescribeHubCommand,
  ListHubContentsCommand,
  ListHubContentVersionsCommand,
  ListHubsCommand,
  ListTagsCommand,
  SageMakerClient,
  type HubContentInfo,
  type HubContentStatus,
  type HubContentType,
  type HubStatus,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { sagemakerHub as handler } from '../../../src/resources/sagemaker-hub.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:hub/nova-hub';
const PUBLIC = 'arn:aws:sagemaker:us-east-1:aws:hub/SageMakerPublicHub';
const HUB = { HubName: 'nova-hub' };
const TYPES: readonly HubContentType[] = ['Model', 'Notebook', 'ModelReference', 'DataSet', 'JsonDoc'];
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const notFound = () => awsError('ResourceNotFound', 'Hub nova-hub does not exist.');

/** One hub content summary (`name@version`), of `type`, in `status`. */
function content(type: HubContentType, id: string, status: HubContentStatus = 'Available'): HubContentInfo {
  const [name = id, version = '1.0.0'] = id.split('@');
  return {
    HubContentName: name,
    HubContentType: type,
    HubContentVersion: version,
    HubContentArn: `arn:aws:sagemaker:us-east-1:123456789012:hub-content/nova-hub/${type}/${name}/${version}`,
    DocumentSchemaVersion: '2.0.0',
    HubContentStatus: status,
    CreationTime: new Date(0),
  };
}
const MODEL_1 = content('Model', 'nova-ft@1.0.0');
const MODEL_2 = content('Model', 'nova-ft@2.0.0');
const NOTEBOOK = content('Notebook', 'nova-nb@1.0.0');
const REFERENCE = content('ModelReference', 'llama-ref@1.0.0');

/** The operations the mock received, in order, without `Command`. */
const ops = () => sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
/** The ListHubContents calls received: the content type of each, in order. */
const listedTypes = () => sm.commandCalls(ListHubContentsCommand).map((c) => c.args[0].input.HubContentType);

/**
 * ListHubContents answers these listings of each type in turn (the last one repeats; a type not given
 * lists nothing); ListHubContentVersions answers each content's versions.
 */
function contents(listings: Partial<Record<HubContentType, HubContentInfo[][]>>, versions: Record<string, HubContentInfo[]> = {}): void {
  for (const type of TYPES) {
    const list = listings[type] ?? [[]];
    let chain = sm.on(ListHubContentsCommand, { HubContentType: type });
    for (const l of list.slice(0, -1)) chain = chain.resolvesOnce({ HubContentSummaries: l });
    chain.resolves({ HubContentSummaries: list.at(-1) ?? [] });
  }
  sm.on(ListHubContentVersionsCommand).resolves({ HubContentSummaries: [] });
  for (const [name, summaries] of Object.entries(versions)) sm.on(ListHubContentVersionsCommand, { HubContentName: name }).resolves({ HubContentSummaries: summaries });
}

/** DescribeHub answers `status`; removals and DeleteHub succeed. */
function hub(status: HubStatus = 'InService'): void {
  sm.on(DescribeHubCommand).resolves({ HubName: 'nova-hub', HubArn: ARN, HubStatus: status, CreationTime: new Date(0), LastModifiedTime: new Date(0) });
  sm.on(DeleteHubContentCommand).resolves({});
  sm.on(DeleteHubContentReferenceCommand).resolves({});
  sm.on(DeleteHubCommand).resolves({});
}

const live = (items: HubContentInfo[] = [], hubArn = ARN) => liveFor(handler, ARN, { config: { HubName: 'nova-hub', HubArn: hubArn, HubStatus: 'InService', HubContents: items } });

/** Runs the delete of `r`, steps recorded: the steps run, and its error. */
async function deleteIt(r = live(), opts: { stopAt?: string; ctx?: ReturnType<typeof ctx> } = {}) {
  const steps = recordingSteps(opts);
  const error: unknown = await handler.delete(r, opts.ctx ?? ctx(), steps).then(() => undefined, (err: unknown) => err);
  return { steps: steps.log, names: steps.log.map((s) => s.name), ...(error === undefined ? {} : { error }) };
}

describe('sagemaker:hub', () => {
  beforeEach(() => sm.reset());
  afterEach(() => vi.useRealTimers());

  it('owns private hub ARNs only (not hub content, not the AWS public hub), uses nothing, and declares its reads', () => {
    expect(handler.type).toBe('sagemaker:hub');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test(MODEL_1.HubContentArn ?? '')).toBe(false);
    expect(handler.arnPattern.test(PUBLIC)).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-hub');
    expect(handler.references).toEqual([]);
    expect(handler.taggingApi).toBe(true);
    expect(handler.reads).toEqual(['DescribeHub', 'ListHubs', 'ListTags', 'ListHubContents', 'ListHubContentVersions']);
  });

  describe('describe', () => {
    it('gives the hub, every version of every content (all types, all pages, 100 a page), live tags, and no uses', async () => {
      sm.on(DescribeHubCommand, HUB).resolves({ HubName: 'nova-hub', HubArn: ARN, HubStatus: 'InService', HubDescription: 'Nova models', $metadata: { httpStatusCode: 200 } });
      contents({ Notebook: [[NOTEBOOK]], ModelReference: [[REFERENCE]] }, { 'nova-ft': [MODEL_2, MODEL_1], 'nova-nb': [NOTEBOOK] });
      sm.on(ListHubContentsCommand, { HubContentType: 'Model' })
        .resolvesOnce({ HubContentSummaries: [], NextToken: 'p2' })
        .resolvesOnce({ HubContentSummaries: [MODEL_2] });
      sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
      const d = await handler.describe(refFor(handler, ARN), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.tags).toEqual({ project: 'nova' });
      expect(d.uses).toEqual([]);
      expect(d.config).toEqual({ HubName: 'nova-hub', HubArn: ARN, HubStatus: 'InService', HubDescription: 'Nova models', HubContents: [MODEL_2, MODEL_1, NOTEBOOK, REFERENCE] });
      expect(listedTypes()).toEqual(['Model', 'Model', 'Notebook', 'ModelReference', 'DataSet', 'JsonDoc']);
      expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListHubContentsCommand, { ...HUB, HubContentType: 'Model', MaxResults: 100 });
      expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListHubContentsCommand, { ...HUB, HubContentType: 'Model', MaxResults: 100, NextToken: 'p2' });
      // Versions are listed for the imported content, not for the model reference.
      expect(sm.commandCalls(ListHubContentVersionsCommand).map((c) => c.args[0].input)).toEqual([
        { ...HUB, HubContentType: 'Model', HubContentName: 'nova-ft', MaxResults: 100, NextToken: undefined },
        { ...HUB, HubContentType: 'Notebook', HubContentName: 'nova-nb', MaxResults: 100, NextToken: undefined },
      ]);
      expect(handler.children?.({ ref: refFor(handler, ARN), described: d })).toEqual([
        { kind: 'hub-content', id: 'Model/nova-ft/2.0.0', lost: expect.stringMatching(/content document/) },
        { kind: 'hub-content', id: 'Model/nova-ft/1.0.0', lost: expect.stringMatching(/content document/) },
        { kind: 'hub-content', id: 'Notebook/nova-nb/1.0.0', lost: expect.stringMatching(/content document/) },
        { kind: 'hub-content-reference', id: 'ModelReference/llama-ref' },
      ]);
    });

    it('reads every page of a content\'s versions, and skips a content gone before its versions are listed', async () => {
      sm.on(DescribeHubCommand).resolves({ HubName: 'nova-hub', HubArn: ARN, HubStatus: 'InService' });
      contents({ Model: [[MODEL_2, content('Model', 'gone-model@1.0.0')]] });
      sm.on(ListHubContentVersionsCommand, { HubContentName: 'nova-ft' })
        .resolvesOnce({ HubContentSummaries: [MODEL_2], NextToken: 'v2' })
        .resolvesOnce({ HubContentSummaries: [MODEL_1] });
      sm.on(ListHubContentVersionsCommand, { HubContentName: 'gone-model' }).rejects(awsError('ResourceNotFound', 'no such content'));
      sm.on(ListTagsCommand).resolves({ Tags: [] });
      const d = await handler.describe(refFor(handler, ARN), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.config.HubContents).toEqual([MODEL_2, MODEL_1]);
    });

    it('is gone when DescribeHub cannot find it, or when it vanishes before its contents are listed', async () => {
      sm.on(DescribeHubCommand).rejects(notFound());
      expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toBe(GONE);
      expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
      sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'no such resource', 500));
      expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);
      sm.reset();
      sm.on(DescribeHubCommand).resolvesOnce({ HubName: 'nova-hub', HubArn: ARN, HubStatus: 'InService' }).rejects(notFound());
      sm.on(ListHubContentsCommand).rejects(notFound());
      expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
    });

    it('lets other errors through', async () => {
      sm.on(DescribeHubCommand).resolves({ HubName: 'nova-hub', HubArn: ARN, HubStatus: 'InService' });
      sm.on(ListHubContentsCommand).rejects(awsError('AccessDeniedException', 'no ListHubContents', 403));
      await expect(handler.describe(refFor(handler, ARN), ctx())).rejects.toThrow('no ListHubContents');
    });

    it('reads its tags with ListTags alone, and its uses (none) with DescribeHub alone', async () => {
      hub();
      sm.on(ListTagsCommand).resolves({ Tags: [{ Key: 'team', Value: 'ml' }] });
      expect(await handler.currentTags(refFor(handler, ARN), ctx())).toEqual({ team: 'ml' });
      expect(ops()).toEqual(['ListTags']);
      sm.resetHistory();
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([]);
      expect(ops()).toEqual(['DescribeHub']);
    });
  });

  it('lists every private hub of the region by ARN, all pages, 100 a page; never the AWS public hub', async () => {
    const h = (n: string) => `arn:aws:sagemaker:us-east-1:123456789012:hub/${n}`;
    const summary = (name: string, arn: string) => ({ HubName: name, HubArn: arn, HubStatus: 'InService' as const, CreationTime: new Date(0), LastModifiedTime: new Date(0) });
    sm.on(ListHubsCommand)
      .resolvesOnce({ HubSummaries: [summary('a', h('a')), summary('SageMakerPublicHub', PUBLIC)], NextToken: 'n' })
      .resolvesOnce({ HubSummaries: [summary('b', h('b'))] });
    expect(await handler.list(ctx(), 'us-east-1')).toEqual([{ arn: h('a') }, { arn: h('b') }]);
    expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListHubsCommand, { MaxResults: 100 });
    expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListHubsCommand, { MaxResults: 100, NextToken: 'n' });
  });

  it('sends only its declared reads in describe, readUses, list, currentTags, the delete and its waits', async () => {
    hub();
    contents({ Model: [[MODEL_2], []], ModelReference: [[REFERENCE], []] }, { 'nova-ft': [MODEL_2, MODEL_1] });
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    sm.on(ListHubsCommand).resolves({ HubSummaries: [] });
    await handler.describe(refFor(handler, ARN), ctx());
    await handler.readUses?.(refFor(handler, ARN), ctx());
    await handler.list(ctx(), 'us-east-1');
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'x', 500));
    await handler.currentTags(refFor(handler, ARN), ctx()).catch(() => undefined);
    expect(new Set(ops())).toEqual(new Set(['DescribeHub', 'ListHubContents', 'ListHubContentVersions', 'ListTags', 'ListHubs']));
    for (const op of ops()) expect(handler.reads).toContain(op);
    sm.reset();
    hub();
    contents({ Model: [[MODEL_2], []], ModelReference: [[REFERENCE], []] }, { 'nova-ft': [MODEL_2, MODEL_1] });
    expect((await deleteIt(live([MODEL_2, MODEL_1, REFERENCE]))).names).toEqual(['delete-content', 'delete-content', 'delete-content', 'delete']);
    sm.on(DescribeHubCommand).rejects(notFound());
    await handler.waitUntilGone?.(refFor(handler, ARN), ctx());
    for (const op of ops().filter((o) => !/^Delete/.test(o))) expect(handler.reads).toContain(op);
  });

  describe('protect, children and actions', () => {
    it('protects the AWS public hub, by name or by its ARN\'s account; a private hub is not protected', () => {
      const reason = 'an AWS public hub (SageMakerPublicHub): never deleted';
      expect(handler.protect?.(liveFor(handler, 'arn:aws:sagemaker:us-east-1:123456789012:hub/sagemakerpublichub'), {})).toBe(reason);
      expect(handler.protect?.(live([], PUBLIC), {})).toBe(reason);
      expect(handler.protect?.(live(), {})).toBeUndefined();
    });

    it('has no children when empty', () => {
      expect(handler.children?.(live())).toEqual([]);
    });

    it('needs ListHubContents(Versions) on the hub, and each removal on the content\'s own ARN', () => {
      expect(handler.actions(live([MODEL_2, MODEL_1, REFERENCE]))).toEqual([
        { action: 'sagemaker:ListTags', resource: ARN },
        { action: 'sagemaker:DescribeHub', resource: ARN },
        { action: 'sagemaker:DeleteHub', resource: ARN },
        { action: 'sagemaker:ListHubContents', resource: ARN },
        { action: 'sagemaker:ListHubContentVersions', resource: ARN },
        { action: 'sagemaker:DeleteHubContent', resource: MODEL_2.HubContentArn },
        { action: 'sagemaker:DeleteHubContent', resource: MODEL_1.HubContentArn },
        { action: 'sagemaker:DeleteHubContentReference', resource: REFERENCE.HubContentArn },
      ]);
    });

    it('an empty hub, or one of references only, needs no ListHubContentVersions and no DeleteHubContent', () => {
      expect(handler.actions(live()).map((a) => a.action)).toEqual(['sagemaker:ListTags', 'sagemaker:DescribeHub', 'sagemaker:DeleteHub', 'sagemaker:ListHubContents']);
      expect(handler.actions(live([REFERENCE])).map((a) => a.action)).toEqual([
        'sagemaker:ListTags',
        'sagemaker:DescribeHub',
        'sagemaker:DeleteHub',
        'sagemaker:ListHubContents',
        'sagemaker:DeleteHubContentReference',
      ]);
    });

    it('builds a content\'s ARN when the listing gave none', () => {
      expect(handler.actions(live([{ ...MODEL_1, HubContentArn: undefined }])).at(-1)).toEqual({ action: 'sagemaker:DeleteHubContent', resource: MODEL_1.HubContentArn });
    });
  });

  describe('delete', () => {
    it('deletes an empty hub in one step, after reading its state and listing its contents', async () => {
      hub();
      contents({});
      const { steps } = await deleteIt();
      expect(steps).toEqual([{ name: 'delete' }]);
      expect(ops()).toEqual(['DescribeHub', ...TYPES.map(() => 'ListHubContents'), 'DeleteHub']);
      expect(sm).toHaveReceivedCommandWith(DeleteHubCommand, HUB);
    });

    it('removes every content version and reference first (each its own step), waits until the hub is empty, then deletes it', async () => {
      hub();
      contents({ Model: [[MODEL_2], []], Notebook: [[NOTEBOOK], []], ModelReference: [[REFERENCE], []] }, { 'nova-ft': [MODEL_2, MODEL_1], 'nova-nb': [NOTEBOOK] });
      const { steps, error } = await deleteIt(live([MODEL_2, MODEL_1, NOTEBOOK, REFERENCE]));
      expect(error).toBeUndefined();
      expect(steps).toEqual([
        { name: 'delete-content', child: { kind: 'hub-content', id: 'Model/nova-ft/2.0.0' }, done: 'removed Model/nova-ft/2.0.0 from the hub' },
        { name: 'delete-content', child: { kind: 'hub-content', id: 'Model/nova-ft/1.0.0' }, done: 'removed Model/nova-ft/1.0.0 from the hub' },
        { name: 'delete-content', child: { kind: 'hub-content', id: 'Notebook/nova-nb/1.0.0' }, done: 'removed Notebook/nova-nb/1.0.0 from the hub' },
        { name: 'delete-content', child: { kind: 'hub-content-reference', id: 'ModelReference/llama-ref' }, done: 'removed ModelReference/llama-ref from the hub' },
        { name: 'delete' },
      ]);
      expect(sm.commandCalls(DeleteHubContentCommand).map((c) => c.args[0].input)).toEqual([
        { ...HUB, HubContentType: 'Model', HubContentName: 'nova-ft', HubContentVersion: '2.0.0' },
        { ...HUB, HubContentType: 'Model', HubContentName: 'nova-ft', HubContentVersion: '1.0.0' },
        { ...HUB, HubContentType: 'Notebook', HubContentName: 'nova-nb', HubContentVersion: '1.0.0' },
      ]);
      expect(sm).toHaveReceivedCommandWith(DeleteHubContentReferenceCommand, { ...HUB, HubContentType: 'ModelReference', HubContentName: 'llama-ref' });
      // The wait lists at once (every type): the hub is empty by then, and DeleteHub comes last.
      const o = ops();
      expect(o.slice(-TYPES.length - 1)).toEqual([...TYPES.map(() => 'ListHubContents'), 'DeleteHub']);
      expect(o.lastIndexOf('DeleteHubContentReference')).toBeLessThan(o.indexOf('DeleteHub'));
    });

    it('lists again: content added since the plan is removed too, content removed since is not', async () => {
      hub();
      contents({ DataSet: [[content('DataSet', 'new-data@1.0.0')], []] }, { 'new-data': [content('DataSet', 'new-data@1.0.0')] });
      const { steps } = await deleteIt(live([MODEL_1]));
      expect(steps.map((s) => s.child?.id ?? s.name)).toEqual(['DataSet/new-data/1.0.0', 'delete']);
      expect(sm).toHaveReceivedCommandTimes(DeleteHubContentCommand, 1);
      expect(sm).toHaveReceivedCommandWith(DeleteHubContentCommand, { HubContentType: 'DataSet', HubContentName: 'new-data' });
    });

    it('keeps waiting while removed content is still Deleting, then deletes the hub', async () => {
      vi.useFakeTimers();
      hub();
      contents({ Model: [[MODEL_1], [content('Model', 'nova-ft@1.0.0', 'Deleting')], []] }, { 'nova-ft': [MODEL_1] });
      const done = deleteIt(live([MODEL_1]));
      await vi.advanceTimersByTimeAsync(60_000);
      const { names, error } = await done;
      expect(error).toBeUndefined();
      expect(names).toEqual(['delete-content', 'delete']);
      expect(listedTypes().filter((t) => t === 'Model')).toHaveLength(3);
    });

    it('fails when removed content turns DeleteFailed, and does not delete the hub', async () => {
      hub();
      contents({ Model: [[MODEL_1], [content('Model', 'nova-ft@1.0.0', 'DeleteFailed')]] }, { 'nova-ft': [MODEL_1] });
      const { names, error } = await deleteIt(live([MODEL_1]));
      expect(String(error)).toMatch(/FAILURE/);
      expect(names).toEqual(['delete-content']);
      expect(sm).not.toHaveReceivedCommand(DeleteHubCommand);
    });

    it('fails with a TimeoutError when content is still there after --wait-timeout', async () => {
      vi.useFakeTimers();
      hub();
      contents({ Model: [[MODEL_1], [content('Model', 'nova-ft@1.0.0', 'PendingDelete')]] }, { 'nova-ft': [MODEL_1] });
      const done = deleteIt(live([MODEL_1]), { ctx: testContext({ waitTimeoutSeconds: 30 }) });
      await vi.advanceTimersByTimeAsync(60_000);
      const { error } = await done;
      expect(error).toMatchObject({ name: 'TimeoutError' });
      expect(sm).not.toHaveReceivedCommand(DeleteHubCommand);
    });

    it('takes content gone before its removal as removed', async () => {
      hub();
      contents({ Model: [[MODEL_1], []], ModelReference: [[REFERENCE], []] }, { 'nova-ft': [MODEL_1] });
      sm.on(DeleteHubContentCommand).rejects(awsError('ResourceNotFound', 'no such content'));
      sm.on(DeleteHubContentReferenceCommand).rejects(awsError('ResourceNotFound', 'no such reference'));
      expect(await deleteIt(live([MODEL_1, REFERENCE]))).toMatchObject({ names: ['delete-content', 'delete-content', 'delete'] });
      expect(sm).toHaveReceivedCommand(DeleteHubCommand);
    });

    it('lets a refused removal through and deletes nothing more', async () => {
      hub();
      contents({ Model: [[MODEL_2]] }, { 'nova-ft': [MODEL_2, MODEL_1] });
      sm.on(DeleteHubContentCommand).rejects(awsError('ResourceInUse', 'content in use'));
      const { names, error } = await deleteIt(live([MODEL_2, MODEL_1]));
      expect(error).toMatchObject({ name: 'ResourceInUse' });
      expect(names).toEqual(['delete-content']);
      expect(sm).toHaveReceivedCommandTimes(DeleteHubContentCommand, 1);
      expect(sm).not.toHaveReceivedCommand(DeleteHubCommand);
    });

    it('removes nothing when the first removal step is stopped, and sends no DeleteHub when the delete step is', async () => {
      hub();
      contents({ Model: [[MODEL_1], []] }, { 'nova-ft': [MODEL_1] });
      expect(await deleteIt(live([MODEL_1]), { stopAt: 'delete-content' })).toMatchObject({ names: [], error: { name: 'TagsChanged' } });
      expect(sm).not.toHaveReceivedCommand(DeleteHubContentCommand);
      expect(sm).not.toHaveReceivedCommand(DeleteHubCommand);
      sm.reset();
      hub();
      contents({ Model: [[MODEL_1], []] }, { 'nova-ft': [MODEL_1] });
      expect(await deleteIt(live([MODEL_1]), { stopAt: 'delete' })).toMatchObject({ names: ['delete-content'], error: { name: 'TagsChanged' } });
      expect(sm).toHaveReceivedCommand(DeleteHubContentCommand);
      expect(sm).not.toHaveReceivedCommand(DeleteHubCommand);
    });

    it('goes straight to the delete step for a hub gone since the plan, or one that vanishes before its contents are listed', async () => {
      hub();
      sm.on(DescribeHubCommand).rejects(notFound());
      sm.on(DeleteHubCommand).rejects(notFound());
      const gone = await deleteIt(live([MODEL_1]));
      expect(gone).toMatchObject({ names: ['delete'], error: { name: 'ResourceNotFound' } });
      expect(ops()).toEqual(['DescribeHub', 'DeleteHub']);
      sm.reset();
      hub();
      sm.on(ListHubContentsCommand).rejects(notFound());
      sm.on(DeleteHubCommand).rejects(notFound());
      expect(await deleteIt(live([MODEL_1]))).toMatchObject({ names: ['delete'], error: { name: 'ResourceNotFound' } });
      expect(sm).not.toHaveReceivedCommand(DeleteHubContentCommand);
    });

    it('does nothing for a hub already Deleting', async () => {
      hub('Deleting');
      contents({ Model: [[MODEL_1]] }, { 'nova-ft': [MODEL_1] });
      expect(await deleteIt(live([MODEL_1]))).toMatchObject({ names: [] });
      expect(ops()).toEqual(['DescribeHub']);
    });
  });

  describe('waitUntilGone (no SDK waiter: DescribeHub is polled)', () => {
    it('is done once DescribeHub says not found (first poll)', async () => {
      sm.on(DescribeHubCommand).rejects(notFound());
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).resolves.toBeUndefined();
      expect(sm).toHaveReceivedCommandTimes(DescribeHubCommand, 1);
      expect(sm).toHaveReceivedCommandWith(DescribeHubCommand, HUB);
    });

    it('keeps polling while Deleting, then resolves', async () => {
      vi.useFakeTimers();
      sm.on(DescribeHubCommand).resolvesOnce({ HubName: 'nova-hub', HubStatus: 'Deleting' }).rejects(notFound());
      const wait = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
      await vi.advanceTimersByTimeAsync(30_000);
      await expect(wait).resolves.toBeUndefined();
      expect(sm).toHaveReceivedCommandTimes(DescribeHubCommand, 2);
    });

    it('fails when the hub turns DeleteFailed', async () => {
      sm.on(DescribeHubCommand).resolves({ HubName: 'nova-hub', HubStatus: 'DeleteFailed', FailureReason: 'content left' });
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).rejects.toThrow(/FAILURE/);
    });
  });
});
