import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { withCosts } from '../../src/plan/cost.js';
import { layer, PLAN_FORMAT, PLAN_VERSION, type PlanDocument, type PlanItem } from '../../src/plan/document.js';
import { PRICES } from '../../src/plan/prices.js';
import { renderPlan } from '../../src/ui/render-plan.js';
import { renderReport } from '../../src/ui/render-report.js';

const ACCOUNT = '123456789012';

function node(type: string, name: string, config: Record<string, unknown>, uses: string[] = [], region = 'us-east-1') {
  const [service, kind] = type.split(':') as [string, string];
  const arn = `arn:aws:${service}:${region}:${ACCOUNT}:${kind}/${name}`;
  return { ref: { arn, type, region, account: ACCOUNT, partition: 'aws', name }, tags: {}, config, uses, children: [], rule: 'delete' as const, reason: 'matches' };
}

function docOf(items: PlanItem[], extra: Partial<PlanDocument> = {}): PlanDocument {
  return {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    tool: { name: 'nova-cleanup', version: '0' },
    createdAt: '2026-01-01T00:00:00.000Z',
    account: ACCOUNT,
    principal: `arn:aws:iam::${ACCOUNT}:user/u`,
    partition: 'aws',
    regions: ['us-east-1'],
    examinedRegions: ['us-east-1'],
    filters: [{ key: 'project', values: ['nova'] }],
    types: { include: [], exclude: [] },
    discovery: 'tagging',
    settings: { deleteSharedLogGroups: false, deleteStudioEfs: false },
    items,
    notPlanned: [],
    permissions: { status: 'not-needed' },
    usageCheck: { listings: 0, reads: 0, regions: 1 },
    digest: 'sha256:x',
    ...extra,
  };
}

const cfgArn = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:endpoint-config/cfg`;
const world = () =>
  layer([
    node('sagemaker:endpoint-config', 'cfg', { EndpointConfigName: 'cfg', ProductionVariants: [{ VariantName: 'v', InstanceType: 'ml.g5.2xlarge', InitialInstanceCount: 2 }] }),
    node('sagemaker:endpoint', 'ep', { EndpointName: 'ep', EndpointConfigName: 'cfg', ProductionVariants: [{ VariantName: 'v', CurrentInstanceCount: 2 }] }, [cfgArn]),
    node('sagemaker:notebook-instance', 'nb', { InstanceType: 'ml.t3.medium', NotebookInstanceStatus: 'InService' }),
  ]);

describe('the plan table with costs', () => {
  it('has a PER HOUR column: a price, "unknown", or nothing for types not billed by the hour; and a total', () => {
    const lines = renderPlan(docOf(world()));
    expect(lines).toContain(`  LAYER  NAME  REGION          ${'PER HOUR'.padStart(10)}  ARN`);
    const ep = lines.find((l) => l.includes(':endpoint/ep'));
    expect(ep).toContain(`us-east-1${' '.repeat(5 + 2 + 5)}$3.03  arn:aws:sagemaker`);
    expect(lines).toContain('         cost: ml.g5.2xlarge × 2 instances');
    expect(lines.find((l) => l.includes(':notebook-instance/nb'))).toMatch(/ {3}unknown {2}arn:/);
    expect(lines).toContain('         cost unknown: ml.t3.medium (notebook instance): no price in the table');
    // the endpoint config: no figure at all
    expect(lines.find((l) => l.includes(':endpoint-config/cfg'))).toContain(`us-east-1${' '.repeat(5 + 2 + 10 + 2)}arn:`);
    expect(lines).toContain('Estimated cost: about $3.03/hour ($2,211.90/month at 730 h) for 1 priced resource; 1 unknown (not in the price table)');
    expect(lines).toContain(`  prices: us-east-1 on-demand, USD, as of ${PRICES.asOf} (README: What it costs)`);
  });

  it('uses the estimates the plan carries when it has them', () => {
    const { items } = withCosts(world());
    const carried = items.map((i) => (i.ref.type === 'sagemaker:endpoint' ? { ...i, cost: { hourly: 9, basis: 'as planned' } } : i));
    const lines = renderPlan(docOf(carried));
    expect(lines).toContain('         cost: as planned');
    expect(lines.some((l) => l.startsWith('Estimated cost: about $9.00/hour ($6,570.00/month at 730 h)'))).toBe(true);
  });

  it('labels us-east-1 prices used for other regions', () => {
    const arn = `arn:aws:sagemaker:eu-west-1:${ACCOUNT}:endpoint-config/c`;
    const items = layer([
      node('sagemaker:endpoint-config', 'c', { EndpointConfigName: 'c', ProductionVariants: [{ VariantName: 'v', InstanceType: 'ml.m5.xlarge', InitialInstanceCount: 1 }] }, [], 'eu-west-1'),
      node('sagemaker:endpoint', 'e', { EndpointConfigName: 'c' }, [arn], 'eu-west-1'),
    ]);
    const lines = renderPlan(docOf(items, { regions: ['eu-west-1'] }));
    expect(lines).toContain('         cost: ml.m5.xlarge × 1 instance (us-east-1 price)');
    expect(lines.some((l) => l.includes('resources in other regions are priced at us-east-1 prices'))).toBe(true);
  });

  it('has no cost column nor total when nothing is billed by the hour', () => {
    const lines = renderPlan(docOf(layer([node('sagemaker:model', 'm', {})])));
    expect(lines).toContain('  LAYER  NAME  REGION          ARN');
    expect(lines.some((l) => l.includes('PER HOUR') || l.startsWith('Estimated cost'))).toBe(false);
  });
});

describe('the summary with savings', () => {
  const report = (dryRun: boolean, cost?: Report['cost']): Report => ({
    version: 2,
    tool: { name: 'nova-cleanup', version: '0' },
    command: 'clean',
    dryRun,
    account: ACCOUNT,
    principal: 'p',
    regions: ['us-east-1'],
    tagFilters: [],
    interrupted: false,
    summary: { deleted: 1, failed: 0, skipped: 0, gone: 0, unsupported: 0, planned: 1, blocked: 0, retained: 0 },
    resources: [],
    exitCode: 0,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1,
    ...(cost ? { cost } : {}),
  }) as Report;
  const cost = { hourly: 3.03, monthly: 2211.9, hoursPerMonth: 730, priced: 1, unknown: 1, prices: { region: 'us-east-1', currency: 'USD', terms: 'on-demand', asOf: '2025-01-26' } };

  it('says what a dry run would save, and what a run saved', () => {
    expect(renderReport(report(true, cost))).toContain(
      'Cost: would save about $3.03/hour ($2,211.90/month at 730 h) of what was priced; 1 priced resource unknown (us-east-1 on-demand prices as of 2025-01-26)',
    );
    expect(renderReport(report(false, { ...cost, unknown: 2 }))).toContain(
      'Cost: saves about $3.03/hour ($2,211.90/month at 730 h) of what was priced; 2 priced resources unknown (us-east-1 on-demand prices as of 2025-01-26)',
    );
  });

  it('says nothing of cost when the report has none', () => {
    expect(renderReport(report(true)).some((l) => l.startsWith('Cost:'))).toBe(false);
  });
});
