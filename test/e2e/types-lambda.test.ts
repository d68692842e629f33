import { CreateEventSourceMappingCommand, ListEventSourceMappingsCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Factory } from '../../scripts/lib/factory.js';
import { clientConfig } from '../../scripts/lib/world.js';
import type { Report } from '../../src/model.js';
import type { PlanDocument } from '../../src/plan/document.js';
import { describeWithMoto, runCli } from './harness.js';

const REGION = 'us-east-1';
const TAG = { project: 'fn-test' };
const TYPES = ['--include-type', 'lambda:function'];

/**
 * Lambda functions on moto, enough of them for the region's event source mappings to be read with one
 * listing instead of one per function: each function must still get exactly its own mappings.
 */
describeWithMoto('lambda:function on moto', (moto) => {
  let f: Factory;
  let sqs: SQSClient;
  let backupDir: string;
  const run = async (extra: string[]) => {
    const r = await runCli([...extra, '--tag', 'project=fn-test', '--region', REGION, ...TYPES, '--json'], { moto: moto() });
    expect(r.stderr).not.toMatch(/unexpected error/);
    return { ...r, report: JSON.parse(r.stdout) as Report };
  };
  const queue = async (name: string): Promise<string> => {
    const q = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.QueueUrl, AttributeNames: ['QueueArn'] }));
    return a.Attributes?.QueueArn ?? '';
  };
  const mapping = async (FunctionName: string, queueName: string) =>
    f.lambda(REGION).send(new CreateEventSourceMappingCommand({ FunctionName, EventSourceArn: await queue(queueName), BatchSize: 10 }));
  const mappingsLeft = async () =>
    ((await f.lambda(REGION).send(new ListEventSourceMappingsCommand({}))).EventSourceMappings ?? []).map((m) => (m.FunctionArn ?? '').split(':').pop() ?? '').sort();

  beforeEach(async () => {
    await moto().reset();
    f = new Factory(moto().url);
    sqs = new SQSClient(clientConfig(moto().url, REGION));
    backupDir = await mkdtemp(join(tmpdir(), 'nova-fn-'));
    const role = await f.role('fn-test-exec');
    for (const name of ['fn-a', 'fn-b', 'fn-c', 'fn-d']) await f.fn(name, role, REGION, TAG);
    await f.fn('fn-untagged', role, REGION);
    await mapping('fn-a', 'fn-a-jobs');
    await mapping('fn-b', 'fn-b-jobs');
    await mapping('fn-b', 'fn-b-retries');
    await mapping('fn-untagged', 'fn-untagged-jobs');
  });
  afterEach(() => {
    f.close();
    sqs.destroy();
  });

  it("the plan reads the region's mappings once and gives each function its own; --yes deletes them with their functions, the untagged one's stays", async () => {
    const out = join(backupDir, 'plan.json');
    const dry = await run(['plan', '--out', out]);
    expect(dry.code).toBe(0);
    const plan = JSON.parse(await readFile(out, 'utf8')) as PlanDocument;
    const mappings = Object.fromEntries(plan.items.map((i) => [i.ref.name, i.children.filter((c) => c.kind === 'event-source-mapping').length]));
    expect(mappings).toEqual({ 'fn-a': 1, 'fn-b': 2, 'fn-c': 0, 'fn-d': 0 });
    // Four functions: one listing of the region's mappings, not one per function.
    expect(dry.report.calls?.byOperation['lambda:ListEventSourceMappings']).toBe(1);
    expect(await mappingsLeft()).toEqual(['fn-a', 'fn-b', 'fn-b', 'fn-untagged']);

    const { code, report } = await run(['--yes', '--backup-dir', backupDir]);
    expect(report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(code).toBe(0);
    expect(report.resources.filter((o) => o.status === 'deleted').map((o) => o.name).sort()).toEqual(['fn-a', 'fn-b', 'fn-c', 'fn-d']);
    expect(await mappingsLeft()).toEqual(['fn-untagged']);
    const left = (await f.lambda(REGION).send(new ListFunctionsCommand({}))).Functions?.map((x) => x.FunctionName);
    expect(left).toEqual(['fn-untagged']);
  });
});
