import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { HeadBucketCommand, PutBucketTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { clientConfig } from '../../scripts/lib/world.js';
import type { Outcome, Report } from '../../src/model.js';
import type { PlanDocument } from '../../src/plan/document.js';
import { describeWithMoto, runCli } from './harness.js';

const REGION = 'us-east-1';
const TAG = [{ Key: 'project', Value: 'cfn-e2e' }];
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

/** A stack with a bucket, a role (with a path) and a log group: what the Nova SDK's stacks look like. */
const template = (name: string) =>
  JSON.stringify({
    Resources: {
      Data: { Type: 'AWS::S3::Bucket', Properties: { BucketName: `${name.toLowerCase()}-data` } },
      Exec: { Type: 'AWS::IAM::Role', Properties: { RoleName: `${name}-exec`, Path: '/nova/', AssumeRolePolicyDocument: JSON.parse(TRUST) as unknown } },
      Logs: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: `/nova/${name}` } },
    },
  });

describeWithMoto('cloudformation:stack on moto', (moto) => {
  let cfn: CloudFormationClient;
  let s3: S3Client;
  let backupDir: string;
  const stacks: Record<string, string> = {};
  const run = async (extra: string[]) => {
    const r = await runCli(['--tag', 'project=cfn-e2e', '--region', REGION, '--json', '--backup-dir', backupDir, ...extra], { moto: moto() });
    expect(r.stderr).not.toMatch(/unexpected error/);
    return { ...r, report: JSON.parse(r.stdout) as Report };
  };
  const outcome = (report: Report, type: string, name: string): Outcome | undefined => report.resources.find((o) => o.type === type && o.name === name);
  const liveStacks = async () => ((await cfn.send(new DescribeStacksCommand({}))).Stacks ?? []).map((s) => s.StackName ?? '').sort();
  const bucketExists = (b: string) => s3.send(new HeadBucketCommand({ Bucket: b })).then(() => true, () => false);

  beforeEach(async () => {
    await moto().reset();
    const cfg = clientConfig(moto().url, REGION);
    cfn = new CloudFormationClient(cfg);
    s3 = new S3Client({ ...cfg, forcePathStyle: true });
    backupDir = await mkdtemp(join(tmpdir(), 'nova-cfn-'));
    const create = async (name: string, tags?: { Key: string; Value: string }[]) => {
      const out = await cfn.send(new CreateStackCommand({ StackName: name, TemplateBody: template(name), ...(tags ? { Tags: tags } : {}) }));
      stacks[name] = out.StackId ?? '';
    };
    // Goes: tagged, nothing outside it uses what it owns.
    await create('NovaForgeSDK-train', TAG);
    // Stays: tagged, but an untagged function outside the stack runs as the stack's role.
    await create('NovaForgeSDK-serve', TAG);
    const lambda = new LambdaClient(cfg);
    await lambda.send(
      new CreateFunctionCommand({ FunctionName: 'platform-etl', Runtime: 'python3.12', Handler: 'h.main', Role: `arn:aws:iam::123456789012:role/nova/NovaForgeSDK-serve-exec`, Code: { ZipFile: new Uint8Array([80, 75, 5, 6, ...new Array<number>(18).fill(0)]) } }),
    );
    lambda.destroy();
    // Decoys: an untagged stack whose bucket carries the tag, another tag value, the same name prefix.
    await create('NovaForgeSDK-untagged');
    await s3.send(new PutBucketTaggingCommand({ Bucket: 'novaforgesdk-untagged-data', Tagging: { TagSet: TAG } }));
    await create('NovaForgeSDK-other', [{ Key: 'project', Value: 'someone-else' }]);
    await create('NovaForgeSDK-train-2');
  });
  afterEach(() => {
    cfn.destroy();
    s3.destroy();
  });

  it('a dry run plans the stack with what it owns, keeps the one whose role is used outside it, and changes nothing', async () => {
    const before = await liveStacks();
    const { code, report } = await run(['--dry-run']);
    expect(code).toBe(0);
    const ofType = report.resources.filter((o) => o.type === 'cloudformation:stack');
    expect(ofType.filter((o) => o.status === 'planned').map((o) => o.name)).toEqual(['NovaForgeSDK-train']);
    expect(outcome(report, 'cloudformation:stack', 'NovaForgeSDK-serve')).toMatchObject({ status: 'skipped', rule: 'in-use', reason: expect.stringContaining('used by lambda:function platform-etl') });
    // The tagged bucket of the untagged stack is its stack's, which stays.
    expect(outcome(report, 's3:bucket', 'novaforgesdk-untagged-data')).toMatchObject({ status: 'skipped', rule: 'owned', reason: expect.stringMatching(/^owned by cloudformation:stack NovaForgeSDK-untagged .*which stays/) });
    expect(report.resources.filter((o) => o.status === 'planned').map((o) => o.name)).toEqual(['NovaForgeSDK-train']);
    expect(await liveStacks()).toEqual(before);
  });

  it('the plan lists what the stack owns under it', async () => {
    const out = join(backupDir, 'plan.json');
    const r = await runCli(['plan', '--tag', 'project=cfn-e2e', '--region', REGION, '--out', out, '--json'], { moto: moto() });
    expect(r.code).toBe(0);
    const plan = JSON.parse(await readFile(out, 'utf8')) as PlanDocument;
    expect(plan.items.map((i) => i.ref.arn)).toEqual([stacks['NovaForgeSDK-train']]);
    expect(plan.items[0]?.children.map((c) => c.id).sort()).toEqual([
      'Data (AWS::S3::Bucket novaforgesdk-train-data)',
      'Exec (AWS::IAM::Role NovaForgeSDK-train-exec)',
      'Logs (AWS::Logs::LogGroup /nova/NovaForgeSDK-train)',
    ]);
  });

  it('--yes deletes the stack, and with it what it owns; every other stack and its bucket stays', async () => {
    const { code, report } = await run(['--yes']);
    expect(report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(code).toBe(0);
    expect(report.resources.filter((o) => o.status === 'deleted').map((o) => o.name)).toEqual(['NovaForgeSDK-train']);
    expect(await liveStacks()).toEqual(['NovaForgeSDK-other', 'NovaForgeSDK-serve', 'NovaForgeSDK-train-2', 'NovaForgeSDK-untagged']);
    expect(await bucketExists('novaforgesdk-train-data')).toBe(false);
    for (const b of ['novaforgesdk-serve-data', 'novaforgesdk-untagged-data', 'novaforgesdk-other-data', 'novaforgesdk-train-2-data']) expect(await bucketExists(b)).toBe(true);
  });

  it('list discovery decides the same', async () => {
    const { code, report } = await run(['--dry-run', '--discovery', 'list']);
    expect(code).toBe(0);
    expect(report.resources.filter((o) => o.status === 'planned').map((o) => o.name)).toEqual(['NovaForgeSDK-train']);
    expect(outcome(report, 'cloudformation:stack', 'NovaForgeSDK-serve')).toMatchObject({ rule: 'in-use' });
  });
});
