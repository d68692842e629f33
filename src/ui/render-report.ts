import type { CostTotals, Outcome, Report } from '../model.js';
import { usd } from '../plan/cost.js';

const ORDER: Outcome['status'][] = ['failed', 'blocked', 'deleted', 'retained', 'gone', 'skipped', 'unsupported', 'planned'];

/** The human report: every resource once with its status and rule, then the counts. Pure. */
export function renderReport(r: Report, paint: Paint = plain): string[] {
  const lines: string[] = [''];
  lines.push(r.dryRun ? paint.bold('Dry run: nothing was changed.') : paint.bold('Result'));
  const sorted = [...r.resources].sort(
    (a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status) || cmp(a.type, b.type) || cmp(a.arn, b.arn),
  );
  for (const o of sorted) {
    const label = paint.status(o.status, (r.dryRun && o.status === 'planned' ? 'would delete' : o.status).padEnd(12));
    const why = o.error ?? o.reason;
    const removed = o.removed?.length ? `; already removed: ${o.removed.join(', ')}` : '';
    lines.push(`  ${label} ${o.type.padEnd(28)} ${o.name}  [${o.rule}]${why ? `  ${why}` : ''}${removed}`);
  }
  const s = r.summary;
  const parts = r.dryRun
    ? [`${s.planned} would be deleted`, `${s.blocked} blocked`, `${s.retained} retained by AWS`, `${s.gone} already gone`, `${s.skipped} skipped`, `${s.unsupported} unsupported`, `${s.failed} failed`]
    : [`${s.deleted} deleted`, `${s.failed} failed`, `${s.blocked} blocked`, `${s.retained} retained by AWS`, `${s.skipped} skipped`, `${s.gone} already gone`, `${s.unsupported} unsupported`];
  lines.push('');
  lines.push(`Summary: ${parts.join(', ')}${r.interrupted ? ' (interrupted)' : ''}; exit code ${r.exitCode}`);
  if (r.cost) lines.push(savingsLine(r.cost, r.dryRun));
  if (r.calls) {
    const top = Object.entries(r.calls.byOperation).sort((a, b) => b[1] - a[1] || cmp(a[0], b[0])).slice(0, 5).map(([op, n]) => `${op} ${n}`);
    lines.push(`AWS calls: ${r.calls.calls} (${r.calls.retries} retries, ${r.calls.throttled} throttled)${top.length ? `; most: ${top.join(', ')}` : ''}`);
  }
  if (r.planPath) lines.push(`Plan: ${r.planPath}`);
  if (r.backupPath) lines.push(`Backup: ${r.backupPath}`);
  if (r.journalPath) lines.push(`Journal: ${r.journalPath}${r.exitCode !== 0 && !r.dryRun ? ` (finish with: nova-cleanup resume ${r.journalPath})` : ''}`);
  return lines;
}

/**
 * What the deletes save by the hour, of what the price table prices: "Cost: saves about $3.03/hour
 * ($2,211.90/month at 730 h) of what was priced; 1 priced resource unknown (...)". A dry run: "would save".
 */
export function savingsLine(c: CostTotals, dryRun: boolean): string {
  const unknown = `${c.unknown} priced resource${c.unknown === 1 ? '' : 's'} unknown`;
  return (
    `Cost: ${dryRun ? 'would save' : 'saves'} about ${usd(c.hourly)}/hour (${usd(c.monthly)}/month at ${c.hoursPerMonth} h) of what was priced; ${unknown}` +
    ` (${c.prices.region} ${c.prices.terms} prices as of ${c.prices.asOf})`
  );
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export interface Paint {
  bold(s: string): string;
  status(status: Outcome['status'], s: string): string;
}

export const plain: Paint = { bold: (s) => s, status: (_st, s) => s };
