import type { CostEstimate, CostTotals, Outcome, ResourceRef } from '../model.js';
import { HOURS_PER_MONTH, PRICES, type PriceSection, type PriceTable } from './prices.js';

/**
 * The estimated hourly cost of what a plan deletes, from the price table (src/plan/prices.ts) and what
 * each resource's describe already read: no AWS call is made for it. Types billed by the hour: SageMaker
 * endpoints (their instances, whose types are in their endpoint config), notebook instances, HyperPod
 * clusters, MLflow tracking servers, and Bedrock Provisioned Throughput. Every other type (an endpoint
 * config, a model, an inference component, which runs on its endpoint's instances) costs nothing by the
 * hour here and gets no estimate. A price the table lacks is unknown, never guessed. Pure.
 */

/** What an estimate needs of a resource: its identity and its described configuration. */
export interface Costable {
  readonly ref: ResourceRef;
  readonly config: Record<string, unknown>;
}

type Part = { readonly hourly: number; readonly basis: string } | { readonly unknown: string };

interface Variant {
  readonly VariantName?: string;
  readonly InstanceType?: string;
  readonly InitialInstanceCount?: number;
  readonly ServerlessConfig?: { readonly ProvisionedConcurrency?: number };
  readonly CurrentInstanceCount?: number;
  readonly DesiredInstanceCount?: number;
  readonly CurrentServerlessConfig?: { readonly ProvisionedConcurrency?: number };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
const list = <T>(v: unknown): readonly T[] => (Array.isArray(v) ? (v as T[]) : []);
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** `type × n instances` at the section's price, or unknown when the table has no price for `type`. */
function instances(section: PriceSection, type: string | undefined, count: number | undefined, what: string): Part {
  if (!type) return { unknown: `${what}: instance type not reported` };
  if (count === undefined) return { unknown: `${what}: ${type}, instance count not reported` };
  const price = section.prices[type];
  if (price === undefined) return { unknown: `${type} (${what}): no price in the table` };
  return { hourly: price * count, basis: `${type} × ${plural(count, 'instance')}` };
}

/** The estimate of several billed parts: unknown as soon as one part is (it says which). */
function combine(parts: readonly Part[]): Omit<CostEstimate, 'priceRegion'> {
  const unknown = parts.flatMap((p) => ('unknown' in p ? [p.unknown] : []));
  if (unknown.length) return { basis: unknown.join('; ') };
  const known = parts as readonly { hourly: number; basis: string }[];
  return { hourly: round(known.reduce((s, p) => s + p.hourly, 0), 6), basis: known.map((p) => p.basis).join(' + ') };
}

/** The endpoint configs among the items, by region, account and lower-cased name (ARNs lower-case it). */
function configsOf(items: readonly Costable[]): Map<string, Costable> {
  const out = new Map<string, Costable>();
  for (const i of items) {
    if (i.ref.type !== 'sagemaker:endpoint-config') continue;
    const name = str(i.config.EndpointConfigName) ?? i.ref.name;
    out.set(`${i.ref.region}|${i.ref.account}|${name.toLowerCase()}`, i);
  }
  return out;
}

/**
 * An endpoint: each variant of its endpoint config (production and shadow) at its instance type, times
 * the instances the endpoint runs now (CurrentInstanceCount; else desired; else the config's initial
 * count). A serverless variant bills per use, not by the hour (one with provisioned concurrency: unknown).
 */
function endpoint(item: Costable, configs: ReadonlyMap<string, Costable>, t: PriceTable): Omit<CostEstimate, 'priceRegion'> {
  const configName = str(item.config.EndpointConfigName);
  if (!configName) return { basis: 'its endpoint config is not reported' };
  const config = configs.get(`${item.ref.region}|${item.ref.account}|${configName.toLowerCase()}`);
  if (!config) return { basis: `its endpoint config ${configName} is not in the plan: instance types unknown` };
  const live = [...list<Variant>(item.config.ProductionVariants), ...list<Variant>(item.config.ShadowProductionVariants)];
  const variants = [...list<Variant>(config.config.ProductionVariants), ...list<Variant>(config.config.ShadowProductionVariants)];
  if (variants.length === 0) return { basis: `its endpoint config ${configName} lists no variants` };
  return combine(
    variants.map((v): Part => {
      const now = live.find((l) => l.VariantName === v.VariantName);
      if (v.ServerlessConfig || now?.CurrentServerlessConfig) {
        const concurrency = num(now?.CurrentServerlessConfig?.ProvisionedConcurrency) ?? num(v.ServerlessConfig?.ProvisionedConcurrency) ?? 0;
        if (concurrency === 0) return { hourly: 0, basis: 'serverless (billed per use)' };
        return { unknown: `serverless variant${v.VariantName ? ` ${v.VariantName}` : ''} with provisioned concurrency: no price in the table` };
      }
      const count = num(now?.CurrentInstanceCount) ?? num(now?.DesiredInstanceCount) ?? num(v.InitialInstanceCount);
      return instances(t.hosting, str(v.InstanceType), count, 'endpoint instances');
    }),
  );
}

/** Notebook states that run no instance (only the storage volume is billed, by the GB-month). */
const NOTEBOOK_IDLE = ['Stopped', 'Failed', 'Deleting'];

function notebook(item: Costable, t: PriceTable): Omit<CostEstimate, 'priceRegion'> {
  const status = str(item.config.NotebookInstanceStatus);
  if (status && NOTEBOOK_IDLE.includes(status)) return { hourly: 0, basis: `${status.toLowerCase()}: no instance hours` };
  const type = str(item.config.InstanceType);
  return combine([instances(t.notebook, type, 1, 'notebook instance')]);
}

interface InstanceGroup {
  readonly InstanceGroupName?: string;
  readonly InstanceType?: string;
  readonly CurrentCount?: number;
  readonly TargetCount?: number;
}

/** A HyperPod cluster: each instance group's type times the nodes it has now (CurrentCount, else TargetCount). */
function cluster(item: Costable, t: PriceTable): Omit<CostEstimate, 'priceRegion'> {
  const groups = [...list<InstanceGroup>(item.config.InstanceGroups), ...list<InstanceGroup>(item.config.RestrictedInstanceGroups)];
  if (groups.length === 0) return { hourly: 0, basis: 'no instance groups' };
  return combine(groups.map((g) => instances(t.hyperpod, str(g.InstanceType), num(g.CurrentCount) ?? num(g.TargetCount), 'HyperPod nodes')));
}

/** MLflow tracking server states that bill no server hours. */
const MLFLOW_IDLE = ['Stopped', 'Deleting', 'DeleteFailed', 'CreateFailed'];

function mlflowServer(item: Costable, t: PriceTable): Omit<CostEstimate, 'priceRegion'> {
  const status = str(item.config.TrackingServerStatus);
  if (status && MLFLOW_IDLE.includes(status)) return { hourly: 0, basis: `${status}: no server hours` };
  const size = str(item.config.TrackingServerSize);
  if (!size) return { basis: 'tracking server size not reported' };
  const price = t.mlflowTrackingServer.prices[size];
  return price === undefined ? { basis: `${size} tracking server: no price in the table` } : { hourly: price, basis: `${size} tracking server` };
}

/** The base model id of a foundation-model ARN (`.../foundation-model/amazon.titan-text-express-v1:0:8k`). */
const modelIdOf = (arn: string | undefined): string | undefined => (arn ? /:foundation-model\/(.+)$/.exec(arn)?.[1] : undefined);

/**
 * A Provisioned Throughput: its model units times the no-commitment hourly price of its base model. One
 * bought with a commitment is billed for its term whether deleted or not: not priced here (unknown).
 */
function provisioned(item: Costable, t: PriceTable): Omit<CostEstimate, 'priceRegion'> {
  const units = num(item.config.modelUnits);
  if (units === undefined) return { basis: 'model units not reported' };
  const commitment = str(item.config.commitmentDuration);
  if (commitment) return { basis: `${plural(units, 'model unit')}, ${commitment} commitment: commitment prices are not in the table` };
  const model = modelIdOf(str(item.config.foundationModelArn)) ?? modelIdOf(str(item.config.modelArn));
  if (!model) return { basis: `${plural(units, 'model unit')}: base model not reported` };
  const price = t.bedrockModelUnit.prices[model];
  return price === undefined
    ? { basis: `${plural(units, 'model unit')} of ${model}: no price in the table` }
    : { hourly: round(price * units, 6), basis: `${plural(units, 'model unit')} of ${model} (no commitment)` };
}

/**
 * The estimate of each item billed by the hour, by ARN (items of other types have none). `items` is the
 * whole set: an endpoint's instance types are read from its endpoint config among them. A resource outside
 * the table's region is priced at that region's price, and says so (`priceRegion`).
 */
export function estimateCosts(items: readonly Costable[], t: PriceTable = PRICES): Map<string, CostEstimate> {
  const configs = configsOf(items);
  const out = new Map<string, CostEstimate>();
  for (const item of items) {
    const e = estimateOne(item, configs, t);
    if (!e) continue;
    const elsewhere = e.hourly !== undefined && e.hourly > 0 && item.ref.region !== t.region;
    out.set(item.ref.arn, elsewhere ? { ...e, priceRegion: t.region } : e);
  }
  return out;
}

function estimateOne(item: Costable, configs: ReadonlyMap<string, Costable>, t: PriceTable): Omit<CostEstimate, 'priceRegion'> | undefined {
  switch (item.ref.type) {
    case 'sagemaker:endpoint':
      return endpoint(item, configs, t);
    case 'sagemaker:notebook-instance':
      return notebook(item, t);
    case 'sagemaker:cluster':
      return cluster(item, t);
    case 'sagemaker:mlflow-tracking-server':
      return mlflowServer(item, t);
    case 'bedrock:provisioned-model':
      return provisioned(item, t);
    default:
      return undefined;
  }
}

/** The total of some estimates: undefined when none of them is billed by the hour. */
export function totalCost(estimates: Iterable<CostEstimate | undefined>, t: PriceTable = PRICES): CostTotals | undefined {
  let hourly = 0;
  let priced = 0;
  let unknown = 0;
  for (const e of estimates) {
    if (!e) continue;
    if (e.hourly === undefined) unknown += 1;
    else {
      priced += 1;
      hourly += e.hourly;
    }
  }
  if (priced + unknown === 0) return undefined;
  const h = round(hourly, 4);
  return {
    hourly: h,
    monthly: round(h * HOURS_PER_MONTH, 2),
    hoursPerMonth: HOURS_PER_MONTH,
    priced,
    unknown,
    prices: { region: t.region, currency: t.currency, terms: t.terms, asOf: t.asOf },
  };
}

/**
 * The plan's items with their estimates, and the plan's total: what the plan document carries
 * (`items[].cost`, `cost`). Items not billed by the hour are returned as they are.
 */
export function withCosts<T extends Costable>(items: readonly T[], t: PriceTable = PRICES): { items: (T & { cost?: CostEstimate })[]; cost?: CostTotals } {
  const estimates = estimateCosts(items, t);
  const total = totalCost(estimates.values(), t);
  return {
    items: items.map((i) => {
      const cost = estimates.get(i.ref.arn);
      return cost ? { ...i, cost } : i;
    }),
    ...(total ? { cost: total } : {}),
  };
}

/** Each item's estimate: the one the plan carries, else one made now from its configuration (a plan made before costs). */
export function itemCosts(items: readonly (Costable & { readonly cost?: CostEstimate | undefined })[], t: PriceTable = PRICES): Map<string, CostEstimate> {
  const fresh = estimateCosts(items, t);
  const out = new Map<string, CostEstimate>();
  for (const i of items) {
    const e = 'cost' in i && i.cost ? i.cost : fresh.get(i.ref.arn);
    if (e) out.set(i.ref.arn, e);
  }
  return out;
}

/**
 * What a run saves by the hour: the estimates of the items it deleted (a dry run: the `planned` ones).
 * Undefined when none of them is billed by the hour.
 */
export function savings(
  items: readonly (Costable & { readonly cost?: CostEstimate | undefined })[],
  outcomes: readonly Outcome[],
  t: PriceTable = PRICES,
): CostTotals | undefined {
  const costs = itemCosts(items, t);
  const gone = outcomes.filter((o) => o.status === 'deleted' || o.status === 'planned');
  return totalCost(
    gone.map((o) => costs.get(o.arn)),
    t,
  );
}

/** `$1.515`, `$0.23`, `$2,211.90`: dollars with at least 2 and at most 4 decimals (2 from $100 on). */
export function usd(n: number): string {
  return `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: n >= 100 ? 2 : 4 })}`;
}
