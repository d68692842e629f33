import { GetRoleCommand, IAMClient, SimulatePrincipalPolicyCommand, type EvaluationResult, type SimulatePrincipalPolicyCommandInput } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Identity } from '../../src/model.js';
import { policySourceArn, simulatePlan, simulationQuestions, type SimulationInput } from '../../src/preflight/simulate.js';
import type { ActionNeed } from '../../src/resources/handler.js';
import { awsError, testContext } from '../helpers/context.js';

const iam = mockClient(IAMClient);
const aws = testContext().aws;
const identity = (arn: string): Identity => ({ account: '123456789012', arn, userId: 'AIDAEXAMPLE' });
const USER = identity('arn:aws:iam::123456789012:user/alice');

const THING_A = 'arn:aws:fake:us-east-1:123456789012:thing/a';
const THING_B = 'arn:aws:fake:us-east-1:123456789012:thing/b';
const BUCKET_A = 'arn:aws:s3:::a';
const BUCKET_B = 'arn:aws:s3:::b';

type Needs = SimulationInput['needs'];
const on = (resource: string, ...actions: string[]): ActionNeed[] => actions.map((action) => ({ action, resource }));
/** A plan's needs: a fake thing's delete needs DescribeThing and DeleteThing on the thing itself. */
const thingNeeds = (...arns: string[]): Needs => arns.map((arn) => ({ type: 'fake:thing', actions: on(arn, 'fake:DescribeThing', 'fake:DeleteThing') }));

const simulate = (needs: Needs, who: Identity = USER) => simulatePlan({ aws, region: 'us-east-1', identity: who, needs });

const allowed = (action: string): EvaluationResult => ({ EvalActionName: action, EvalResourceName: '*', EvalDecision: 'allowed' });
/** Answers each SimulatePrincipalPolicy call with every action allowed. */
const allowAll = () =>
  iam.on(SimulatePrincipalPolicyCommand).callsFake((input: SimulatePrincipalPolicyCommandInput) => ({ EvaluationResults: (input.ActionNames ?? []).map(allowed) }));
const simulateInputs = () => iam.commandCalls(SimulatePrincipalPolicyCommand).map((c) => c.args[0].input);

describe('simulationQuestions', () => {
  it('asks nothing for no needs, or needs without actions', () => {
    expect(simulationQuestions([])).toEqual([]);
    expect(simulationQuestions([{ type: 'fake:thing', actions: [] }])).toEqual([]);
  });

  it('asks the actions that share the same resources in one question per type', () => {
    expect(simulationQuestions(thingNeeds(THING_B, THING_A))).toEqual([{ type: 'fake:thing', actions: ['fake:DeleteThing', 'fake:DescribeThing'], resources: [THING_A, THING_B] }]);
  });

  it('asks separately the actions authorized on another set of resources (S3 objects, a child only some have)', () => {
    const needs: Needs = [
      { type: 's3:bucket', actions: [...on(BUCKET_A, 's3:GetBucketTagging', 's3:DeleteBucket'), ...on(`${BUCKET_A}/*`, 's3:DeleteObjectVersion')] },
      { type: 's3:bucket', actions: [...on(BUCKET_B, 's3:GetBucketTagging', 's3:DeleteBucket'), ...on(`${BUCKET_B}/*`, 's3:DeleteObjectVersion')] },
      // Only the first thing has a mapping to remove.
      { type: 'fake:thing', actions: [...on(THING_A, 'fake:DeleteThing', 'fake:DeleteMapping')] },
      { type: 'fake:thing', actions: on(THING_B, 'fake:DeleteThing') },
    ];
    expect(simulationQuestions(needs)).toEqual([
      { type: 'fake:thing', actions: ['fake:DeleteThing'], resources: [THING_A, THING_B] },
      { type: 'fake:thing', actions: ['fake:DeleteMapping'], resources: [THING_A] },
      { type: 's3:bucket', actions: ['s3:DeleteBucket', 's3:GetBucketTagging'], resources: [BUCKET_A, BUCKET_B] },
      { type: 's3:bucket', actions: ['s3:DeleteObjectVersion'], resources: [`${BUCKET_A}/*`, `${BUCKET_B}/*`] },
    ]);
  });

  it('never asks the same action and resource twice', () => {
    const needs: Needs = [
      { type: 'fake:thing', actions: [...on(THING_A, 'fake:DeleteThing'), ...on(THING_A, 'fake:DeleteThing'), ...on('*', 'fake:ListThings')] },
      { type: 'fake:thing', actions: [...on(THING_A, 'fake:DeleteThing'), ...on('*', 'fake:ListThings')] },
    ];
    expect(simulationQuestions(needs)).toEqual([
      { type: 'fake:thing', actions: ['fake:DeleteThing'], resources: [THING_A] },
      { type: 'fake:thing', actions: ['fake:ListThings'], resources: ['*'] },
    ]);
  });

  it('keeps types apart even when their actions and resources are the same', () => {
    const needs: Needs = [
      { type: 'b:thing', actions: on('*', 'x:Do') },
      { type: 'a:thing', actions: on('*', 'x:Do') },
    ];
    expect(simulationQuestions(needs).map((q) => q.type)).toEqual(['a:thing', 'b:thing']);
  });

  it('asks about at most 50 resources at a time, with every action of the group each time', () => {
    const arns = Array.from({ length: 120 }, (_, n) => `arn:aws:fake:us-east-1:123456789012:thing/t${String(n).padStart(3, '0')}`);
    const questions = simulationQuestions(thingNeeds(...arns));
    expect(questions.map((q) => q.resources.length)).toEqual([50, 50, 20]);
    expect(questions.every((q) => q.actions.join() === 'fake:DeleteThing,fake:DescribeThing')).toBe(true);
    expect(questions.flatMap((q) => q.resources)).toEqual(arns);
  });
});

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

  it('needs nothing for an empty plan, or a plan whose deletes need no action, and asks nothing', async () => {
    expect(await simulate([])).toEqual({ status: 'not-needed' });
    expect(await simulate([{ type: 'fake:thing', actions: [] }])).toEqual({ status: 'not-needed' });
    expect(iam).not.toHaveReceivedAnyCommand();
  });

  it('asks each question once, against the resources\' own ARNs, and reports what it checked and the calls it made', async () => {
    allowAll();
    expect(await simulate(thingNeeds(THING_A, THING_B))).toEqual({ status: 'allowed', checked: 4, calls: 1 });
    expect(simulateInputs()).toEqual([{ PolicySourceArn: USER.arn, ActionNames: ['fake:DeleteThing', 'fake:DescribeThing'], ResourceArns: [THING_A, THING_B], MaxItems: 1000 }]);
  });

  it('counts one call per question and per page', async () => {
    allowAll();
    const arns = Array.from({ length: 60 }, (_, n) => `arn:aws:fake:us-east-1:123456789012:thing/t${String(n).padStart(2, '0')}`);
    const needs: Needs = [...thingNeeds(...arns), { type: 'other:thing', actions: on('*', 'other:List') }];
    expect(await simulate(needs)).toEqual({ status: 'allowed', checked: 60 * 2 + 1, calls: 3 });
    expect(simulateInputs().map((i) => [i.ActionNames?.join(), i.ResourceArns?.length])).toEqual([
      ['fake:DeleteThing,fake:DescribeThing', 50],
      ['fake:DeleteThing,fake:DescribeThing', 10],
      ['other:List', 1],
    ]);
  });

  it('lists an implicit deny on an action, with the type and the calls', async () => {
    iam.on(SimulatePrincipalPolicyCommand).resolves({
      EvaluationResults: [allowed('fake:DescribeThing'), { EvalActionName: 'fake:DeleteThing', EvalResourceName: THING_A, EvalDecision: 'implicitDeny' }],
    });
    expect(await simulate(thingNeeds(THING_A))).toEqual({
      status: 'denied',
      denied: [{ type: 'fake:thing', action: 'fake:DeleteThing', resource: THING_A, decision: 'implicitDeny' }],
      calls: 1,
    });
  });

  it('lists the resources denied in ResourceSpecificResults, not the allowed ones', async () => {
    iam.on(SimulatePrincipalPolicyCommand).resolves({
      EvaluationResults: [
        allowed('fake:DescribeThing'),
        {
          EvalActionName: 'fake:DeleteThing',
          EvalDecision: 'implicitDeny',
          ResourceSpecificResults: [
            { EvalResourceName: THING_A, EvalResourceDecision: 'allowed' },
            { EvalResourceName: THING_B, EvalResourceDecision: 'explicitDeny' },
          ],
        },
      ],
    });
    expect(await simulate(thingNeeds(THING_A, THING_B))).toEqual({
      status: 'denied',
      denied: [{ type: 'fake:thing', action: 'fake:DeleteThing', resource: THING_B, decision: 'explicitDeny' }],
      calls: 1,
    });
  });

  it('does not count a decision that hinges on missing context (a tag condition) as denied', async () => {
    iam.on(SimulatePrincipalPolicyCommand).resolves({
      EvaluationResults: [
        { EvalActionName: 'fake:DescribeThing', EvalResourceName: '*', EvalDecision: 'implicitDeny', MissingContextValues: ['aws:ResourceTag/project'] },
        {
          EvalActionName: 'fake:DeleteThing',
          EvalDecision: 'implicitDeny',
          ResourceSpecificResults: [{ EvalResourceName: THING_A, EvalResourceDecision: 'implicitDeny', MissingContextValues: ['aws:ResourceTag/project'] }],
        },
      ],
    });
    expect(await simulate(thingNeeds(THING_A))).toEqual({ status: 'allowed', checked: 2, calls: 1 });
  });

  it('still counts a deny whose missing-context list is empty', async () => {
    iam.on(SimulatePrincipalPolicyCommand).resolves({
      EvaluationResults: [allowed('fake:DescribeThing'), { EvalActionName: 'fake:DeleteThing', EvalResourceName: THING_A, EvalDecision: 'implicitDeny', MissingContextValues: [] }],
    });
    expect(await simulate(thingNeeds(THING_A))).toMatchObject({ status: 'denied', denied: [{ action: 'fake:DeleteThing' }] });
  });

  it('reads every page of the answer', async () => {
    iam.on(SimulatePrincipalPolicyCommand)
      .resolvesOnce({ EvaluationResults: [allowed('fake:DescribeThing')], IsTruncated: true, Marker: 'm2' })
      .resolvesOnce({ EvaluationResults: [{ EvalActionName: 'fake:DeleteThing', EvalResourceName: THING_B, EvalDecision: 'explicitDeny' }] });
    const r = await simulate(thingNeeds(THING_A, THING_B));
    expect(r).toEqual({ status: 'denied', denied: [{ type: 'fake:thing', action: 'fake:DeleteThing', resource: THING_B, decision: 'explicitDeny' }], calls: 2 });
    expect(simulateInputs()[1]).toMatchObject({ Marker: 'm2' });
  });

  it('gathers the denials of every question', async () => {
    iam.on(SimulatePrincipalPolicyCommand).callsFake((input: SimulatePrincipalPolicyCommandInput) => ({
      EvaluationResults: (input.ActionNames ?? []).map((a) => ({ EvalActionName: a, EvalResourceName: input.ResourceArns?.[0], EvalDecision: 'implicitDeny' as const })),
    }));
    const r = await simulate([{ type: 'a:x', actions: on('arn:aws:a:us-east-1:123456789012:x/1', 'a:DeleteX') }, { type: 'b:y', actions: on('arn:aws:b:us-east-1:123456789012:y/1', 'b:DeleteY') }]);
    expect(r).toMatchObject({ status: 'denied', calls: 2 });
    expect(r.status === 'denied' && r.denied.map((d) => `${d.type} ${d.action}`).sort()).toEqual(['a:x a:DeleteX', 'b:y b:DeleteY']);
  });

  it('is unavailable, naming the permission, when the first call is denied, and asks no more', async () => {
    iam.on(SimulatePrincipalPolicyCommand).rejects(awsError('AccessDenied', 'User: alice is not authorized to perform: iam:SimulatePrincipalPolicy', 403));
    expect(await simulate([...thingNeeds(THING_A), { type: 'other:thing', actions: on('*', 'other:List') }])).toEqual({
      status: 'unavailable',
      reason: `no permission to simulate (iam:SimulatePrincipalPolicy on ${USER.arn})`,
    });
    expect(iam).toHaveReceivedCommandTimes(SimulatePrincipalPolicyCommand, 1);
  });

  it('is unavailable, with the error, when the service fails (an emulator without it)', async () => {
    iam.on(SimulatePrincipalPolicyCommand).rejects(awsError('InternalFailure', 'The action SimulatePrincipalPolicy is not implemented', 500));
    expect(await simulate(thingNeeds(THING_A))).toEqual({
      status: 'unavailable',
      reason: 'SimulatePrincipalPolicy failed: InternalFailure: The action SimulatePrincipalPolicy is not implemented',
    });
  });

  it('is unavailable when a later call fails', async () => {
    iam.on(SimulatePrincipalPolicyCommand).resolvesOnce({ EvaluationResults: [allowed('fake:DeleteThing'), allowed('fake:DescribeThing')] }).rejects(awsError('Throttling', 'Rate exceeded', 400));
    const r = await simulate([...thingNeeds(THING_A), { type: 'other:thing', actions: on('*', 'other:List') }]);
    expect(r).toEqual({ status: 'unavailable', reason: 'SimulatePrincipalPolicy failed part-way: Throttling: Rate exceeded' });
  });

  it.each([
    ['root', 'arn:aws:iam::123456789012:root', /^root credentials/],
    ['a federated user', 'arn:aws:sts::123456789012:federated-user/bob', /federated/],
  ])('is unavailable for %s, without asking IAM', async (_name, caller, why) => {
    const r = await simulate(thingNeeds(THING_A), identity(caller));
    expect(r).toEqual({ status: 'unavailable', reason: expect.stringMatching(why) });
    expect(iam).not.toHaveReceivedAnyCommand();
  });

  it('simulates an assumed role as its role, and passes on the note when the role could not be read', async () => {
    iam.on(GetRoleCommand).rejects(awsError('AccessDenied', 'no GetRole', 403));
    allowAll();
    const r = await simulate(thingNeeds(THING_A), identity('arn:aws:sts::123456789012:assumed-role/Admin/alice'));
    expect(r).toEqual({ status: 'allowed', checked: 2, calls: 1, note: expect.stringContaining('could not read role Admin') });
    expect(simulateInputs()[0]?.PolicySourceArn).toBe('arn:aws:iam::123456789012:role/Admin');
  });

  it('passes on the note with a denial too', async () => {
    iam.on(GetRoleCommand).rejects(awsError('AccessDenied', 'no GetRole', 403));
    iam.on(SimulatePrincipalPolicyCommand).resolves({ EvaluationResults: [{ EvalActionName: 'fake:DeleteThing', EvalResourceName: THING_A, EvalDecision: 'implicitDeny' }] });
    const r = await simulate([{ type: 'fake:thing', actions: on(THING_A, 'fake:DeleteThing') }], identity('arn:aws:sts::123456789012:assumed-role/Admin/alice'));
    expect(r).toMatchObject({ status: 'denied', note: expect.stringContaining('could not read role Admin') });
  });
});
