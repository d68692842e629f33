import { spawnSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handlers } from '../src/resources/index.js';
import { findMotoServer, motoAbsentArgs, projectRoot, startMoto } from './lib/moto.js';
import { buildWorld, snapshot } from './lib/world.js';

/**
 * `npm run demo`: the main job, end to end, without an AWS account. Starts a local moto, creates a
 * small tagged MLOps-like environment with decoys, runs nova-cleanup with --dry-run and then --yes,
 * and shows the backup it wrote.
 */

const root = projectRoot();
const say = (s = '') => console.log(s);
const title = (s: string) => say(`\n\x1b[1m━━ ${s}\x1b[0m`);

function ensureMoto(): string {
  const found = findMotoServer();
  if (found) return found;
  say('moto (the local AWS emulator) is not installed yet: installing it into .moto/ (about a minute) ...');
  const r = spawnSync('bash', [join(root, 'scripts', 'setup-moto.sh')], { stdio: 'inherit' });
  const now = findMotoServer();
  if (r.status !== 0 || !now) throw new Error('could not install moto; run bash scripts/setup-moto.sh and try again');
  return now;
}

/** The types the emulator cannot list: each run says there are none (`--assume-absent`), as a user would. */
const ABSENT = motoAbsentArgs(handlers.map((h) => h.type));

function cli(args: string[], env: Record<string, string>): Promise<number> {
  say(`\n$ nova-cleanup ${args.join(' ')} --assume-absent … (the ${ABSENT.length / 2} types the emulator cannot list)`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'nova-cleanup.js'), ...args, ...ABSENT], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, ...env },
    });
    child.on('error', reject);
    child.on('close', (code) => {
      say(`(exit code ${code})`);
      resolve(code ?? 1);
    });
  });
}

const moto = await startMoto(ensureMoto());
try {
  title(`A local AWS emulator is running at ${moto.url}`);
  const world = await buildWorld({ endpoint: moto.url });
  say(`Created ${world.tagged.length} resources tagged ${world.tagKey}=${world.tagValue}:`);
  for (const arn of world.tagged) say(`  ${arn}`);
  say(`and ${world.decoys.length} decoys that must survive (untagged, another tag value, same name prefix):`);
  say(`  ${world.decoys.join(', ')}`);

  const env = {
    AWS_ENDPOINT_URL: moto.url,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: world.region,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  delete process.env.AWS_PROFILE;
  const backupDir = await mkdtemp(join(tmpdir(), 'nova-cleanup-demo-'));
  const tag = `${world.tagKey}=${world.tagValue}`;

  title('1. Look first: --dry-run changes nothing and writes no backup');
  await cli(['--tag', tag, '--region', world.region, '--dry-run'], env);

  title('2. Delete: --yes (as in CI); the backup is written before the first delete');
  const code = await cli(['--tag', tag, '--region', world.region, '--yes', '--backup-dir', backupDir], env);

  say('\n(The warnings are the emulator\'s quirks: moto wraps an endpoint config\'s Tagging API ARN as "(\'arn:…\',)", serves no Lambda package, and has no policy simulator.)');

  title('3. The backup');
  for (const f of (await readdir(backupDir)).sort()) {
    const path = join(backupDir, f);
    if (f.endsWith('.json')) {
      const doc = JSON.parse(await readFile(path, 'utf8')) as { plan: { items: unknown[]; digest: string }; resources: { type: string; arn: string; config: object }[] };
      say(`${path}: the approved plan (${doc.plan.items.length} items, ${doc.plan.digest.slice(0, 19)}…) and ${doc.resources.length} resources' configuration`);
      for (const r of doc.resources) say(`  ${r.type.padEnd(28)} ${r.arn}  (${Object.keys(r.config).length} configuration fields)`);
    } else {
      say(`${path}: the journal, one line per step of each delete (what \`nova-cleanup resume\` reads)`);
    }
  }

  title('4. What is left in the account: only the decoys');
  const left = await snapshot(moto.url, world.region);
  for (const [family, items] of Object.entries(left)) say(`  ${family.padEnd(10)} ${items.length ? items.join(', ') : '-'}`);

  title('5. A second run finds nothing to do');
  await cli(['--tag', tag, '--region', world.region, '--yes', '--backup-dir', backupDir], env);
  process.exitCode = code;
} finally {
  await moto.stop();
}
