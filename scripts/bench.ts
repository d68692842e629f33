import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { LIMITS } from '../src/aws/throughput.js';
import type { Report } from '../src/model.js';
import { registry } from '../src/resources/index.js';
import { criticalPathAtRates, lowerBound, type Bound } from './lib/bench-bounds.js';
import { median, run, timeline, type Timeline } from './lib/bench-measure.js';
import { BENCH_REGIONS, WORKLOADS, type Inventory } from './lib/bench-worlds.js';
import { findMotoServer, motoAbsent, projectRoot, startMoto } from './lib/moto.js';
import { startProxy } from './lib/proxy.js';
import { clientConfig } from './lib/world.js';

/**
 * `npm run bench [-- W1 W4 …] [--out file.json]`: the speed-at-scale benchmark (BENCHMARK.md).
 *
 * Starts moto and a latency proxy in front of it (BENCH_LATENCY_MS, 25 ms a request: a stand-in for a
 * real network, recording when each request starts and ends), builds each workload straight on moto,
 * runs the built CLI through the proxy, and reports wall time, calls, peak memory, concurrency reached,
 * moto's share of the time, and each against the workload's lower bound (scripts/lib/bench-bounds.ts).
 * Sizes scale with BENCH_SCALE (1 = the issue's sizes; 0.05 for a quick check).
 */

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 25);
const BUILD_CONCURRENCY = Number(process.env.BENCH_BUILD_CONCURRENCY ?? 32);
const HELP_RUNS = Number(process.env.BENCH_HELP_RUNS ?? 9);
/** Where the bound looks for users of a global candidate (an IAM role): every enabled region (default), or only the run's. */
const GLOBAL_USERS = process.env.BENCH_GLOBAL_USERS ?? 'enabled';
if (GLOBAL_USERS !== 'enabled' && GLOBAL_USERS !== 'run') throw new Error('BENCH_GLOBAL_USERS must be enabled or run');
const ROOT = projectRoot();
const BIN = join(ROOT, 'bin', 'nova-cleanup.js');

const chosen: string[] = [];
let outFile: string | undefined;
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i] as string;
  if (a === '--out') {
    outFile = process.argv[++i];
    if (!outFile) throw new Error('--out needs a file name');
  } else chosen.push(a.toUpperCase());
}
const unknown = chosen.filter((id) => !WORKLOADS.some((w) => w.id === id));
if (unknown.length) throw new Error(`unknown workload ${unknown.join(', ')}: choose among ${WORKLOADS.map((w) => w.id).join(' ')}`);
const selected = chosen.length ? WORKLOADS.filter((w) => chosen.includes(w.id)) : WORKLOADS;
if (!Number.isFinite(SCALE) || SCALE <= 0) throw new Error('BENCH_SCALE must be a positive number');

const cliEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true', NO_COLOR: '1' };
  delete env.AWS_PROFILE;
  delete env.AWS_ENDPOINT_URL;
  return env;
};

/** The version scripts/setup-moto.sh pins (MOTO_VERSION="…"). */
function pinnedMotoVersion(): string | undefined {
  try {
    return /MOTO_VERSION="([^"]+)"/.exec(readFileSync(join(ROOT, 'scripts', 'setup-moto.sh'), 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

function motoVersion(): string {
  const server = findMotoServer();
  if (!server) return 'unknown';
  try {
    return execFileSync(join(dirname(server), 'python'), ['-c', 'import moto; print(moto.__version__)'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function enabledRegions(url: string): Promise<string[]> {
  const ec2 = new EC2Client(clientConfig(url, 'us-east-1'));
  try {
    const out = await ec2.send(new DescribeRegionsCommand({ AllRegions: false }));
    return (out.Regions ?? []).filter((r) => r.OptInStatus !== 'not-opted-in').flatMap((r) => (r.RegionName ? [r.RegionName] : []));
  } finally {
    ec2.destroy();
  }
}

interface Result {
  readonly id: string;
  readonly title: string;
  readonly world: string;
  readonly buildS: number;
  readonly command: string;
  readonly exitCode: number | null;
  readonly summary: Report['summary'] | undefined;
  readonly wallMs: number;
  readonly calls: number | undefined;
  readonly retries: number | undefined;
  readonly throttled: number | undefined;
  readonly topOperations: readonly [string, number][];
  /** Every operation's calls (the report's), most first: what two runs are compared by. */
  readonly operations: Readonly<Record<string, number>>;
  readonly deleteObjects: number;
  readonly objectEntries: number;
  readonly bound: Bound;
  readonly criticalPathMs: number;
  readonly criticalPathAtRates: { readonly ms: number; readonly limitedBy: string } | undefined;
  readonly maxRssMb: number | undefined;
  readonly timeline: Timeline;
  /** Wall time minus the time moto was busy, minus the time only the network stand-in was (see BENCHMARK.md). */
  readonly toolOnlyMs: number;
  readonly latencyOnlyMs: number;
  readonly stderrTail: string;
  /** Every resource the run reports as failed, with its error: a benchmark run is only valid when it is empty. */
  readonly failures: readonly { readonly arn: string; readonly error: string }[];
}

const s = (ms: number) => (ms / 1000).toFixed(2);
const x = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '–' : `${v.toFixed(2)}×`);
const mb = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(0));

const moto = await startMoto();
const proxy = await startProxy(moto.url, { latencyMs: LATENCY });
const results: Result[] = [];
try {
  const version = motoVersion();
  const pinned = pinnedMotoVersion();
  if (pinned && version !== pinned) console.log(`WARNING: moto ${version} is running, but scripts/setup-moto.sh pins ${pinned}: figures are not comparable (run bash scripts/setup-moto.sh)`);
  const regions = await enabledRegions(moto.url);
  const assumeAbsent = motoAbsent(registry.handlers.map((h) => h.type));
  const absentArgs = assumeAbsent.flatMap((t) => ['--assume-absent', t]);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, moto ${version}`);
  console.log(
    `scale ${SCALE}, latency ${LATENCY} ms a request, ${regions.length} regions enabled on moto (the bound looks for users of IAM roles in ${GLOBAL_USERS === 'run' ? "the run's 2" : `all ${regions.length}`}), ` +
      `${assumeAbsent.length} types assumed absent (moto cannot list them)`,
  );

  // Startup: `--help` against `node -e 0`, alternately, medians.
  const nodeMs: number[] = [];
  const helpMs: number[] = [];
  for (let i = 0; i < HELP_RUNS; i++) {
    nodeMs.push((await run(process.execPath, ['-e', '0'])).ms);
    helpMs.push((await run(process.execPath, [BIN, '--help'], { env: cliEnv() })).ms);
  }
  const help = { nodeMs: median(nodeMs), helpMs: median(helpMs), runs: HELP_RUNS };
  console.log(`startup: --help ${help.helpMs.toFixed(0)} ms, node -e 0 ${help.nodeMs.toFixed(0)} ms (medians of ${HELP_RUNS}): +${(help.helpMs - help.nodeMs).toFixed(0)} ms`);

  for (const w of selected) {
    await moto.reset();
    const t0 = performance.now();
    const inv: Inventory = await w.build({ url: moto.url, scale: SCALE, concurrency: BUILD_CONCURRENCY });
    const buildS = (performance.now() - t0) / 1000;
    console.log(`\n${w.id}: ${w.title}\n  world: ${inv.description} (built in ${buildS.toFixed(1)} s)`);

    const backupDir = await mkdtemp(join(tmpdir(), 'nova-bench-'));
    const args = ['--tag', 'project=bench', '--region', BENCH_REGIONS.join(','), '--yes', '--json', '--endpoint-url', proxy.url, '--backup-dir', backupDir, ...inv.args];
    proxy.clear();
    const cli = await run(process.execPath, [BIN, ...args, ...absentArgs], { env: cliEnv(), cwd: ROOT, rss: true });
    const records = proxy.requests();
    await rm(backupDir, { recursive: true, force: true });

    let report: Report | undefined;
    try {
      report = JSON.parse(cli.stdout) as Report;
    } catch {
      report = undefined;
    }
    const discoveryAt = inv.args.indexOf('--discovery');
    const bound = lowerBound(inv.items, {
      handlers: registry.handlers,
      usersOf: (t) => registry.usersOf(t),
      limits: LIMITS as unknown as Record<string, Record<string, unknown>>,
      regions: BENCH_REGIONS,
      enabledRegions: GLOBAL_USERS === 'run' ? BENCH_REGIONS : regions,
      discovery: (discoveryAt >= 0 ? inv.args[discoveryAt + 1] : 'tagging') as 'tagging' | 'list' | 'both',
      dryRun: inv.args.includes('--dry-run'),
      assumeAbsent: new Set(assumeAbsent),
    });
    const tl = timeline(records, LATENCY, cli);
    const byOp = report?.calls?.byOperation ?? {};
    const objectEntries = inv.items.reduce((a, i) => a + Object.values(i.versionsByPrefix ?? {}).reduce((p, q) => p + q, 0), 0);
    const r: Result = {
      id: w.id,
      title: w.title,
      world: inv.description,
      buildS,
      command: `nova-cleanup ${args.map((a) => (a === proxy.url ? '<proxy url>' : a === backupDir ? '<tmp>' : a)).join(' ')} ${absentArgs.length ? `(+ --assume-absent for the ${assumeAbsent.length} types moto cannot list)` : ''}`.trim(),
      exitCode: cli.code,
      summary: report?.summary,
      wallMs: cli.ms,
      calls: report?.calls?.calls,
      retries: report?.calls?.retries,
      throttled: report?.calls?.throttled,
      topOperations: Object.entries(byOp).sort((a, b) => b[1] - a[1]).slice(0, 8),
      operations: Object.fromEntries(Object.entries(byOp).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))),
      deleteObjects: byOp['s3:DeleteObjects'] ?? records.filter((q) => q.operation === 'DeleteObjects').length,
      objectEntries,
      bound,
      criticalPathMs: bound.rounds * LATENCY,
      criticalPathAtRates: criticalPathAtRates(bound, LIMITS as unknown as Record<string, Record<string, unknown>>, LATENCY),
      maxRssMb: cli.maxRssMb,
      timeline: tl,
      toolOnlyMs: Math.max(0, cli.ms - tl.inFlightMs),
      latencyOnlyMs: Math.max(0, tl.inFlightMs - tl.motoBusyMs),
      stderrTail: cli.stderr.trim().split('\n').slice(-5).join('\n'),
      failures: (report?.resources ?? []).filter((o) => o.status === 'failed').map((o) => ({ arn: o.arn, error: o.error ?? '(no error given)' })),
    };
    results.push(r);
    printDetail(r);
  }

  console.log('\n## Results\n');
  console.log(
    '| workload | exit | wall s | calls | min calls | calls / min | critical path s (at ' +
      `${LATENCY} ms) | wall / critical path | (wall − moto busy) / critical path | critical path at rates s | peak RSS MiB | max in flight | moto busy s (Σ moto s) | network-only s | tool-only s |`,
  );
  console.log(`| ${Array.from({ length: 15 }, () => '---').join(' | ')} |`);
  for (const r of results) {
    console.log(
      `| ${r.id} | ${r.exitCode} | ${s(r.wallMs)} | ${r.calls ?? '–'} | ${r.bound.minCalls} | ${x(r.calls === undefined ? undefined : r.calls / r.bound.minCalls)} | ${s(r.criticalPathMs)} | ` +
        `${x(r.wallMs / r.criticalPathMs)} | ${x((r.wallMs - r.timeline.motoBusyMs) / r.criticalPathMs)} | ${r.criticalPathAtRates ? s(r.criticalPathAtRates.ms) : 'n/a'} | ${mb(r.maxRssMb)} | ` +
        `${r.timeline.maxInFlight} | ${s(r.timeline.motoBusyMs)} (${s(r.timeline.motoSumMs)}) | ${s(r.latencyOnlyMs)} | ${s(r.toolOnlyMs)} |`,
    );
  }
  console.log(`\nstartup: \`nova-cleanup --help\` ${help.helpMs.toFixed(0)} ms, \`node -e 0\` ${help.nodeMs.toFixed(0)} ms (medians of ${help.runs})`);

  // The issue's targets.
  console.log('\n## Targets\n');
  const targets: [string, boolean | undefined, string][] = [];
  for (const r of results) {
    const ratio = r.calls === undefined ? undefined : r.calls / r.bound.minCalls;
    targets.push([`${r.id} calls within 1.1 × the minimum`, ratio === undefined ? undefined : ratio <= 1.1, `${r.calls ?? '?'} / ${r.bound.minCalls} = ${x(ratio)}`]);
    targets.push([`${r.id} wall within 1.25 × the critical path`, r.wallMs <= 1.25 * r.criticalPathMs, `${s(r.wallMs)} s / ${s(r.criticalPathMs)} s = ${x(r.wallMs / r.criticalPathMs)}`]);
    if (r.objectEntries >= 1000 || r.id === 'W2') {
      const allowed = 1.02 * Math.ceil(r.objectEntries / 1000);
      targets.push([`${r.id} DeleteObjects within 1.02 × ⌈entries / 1,000⌉`, r.deleteObjects <= allowed, `${r.deleteObjects} for ${r.objectEntries} entries (at most ${allowed.toFixed(1)})`]);
    }
    // The issue's 150 MB are 150 × 10⁶ bytes (143.05 MiB); the peak is measured in KiB.
    if (r.id === 'W1') {
      const mbDecimal = r.maxRssMb === undefined ? undefined : (r.maxRssMb * 1024 * 1024) / 1e6;
      targets.push(['W1 peak memory under 150 MB', mbDecimal === undefined ? undefined : mbDecimal < 150, `${mb(r.maxRssMb)} MiB = ${mbDecimal?.toFixed(0) ?? '?'} MB`]);
    }
  }
  targets.push(['`--help` within 150 ms of `node -e 0`', help.helpMs - help.nodeMs <= 150, `+${(help.helpMs - help.nodeMs).toFixed(0)} ms`]);
  for (const [what, ok, detail] of targets) console.log(`- ${ok === undefined ? '?' : ok ? 'met' : 'MISSED'}: ${what}: ${detail}`);
  if (SCALE !== 1) console.log(`\n(scale ${SCALE}: the targets are set for scale 1)`);

  if (outFile) {
    const doc = { date: new Date().toISOString(), globalUsers: GLOBAL_USERS, machine: { cpus: cpus().length, model: cpus()[0]?.model, memGiB: totalmem() / 2 ** 30, node: process.version }, moto: version, scale: SCALE, latencyMs: LATENCY, enabledRegions: regions.length, help, limits: LIMITS, results };
    await writeFile(outFile, `${JSON.stringify(doc, null, 2)}\n`);
    console.log(`\nwrote ${outFile}`);
  }
  if (results.some((r) => r.exitCode !== 0)) process.exitCode = 1;
} finally {
  await proxy.stop();
  await moto.stop();
}

function printDetail(r: Result): void {
  const t = r.timeline;
  const sum = r.summary ? Object.entries(r.summary).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(', ') : 'no report';
  console.log(`  run: exit ${r.exitCode} (${sum}), ${s(r.wallMs)} s, peak RSS ${mb(r.maxRssMb)} MiB`);
  if (r.exitCode !== 0 && r.stderrTail) console.log(`  stderr: ${r.stderrTail.replace(/\n/g, '\n          ')}`);
  for (const f of r.failures) console.log(`  FAILED: ${f.arn}: ${f.error}`);
  console.log(`  calls: ${r.calls ?? '?'} (${r.retries ?? '?'} retries, ${r.throttled ?? '?'} throttled; ${t.requests} requests at the proxy, ${t.errors} HTTP errors); top: ${r.topOperations.map(([op, n]) => `${op} ${n}`).join(', ')}`);
  console.log(`  lower bound: ${r.bound.minCalls} calls (${Object.entries(r.bound.calls).map(([k, v]) => `${k} ${v}`).join('; ')})`);
  console.log(`  critical path: ${r.bound.rounds} round trips = ${s(r.criticalPathMs)} s at ${LATENCY} ms (${Object.entries(r.bound.roundsDetail).map(([k, v]) => `${k} ${v}`).join(', ')})`);
  console.log(`  at published rates: ${r.criticalPathAtRates ? `${s(r.criticalPathAtRates.ms)} s (${r.criticalPathAtRates.limitedBy})` : 'n/a (the table gives no request rate for every lane)'}`);
  console.log(`  concurrency: max ${t.maxInFlight} in flight; by service ${Object.entries(t.maxInFlightByService).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (t.errors) console.log(`  HTTP errors: ${Object.entries(t.errorsByOperation).map(([k, v]) => `${k} ×${v}`).join(', ')}`);
  const slowest = Object.entries(t.motoMsByOperation).slice(0, 4).map(([k, v]) => `${k} ${s(v)} s`).join(', ');
  console.log(`  moto's time by operation (Σ): ${slowest}`);
  console.log(
    `  idle (nothing in flight): ${s(t.leadInMs)} s before the first request, ${s(t.tailMs)} s after the last; longest gaps ` +
      (t.gaps.map((g) => `${s(g.ms)} s at ${s(g.atMs)} s before ${g.next}`).join(', ') || 'none'),
  );
  console.log(
    `  time: moto busy ${s(t.motoBusyMs)} s (Σ of its answer times ${s(t.motoSumMs)} s), network stand-in only ${s(r.latencyOnlyMs)} s, nothing in flight (the tool alone) ${s(r.toolOnlyMs)} s`,
  );
}
