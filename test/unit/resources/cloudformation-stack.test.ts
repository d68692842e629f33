import {
  CloudFormationClient,
  DeleteStackCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
  type Stack,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { cloudformationStack as handler, ownedArn } from '../../../src/resources/cloudformation-stack.js';
import { GONE, type Described } from '../../../src/resources/handler.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const cfn = mockClient(CloudFormationClient);
const ACCOUNT = '123456789012';
const arnOf = (name: string) => `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/${name}/5f0e7f40-5b2a-11ef-8d3c-0a1b2c3d4e5f`;
const ARN = arnOf('NovaForgeSDK-train');
const ROLE = `arn:aws:iam::${ACCOUNT}:role/cfn-deployer`;
const ctx = () => testContext({ waitTimeoutSeconds: 2 });
const sent = () => cfn.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
const at = { partition: 'aws', region: 'us-east-1', account: ACCOUNT };

const stack = (extra: Partial<Stack> = {}): Stack => ({
  StackName: 'NovaForgeSDK-train',
  StackId: ARN,
  StackStatus: 'CREATE_COMPLETE',
  CreationTime: new Date('2026-11-01T00:00:00Z'),
  RoleARN: ROLE,
  Tags: [{ Key: 'project', Value: 'nova' }],
  ...extra,
});
const RESOURCES: StackResourceSummary[] = [
  { LogicalResourceId: 'Data', ResourceType: 'AWS::S3::Bucket', PhysicalResourceId: 'nova-train-data', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() },
  { LogicalResourceId: 'Exec', ResourceType: 'AWS::IAM::Role', PhysicalResourceId: 'nova-train-exec', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() },
  { LogicalResourceId: 'Topic', ResourceType: 'AWS::SNS::Topic', PhysicalResourceId: `arn:aws:sns:us-east-1:${ACCOUNT}:nova`, ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() },
  { LogicalResourceId: 'Queue', ResourceType: 'AWS::SQS::Queue', PhysicalResourceId: 'https://sqs.us-east-1.amazonaws.com/123456789012/nova', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() },
  { LogicalResourceId: 'Old', ResourceType: 'AWS::S3::Bucket', PhysicalResourceId: 'nova-old', ResourceStatus: 'DELETE_COMPLETE', LastUpdatedTimestamp: new Date() },
];
const described = (config: Record<string, unknown>): Partial<Described> => ({ config });

describe('cloudformation:stack', () => {
  beforeEach(() => cfn.reset());

  it('owns stack ARNs, names them by stack name, and declares its reads', () => {
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test(`arn:aws:cloudformation:us-east-1:${ACCOUNT}:stackset/x:1`)).toBe(false);
    expect(handler.nameOf(ARN)).toBe('NovaForgeSDK-train');
    expect(handler.references).toEqual(['iam:role']);
    expect(handler.taggingApi).toBe(true);
    expect(handler.reads).toEqual(['DescribeStacks', 'ListStackResources', 'GetTemplate']);
  });

  it('maps the physical ids of known types to ARNs, and skips the rest and the deleted', () => {
    expect(RESOURCES.map((r) => ownedArn(r, at))).toEqual([
      'arn:aws:s3:::nova-train-data',
      `arn:aws:iam::${ACCOUNT}:role/nova-train-exec`,
      `arn:aws:sns:us-east-1:${ACCOUNT}:nova`,
      undefined,
      undefined,
    ]);
    const rule = (id: string) => ownedArn({ LogicalResourceId: 'R', ResourceType: 'AWS::Events::Rule', PhysicalResourceId: id, ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() }, at);
    expect(rule('nightly')).toBe(`arn:aws:events:us-east-1:${ACCOUNT}:rule/nightly`);
    expect(rule('mlops-bus|nightly')).toBe(`arn:aws:events:us-east-1:${ACCOUNT}:rule/mlops-bus/nightly`);
  });

  it('describe: the stack, its template and resources for the backup, its role, what it owns, its parent', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [stack({ ParentId: arnOf('NovaForgeSDK-root') })] });
    cfn.on(ListStackResourcesCommand).resolvesOnce({ StackResourceSummaries: RESOURCES.slice(0, 2), NextToken: 't' }).resolvesOnce({ StackResourceSummaries: RESOURCES.slice(2) });
    cfn.on(GetTemplateCommand).resolves({ TemplateBody: '{"Resources":{}}' });
    const d = await handler.describe(refFor(handler, ARN), ctx());
    if (d === GONE) throw new Error('expected the stack');
    expect(d.tags).toEqual({ project: 'nova' });
    expect(d.uses).toEqual([ROLE]);
    expect(d.owns).toEqual(['arn:aws:s3:::nova-train-data', `arn:aws:iam::${ACCOUNT}:role/nova-train-exec`, `arn:aws:sns:us-east-1:${ACCOUNT}:nova`]);
    expect(d.ownedBy).toBe(arnOf('NovaForgeSDK-root'));
    expect(d.config.TemplateBody).toBe('{"Resources":{}}');
    expect(cfn).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: ARN });
    for (const op of sent()) expect(handler.reads).toContain(op);
  });

  it('describe: GONE when it is DELETE_COMPLETE, or unknown by name', async () => {
    cfn.on(DescribeStacksCommand).resolvesOnce({ Stacks: [stack({ StackStatus: 'DELETE_COMPLETE' })] }).rejectsOnce(awsError('ValidationError', 'Stack with id x does not exist'));
    expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);
  });

  it('list: every live stack with tags and role; listOwned: each with what it owns', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [stack(), stack({ StackId: arnOf('gone'), StackStatus: 'DELETE_COMPLETE' }), stack({ StackId: arnOf('plain'), RoleARN: undefined, Tags: [] })] });
    expect(await handler.list(ctx(), 'us-east-1')).toEqual([
      { arn: ARN, tags: { project: 'nova' }, uses: [ROLE] },
      { arn: arnOf('plain'), tags: {}, uses: [] },
    ]);
    cfn.on(ListStackResourcesCommand).resolves({ StackResourceSummaries: RESOURCES.slice(0, 1) });
    const listed = await handler.list(ctx(), 'us-east-1');
    cfn.resetHistory();
    expect(await handler.listOwned!(ctx(), 'us-east-1', listed)).toEqual([
      { arn: ARN, owns: ['arn:aws:s3:::nova-train-data'] },
      { arn: arnOf('plain'), owns: ['arn:aws:s3:::nova-train-data'] },
    ]);
    // The stacks come from the listing: no second DescribeStacks.
    expect(cfn).toHaveReceivedCommandTimes(DescribeStacksCommand, 0);
    expect(cfn).toHaveReceivedCommandTimes(ListStackResourcesCommand, 2);
  });

  it('blocked: termination protection, or an operation in progress (not a delete under way)', () => {
    const live = (s: Partial<Stack>) => liveFor(handler, ARN, described({ Stack: stack(s), Resources: [] }));
    expect(handler.blocked!(live({ EnableTerminationProtection: true }))).toMatch(/^termination protection is on/);
    expect(handler.blocked!(live({ StackStatus: 'UPDATE_IN_PROGRESS' }))).toMatch(/UPDATE_IN_PROGRESS/);
    expect(handler.blocked!(live({ StackStatus: 'DELETE_IN_PROGRESS' }))).toBeUndefined();
    expect(handler.blocked!(live({ StackStatus: 'DELETE_FAILED' }))).toBeUndefined();
    expect(handler.blocked!(live({}))).toBeUndefined();
  });

  it('children: every resource it still has, shown in the plan', () => {
    const live = liveFor(handler, ARN, described({ Stack: stack(), Resources: RESOURCES }));
    expect(handler.children!(live).map((c) => c.id)).toEqual([
      'Data (AWS::S3::Bucket nova-train-data)',
      'Exec (AWS::IAM::Role nova-train-exec)',
      `Topic (AWS::SNS::Topic arn:aws:sns:us-east-1:${ACCOUNT}:nova)`,
      'Queue (AWS::SQS::Queue https://sqs.us-east-1.amazonaws.com/123456789012/nova)',
    ]);
  });

  it('delete: one DeleteStack step; a DELETE_FAILED stack says what blocked it before', async () => {
    cfn.on(DeleteStackCommand).resolves({});
    const steps = recordingSteps();
    const failed = RESOURCES.map((r, i) => (i === 0 ? { ...r, ResourceStatus: 'DELETE_FAILED' as const, ResourceStatusReason: 'The bucket you tried to delete is not empty' } : r));
    await handler.delete(liveFor(handler, ARN, described({ Stack: stack({ StackStatus: 'DELETE_FAILED' }), Resources: failed })), ctx(), steps);
    expect(steps.log.map((s) => s.name)).toEqual(['delete']);
    expect(steps.log[0]?.done).toMatch(/again \(it had failed: Data \(AWS::S3::Bucket nova-train-data\): The bucket you tried to delete is not empty\)/);
    expect(cfn).toHaveReceivedCommandWith(DeleteStackCommand, { StackName: ARN });
    const stopped = recordingSteps({ stopAt: 'delete' });
    cfn.reset();
    await expect(handler.delete(liveFor(handler, ARN, described({ Stack: stack(), Resources: [] })), ctx(), stopped)).rejects.toThrow(/tags no longer match/);
    expect(cfn).not.toHaveReceivedCommand(DeleteStackCommand);
  });

  it('waitUntilGone: done when the stack is DELETE_COMPLETE', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [stack({ StackStatus: 'DELETE_COMPLETE' })] });
    await expect(handler.waitUntilGone!(refFor(handler, ARN), ctx())).resolves.toBeUndefined();
  });

  it('waitUntilGone: a DELETE_FAILED stack names the resources that blocked it', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [stack({ StackStatus: 'DELETE_FAILED', StackStatusReason: 'The following resource(s) failed to delete: [Data]' })] });
    cfn.on(ListStackResourcesCommand).resolves({
      StackResourceSummaries: [{ ...RESOURCES[0]!, ResourceStatus: 'DELETE_FAILED', ResourceStatusReason: 'The bucket you tried to delete is not empty' }, RESOURCES[1]!],
    });
    await expect(handler.waitUntilGone!(refFor(handler, ARN), ctx())).rejects.toThrow(
      /DELETE_FAILED \(The following resource\(s\) failed to delete: \[Data\]\); blocked by: Data \(AWS::S3::Bucket nova-train-data\): The bucket you tried to delete is not empty$/,
    );
  });

  it('actions: the stack operations on its own ARN', () => {
    expect(handler.actions(liveFor(handler, ARN)).map((a) => a.action)).toEqual(['cloudformation:DescribeStacks', 'cloudformation:ListStackResources', 'cloudformation:DeleteStack']);
  });
});
