import type { CostEstimate, Outcome } from '../model.js';
import type { PlanDocument, PlanItem } from '../plan/document.js';
import { childPhrases } from '../plan/children.js';
import { itemCosts, totalCost, usd } from '../plan/cost.js';
import { HOURS_PER_MONTH, PRICES } from '../plan/prices.js';

/**
 * The plan as a table grouped by type, each under a header row, each resource once: its layer (the
 * order of deletion: layer 1 first, as nothing in the plan uses it; a resource goes only after
 * everything in the plan that uses it), name, region and ARN, and below it what its delete removes with
 * it. Then everything found that will not be deleted, with the rule that decided it (a resource of the
 * plan is never listed there too, nor anything twice). When something in the plan is billed by the hour, a PER HOUR column gives its
 * estimated cost ("unknown" when the price table lacks it, empty for types not billed by the hour), and
 * a total follows the counts. Pure: returns lines, prints nothing.
 */
export function renderPlan(doc: PlanDocument): string[] {
  const lines: string[] = [];
  const items = doc.items;
  if (items.length === 0) lines.push('Nothing to delete.');
  else {
    const layers = Math.max(...items.map((i) => i.layer)) + 1;
    lines.push(`Plan: ${items.length} resource${items.length === 1 ? '' : 's'} to delete in ${layers} layer${layers === 1 ? '' : 's'} (${[...new Set(items.map((i) => i.ref.region))].sort().join(', ')})`);
    lines.push(...LAYER_EXPLAINED);
    const types = [...new Set(items.map((i) => i.ref.type))];
    const width = Math.max(...items.map((i) => i.ref.name.length), 4);
    const costs = itemCosts(items);
    const costed = costs.size > 0;
    for (const type of types) {
      const group = items.filter((i) => i.ref.type === type);
      lines.push('');
      lines.push(`${type} (${group.length})`);
      lines.push(`  ${'LAYER'}  ${'NAME'.padEnd(width)}  ${'REGION'.padEnd(14)}  ${costed ? `${'PER HOUR'.padStart(COST_WIDTH)}  ` : ''}ARN`);
      for (const i of group) lines.push(...itemLines(i, width, costed, costs.get(i.ref.arn)));
    }
    lines.push('');
    lines.push('Counts: ' + types.map((t) => `${t} ${items.filter((i) => i.ref.type === t).length}`).join(', '));
    if (costed) lines.push(...costLines(costs.values(), items.some((i) => costs.get(i.ref.arn)?.priceRegion !== undefined)));
  }
  lines.push(...renderNotPlanned(onceEach(doc.notPlanned, new Set(items.map((i) => i.ref.arn)))));
  if (doc.examinedRegions.length > doc.regions.length) {
    lines.push('', `Users of global resources (IAM roles) were looked for in ${doc.examinedRegions.length} enabled regions (${doc.usageCheck.listings} listings, ${doc.usageCheck.reads} reads).`);
  }
  return lines;
}

const COST_WIDTH = 10;

/** What the LAYER column means (the plan's `layer` + 1; the JSON's `layer` counts from 0). */
export const LAYER_EXPLAINED = [
  'LAYER: the order of deletion. Layer 1 goes first: nothing in the plan uses it. A resource of layer n is deleted',
  'once everything in the plan that uses it (in layers 1 to n-1) is gone; chains that share nothing do not wait for each other.',
];

/** Each resource once: what the plan deletes is not listed again among what it leaves, nor anything twice. */
function onceEach(outcomes: readonly Outcome[], planned: ReadonlySet<string>): Outcome[] {
  const seen = new Set(planned);
  return outcomes.filter((o) => !seen.has(o.arn) && Boolean(seen.add(o.arn)));
}

function itemLines(i: PlanItem, width: number, costed: boolean, cost: CostEstimate | undefined): string[] {
  const after = i.usedBy.length ? `  after ${i.usedBy.length} that use${i.usedBy.length === 1 ? 's' : ''} it` : '';
  const perHour = costed ? `${(cost ? (cost.hourly === undefined ? 'unknown' : usd(cost.hourly)) : '').padStart(COST_WIDTH)}  ` : '';
  const out = [`  ${String(i.layer + 1).padStart(5)}  ${i.ref.name.padEnd(width)}  ${i.ref.region.padEnd(14)}  ${perHour}${i.ref.arn}${after}`];
  const removes = childPhrases(i.children);
  if (removes.length) out.push(`  ${' '.repeat(5)}  removes with it: ${removes.join('; ')}`);
  if (cost) out.push(`  ${' '.repeat(5)}  ${cost.hourly === undefined ? 'cost unknown' : 'cost'}: ${cost.basis}${cost.priceRegion ? ` (${cost.priceRegion} price)` : ''}`);
  return out;
}

/** The plan's estimated cost: the total of what is priced, how many are unknown, and where the prices come from. */
export function costLines(estimates: Iterable<CostEstimate | undefined>, elsewhere: boolean): string[] {
  const t = totalCost(estimates);
  if (!t) return [];
  const unknown = t.unknown ? `; ${t.unknown} unknown (not in the price table)` : '';
  return [
    `Estimated cost: about ${usd(t.hourly)}/hour (${usd(t.monthly)}/month at ${HOURS_PER_MONTH} h) for ${t.priced} priced resource${t.priced === 1 ? '' : 's'}${unknown}`,
    `  prices: ${PRICES.region} ${PRICES.terms}, ${PRICES.currency}, as of ${PRICES.asOf}${elsewhere ? `; resources in other regions are priced at ${PRICES.region} prices` : ''} (README: What it costs)`,
  ];
}

/** Resources found but not planned, each with its status, the rule that decided it and why. */
export function renderNotPlanned(outcomes: readonly Outcome[]): string[] {
  if (outcomes.length === 0) return [];
  const lines = ['', `Not in the plan (${outcomes.length}):`];
  for (const o of outcomes) lines.push(`  ${o.status.padEnd(11)} ${o.rule.padEnd(19)} ${o.type} ${o.name}  ${o.error ?? o.reason ?? ''}`.trimEnd());
  return lines;
}
