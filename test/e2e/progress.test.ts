import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, expect, it } from 'vitest';
import { buildWorld, CLEANED, snapshot, type World } from '../../scripts/lib/world.js';
import type { Report } from '../../src/model.js';
import { describeWithMoto, runCli } from './harness.js';

const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;

describeWithMoto('progress without a terminal, and the plan table', (moto) => {
  let world: World;
  let backupDir: string;
  const tagArgs = () => ['--tag', `${world.tagKey}=${world.tagValue}`, '--region', 'us-east-1'];

  beforeEach(async () => {
    await moto().reset();
    world = await buildWorld({ endpoint: moto().url, objectVersions: 1500 });
    backupDir = await mkdtemp(join(tmpdir(), 'nova-progress-'));
  });

  it('a piped run prints one timestamped line per event, no control characters, each resource done once', async () => {
    const r = await runCli([...tagArgs(), '--yes', '--json', '--backup-dir', backupDir], { moto: moto() });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(await snapshot(moto().url)).toEqual(CLEANED);

    // eslint-disable-next-line no-control-regex -- control characters are what it looks for
    expect(r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    const events = r.stderr.split('\n').filter((l) => STAMP.test(l));
    const text = events.map((l) => l.replace(STAMP, ''));
    // Timestamps never go back.
    const times = events.map((l) => Date.parse(l.slice(0, 24)));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(text[0]).toBe(`deleting ${world.tagged.length} resources in 4 layers`);
    expect(text.at(-1)).toMatch(new RegExp(`^deletes finished in \\d+s: ${world.tagged.length} done, 0 failed of ${world.tagged.length}$`));
    for (const o of report.resources) {
      expect(text.filter((l) => l === `deleting ${o.type} ${o.name} (layer ${(o.layer ?? -1) + 1}, ${o.region})`), o.arn).toHaveLength(1);
      expect(text.filter((l) => l === `deleted ${o.type} ${o.name}`), o.arn).toHaveLength(1);
    }
    // The bucket's sweep is counted: of what it found, and at the end all of it.
    const counted = text.filter((l) => /^s3:bucket \S+: [\d,]+(\/| of at least )[\d,]+ object versions deleted$/.test(l));
    expect(counted.length).toBeGreaterThan(0);
    expect(counted.at(-1)).toMatch(/: ([\d,]+)\/\1 object versions deleted$/);
    expect(text.some((l) => /^waiting for AWS: sagemaker:endpoint \S+ \(up to 30m\)$/.test(l))).toBe(true);
    // Without --verbose no step is printed.
    expect(text.some((l) => l.startsWith('step '))).toBe(false);
  });

  it('the plan has a header row and explains the layer column; each resource is listed once', async () => {
    const r = await runCli([...tagArgs(), '--dry-run', '--backup-dir', backupDir], { moto: moto() });
    expect(r.code, r.stderr).toBe(0);
    const plan = r.stdout.slice(0, r.stdout.indexOf('Dry run: nothing was changed.'));
    expect(plan).toMatch(/^ {2}LAYER {2}NAME +REGION +(PER HOUR +)?ARN$/m);
    expect(plan).toContain('LAYER: the order of deletion. Layer 1 goes first: nothing in the plan uses it.');
    for (const arn of world.tagged) expect(plan.split(arn).length - 1, arn).toBe(1);
    // The endpoint goes first, the role it runs as last.
    expect(plan).toMatch(/^ +1 {2}\S+ +us-east-1 .*endpoint\/nova-demo-endpoint/m);
    expect(plan).toMatch(/^ +4 {2}\S+ +us-east-1 .*role\/.*nova-demo-exec/m);
  });
});
