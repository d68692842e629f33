import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { schemaFiles } from '../../scripts/schema.js';
import { projectRoot } from '../../scripts/lib/moto.js';
import { sealPlan, verifyPlan } from '../../src/backup/plan-file.js';
import type { ErrorReport, Report } from '../../src/model.js';
import type { PlanDocument } from '../../src/plan/document.js';
import { errorReportSchema, planSchema, reportSchema, runReportSchema } from '../../src/schema.js';
import { schemaProblems } from '../helpers/schema.js';

const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/nova-exec`;
const FN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:nova-etl`;

const report = (): Report => ({
  version: 2,
  tool: { name: 'nova-cleanup', version: '0.1.0' },
  command: 'clean',
  runId: 'c0ffee00-0000-4000-8000-000000000000',
  dryRun: false,
  account: ACCOUNT,
  principal: `arn:aws:iam::${ACCOUNT}:user/tester`,
  regions: ['us-east-1'],
  tagFilters: [{ key: 'project', values: ['nova'] }],
  interrupted: false,
  summary: { deleted: 1, failed: 1, skipped: 0, gone: 0, unsupported: 0, planned: 0, blocked: 0, retained: 0 },
  calls: { calls: 12, retries: 0, throttled: 0, byOperation: { 'iam:DeleteRole': 1 } },
  resources: [
    { arn: FN, type: 'lambda:function', region: 'us-east-1', name: 'nova-etl', status: 'deleted', rule: 'delete', layer: 0, uses: [ROLE] },
    { arn: ROLE, type: 'iam:role', region: 'us-east-1', name: 'nova-exec', status: 'failed', rule: 'delete-failed', layer: 1, uses: [], error: 'AccessDenied: no', errorCode: 'AccessDenied' },
  ],
  exitCode: 1,
  startedAt: '2025-01-02T03:04:05.678Z',
  durationMs: 1234,
});

const planBody = (): Omit<PlanDocument, 'digest'> => ({
  format: 'nova-cleanup-plan',
  version: 1,
  tool: { name: 'nova-cleanup', version: '0.1.0' },
  createdAt: '2025-01-02T03:04:05.678Z',
  account: ACCOUNT,
  principal: `arn:aws:iam::${ACCOUNT}:user/tester`,
  partition: 'aws',
  regions: ['us-east-1'],
  examinedRegions: ['us-east-1'],
  filters: [{ key: 'project', values: ['nova'] }],
  types: { include: [], exclude: [] },
  discovery: 'tagging',
  settings: { deleteSharedLogGroups: false, deleteStudioEfs: false, deleteOwnedLogGroups: false, assumeAbsent: [] },
  items: [
    {
      ref: { arn: ROLE, type: 'iam:role', region: 'us-east-1', account: ACCOUNT, partition: 'aws', name: 'nova-exec' },
      tags: { project: 'nova' },
      config: { RoleName: 'nova-exec' },
      uses: [],
      children: [{ kind: 'inline-policy', id: 'p' }],
      layer: 0,
      usedBy: [],
      usesInPlan: [],
      rule: 'delete',
      reason: 'matches',
    },
  ],
  notPlanned: [{ arn: FN, type: 'lambda:function', region: 'us-east-1', name: 'nova-etl', status: 'skipped', rule: 'tags-not-matching', reason: 'project=other' }],
  permissions: { status: 'unavailable', reason: 'simulation is not implemented' },
  usageCheck: { listings: 1, reads: 0, regions: 1 },
});

describe('the JSON Schema files', () => {
  it('are what `npm run schema` generates from the zod schemas (regenerate with npm run schema)', async () => {
    for (const [name, text] of Object.entries(schemaFiles())) {
      expect(await readFile(join(projectRoot(), 'schema', name), 'utf8'), `schema/${name} is out of date: run npm run schema`).toBe(text);
    }
  });

  it('say what the zod schemas say: strict objects, every --json document kind, and the plan', () => {
    const files = schemaFiles();
    const reportJson = JSON.parse(files['report.schema.json'] ?? '{}') as { anyOf: { additionalProperties: boolean; properties: Record<string, unknown> }[] };
    expect(reportJson.anyOf).toHaveLength(4);
    for (const kind of reportJson.anyOf) expect(kind.additionalProperties).toBe(false);
    expect(Object.keys(reportJson.anyOf[0]?.properties ?? {})).toEqual(expect.arrayContaining(['startedAt', 'durationMs', 'calls', 'resources']));
    const planJson = JSON.parse(files['plan.schema.json'] ?? '{}') as { required: string[]; additionalProperties: boolean };
    expect(planJson.additionalProperties).toBe(false);
    expect(planJson.required).toEqual(expect.arrayContaining(['format', 'items', 'digest']));
  });
});

describe('the report schema', () => {
  it('accepts a report as the type has it, and the union takes each kind', () => {
    expect(schemaProblems(runReportSchema, report())).toEqual([]);
    expect(schemaProblems(reportSchema, report())).toEqual([]);
    const error: ErrorReport = {
      version: 2,
      tool: { name: 'nova-cleanup', version: '0.1.0' },
      command: 'apply',
      startedAt: '2025-01-02T03:04:05.678Z',
      durationMs: 3,
      exitCode: 2,
      error: { code: 'input', message: 'plan.json was changed after it was made' },
    };
    expect(schemaProblems(errorReportSchema, error)).toEqual([]);
    expect(schemaProblems(reportSchema, error)).toEqual([]);
  });

  it('names the path of a typo, a wrong type and a missing field', () => {
    const r = report();
    const typo = { ...r, resources: [r.resources[0], { ...r.resources[1], stauts: 'failed' }] };
    expect(schemaProblems(runReportSchema, typo)).toEqual([expect.stringMatching(/^resources\.1: .*"stauts"/)]);
    const wrong = { ...r, resources: [{ ...r.resources[0], layer: 'first' }, r.resources[1]] };
    expect(schemaProblems(runReportSchema, wrong)).toEqual([expect.stringMatching(/^resources\.0\.layer: .*number/)]);
    const { durationMs: _d, ...missing } = r;
    expect(schemaProblems(runReportSchema, missing)).toEqual([expect.stringMatching(/^durationMs: /)]);
    expect(schemaProblems(runReportSchema, { ...r, summary: { ...r.summary, deletd: 1 } })).toEqual([expect.stringMatching(/^summary: .*"deletd"/)]);
    expect(schemaProblems(runReportSchema, { ...r, startedAt: 'yesterday' })).toEqual([expect.stringMatching(/^startedAt: /)]);
  });
});

describe('the plan schema', () => {
  it('accepts a plan; the contract refuses an unknown key that reading a plan file ignores (the digest covers it)', () => {
    const doc = sealPlan(planBody());
    expect(schemaProblems(planSchema, doc)).toEqual([]);
    const extra = sealPlan({ ...planBody(), reviewer: 'alice' } as Omit<PlanDocument, 'digest'>);
    expect(schemaProblems(planSchema, extra)).toEqual([expect.stringMatching(/^\(document\): .*"reviewer"/)]);
    expect(verifyPlan(extra, 'plan.json').account).toBe(ACCOUNT);
  });

  it('reading a plan file checks what the contract says: an unknown rule is refused', () => {
    const body = planBody();
    const bad = sealPlan({ ...body, items: [{ ...body.items[0]!, rule: 'deleet' as 'delete' }] });
    expect(schemaProblems(planSchema, bad)).toEqual([expect.stringMatching(/^items\.0\.rule: /)]);
    expect(() => verifyPlan(bad, 'plan.json')).toThrow(/items\.0\.rule/);
  });
});
