import { describe, expect, it } from 'vitest';
import type { Outcome, ResourceRef } from '../../src/model.js';
import { estimateCosts, savings, totalCost, usd, withCosts, type Costable } from '../../src/plan/cost.js';
import { HOURS_PER_MONTH, PRICES, type PriceTable } from '../../src/plan/prices.js';

const ACCOUNT = '123456789012';

function item(type: string, name: string, config: Record<string, unknown>, region = 'us-east-1'): Costable {
  const kind = type.split(':')[1]!;
  const service = type.split(':')[0]!;
  const arn = `arn:aws:${service}:${region}:${ACCOUNT}:${kind}/${name.toLowerCase()}`;
  const ref: ResourceRef = { arn, type, region, account: ACCOUNT, partition: 'aws', name: name.toLowerCase() };
  return { ref, config };
}

const endpointConfig = (name: string, variants: Record<string, unknown>[], region?: string) =>
  item('sagemaker:endpoint-config', name, { EndpointConfigName: name, ProductionVariants: variants }, region);
const endpoint = (name: string, configName: string, variants: Record<string, unknown>[] = [], region?: string) =>
  item('sagemaker:endpoint', name, { EndpointName: name, EndpointConfigName: configName, ProductionVariants: variants }, region);

/** A table with a price in every section, to test the lookups the shipped table cannot (its sections may be empty). */
const TEST_TABLE: PriceTable = {
  ...PRICES,
  notebook: { unit: 'instance-hour', prices: { 'ml.t3.medium': 0.05 } },
  hyperpod: { unit: 'instance-hour', prices: { 'ml.g5.8xlarge': 3.5 } },
  bedrockModelUnit: { unit: 'model-unit-hour', prices: { 'amazon.titan-text-express-v1:0:8k': 20.5 } },
  mlflowTrackingServer: { unit: 'server-hour', prices: { Small: 0.6 } },
};

describe('the price table', () => {
  it('is dated, sourced, us-east-1 on-demand USD, and holds only positive prices', () => {
    expect(PRICES.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(PRICES).toMatchObject({ region: 'us-east-1', currency: 'USD', terms: 'on-demand' });
    expect(PRICES.hosting.source?.url).toMatch(/^https:\/\/github\.com\/aws-samples\//);
    expect(PRICES.authoritative.map((a) => a.url)).toContain('https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonSageMaker/current/us-east-1/index.json');
    for (const section of [PRICES.hosting, PRICES.notebook, PRICES.hyperpod, PRICES.bedrockModelUnit, PRICES.mlflowTrackingServer]) {
      for (const [type, price] of Object.entries(section.prices)) expect(price, type).toBeGreaterThan(0);
      // a section without prices says why
      if (Object.keys(section.prices).length === 0) expect(section.gaps).toBeTruthy();
      else expect(section.source).toBeDefined();
    }
  });

  it('leaves out the prices known to be stale (P4d, P5)', () => {
    expect(PRICES.hosting.prices['ml.p4d.24xlarge']).toBeUndefined();
    expect(PRICES.hosting.prices['ml.p5.48xlarge']).toBeUndefined();
    expect(PRICES.hosting.prices['ml.g5.2xlarge']).toBe(1.515);
  });
});

describe('estimateCosts', () => {
  it('prices an endpoint from its endpoint config in the same set, with the instances it runs now', () => {
    const items = [
      endpointConfig('Cfg', [{ VariantName: 'AllTraffic', InstanceType: 'ml.g5.2xlarge', InitialInstanceCount: 1 }]),
      endpoint('Ep', 'Cfg', [{ VariantName: 'AllTraffic', CurrentInstanceCount: 2 }]),
    ];
    const costs = estimateCosts(items);
    expect(costs.get(items[1]!.ref.arn)).toEqual({ hourly: 3.03, basis: 'ml.g5.2xlarge × 2 instances' });
    // the config itself costs nothing by the hour
    expect(costs.has(items[0]!.ref.arn)).toBe(false);
  });

  it("falls back to the config's initial count, and adds up every variant (shadow ones too)", () => {
    const cfg = item('sagemaker:endpoint-config', 'cfg', {
      EndpointConfigName: 'cfg',
      ProductionVariants: [{ VariantName: 'a', InstanceType: 'ml.m5.xlarge', InitialInstanceCount: 1 }],
      ShadowProductionVariants: [{ VariantName: 'b', InstanceType: 'ml.c5.xlarge', InitialInstanceCount: 3 }],
    });
    const ep = endpoint('ep', 'cfg');
    expect(estimateCosts([ep, cfg]).get(ep.ref.arn)).toEqual({ hourly: 0.842, basis: 'ml.m5.xlarge × 1 instance + ml.c5.xlarge × 3 instances' });
  });

  it('is unknown when the endpoint config is not in the set, or an instance type is not in the table', () => {
    const lone = endpoint('lone', 'elsewhere', [{ VariantName: 'v', CurrentInstanceCount: 1 }]);
    const cfg = endpointConfig('tiny', [{ VariantName: 'v', InstanceType: 'ml.t2.medium', InitialInstanceCount: 1 }]);
    const tiny = endpoint('tiny-ep', 'tiny');
    const costs = estimateCosts([lone, cfg, tiny]);
    expect(costs.get(lone.ref.arn)).toEqual({ basis: 'its endpoint config elsewhere is not in the plan: instance types unknown' });
    expect(costs.get(tiny.ref.arn)?.hourly).toBeUndefined();
    expect(costs.get(tiny.ref.arn)?.basis).toBe('ml.t2.medium (endpoint instances): no price in the table');
  });

  it('prices a serverless variant at 0 an hour, unless it has provisioned concurrency (unknown)', () => {
    const cfg = endpointConfig('sls', [{ VariantName: 'v', ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 } }]);
    const pc = endpointConfig('pc', [{ VariantName: 'v', ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5, ProvisionedConcurrency: 2 } }]);
    const [a, b] = [endpoint('a', 'sls'), endpoint('b', 'pc')];
    const costs = estimateCosts([cfg, pc, a, b]);
    expect(costs.get(a.ref.arn)).toEqual({ hourly: 0, basis: 'serverless (billed per use)' });
    expect(costs.get(b.ref.arn)).toEqual({ basis: 'serverless variant v with provisioned concurrency: no price in the table' });
  });

  it('says when a price from us-east-1 is used for a resource elsewhere', () => {
    const items = [
      endpointConfig('c', [{ VariantName: 'v', InstanceType: 'ml.m5.xlarge', InitialInstanceCount: 1 }], 'eu-west-1'),
      endpoint('e', 'c', [], 'eu-west-1'),
    ];
    expect(estimateCosts(items).get(items[1]!.ref.arn)).toEqual({ hourly: 0.23, basis: 'ml.m5.xlarge × 1 instance', priceRegion: 'us-east-1' });
  });

  it('matches the endpoint config in the same region only', () => {
    const items = [endpointConfig('c', [{ VariantName: 'v', InstanceType: 'ml.m5.xlarge', InitialInstanceCount: 1 }], 'eu-west-1'), endpoint('e', 'c')];
    expect(estimateCosts(items).get(items[1]!.ref.arn)?.hourly).toBeUndefined();
  });

  it('prices a running notebook by its instance type, a stopped one at 0, and an unpriced type as unknown', () => {
    const running = item('sagemaker:notebook-instance', 'nb', { InstanceType: 'ml.t3.medium', NotebookInstanceStatus: 'InService' });
    const stopped = item('sagemaker:notebook-instance', 'nb2', { InstanceType: 'ml.t3.medium', NotebookInstanceStatus: 'Stopped' });
    expect(estimateCosts([running, stopped], TEST_TABLE).get(running.ref.arn)).toEqual({ hourly: 0.05, basis: 'ml.t3.medium × 1 instance' });
    expect(estimateCosts([stopped]).get(stopped.ref.arn)).toEqual({ hourly: 0, basis: 'stopped: no instance hours' });
    expect(estimateCosts([running]).get(running.ref.arn)).toEqual({ basis: 'ml.t3.medium (notebook instance): no price in the table' });
  });

  it('prices a HyperPod cluster by each group’s current nodes', () => {
    const c = item('sagemaker:cluster', 'hp', {
      InstanceGroups: [
        { InstanceGroupName: 'workers', InstanceType: 'ml.g5.8xlarge', CurrentCount: 2, TargetCount: 4 },
        { InstanceGroupName: 'spare', InstanceType: 'ml.g5.8xlarge', TargetCount: 1 },
      ],
    });
    expect(estimateCosts([c], TEST_TABLE).get(c.ref.arn)).toEqual({ hourly: 10.5, basis: 'ml.g5.8xlarge × 2 instances + ml.g5.8xlarge × 1 instance' });
    expect(estimateCosts([c]).get(c.ref.arn)?.hourly).toBeUndefined();
  });

  it('prices a no-commitment Provisioned Throughput per model unit; a committed one is unknown', () => {
    const base = { modelUnits: 2, foundationModelArn: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1:0:8k' };
    const free = item('bedrock:provisioned-model', 'pt1', base);
    const term = item('bedrock:provisioned-model', 'pt2', { ...base, commitmentDuration: 'OneMonth' });
    const costs = estimateCosts([free, term], TEST_TABLE);
    expect(costs.get(free.ref.arn)).toEqual({ hourly: 41, basis: '2 model units of amazon.titan-text-express-v1:0:8k (no commitment)' });
    expect(costs.get(term.ref.arn)).toEqual({ basis: '2 model units, OneMonth commitment: commitment prices are not in the table' });
    expect(estimateCosts([free]).get(free.ref.arn)?.basis).toBe('2 model units of amazon.titan-text-express-v1:0:8k: no price in the table');
  });

  it('prices an MLflow tracking server by its size; a stopped one at 0', () => {
    const on = item('sagemaker:mlflow-tracking-server', 'ml', { TrackingServerSize: 'Small', TrackingServerStatus: 'Created' });
    const off = item('sagemaker:mlflow-tracking-server', 'ml2', { TrackingServerSize: 'Large', TrackingServerStatus: 'Stopped' });
    const costs = estimateCosts([on, off], TEST_TABLE);
    expect(costs.get(on.ref.arn)).toEqual({ hourly: 0.6, basis: 'Small tracking server' });
    expect(costs.get(off.ref.arn)).toEqual({ hourly: 0, basis: 'Stopped: no server hours' });
    expect(estimateCosts([on]).get(on.ref.arn)).toEqual({ basis: 'Small tracking server: no price in the table' });
  });

  it('gives no estimate to types not billed by the hour', () => {
    const items = [
      item('sagemaker:model', 'm', { ModelName: 'm' }),
      item('sagemaker:inference-component', 'ic', { EndpointName: 'e' }),
      item('sagemaker:mlflow-app', 'app', { Status: 'Created' }),
      item('s3:bucket', 'b', {}),
    ];
    expect(estimateCosts(items).size).toBe(0);
  });
});

describe('totals', () => {
  it('adds what is priced, counts what is not, and takes a month as 730 hours', () => {
    const t = totalCost([{ hourly: 3.03, basis: '' }, { hourly: 0.23, basis: '' }, { hourly: 0, basis: '' }, { basis: 'unknown' }, undefined]);
    expect(t).toEqual({
      hourly: 3.26,
      monthly: 2379.8,
      hoursPerMonth: 730,
      priced: 3,
      unknown: 1,
      prices: { region: 'us-east-1', currency: 'USD', terms: 'on-demand', asOf: PRICES.asOf },
    });
    expect(HOURS_PER_MONTH).toBe(730);
    expect(totalCost([undefined])).toBeUndefined();
    expect(totalCost([{ basis: 'x' }])).toMatchObject({ hourly: 0, monthly: 0, priced: 0, unknown: 1 });
  });

  it('withCosts puts each estimate on its item and the total beside them', () => {
    const items = [endpointConfig('c', [{ VariantName: 'v', InstanceType: 'ml.g4dn.xlarge', InitialInstanceCount: 1 }]), endpoint('e', 'c')];
    const out = withCosts(items);
    expect(out.items[0]).not.toHaveProperty('cost');
    expect(out.items[1]!.cost).toEqual({ hourly: 0.7364, basis: 'ml.g4dn.xlarge × 1 instance' });
    expect(out.cost).toMatchObject({ hourly: 0.7364, monthly: 537.57, priced: 1, unknown: 0 });
    expect(withCosts([item('sagemaker:model', 'm', {})])).not.toHaveProperty('cost');
  });

  it('savings count only what was deleted (a dry run: planned), and prefer the estimate the plan carries', () => {
    const cfg = endpointConfig('c', [{ VariantName: 'v', InstanceType: 'ml.m5.xlarge', InitialInstanceCount: 1 }]);
    const a = endpoint('a', 'c');
    const b = { ...endpoint('b', 'c'), cost: { hourly: 5, basis: 'as planned' } };
    const nb = item('sagemaker:notebook-instance', 'nb', { InstanceType: 'ml.t3.medium', NotebookInstanceStatus: 'InService' });
    const out = (arn: string, status: Outcome['status']): Outcome => ({ arn, type: 't', region: 'us-east-1', name: 'n', status, rule: 'delete' });
    const s = savings([cfg, a, b, nb], [out(a.ref.arn, 'deleted'), out(b.ref.arn, 'planned'), out(nb.ref.arn, 'failed'), out(cfg.ref.arn, 'deleted')]);
    expect(s).toMatchObject({ hourly: 5.23, priced: 2, unknown: 0 });
    expect(savings([cfg, a], [out(a.ref.arn, 'failed')])).toBeUndefined();
  });
});

describe('usd', () => {
  it('shows 2 to 4 decimals, and thousands separators', () => {
    expect(usd(0.23)).toBe('$0.23');
    expect(usd(1.515)).toBe('$1.515');
    expect(usd(0.7364)).toBe('$0.7364');
    expect(usd(0)).toBe('$0.00');
    expect(usd(2379.8)).toBe('$2,379.80');
  });
});
