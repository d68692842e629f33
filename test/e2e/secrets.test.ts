import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateModelCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { clientConfig } from '../../scripts/lib/world.js';
import { REDACTED } from '../../src/backup/redact.js';
import type { Moto } from '../../scripts/lib/moto.js';
import type { Report } from '../../src/model.js';
import type { RestoreReport } from '../../src/restore/report.js';
import { describeWithMoto, runCli, type CliResult } from './harness.js';

const R = 'us-east-1';
const TAG = 'project=secrets-demo';
/** Distinctive credentials: moto accepts any, and none of them may appear in anything the tool writes. */
const CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'AKIANOVASECRETTEST01',
  AWS_SECRET_ACCESS_KEY: 'novaSecretAccessKey/DoNotLeak+9f8e7d6c5b4a',
  AWS_SESSION_TOKEN: 'NovaSessionTokenDoNotLeak//IQoJb3JpZ2luX2VjEXAMPLE0123456789==',
};
/** Secrets inside resource configuration: in the backup only (and with --redact, nowhere). */
const ENV_SECRET = 'nova-lambda-env-secret-5c1f9e27';
const MODEL_SECRET = 'nova-model-env-secret-a83d0b46';
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com', 'sagemaker.amazonaws.com'] }, Action: 'sts:AssumeRole' }] });
const ZIP = Uint8Array.from([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]);

/** A tagged role, a tagged function running as it with a secret in its environment, and a tagged model with one in its container's. */
async function buildWorld(endpoint: string): Promise<void> {
  const cfg = clientConfig(endpoint, R);
  const tags = [{ Key: 'project', Value: 'secrets-demo' }];
  const role = await new IAMClient(cfg).send(new CreateRoleCommand({ RoleName: 'secrets-demo-exec', AssumeRolePolicyDocument: TRUST, Tags: tags }));
  const Role = role.Role?.Arn as string;
  await new LambdaClient(cfg).send(
    new CreateFunctionCommand({
      FunctionName: 'secrets-demo-fn',
      Runtime: 'python3.12',
      Role,
      Handler: 'index.handler',
      Code: { ZipFile: ZIP },
      Environment: { Variables: { DB_PASSWORD: ENV_SECRET, STAGE: 'dev' } },
      Tags: { project: 'secrets-demo' },
    }),
  );
  await new SageMakerClient(cfg).send(
    new CreateModelCommand({ ModelName: 'secrets-demo-model', ExecutionRoleArn: Role, PrimaryContainer: { Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/nova:1', Environment: { HF_TOKEN: MODEL_SECRET } }, Tags: tags }),
  );
}

/** Every file under a folder (the backup, its journal, the saved files), by name. */
async function filesUnder(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.set(join(e.parentPath, e.name), await readFile(join(e.parentPath, e.name), 'latin1'));
  }
  return out;
}

/** Asserts that none of the credentials, and nothing of a request's signature, is in `text`. */
function noCredentials(where: string, text: string): void {
  for (const [name, value] of Object.entries(CREDENTIALS)) expect(text.includes(value), `${name} in ${where}`).toBe(false);
  expect(text, where).not.toMatch(/Authorization:|AWS4-HMAC-SHA256 Credential|Signature=|x-amz-security-token|X-Amz-Credential/i);
}

const run = (moto: Moto, args: readonly string[]): Promise<CliResult> => runCli(args, { moto, env: CREDENTIALS });
const outputOf = (r: CliResult) => ({ stdout: r.stdout, stderr: r.stderr });

describeWithMoto('secrets never leak (moto)', (moto) => {
  let work: string;
  let planPath: string;

  beforeAll(async () => {
    await moto().reset();
    await buildWorld(moto().url);
    work = await mkdtemp(join(tmpdir(), 'nova-secrets-e2e-'));
    planPath = join(work, 'plan.json');
  });

  it('a dry run with --debug --json and `plan --out`: no credential and no configuration secret in the output or the plan', async () => {
    const dry = await run(moto(), ['--tag', TAG, '--region', R, '--dry-run', '--debug', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const report = JSON.parse(dry.stdout) as Report;
    // The function and the model were found and read (their configuration was in hand).
    expect(report.resources.filter((o) => o.status === 'planned').map((o) => o.name).sort()).toEqual(['secrets-demo-exec', 'secrets-demo-fn', 'secrets-demo-model']);
    // --debug logged the calls that read those configurations.
    expect(dry.stderr).toMatch(/lambda GetFunction us-east-1 attempt 1: ok/);
    expect(dry.stderr).toMatch(/sagemaker DescribeModel us-east-1 attempt 1: ok/);

    const plan = await run(moto(), ['plan', '--tag', TAG, '--region', R, '--debug', '--out', planPath]);
    expect(plan.code, plan.stderr).toBe(0);
    const planText = await readFile(planPath, 'utf8');
    // The plan names the variables (the keys), never their values.
    const fn = (JSON.parse(planText) as { items: { ref: { name: string }; config: { Configuration?: { Environment?: unknown } } }[] }).items.find((i) => i.ref.name === 'secrets-demo-fn');
    expect(fn?.config.Configuration?.Environment).toEqual({ Variables: { DB_PASSWORD: REDACTED, STAGE: REDACTED } });

    for (const [where, text] of Object.entries({ ...outputOf(dry), 'plan stdout': plan.stdout, 'plan stderr': plan.stderr, 'the plan file': planText })) {
      noCredentials(where, text);
      expect(text.includes(ENV_SECRET), `the function's secret in ${where}`).toBe(false);
      expect(text.includes(MODEL_SECRET), `the model's secret in ${where}`).toBe(false);
    }
  });

  it('apply --redact: the secrets are nowhere, the backup says it is redacted, and restore says the values must be supplied', async () => {
    const dir = join(work, 'redacted');
    const applied = await run(moto(), ['apply', planPath, '--yes', '--redact', '--json', '--debug', '--backup-dir', dir]);
    expect(applied.code, applied.stderr).toBe(0);
    const report = JSON.parse(applied.stdout) as Report;
    expect(report.summary.deleted).toBe(3);
    const files = await filesUnder(dir);
    const backupPath = report.backupPath as string;
    const journalPath = report.journalPath as string;
    expect([...files.keys()]).toEqual(expect.arrayContaining([backupPath, journalPath]));
    const backup = JSON.parse(files.get(backupPath) as string) as { redacted: unknown; resources: { name: string; config: Record<string, unknown> }[] };
    expect(backup.redacted).toEqual({ marker: REDACTED, values: expect.any(Number) as number });
    const fn = backup.resources.find((r) => r.name === 'secrets-demo-fn');
    expect(fn?.config.Configuration).toMatchObject({ Environment: { Variables: { DB_PASSWORD: REDACTED, STAGE: REDACTED } } });

    for (const [where, text] of [...Object.entries(outputOf(applied)), ...files]) {
      noCredentials(where, text);
      expect(text.includes(ENV_SECRET), `the function's secret in ${where}`).toBe(false);
      expect(text.includes(MODEL_SECRET), `the model's secret in ${where}`).toBe(false);
    }

    const restore = await run(moto(), ['restore', backupPath, '--dry-run', '--json']);
    expect(restore.code, restore.stderr).toBe(0);
    const restored = JSON.parse(restore.stdout) as RestoreReport;
    const byName = new Map(restored.resources.map((o) => [o.name, o]));
    expect(byName.get('secrets-demo-fn')?.notRestored).toContainEqual(expect.stringMatching(/^environment values were redacted in the backup: set DB_PASSWORD, STAGE by hand/));
    expect(byName.get('secrets-demo-model')?.notRestored).toContainEqual(expect.stringMatching(/^container environment values were redacted in the backup/));
    noCredentials('restore output', restore.stdout + restore.stderr);
  });

  it('a full run with --yes: the configuration secrets are in the backup alone (not in its plan, the journal or the output); credentials nowhere', async () => {
    await moto().reset();
    await buildWorld(moto().url);
    const dir = join(work, 'full');
    const cleaned = await run(moto(), ['--tag', TAG, '--region', R, '--yes', '--debug', '--json', '--backup-dir', dir]);
    expect(cleaned.code, cleaned.stderr).toBe(0);
    const report = JSON.parse(cleaned.stdout) as Report;
    expect(report.summary.deleted).toBe(3);
    const files = await filesUnder(dir);
    const backupPath = report.backupPath as string;
    const journalPath = report.journalPath as string;
    expect(files.get(journalPath)).toMatch(/"event":"deleted"/);

    const backup = JSON.parse(files.get(backupPath) as string) as { redacted: unknown; plan: unknown; resources: { name: string; config: Record<string, unknown> }[] };
    expect(backup.redacted).toBe(false);
    // The backup's own copy of each configuration holds the values (what restore needs)...
    const byName = new Map(backup.resources.map((r) => [r.name, r.config]));
    expect(byName.get('secrets-demo-fn')?.Configuration).toMatchObject({ Environment: { Variables: { DB_PASSWORD: ENV_SECRET, STAGE: 'dev' } } });
    expect(byName.get('secrets-demo-model')?.PrimaryContainer).toMatchObject({ Environment: { HF_TOKEN: MODEL_SECRET } });
    // ...and nothing else does: not the plan inside it, not the journal, not the output.
    const elsewhere: [string, string][] = [...Object.entries(outputOf(cleaned)), ['the plan inside the backup', JSON.stringify(backup.plan)], ...[...files].filter(([p]) => p !== backupPath)];
    for (const [where, text] of elsewhere) {
      expect(text.includes(ENV_SECRET), `the function's secret in ${where}`).toBe(false);
      expect(text.includes(MODEL_SECRET), `the model's secret in ${where}`).toBe(false);
    }
    for (const [where, text] of [...Object.entries(outputOf(cleaned)), ...files]) noCredentials(where, text);
  });
});
