import { BedrockClient, CreateModelCustomizationJobCommand } from '@aws-sdk/client-bedrock';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Factory } from '../../scripts/lib/factory.js';
import { clientConfig, snapshot } from '../../scripts/lib/world.js';
import type { Report } from '../../src/model.js';
import { describeWithMoto, runCli } from './harness.js';

/**
 * Bedrock custom models and customization jobs on moto 5.2.5: moto answers every Get and List of them
 * with timestamps the JavaScript SDK cannot parse (`2026-12-01 21:33:01`, not RFC 3339), so on moto the
 * types can only show that an answer the tool cannot read never leads to a delete: what the unreadable
 * resources may use is held back and the run exits 1. Their delete paths (stop, retained, delete) are
 * tested with mocks (test/unit/resources/bedrock-*.test.ts).
 */
describeWithMoto('bedrock on moto: unreadable answers never lead to a delete', (moto) => {
  let f: Factory;
  let backupDir: string;

  beforeEach(async () => {
    await moto().reset();
    f = new Factory(moto().url);
    backupDir = await mkdtemp(join(tmpdir(), 'nova-bedrock-'));
  });
  afterEach(() => f.close());

  it('a tagged customization job moto answers unreadably: its role is held back, nothing is stopped or deleted, exit 1', async () => {
    const role = await f.role('bedrock-e2e-exec', { project: 'bedrock-e2e' });
    const bedrock = new BedrockClient(clientConfig(moto().url, 'us-east-1'));
    try {
      await bedrock.send(
        new CreateModelCustomizationJobCommand({
          jobName: 'bedrock-e2e-train',
          customModelName: 'bedrock-e2e-model',
          roleArn: role,
          baseModelIdentifier: 'amazon.nova-micro-v1:0:128k',
          trainingDataConfig: { s3Uri: 's3://nova-data/train.jsonl' },
          outputDataConfig: { s3Uri: 's3://nova-data/out/' },
          hyperParameters: { epochCount: '1' },
          jobTags: [{ key: 'project', value: 'bedrock-e2e' }],
          customModelTags: [{ key: 'project', value: 'bedrock-e2e' }],
        }),
      );
    } finally {
      bedrock.destroy();
    }
    const types = ['bedrock:model-customization-job', 'bedrock:custom-model', 'iam:role'].flatMap((t) => ['--include-type', t]);
    const r = await runCli(['--tag', 'project=bedrock-e2e', '--region', 'us-east-1', '--discovery', 'list', ...types, '--yes', '--json', '--backup-dir', backupDir], { moto: moto() });
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.resources.filter((o) => o.status === 'failed').map((o) => o.type).sort()).toEqual(['bedrock:custom-model', 'bedrock:model-customization-job']);
    expect(report.resources.find((o) => o.name === 'bedrock-e2e-exec')).toMatchObject({ status: 'skipped', rule: 'held-back' });
    expect(report.summary.deleted).toBe(0);
    expect((await snapshot(moto().url)).roles).toEqual(['bedrock-e2e-exec']);
  });
});
