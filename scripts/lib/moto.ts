import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The SDK's notice that its releases after January 2027 need Node.js 22 is not these scripts' business
// (the CLI silences it too): every script that builds a world imports this module.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** A moto server (the AWS emulator) on 127.0.0.1, for the end-to-end tests, the demo and the benchmark. */
export interface Moto {
  readonly url: string;
  readonly port: number;
  /** Wipes every emulated resource. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** The project root: the nearest folder above this file with a package.json (works from src and dist). */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the project root');
    dir = up;
  }
  return dir;
}

/**
 * NOVA_MOTO_SERVER, else the project's own venv (.moto, made by scripts/setup-moto.sh, pinned to the
 * version the tests expect). A moto_server on PATH is not used: older versions answer the Tagging API
 * with HTTP 500 as soon as certain SageMaker resources exist.
 */
export function findMotoServer(): string | undefined {
  const fromEnv = process.env.NOVA_MOTO_SERVER;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  const local = join(projectRoot(), '.moto', 'bin', 'moto_server');
  return existsSync(local) ? local : undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function waitUntilUp(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${log()}`);
    try {
      const res = await fetch(`${url}/moto-api/reset`, { method: 'POST' });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not answer within 30 s: ${log()}`);
}

export async function startMoto(server = findMotoServer()): Promise<Moto> {
  if (!server) throw new Error('moto_server not found: run `bash scripts/setup-moto.sh` (or set NOVA_MOTO_SERVER)');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(server, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'false' },
  });
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => {
    tail = (tail + d.toString()).slice(-4000);
  });
  try {
    await waitUntilUp(url, child, () => tail);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    url,
    port,
    async reset() {
      const res = await fetch(`${url}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`moto reset failed: HTTP ${res.status}`);
    },
    stop() {
      return new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      });
    },
  };
}

/**
 * Types moto 5.2.5 cannot list (their List call answers HTTP 500: see shared/design/moto-coverage.md).
 * A real account lists them; on moto every run would hold back what they may use, and report their
 * listing as failed. So runs against moto say `--assume-absent` for each (the e2e harness, the demo and the benchmark add it): what the
 * option does is tested on its own, and these types are tested with mocks.
 */
const MOTO_CANNOT_LIST: readonly string[] = [
  'sagemaker:notebook-instance-lifecycle-config',
  'sagemaker:inference-component',
  'sagemaker:monitoring-schedule',
  'sagemaker:mlflow-tracking-server',
  'sagemaker:mlflow-app',
  'sagemaker:feature-group',
  'sagemaker:code-repository',
  'sagemaker:project',
  'sagemaker:hub',
  'bedrock:provisioned-model',
  'bedrock:custom-model-deployment',
  'bedrock:imported-model',
  'servicecatalog:provisioned-product',
  'codeconnections:connection',
];
/** The moto-unlistable types among `known` (the types of this build). */
export function motoAbsent(known: readonly string[]): string[] {
  return MOTO_CANNOT_LIST.filter((t) => known.includes(t));
}

/** `--assume-absent` for each of them: what a `clean`, `plan` or `tag` run against moto adds. */
export const motoAbsentArgs = (known: readonly string[]): string[] => motoAbsent(known).flatMap((t) => ['--assume-absent', t]);
