import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateEndpointCommand, CreateEndpointConfigCommand, CreateModelCommand, CreateNotebookInstanceCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, expect, it } from 'vitest';
import { ACCOUNT, clientConfig } from '../../scripts/lib/world.js';
import type { Report } from '../../src/model.js';
import type { PlanDocument } from '../../src/plan/document.js';
import { PRICES } from '../../src/plan/prices.js';
import { describeWithMoto, runCli } from './harness.js';

const TAG = { Key: 'project', Value: 'cost-demo' };
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

/**
 * A SageMaker endpoint on two ml.g4dn.xlarge instances (its config and model tagged too) and a notebook
 * instance on ml.t3.medium, whose notebook price the table does not have: the plan prices the endpoint
 * at 2 × $0.7364 = $1.4728 an hour and shows the notebook as unknown.
 */
async function buildCostWorld(endpoint: string): Promise<void> {
  const cfg = clientConfig(endpoint, 'us-east-1');
  const iam = new IAMClient(cfg);
  const sm = new SageMakerClient(cfg);
  try {
    const role = await iam.send(new CreateRoleCommand({ RoleName: 'cost-demo-exec', AssumeRolePolicyDocument: TRUST }));
    const roleArn = role.Role?.Arn as string;
    const container = { Image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/cost-demo:latest` };
    await sm.send(new CreateModelCommand({ ModelName: 'cost-demo-model', ExecutionRoleArn: roleArn, PrimaryContainer: container, Tags: [TAG] }));
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'cost-demo-config',
        ProductionVariants: [{ VariantName: 'primary', ModelName: 'cost-demo-model', InitialInstanceCount: 2, InstanceType: 'ml.g4dn.xlarge' }],
        Tags: [TAG],
      }),
    );
    await sm.send(new CreateEndpointCommand({ EndpointName: 'cost-demo-endpoint', EndpointConfigName: 'cost-demo-config', Tags: [TAG] }));
    await sm.send(new CreateNotebookInstanceCommand({ NotebookInstanceName: 'cost-demo-notebook', InstanceType: 'ml.t3.medium', RoleArn: roleArn, Tags: [TAG] }));
  } finally {
    iam.destroy();
    sm.destroy();
  }
}

describeWithMoto('what the cleanup saves, against moto', (moto) => {
  const args = ['--tag', 'project=cost-demo', '--region', 'us-east-1'];
  const summary = 'Cost: would save about $1.4728/hour ($1,075.14/month at 730 h) of what was priced; 1 priced resource unknown';

  beforeEach(async () => {
    await moto().reset();
    await buildCostWorld(moto().url);
  });

  it('--dry-run prices the endpoint from its config, shows the notebook as unknown, and says what it would save', async () => {
    const r = await runCli([...args, '--dry-run'], { moto: moto() });
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.code).toBe(0);
    const endpointLine = r.stdout.split('\n').find((l) => l.includes(':endpoint/cost-demo-endpoint'));
    expect(endpointLine).toMatch(/ {4}\$1\.4728 {2}arn:aws:sagemaker:us-east-1:\d{12}:endpoint\/cost-demo-endpoint/);
    expect(r.stdout).toContain('cost: ml.g4dn.xlarge × 2 instances');
    expect(r.stdout.split('\n').find((l) => l.includes(':notebook-instance/cost-demo-notebook'))).toMatch(/ {3}unknown {2}arn:/);
    expect(r.stdout).toContain('cost unknown: ml.t3.medium (notebook instance): no price in the table');
    expect(r.stdout).toContain('Estimated cost: about $1.4728/hour ($1,075.14/month at 730 h) for 1 priced resource; 1 unknown (not in the price table)');
    expect(r.stdout).toContain(`${summary} (us-east-1 on-demand prices as of ${PRICES.asOf})`);
  });

  it('--dry-run --json carries the savings in the report, and `plan --out` each item’s estimate and the total', async () => {
    const r = await runCli([...args, '--dry-run', '--json'], { moto: moto() });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.cost).toEqual({
      hourly: 1.4728,
      monthly: 1075.14,
      hoursPerMonth: 730,
      priced: 1,
      unknown: 1,
      prices: { region: 'us-east-1', currency: 'USD', terms: 'on-demand', asOf: PRICES.asOf },
    });
    // the human plan goes to stderr with --json
    expect(r.stderr).toContain('Estimated cost: about $1.4728/hour');

    const dir = await mkdtemp(join(tmpdir(), 'nova-cost-'));
    const out = join(dir, 'plan.json');
    const p = await runCli(['plan', ...args, '--out', out], { moto: moto() });
    expect(p.code).toBe(0);
    const doc = JSON.parse(await readFile(out, 'utf8')) as PlanDocument;
    const byName = new Map(doc.items.map((i) => [i.ref.name, i]));
    expect(byName.get('cost-demo-endpoint')?.cost).toEqual({ hourly: 1.4728, basis: 'ml.g4dn.xlarge × 2 instances' });
    expect(byName.get('cost-demo-notebook')?.cost).toEqual({ basis: 'ml.t3.medium (notebook instance): no price in the table' });
    expect(byName.get('cost-demo-config')?.cost).toBeUndefined();
    expect(byName.get('cost-demo-model')?.cost).toBeUndefined();
    expect(doc.cost).toMatchObject({ hourly: 1.4728, monthly: 1075.14, priced: 1, unknown: 1 });
  });
});
