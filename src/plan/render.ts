import type { Outcome } from '../model.js';
import type { Plan } from './plan.js';

/** The plan as a table grouped by type, with counts. Pure: returns lines, prints nothing. */
export function renderPlan(plan: Plan): string[] {
  if (plan.items.length === 0) return ['Nothing to delete.'];
  const lines: string[] = [];
  const regions = new Set(plan.items.map((i) => i.ref.region));
  lines.push(
    `Plan: ${plan.items.length} resource${plan.items.length === 1 ? '' : 's'} in ${plan.layerCount} layer${plan.layerCount === 1 ? '' : 's'} (${[...regions].sort().join(', ')})`,
  );
  const types = [...new Set(plan.items.map((i) => i.ref.type))];
  const width = Math.max(...plan.items.map((i) => i.ref.name.length), 4);
  for (const type of types) {
    const group = plan.items.filter((i) => i.ref.type === type);
    lines.push('');
    lines.push(`${type} (${group.length})`);
    for (const i of group) {
      const after = i.usedBy.length ? `  after ${i.usedBy.length} that use${i.usedBy.length === 1 ? 's' : ''} it` : '';
      lines.push(`  ${String(i.layer + 1).padStart(2)}  ${i.ref.name.padEnd(width)}  ${i.ref.region.padEnd(14)}  ${i.ref.arn}${after}`);
    }
  }
  lines.push('');
  lines.push('Counts: ' + types.map((t) => `${t} ${plan.items.filter((i) => i.ref.type === t).length}`).join(', '));
  return lines;
}

/** Resources found but not planned (gone, unsupported, excluded, protected, unreadable). */
export function renderNotPlanned(outcomes: readonly Outcome[]): string[] {
  if (outcomes.length === 0) return [];
  const lines = ['', `Not in the plan (${outcomes.length}):`];
  for (const o of outcomes) lines.push(`  ${o.status.padEnd(11)} ${o.arn}  ${o.reason ?? o.error ?? ''}`.trimEnd());
  return lines;
}
