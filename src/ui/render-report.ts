import type { Outcome, Report } from '../model.js';

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
  if (r.calls) {
    const top = Object.entries(r.calls.byOperation).sort((a, b) => b[1] - a[1] || cmp(a[0], b[0])).slice(0, 5).map(([op, n]) => `${op} ${n}`);
    lines.push(`AWS calls: ${r.calls.calls} (${r.calls.retries} retries, ${r.calls.throttled} throttled)${top.length ? `; most: ${top.join(', ')}` : ''}`);
  }
  if (r.planPath) lines.push(`Plan: ${r.planPath}`);
  if (r.backupPath) lines.push(`Backup: ${r.backupPath}`);
  if (r.journalPath) lines.push(`Journal: ${r.journalPath}${r.exitCode !== 0 && !r.dryRun ? ` (finish with: nova-cleanup resume ${r.journalPath})` : ''}`);
  return lines;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export interface Paint {
  bold(s: string): string;
  status(status: Outcome['status'], s: string): string;
}

export const plain: Paint = { bold: (s) => s, status: (_st, s) => s };
