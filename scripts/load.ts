import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../src/model.js';
import { registry } from '../src/resources/index.js';
import { run } from './lib/bench-measure.js';
import { BENCH_REGIONS, WORKLOADS } from './lib/bench-worlds.js';
import { motoAbsent, projectRoot, startMoto } from './lib/moto.js';
import { startProxy } from './lib/proxy.js';

/**
 * `npm run load`: one cleanup of 2,000 tagged resources and 2,000 decoys in two regions (the benchmark's
 * W1 world at twice its size), through a proxy that adds 50 ms to every request and throttles 30% of
 * them with each service's own error. It must end with exit 0, every tagged resource gone (a second,
 * fault-free dry run with list discovery finds none), every decoy that carries another tag value still
 * there, and a peak memory under 200 MB. Exits 1 when any of that fails.
 * Knobs: LOAD_SCALE (2), LOAD_LATENCY_MS (50), LOAD_THROTTLE (0.3), LOAD_SEED (7).
 */

const SCALE = Number(process.env.LOAD_SCALE ?? 2);
const LATENCY = Number(process.env.LOAD_LATENCY_MS ?? 50);
const THROTTLE = Number(process.env.LOAD_THROTTLE ?? 0.3);
const SEED = Number(process.env.LOAD_SEED ?? 7);
const MEMORY_MB = 200;
const BIN = join(projectRoot(), 'bin', 'nova-cleanup.js');

const env = (): NodeJS.ProcessEnv => {
  const e: NodeJS.ProcessEnv = { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true', NO_COLOR: '1' };
  delete e.AWS_PROFILE;
  delete e.AWS_ENDPOINT_URL;
  return e;
};
const absent = motoAbsent(registry.handlers.map((h) => h.type)).flatMap((t) => ['--assume-absent', t]);
const w1 = WORKLOADS.find((w) => w.id === 'W1');
if (!w1) throw new Error('the W1 world is missing from scripts/lib/bench-worlds.ts');

const moto = await startMoto();
const faulty = await startProxy(moto.url, { latencyMs: LATENCY });
const clean = await startProxy(moto.url);
const problems: string[] = [];
try {
  const t0 = performance.now();
  const inv = await w1.build({ url: moto.url, scale: SCALE, concurrency: 32 });
  const tagged = inv.items.filter((i) => i.tagged).length;
  console.log(`world: ${inv.description} (built in ${((performance.now() - t0) / 1000).toFixed(0)} s)`);

  // Read without faults: the decoys with another tag value, before and after.
  const look = async (tag: string) => {
    const r = await run(process.execPath, [BIN, '--tag', tag, '--region', BENCH_REGIONS.join(','), '--dry-run', '--json', '--discovery', 'list', '--endpoint-url', clean.url, ...absent], { env: env() });
    return JSON.parse(r.stdout) as Report;
  };
  const decoysBefore = (await look('project=bench-other')).resources.length;

  const throttles = faulty.throttle(THROTTLE, { seed: SEED });
  const dir = await mkdtemp(join(tmpdir(), 'nova-load-'));
  const args = ['--tag', 'project=bench', '--region', BENCH_REGIONS.join(','), '--yes', '--json', '--endpoint-url', faulty.url, '--backup-dir', dir, ...absent];
  const cli = await run(process.execPath, [BIN, ...args], { env: env(), rss: true });
  await rm(dir, { recursive: true, force: true });
  const report = JSON.parse(cli.stdout) as Report;
  const requests = faulty.requests().length;
  console.log(
    `run: exit ${cli.code} in ${(cli.ms / 1000).toFixed(1)} s, peak RSS ${cli.maxRssMb?.toFixed(0) ?? '?'} MiB; ${requests} requests, ${throttles.hits} throttled by the proxy ` +
      `(${(LATENCY).toFixed(0)} ms each); the CLI counted ${report.calls?.retries ?? '?'} retries; summary ${JSON.stringify(report.summary)}`,
  );
  if (cli.code !== 0) problems.push(`exit ${cli.code}, not 0:\n${cli.stderr.trim().split('\n').slice(-8).join('\n')}`);
  // MEMORY_MB is in MB (10⁶ bytes); the peak is measured in KiB.
  const peakMb = cli.maxRssMb === undefined ? undefined : (cli.maxRssMb * 1024 * 1024) / 1e6;
  if (peakMb === undefined || peakMb >= MEMORY_MB) problems.push(`peak memory ${peakMb?.toFixed(0) ?? '?'} MB, not under ${MEMORY_MB} MB`);
  throttles.remove();

  // What is left, read without faults: nothing tagged; every decoy with another tag value.
  const left = await look('project=bench');
  const planned = left.resources.filter((r) => r.status === 'planned' || r.status === 'blocked' || r.status === 'failed');
  if (planned.length > 0) problems.push(`${planned.length} tagged resources are left: ${planned.slice(0, 5).map((r) => `${r.type} ${r.name} (${r.status})`).join(', ')}`);
  const decoysAfter = (await look('project=bench-other')).resources.length;
  console.log(`after: ${planned.length} of ${tagged} tagged left; decoys tagged project=bench-other: ${decoysAfter} of ${decoysBefore} (of ${inv.items.length - tagged} decoys; the others carry no tag)`);
  if (decoysBefore === 0 || decoysAfter !== decoysBefore) problems.push(`decoys tagged project=bench-other: ${decoysAfter} after the run, ${decoysBefore} before`);
} finally {
  await faulty.stop();
  await clean.stop();
  await moto.stop();
}
if (problems.length) {
  console.log(`\nFAILED:\n- ${problems.join('\n- ')}`);
  process.exitCode = 1;
} else console.log('\npassed: exit 0, nothing tagged left, decoys kept, memory under 200 MB');
