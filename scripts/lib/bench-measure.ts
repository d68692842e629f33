import { spawn } from 'node:child_process';
import type { RecordedRequest } from './proxy.js';

/**
 * What the benchmark measures of one CLI run, from the latency proxy's records (each request's arrival,
 * end, and moto's own time) and from /usr/bin/time (the CLI process's peak resident memory).
 */

export interface Timeline {
  readonly requests: number;
  /** Most requests in flight at once at the proxy, overall, per service and per (service, region). */
  readonly maxInFlight: number;
  readonly maxInFlightByService: Readonly<Record<string, number>>;
  readonly maxInFlightByLane: Readonly<Record<string, number>>;
  /** Sum of moto's answer times (request forwarded → answer headers). */
  readonly motoSumMs: number;
  /** Time during which moto was answering at least one request (union of those intervals). */
  readonly motoBusyMs: number;
  /** Time during which at least one request was in flight at the proxy (union of arrival → end). */
  readonly inFlightMs: number;
  /** Requests whose answer was an HTTP error (throttling, not found...). */
  readonly errors: number;
  /** The same, by `service:Operation status`. */
  readonly errorsByOperation: Readonly<Record<string, number>>;
  /** Moto's answer times summed per `service:Operation`, the largest first (ms). */
  readonly motoMsByOperation: Readonly<Record<string, number>>;
  /** From the process start to the first request, and from the last answer to the process's exit (ms). */
  readonly leadInMs: number;
  readonly tailMs: number;
  /** The longest stretches with nothing in flight between requests: how long, and what came next. */
  readonly gaps: readonly { readonly ms: number; readonly atMs: number; readonly next: string }[];
}

type Interval = readonly [number, number];

/** Total length of the union of intervals. */
export function unionMs(intervals: readonly Interval[]): number {
  const sorted = [...intervals].filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let cur: [number, number] | undefined;
  for (const [a, b] of sorted) {
    if (!cur || a > cur[1]) {
      if (cur) total += cur[1] - cur[0];
      cur = [a, b];
    } else if (b > cur[1]) cur[1] = b;
  }
  if (cur) total += cur[1] - cur[0];
  return total;
}

/** Most intervals open at once (an interval that ends where another starts does not overlap it). */
export function maxOverlap(intervals: readonly Interval[]): number {
  const events: [number, number][] = [];
  for (const [a, b] of intervals) events.push([a, 1], [b, -1]);
  events.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let open = 0;
  let max = 0;
  for (const [, d] of events) {
    open += d;
    max = Math.max(max, open);
  }
  return max;
}

/**
 * The proxy's records as a timeline. A request is in flight from its arrival (whole body in) to the end
 * of its answer; moto works on it from `arrival + latency` (the proxy's fixed delay) for `upstreamMs`.
 */
export function timeline(records: readonly RecordedRequest[], latencyMs: number, proc?: { readonly startedAt: number; readonly ms: number }): Timeline {
  const done = records.filter((r) => r.end !== undefined);
  const span = (r: RecordedRequest): Interval => [r.start, r.end as number];
  const group = (key: (r: RecordedRequest) => string) => {
    const m = new Map<string, Interval[]>();
    for (const r of done) m.set(key(r), [...(m.get(key(r)) ?? []), span(r)]);
    return Object.fromEntries([...m].map(([k, v]) => [k, maxOverlap(v)]).sort((a, b) => (b[1] as number) - (a[1] as number)));
  };
  const moto = done.filter((r) => r.upstreamMs !== undefined).map((r): Interval => [r.start + latencyMs, r.start + latencyMs + (r.upstreamMs as number)]);
  return {
    requests: records.length,
    maxInFlight: maxOverlap(done.map(span)),
    maxInFlightByService: group((r) => r.service || '?'),
    maxInFlightByLane: group((r) => `${r.service || '?'} ${r.region || '?'}`),
    motoSumMs: done.reduce((a, r) => a + (r.upstreamMs ?? 0), 0),
    motoBusyMs: unionMs(moto),
    inFlightMs: unionMs(done.map(span)),
    errors: done.filter((r) => (r.status ?? 0) >= 400).length,
    errorsByOperation: tally(done.filter((r) => (r.status ?? 0) >= 400), (r) => `${r.service}:${r.operation} ${r.status}`, () => 1),
    motoMsByOperation: tally(done, (r) => `${r.service}:${r.operation}`, (r) => r.upstreamMs ?? 0),
    ...idle(done, proc),
  };
}

/** Where nothing was in flight: before the first request, between requests, after the last one. */
function idle(done: readonly RecordedRequest[], proc: { readonly startedAt: number; readonly ms: number } | undefined) {
  const sorted = [...done].sort((a, b) => a.start - b.start);
  const first = sorted[0];
  if (!first) return { leadInMs: proc?.ms ?? 0, tailMs: 0, gaps: [] };
  const gaps: { ms: number; atMs: number; next: string }[] = [];
  let reach = first.end as number;
  for (const r of sorted.slice(1)) {
    if (r.start > reach) gaps.push({ ms: r.start - reach, atMs: reach - (proc?.startedAt ?? first.start), next: `${r.service}:${r.operation}` });
    reach = Math.max(reach, r.end as number);
  }
  gaps.sort((a, b) => b.ms - a.ms);
  return {
    leadInMs: proc ? first.start - proc.startedAt : 0,
    tailMs: proc ? Math.max(0, proc.startedAt + proc.ms - reach) : 0,
    gaps: gaps.slice(0, 3),
  };
}

function tally(rs: readonly RecordedRequest[], key: (r: RecordedRequest) => string, value: (r: RecordedRequest) => number): Record<string, number> {
  const m = new Map<string, number>();
  for (const r of rs) m.set(key(r), (m.get(key(r)) ?? 0) + value(r));
  return Object.fromEntries([...m].sort((a, b) => b[1] - a[1]));
}

export interface Spawned {
  readonly ms: number;
  /** Peak resident memory of the process, MiB (/usr/bin/time -f %M), when measured. */
  readonly maxRssMb: number | undefined;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** performance.timeOrigin-based start and end, on the proxy's clock. */
  readonly startedAt: number;
}

const now = () => performance.timeOrigin + performance.now();

/** Runs a command (through /usr/bin/time for its peak memory when `rss`), collecting its output. */
export function run(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; rss?: boolean } = {}): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const startedAt = now();
    const [file, argv] = opts.rss ? ['/usr/bin/time', ['-f', '%M', cmd, ...args]] : [cmd, [...args]];
    const child = spawn(file, argv, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = now() - startedAt;
      let maxRssMb: number | undefined;
      if (opts.rss) {
        // /usr/bin/time writes the KiB figure as stderr's last line.
        const lines = stderr.trimEnd().split('\n');
        const kib = Number(lines.pop());
        maxRssMb = Number.isFinite(kib) ? kib / 1024 : undefined;
        stderr = lines.join('\n');
      }
      resolve({ ms, maxRssMb, code, stdout, stderr, startedAt });
    });
  });
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
