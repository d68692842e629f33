import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { findMotoServer, motoAbsent, projectRoot, startMoto, type Moto } from '../../scripts/lib/moto.js';
import { registry } from '../../src/resources/index.js';

export const ROOT = projectRoot();
const BIN = join(ROOT, 'bin', 'nova-cleanup.js');

export interface CliResult {
  readonly code: number | null;
  /** The signal that ended it, when one did (SIGKILL). */
  readonly signal?: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the built CLI as a user would: a child process, no terminal (stdin is not a TTY), pointed at
 * moto through the SDK's own AWS_ENDPOINT_URL unless the test passes --endpoint-url itself.
 */
export function runCli(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  return spawnCli(args, opts).done;
}

export interface CliOptions {
  readonly moto?: Moto | undefined;
  /** Send every call here instead of moto's own URL (a proxy in front of moto). */
  readonly endpoint?: string | undefined;
  readonly env?: Record<string, string | undefined>;
  readonly cwd?: string;
  /**
   * Add `--assume-absent` for the types moto cannot list (default: on for `clean` and `plan` runs
   * against moto). Off: the run lists them, and their failed listing is reported.
   */
  readonly assumeAbsent?: boolean;
  /**
   * Start it through the launcher as a user's shell does (`node bin/nova-cleanup.js`: a second process
   * runs the CLI). Default: in one process, with the flag the launcher would add (its own tests in
   * launcher.test.ts), which saves a Node start per run.
   */
  readonly launcher?: boolean;
}

/** Starts the CLI and returns at once: the child (to signal it) and its result once it has exited. */
export function spawnCli(args: readonly string[], opts: CliOptions = {}): { child: ChildProcess; done: Promise<CliResult> } {
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does)');
  // The machine's own profile never takes part; a test may still set AWS_PROFILE in opts.env.
  const { AWS_PROFILE: _ignored, ...inherited } = process.env;
  const env: Record<string, string | undefined> = {
    ...inherited,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    NO_COLOR: '1',
    ...(opts.moto ? { AWS_ENDPOINT_URL: opts.moto.url } : {}),
    ...(opts.endpoint ? { AWS_ENDPOINT_URL: opts.endpoint } : {}),
    ...opts.env,
  };
  // `undefined` in opts.env removes a variable (an empty one is not the same as none to the SDK).
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const command = args[0] && !args[0].startsWith('-') ? args[0] : 'clean';
  const assume = (opts.moto || opts.endpoint || args.includes('--endpoint-url')) && opts.assumeAbsent !== false && (command === 'clean' || command === 'plan' || command === 'tag');
  const argv = assume ? [...args, ...MOTO_ABSENT.flatMap((t) => ['--assume-absent', t])] : [...args];
  const child = spawn(process.execPath, [...(opts.launcher ? [] : ['--optimize-for-size']), BIN, ...argv], { cwd: opts.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const done = new Promise<CliResult>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/**
 * A describe block with its own moto server, started once for the file. Without moto the block is
 * skipped on a developer machine and fails in CI (CI=true): there the end-to-end tests are required.
 */
export function describeWithMoto(name: string, body: (moto: () => Moto) => void): void {
  const server = findMotoServer();
  if (!server && process.env.CI !== 'true') {
    describe.skip(`${name} (moto_server not found: run bash scripts/setup-moto.sh)`, () => body(() => undefined as never));
    return;
  }
  describe(name, () => {
    let moto: Moto | undefined;
    beforeAll(async () => {
      if (!server) throw new Error('moto_server not found, and CI requires the end-to-end tests: run bash scripts/setup-moto.sh');
      moto = await startMoto(server);
    });
    afterAll(async () => {
      await moto?.stop();
    });
    body(() => {
      if (!moto) throw new Error('moto did not start');
      return moto;
    });
  });
}

export const MOTO_ABSENT: readonly string[] = motoAbsent(registry.handlers.map((h) => h.type));

/** Kept for the tests that said so explicitly: the assumption runCli now adds to every run on moto. */
export const MOTO_UNLISTABLE: readonly string[] = [];
