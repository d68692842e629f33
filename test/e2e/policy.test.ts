import { describe, expect, it } from 'vitest';
import type { ErrorReport } from '../../src/model.js';
import { errorReportSchema } from '../../src/schema.js';
import { schemaProblems } from '../helpers/schema.js';
import { runCli } from './harness.js';

interface Policy {
  Version: string;
  Statement: { Sid: string; Effect: string; Action: string[]; Resource: string | string[]; Condition?: Record<string, Record<string, unknown>> }[];
}

// No moto: the command makes no AWS call (the harness's endpoint would refuse none; nothing listens there).
describe('nova-cleanup policy, from the built CLI', () => {
  it('prints a valid policy for the tags on stdout, nothing on stderr, exit 0; --json and --no-color change nothing', async () => {
    const r = await runCli(['policy', '--tag', 'project=x'], { env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const policy = JSON.parse(r.stdout) as Policy;
    expect(policy.Version).toBe('2012-10-17');
    expect(policy.Statement.length).toBeGreaterThan(3);
    for (const s of policy.Statement) expect(s).toMatchObject({ Effect: 'Allow', Sid: expect.stringMatching(/^[A-Za-z0-9]+$/) });
    const tagged = policy.Statement.find((s) => s.Sid === 'DeleteTagged');
    expect(tagged?.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/project': 'x' } });
    expect(tagged?.Action).toContain('sagemaker:DeleteEndpoint');
    expect(policy.Statement.find((s) => s.Sid === 'S3ProjectBuckets')?.Resource).toEqual(['arn:aws:s3:::*', 'arn:aws:s3:::*/*']);

    const same = await runCli(['policy', '--tag', 'project=x', '--json', '--no-color']);
    expect(same.code).toBe(0);
    expect(same.stdout).toBe(r.stdout);
  });

  it('narrows S3 to --s3-bucket and takes several tags', async () => {
    const r = await runCli(['policy', '--tag', 'project=x', '--tag', 'env=dev,test', '--s3-bucket', 'x-*']);
    expect(r.code).toBe(0);
    const policy = JSON.parse(r.stdout) as Policy;
    expect(policy.Statement.find((s) => s.Sid === 'S3ProjectBuckets')?.Resource).toEqual(['arn:aws:s3:::x-*', 'arn:aws:s3:::x-*/*']);
    expect(policy.Statement.find((s) => s.Sid === 'DeleteTagged')?.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/project': 'x', 'aws:ResourceTag/env': ['dev', 'test'] } });
  });

  it('a malformed tag is one line on stderr and exit 2; with --json, the error document on stdout', async () => {
    const bad = await runCli(['policy', '--tag', '=x']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^nova-cleanup: --tag: "=x" has no tag key/)]);

    const none = await runCli(['policy']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^nova-cleanup: policy: give the tags/);

    const json = await runCli(['policy', '--tag', 'a=1,', '--json']);
    expect(json.code).toBe(2);
    const doc = JSON.parse(json.stdout) as ErrorReport;
    expect(schemaProblems(errorReportSchema, doc)).toEqual([]);
    expect(doc).toMatchObject({ command: 'policy', exitCode: 2, error: { code: 'usage' } });
  });
});
