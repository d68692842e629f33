import { GetRoleCommand, IAMClient, SimulatePrincipalPolicyCommand, type SimulatePrincipalPolicyCommandInput } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Identity } from '../../src/model.js';
import { policySourceArn, simulatePlan } from '../../src/preflight/simulate.js';
import type { ResourceHandler } from '../../src/resources/handler.js';
import { awsError, testContext } from '../helpers/context.js';
import { fakeHandler } from '../helpers/fakes.js';

const iam = mockClient(IAMClient);
const aws = testContext().aws;
const identity = (arn: string): Identity => ({ account: '123456789012', arn, userId: 'AIDAEXAMPLE' });
const USER = identity('arn:aws:iam::123456789012:user/alice');

const THING_A = 'arn:aws:fake:us-east-1:123456789012:thing/a';
const THING_B = 'arn:aws:fake:us-east-1:123456789012:thing/b';
const things = fakeHandler({ type: 'fake:thing', actions: ['fake:DescribeThing', 'fake:DeleteThing'] });

const simulate = (arnsByType: Record<string, string[]>, handlers: readonly ResourceHandler[] = [things], who: Identity = USER) =>
  simulatePlan({ aws, region: 'us-east-1', identity: who, handlers, arnsByType: new Map(Object.entries(arnsByType)) });

const allowed = (action: string) => ({ EvalActionName: action, EvalResourceName: '*', EvalDecision: 'allowed' as const });
/** Answers each SimulatePrincipalPolicy call with every action allowed. */
const allowAll = () =>
  iam.on(SimulatePrincipalPolicyCommand).callsFake((input: SimulatePrincipalPolicyCommandInput) => ({ EvaluationResults: (input.ActionNames ?? []).map(allowed) }));
const simulateInputs = () => iam.commandCalls(SimulatePrincipalPolicyCommand).map((c) => c.args[0].input);

describe('policySourceArn', () => {
  beforeEach(() => iam.reset());

  it.each([
    ['an IAM user', 'arn:aws:iam::123456789012:user/alice', 'arn:aws:iam::123456789012:user/alice'],
    ['an IAM user with a path', 'arn:aws:iam::123456789012:user/dev/alice', 'arn:aws:iam::123456789012:user/dev/alice'],
    ["moto's STS user", 'arn:aws:sts::123456789012:user/moto', 'arn:aws:iam::123456789012:user/moto'],
    ['an IAM role', 'arn:aws:iam::123456789012:role/ops/Deployer', 'arn:aws:iam::123456789012:role/ops/Deployer'],
    ['a user in another partition', 'arn:aws-cn:iam::123456789012:user/alice', 'arn:aws-cn:iam::123456789012:user/alice'],
  ])('uses %s as it is', async (_name, caller, source) => {
    expect(await policySourceArn(aws, 'us-east-1', identity(caller))).toEqual({ arn: source });
    expect(iam).not.toHaveReceivedAnyCommand();
  });

  it('resolves an assumed role through GetRole, to its ARN with the path', async () => {
    iam.on(GetRoleCommand, { RoleName: 'Admin' }).resolves({ Role: { Arn: 'arn:aws:iam::123456789012:role/team/Admin', RoleName: 'Admin', Path: '/team/', RoleId: 'AROA', CreateDate: new Date() } });
    expect(await policySourceArn(aws, 'us-east-1', identity('arn:aws:sts::123456789012:assumed-role/Admin/alice@example.com'))).toEqual({
      arn: 'arn:aws:iam::123456789012:role/team/Admin',
    });
    expect(iam).toHaveReceivedCommandWith(GetRoleCommand, { RoleName: 'Admin' });
  });

  it('falls back to a role without a path, with a note, when GetRole is denied', async () => {
    iam.on(GetRoleCommand).rejects(awsError('AccessDenied', 'User is not authorized to perform: iam:GetRole', 403));
    expect(await policySourceArn(aws, 'us-east-1', identity('arn:aws:sts::123456789012:assumed-role/Admin/alice'))).toEqual({
      arn: 'arn:aws:iam::123456789012:role/Admin',
      note: 'could not read role Admin (AccessDenied: User is not authorized to perform: iam:GetRole); assuming it has no path',
    });
  });

  it('falls back to a role without a path when GetRole returns no role', async () => {
    iam.on(GetRoleCommand).resolves({});
    expect(await policySourceArn(aws, 'us-east-1', identity('arn:aws:sts::123456789012:assumed-role/Admin/alice'))).toEqual({ arn: 'arn:aws:iam::123456789012:role/Admin' });
  });

  it.each([
    ['root', 'arn:aws:iam::123456789012:root', /^root credentials/],
    ['a federated user', 'arn:aws:sts::123456789012:federated-user/bob', /federated/],
    ['text that is not an ARN', 'alice', /not an ARN/],
  ])('says simulation is unavailable for %s', async (_name, caller, why) => {
    const r = await policySourceArn(aws, 'us-east-1', identity(caller));
    expect('unavailable' in r && r.unavailable).toMatch(why);
    expect(iam).not.toHaveReceivedAnyCommand();
  });
});

describe('simulatePlan', () => {
  beforeEach(() => iam.reset());

  it('needs nothing for an empty plan, and asks nothing', async () => {
    expect(await simulate({})).toEqual({ status: 'not-needed' });
    expect(iam).not.toHaveReceivedAnyCommand();
  });

  it('asks once per action with the plan\'s ARNs, and reports all allowed', async () => {
    allowAll();
    expect(await simulate({ 'fake:thing': [THING_A, THING_B] })).toEqual({ status: 'allowed', checked: 2 });
    expect(simulateInputs()).toEqual([
      expect.objectContaining({ PolicySourceArn: USER.arn, ActionNames: ['fake:DescribeThing'], ResourceArns: [THING_A, THING_B] }),
      expect.objectContaining({ PolicySourceArn: USER.arn, ActionNames: ['fake:DeleteThing'], ResourceArns: [THING_A, THING_B] }),
    ]);
  });

  it('lists an implicit deny on the action', async () => {
    iam.on(SimulatePrincipalPolicyCommand).resolves({ EvaluationResults: [allowed('fake:DescribeThing')] });
    iam.on(SimulatePrincipalPolicyCommand, { ActionNames: ['fake:DeleteThing'] }).resolves({
      EvaluationResults: [{ EvalActionName: 'fake:DeleteThing', EvalResourceName: '*', EvalDecision: 'implicitDeny' }],
    });
    expect(await simulate({ 'fake:thing': [THING_A] })).toEqual({
      status: 'denied',
      denied: [{ type: 'fake:thing', action: 'fake:DeleteThing', resource: '*', decision: 'implicitDeny' }],
    });
  });

  it('does not count a decision that hinges on missing context (a tag condition) as denied', async () => {
    iam.on(SimulatePrincipalPolicyCommand).resolves({ EvaluationResults: [allowed('fake:DescribeThing')] });
    iam.on(SimulatePrincipalPolicyCommand, { ActionNames: ['fake:DeleteThing'] }).resolves({
      EvaluationResults: [{ EvalActionName: 'fake:DeleteThing', EvalResourceName: '*', EvalDecision: 'implicitDeny', MissingContextValues: ['aws:ResourceTag/project'] }],
    });
    expect(await simulate({ 'fake:thing': [THING_A] })).toMatchObject({ status: 'allowed' });
  });

  it('lists the resources denied in ResourceSpecificResults, not the allowed ones', async () => {
    iam.on(SimulatePrincipalPolicyCommand).resolves({ EvaluationResults: [allowed('fake:DescribeThing')] });
    iam.on(SimulatePrincipalPolicyCommand, { ActionNames: ['fake:DeleteThing'] }).resolves({
      EvaluationResults: [
        {
          EvalActionName: 'fake:DeleteThing',
          EvalDecision: 'implicitDeny',
          ResourceSpecificResults: [
            { EvalResourceName: THING_A, EvalResourceDecision: 'allowed' },
            { EvalResourceName: THING_B, EvalResourceDecision: 'implicitDeny' },
          ],
        },
      ],
    });
    const r = await simulate({ 'fake:thing': [THING_A, THING_B] });
    expect(r).toEqual({ status: 'denied', denied: [{ type: 'fake:thing', action: 'fake:DeleteThing', resource: THING_B, decision: 'implicitDeny' }] });
  });

  it('reads every page of the answer', async () => {
    iam.on(SimulatePrincipalPolicyCommand)
      .resolvesOnce({ EvaluationResults: [allowed('fake:DeleteThing')], IsTruncated: true, Marker: 'm2' })
      .resolvesOnce({ EvaluationResults: [{ EvalActionName: 'fake:DeleteThing', EvalResourceName: THING_B, EvalDecision: 'explicitDeny' }] });
    const r = await simulate({ 'fake:thing': [THING_A, THING_B] }, [fakeHandler({ type: 'fake:thing', actions: ['fake:DeleteThing'] })]);
    expect(r).toEqual({ status: 'denied', denied: [{ type: 'fake:thing', action: 'fake:DeleteThing', resource: THING_B, decision: 'explicitDeny' }] });
    expect(iam).toHaveReceivedCommandTimes(SimulatePrincipalPolicyCommand, 2);
  });

  it('is unavailable, naming the permission, when the first call is denied', async () => {
    iam.on(SimulatePrincipalPolicyCommand).rejects(awsError('AccessDenied', 'User: alice is not authorized to perform: iam:SimulatePrincipalPolicy', 403));
    expect(await simulate({ 'fake:thing': [THING_A] })).toEqual({
      status: 'unavailable',
      reason: `no permission to simulate (iam:SimulatePrincipalPolicy on ${USER.arn})`,
    });
    expect(iam).toHaveReceivedCommandTimes(SimulatePrincipalPolicyCommand, 1);
  });

  it('is unavailable, with the error, when the service fails (an emulator without it)', async () => {
    iam.on(SimulatePrincipalPolicyCommand).rejects(awsError('InternalFailure', 'The action SimulatePrincipalPolicy is not implemented', 500));
    expect(await simulate({ 'fake:thing': [THING_A] })).toEqual({
      status: 'unavailable',
      reason: 'SimulatePrincipalPolicy failed: InternalFailure: The action SimulatePrincipalPolicy is not implemented',
    });
  });

  it('is unavailable when a later call fails', async () => {
    iam.on(SimulatePrincipalPolicyCommand).resolvesOnce({ EvaluationResults: [allowed('fake:DescribeThing')] }).rejects(awsError('Throttling', 'Rate exceeded', 400));
    const r = await simulate({ 'fake:thing': [THING_A] });
    expect(r).toEqual({ status: 'unavailable', reason: 'SimulatePrincipalPolicy failed part-way: Throttling: Rate exceeded' });
  });

  it('is unavailable for root, without asking IAM', async () => {
    const r = await simulate({ 'fake:thing': [THING_A] }, [things], identity('arn:aws:iam::123456789012:root'));
    expect(r).toMatchObject({ status: 'unavailable', reason: expect.stringMatching(/^root credentials/) });
    expect(iam).not.toHaveReceivedAnyCommand();
  });

  it('simulates against the resource each handler maps an action to (S3 objects)', async () => {
    allowAll();
    const bucket = fakeHandler({
      type: 's3:bucket',
      arnPattern: /^arn:aws:s3:::[^/]+$/,
      actions: ['s3:GetBucketTagging', 's3:DeleteObject', 's3:DeleteBucket'],
      simulationResource: (arn, action) => (action === 's3:DeleteObject' ? `${arn}/*` : arn),
    });
    expect(await simulate({ 's3:bucket': ['arn:aws:s3:::a', 'arn:aws:s3:::b'] }, [bucket])).toEqual({ status: 'allowed', checked: 3 });
    expect(simulateInputs().map((i) => [i.ActionNames, i.ResourceArns])).toEqual([
      [['s3:GetBucketTagging'], ['arn:aws:s3:::a', 'arn:aws:s3:::b']],
      [['s3:DeleteObject'], ['arn:aws:s3:::a/*', 'arn:aws:s3:::b/*']],
      [['s3:DeleteBucket'], ['arn:aws:s3:::a', 'arn:aws:s3:::b']],
    ]);
  });

  it('collapses ARNs that map to one resource, and asks about at most 50 at a time', async () => {
    allowAll();
    const anyThing = fakeHandler({ type: 'fake:thing', actions: ['fake:ListThings', 'fake:DeleteThing'], simulationResource: (arn, action) => (action === 'fake:ListThings' ? '*' : arn) });
    const arns = Array.from({ length: 120 }, (_, n) => `arn:aws:fake:us-east-1:123456789012:thing/t${n}`);
    expect(await simulate({ 'fake:thing': arns }, [anyThing])).toEqual({ status: 'allowed', checked: 4 });
    expect(simulateInputs().map((i) => [i.ActionNames?.[0], i.ResourceArns?.length])).toEqual([
      ['fake:ListThings', 1],
      ['fake:DeleteThing', 50],
      ['fake:DeleteThing', 50],
      ['fake:DeleteThing', 20],
    ]);
  });

  it('passes on the note about an unreadable role', async () => {
    iam.on(GetRoleCommand).rejects(awsError('AccessDenied', 'no GetRole', 403));
    allowAll();
    const r = await simulate({ 'fake:thing': [THING_A] }, [things], identity('arn:aws:sts::123456789012:assumed-role/Admin/alice'));
    expect(r).toEqual({ status: 'allowed', checked: 2, note: expect.stringContaining('could not read role Admin') });
    expect(simulateInputs()[0]?.PolicySourceArn).toBe('arn:aws:iam::123456789012:role/Admin');
  });

  it('asks nothing for types without a handler', async () => {
    expect(await simulate({ 'other:type': [THING_A] })).toEqual({ status: 'not-needed' });
    expect(iam).not.toHaveReceivedCommand(SimulatePrincipalPolicyCommand);
  });
});
