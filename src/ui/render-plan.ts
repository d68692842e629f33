import type { Outcome } from '../model.js';
import type { PlanDocument, PlanItem } from '../plan/document.js';
import { childPhrases } from '../plan/children.js';

/**
 * The plan as a table grouped by type, each resource once: its layer (the order of deletion: layer 1
 * first; a resource goes only after everything in the plan that uses it), name, region and ARN, and
 * below it what its delete removes with it. Then everything found that will not be deleted, with the
 * rule that decided it. Pure: returns lines, prints nothing.
 */
export function renderPlan(doc: PlanDocument): string[] {
  const lines: string[] = [];
  const items = doc.items;
  if (items.length === 0) lines.push('Nothing to delete.');
  else {
    const layers = Math.max(...items.map((i) => i.layer)) + 1;
    lines.push(`Plan: ${items.length} resource${items.length === 1 ? '' : 's'} to delete in ${layers} layer${layers === 1 ? '' : 's'} (${[...new Set(items.map((i) => i.ref.region))].sort().join(', ')})`);
    lines.push('LAYER: the order of deletion; a resource is deleted only after everything in the plan that uses it.');
    const types = [...new Set(items.map((i) => i.ref.type))];
    const width = Math.max(...items.map((i) => i.ref.name.length), 4);
    for (const type of types) {
      const group = items.filter((i) => i.ref.type === type);
      lines.push('');
      lines.push(`${type} (${group.length})`);
      lines.push(`  ${'LAYER'}  ${'NAME'.padEnd(width)}  ${'REGION'.padEnd(14)}  ARN`);
      for (const i of group) lines.push(...itemLines(i, width));
    }
    lines.push('');
    lines.push('Counts: ' + types.map((t) => `${t} ${items.filter((i) => i.ref.type === t).length}`).join(', '));
  }
  lines.push(...renderNotPlanned(doc.notPlanned));
  if (doc.examinedRegions.length > doc.regions.length) {
    lines.push('', `Users of global resources (IAM roles) were looked for in ${doc.examinedRegions.length} enabled regions (${doc.usageCheck.listings} listings, ${doc.usageCheck.reads} reads).`);
  }
  return lines;
}

function itemLines(i: PlanItem, width: number): string[] {
  const after = i.usedBy.length ? `  after ${i.usedBy.length} that use${i.usedBy.length === 1 ? 's' : ''} it` : '';
  const out = [`  ${String(i.layer + 1).padStart(5)}  ${i.ref.name.padEnd(width)}  ${i.ref.region.padEnd(14)}  ${i.ref.arn}${after}`];
  const removes = childPhrases(i.children);
  if (removes.length) out.push(`  ${' '.repeat(5)}  removes with it: ${removes.join('; ')}`);
  return out;
}

/** Resources found but not planned, each with its status, the rule that decided it and why. */
export function renderNotPlanned(outcomes: readonly Outcome[]): string[] {
  if (outcomes.length === 0) return [];
  const lines = ['', `Not in the plan (${outcomes.length}):`];
  for (const o of outcomes) lines.push(`  ${o.status.padEnd(11)} ${o.rule.padEnd(19)} ${o.type} ${o.name}  ${o.error ?? o.reason ?? ''}`.trimEnd());
  return lines;
}
