import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnCli } from './harness.js';

/**
 * bin/nova-cleanup.js runs the CLI in a child Node process with V8's memory-saving flag. These tests look
 * at that child through /proc (Linux, as CI is): it has the flag; a signal sent to the launcher alone
 * reaches it, once, even when the terminal's copy arrives too; and it dies with the launcher.
 *
 * The CLI is pointed at an endpoint that accepts connections and never answers, so that it waits in its
 * first call (STS GetCallerIdentity) for as long as a test needs; no AWS answer is involved.
 */

let server: Server;
let sockets: Socket[];
let endpoint: string;

beforeEach(async () => {
  sockets = [];
  server = createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  endpoint = `http://127.0.0.1:${address.port}`;
});
afterEach(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const alive = (pid: number): boolean => existsSync(`/proc/${pid}`) && !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
const childrenOf = (pid: number): number[] =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
const environOf = (pid: number): string[] => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
const until = async (what: string, ok: () => boolean, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/** A signal, then the same signal again after the CLI's 250 ms for "one keypress, delivered twice". */
async function twoSignals(p: { kill(signal: NodeJS.Signals): boolean }, signal: NodeJS.Signals): Promise<void> {
  p.kill(signal);
  await new Promise((resolve) => setTimeout(resolve, 400));
  p.kill(signal);
}

/** Starts a run that waits in its first call, and returns the launcher, its CLI child and the result. */
async function waitingRun(env?: Record<string, string>) {
  const { child: launcher, done } = spawnCli(['--tag', 'project=x', '--region', 'us-east-1', '--dry-run', '--endpoint-url', endpoint], { launcher: true, ...(env ? { env } : {}) });
  const pid = launcher.pid;
  if (pid === undefined) throw new Error('the launcher did not start');
  // The CLI is waiting once its first call has reached the endpoint.
  await until('the CLI sends its first call', () => sockets.length > 0);
  const kids = childrenOf(pid);
  expect(kids).toHaveLength(1);
  return { launcher, pid, cli: kids[0] as number, done };
}

describe.runIf(process.platform === 'linux')('the launcher (bin/nova-cleanup.js)', () => {
  it('runs the CLI in one child process started with --optimize-for-size', async () => {
    const { launcher, cli, done } = await waitingRun();
    const argv = readFileSync(`/proc/${cli}/cmdline`, 'utf8').split('\0');
    expect(argv).toContain('--optimize-for-size');
    expect(argv).toContain('--dry-run');
    // glibc returns blocks of 32 KB and more to the system when they are freed (see the launcher).
    expect(environOf(cli)).toContain('MALLOC_MMAP_THRESHOLD_=32768');
    // The CLI's exit code is the launcher's: a second SIGTERM quits at once with 130 (the first only
    // stops new work, and the run is waiting in a call that is never answered).
    await twoSignals(launcher, 'SIGTERM');
    expect((await done).code).toBe(130);
  });

  it("keeps the user's own MALLOC_MMAP_THRESHOLD_", async () => {
    const { launcher, cli, done } = await waitingRun({ MALLOC_MMAP_THRESHOLD_: '65536' });
    expect(environOf(cli)).toContain('MALLOC_MMAP_THRESHOLD_=65536');
    expect(environOf(cli)).not.toContain('MALLOC_MMAP_THRESHOLD_=32768');
    await twoSignals(launcher, 'SIGTERM');
    expect((await done).code).toBe(130);
  });

  it('passes on a signal sent to it alone, and the CLI takes a second copy arriving at once as the same one', async () => {
    const { launcher, cli, done } = await waitingRun();
    // As a terminal's Ctrl-C does: the signal twice at once (here both through the launcher).
    launcher.kill('SIGINT');
    launcher.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(alive(cli), 'one Ctrl-C does not quit at once').toBe(true);
    // A second Ctrl-C, later: exit 130 at once.
    launcher.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    expect(r.stderr.match(/Ctrl-C \(SIGINT\) taken/g)).toHaveLength(1);
    expect(r.stderr).toMatch(/Ctrl-C \(SIGINT\) again: exiting now/);
  });

  it('the CLI dies with the launcher (kill -9)', async () => {
    const { launcher, cli, done } = await waitingRun();
    launcher.kill('SIGKILL');
    const r = await done;
    expect(r.signal).toBe('SIGKILL');
    await until('the CLI is gone too', () => !alive(cli), 5_000);
    expect(alive(cli)).toBe(false);
  });

  it('NOVA_CLEANUP_NO_RELAUNCH=1 runs the CLI in the launched process itself', async () => {
    const { child: launcher, done } = spawnCli(['--tag', 'project=x', '--region', 'us-east-1', '--dry-run', '--endpoint-url', endpoint], {
      env: { NOVA_CLEANUP_NO_RELAUNCH: '1' },
      launcher: true,
    });
    await until('the CLI sends its first call', () => sockets.length > 0);
    expect(childrenOf(launcher.pid as number)).toEqual([]);
    await twoSignals(launcher, 'SIGTERM');
    expect((await done).code).toBe(130);
  });
});
