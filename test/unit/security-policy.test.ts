import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORE_READS, type ServiceName } from '../../src/aws/clients.js';
import { iamActionsOf } from '../../src/aws/iam-names.js';
import { parsePolicyOptions, policyFor, policyText } from '../../src/commands/policy.js';
import { NovaError } from '../../src/errors.js';
import { formatPolicy, INLINE_POLICY_LIMIT, leastPrivilegePolicy, policySize, tagCondition, type PolicyDocument, type PolicyStatement } from '../../src/plan/policy.js';
import { clientOf, type ResourceHandler } from '../../src/resources/handler.js';
import { handlers } from '../../src/resources/index.js';
import { liveFor } from '../helpers/context.js';

/**
 * The least-privilege IAM policy `nova-cleanup policy` generates, against the code: every IAM action a
 * type's delete needs, and every read the core and the types send, is allowed by it; and it allows
 * nothing the tool never calls.
 *
 * The policy is built from each type's declared `deleteActions`. What a delete really asks for is
 * gathered two ways, as the check of those declarations, because neither alone sees it all:
 * - the source of src/resources/*.ts is scanned for quoted `'<prefix>:<Operation>'` literals: that finds
 *   every literal action, whatever state of the resource its branch of `actions()` needs (a running job's
 *   Stop, a bucket's DeleteObjectVersion when it holds versions, an EKS cluster's access entries), with
 *   no fixture to build per type;
 * - `actions()` is called on a bare LiveResource of every type (and of each ARN form a type has): that
 *   finds the names that are built, not written (`sagemaker:Delete${Kind}` for every SageMaker type,
 *   `${prefix}:DeleteConnection` for both CodeConnections prefixes), which the scan cannot see.
 */

const root = join(import.meta.dirname, '..', '..');
const resourcesDir = join(root, 'src', 'resources');

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

const README_EXAMPLE = ['--tag', 'project=nova-demo', '--s3-bucket', 'nova-demo-*'];
const example = () => parsePolicyOptions({ tag: ['project=nova-demo'], s3Bucket: ['nova-demo-*'] });
const policy = policyFor(handlers, example());
const allowed = new Set(policy.Statement.flatMap((s) => s.Action));
const statement = (p: PolicyDocument, sid: string): PolicyStatement => {
  const s = p.Statement.find((x) => x.Sid === sid);
  if (!s) throw new Error(`no statement ${sid}: ${p.Statement.map((x) => x.Sid).join(', ')}`);
  return s;
};
const whereAllowed = (p: PolicyDocument, action: string): string[] => p.Statement.filter((s) => s.Action.includes(action)).map((s) => s.Sid);

/** Every read the tool sends, with the client it goes through and who sends it. */
function allReads(): { who: string; client: ServiceName; op: string }[] {
  const out: { who: string; client: ServiceName; op: string }[] = [];
  for (const [client, ops] of Object.entries(CORE_READS)) for (const op of ops ?? []) out.push({ who: 'core', client: client as ServiceName, op });
  for (const h of handlers) for (const op of h.reads) out.push({ who: h.type, client: clientOf(h), op });
  return out;
}

/** Every quoted `'<prefix>:<Operation>'` literal in src/resources/*.ts, with the file it is in. */
function literalActions(): { file: string; action: string }[] {
  const out: { file: string; action: string }[] = [];
  for (const file of readdirSync(resourcesDir).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(join(resourcesDir, file), 'utf8');
    for (const m of source.matchAll(/(['"`])([a-z][a-z0-9-]*:[A-Z][A-Za-z0-9]*)\1/g)) out.push({ file, action: m[2] as string });
  }
  return out;
}

/**
 * ARNs of a type for a bare LiveResource: one per ARN form the type has (both CodeConnections prefixes).
 * Built from the type's service and resource kind in the usual shapes, the first the type's own pattern
 * accepts; the few that fit none are listed.
 */
const SPECIAL_ARNS: Readonly<Record<string, readonly string[]>> = {
  'codeconnections:connection': [
    `arn:aws:codeconnections:${REGION}:${ACCOUNT}:connection/0a1b2c3d-4e5f-6789-abcd-ef0123456789`,
    `arn:aws:codestar-connections:${REGION}:${ACCOUNT}:connection/9f8e7d6c-5b4a-3210-fedc-ba9876543210`,
  ],
  'codepipeline:pipeline': [`arn:aws:codepipeline:${REGION}:${ACCOUNT}:my-pipeline`],
  'cloudformation:stack': [`arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/my-stack/0a1b2c3d-4e5f-6789-abcd-ef0123456789`],
  'servicecatalog:provisioned-product': [`arn:aws:servicecatalog:${REGION}:${ACCOUNT}:stack/my-product/pp-abcdefghij123`],
};

function arnsFor(h: ResourceHandler): string[] {
  const special = SPECIAL_ARNS[h.type];
  if (special) return [...special];
  const [service, kind] = h.type.split(':') as [string, string];
  const shapes = [
    `arn:aws:${service}:${REGION}:${ACCOUNT}:${kind}/sample-name`,
    `arn:aws:${service}:${REGION}:${ACCOUNT}:${kind}:sample-name`,
    `arn:aws:${service}::${ACCOUNT}:${kind}/sample-name`,
    `arn:aws:${service}:::sample-name`,
  ];
  const arn = shapes.find((a) => h.arnPattern.test(a));
  if (!arn) throw new Error(`no sample ARN for ${h.type}: add one to SPECIAL_ARNS`);
  return [arn];
}

/** What `actions()` asks for a bare resource of each type (no children, no status). */
function bareActions(): { type: string; action: string }[] {
  return handlers.flatMap((h) =>
    arnsFor(h).flatMap((arn) => {
      expect(h.arnPattern.test(arn), `${arn} is a ${h.type} ARN`).toBe(true);
      return h.actions(liveFor(h, arn)).map((need) => ({ type: h.type, action: need.action }));
    }),
  );
}

const declared = (h: ResourceHandler): string[] => [...(h.deleteActions?.tagged ?? []), ...(h.deleteActions?.held ?? [])];
const allDeclared = new Set(handlers.flatMap(declared));

/** The handler defined in a file of src/resources (`iam-role.ts` → `iam:role`), if the file is a type's. */
const handlerOfFile = (file: string): ResourceHandler | undefined => handlers.find((h) => `${h.type.replace(':', '-')}.ts` === file);

/** The json block of README.md's "Least-privilege IAM policy" section, and the section. */
function readmeSection(): { text: string; json: string } {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('### Least-privilege IAM policy');
  if (start === -1) throw new Error('README.md has no "Least-privilege IAM policy" section');
  const next = readme.indexOf('\n#', start + 1);
  const text = readme.slice(start, next === -1 ? undefined : next);
  const blocks = [...text.matchAll(/```json\n([\s\S]*?)\n```/g)];
  if (blocks.length !== 1) throw new Error(`the section should hold exactly one json block, found ${blocks.length}`);
  return { text, json: blocks[0]?.[1] ?? '' };
}

describe('the declared delete actions of every type', () => {
  it('are declared by every type of the registry, each action once per type and named as IAM names actions', () => {
    for (const h of handlers) {
      expect(h.deleteActions, `${h.type} declares deleteActions`).toBeDefined();
      const all = declared(h);
      expect(all.length, h.type).toBeGreaterThan(0);
      expect(all.filter((a, i) => all.indexOf(a) !== i), `${h.type}: declared twice`).toEqual([]);
      for (const a of all) expect(a, h.type).toMatch(/^[a-z][a-z0-9-]*:[A-Z][A-Za-z0-9]*$/);
    }
  });

  it("hold everything a type's actions() asks for a bare resource", () => {
    for (const h of handlers) {
      const own = new Set(declared(h));
      const asked = arnsFor(h).flatMap((arn) => h.actions(liveFor(h, arn)).map((n) => n.action));
      expect(asked.filter((a) => !own.has(a)), `${h.type}: actions() beyond its declaration`).toEqual([]);
    }
  });

  it("hold every action written in a type's file (any branch of its actions()), and every literal of a shared file", () => {
    const found = literalActions();
    // The scan works: it sees actions that only some states of a resource need.
    expect(found.map((f) => f.action)).toEqual(expect.arrayContaining(['s3:DeleteObjectVersion', 'sagemaker:StopTrainingJob', 'eks:DeleteAccessEntry', 'iam:DeletePolicyVersion']));
    const missing = found.filter(({ file, action }) => {
      const h = handlerOfFile(file);
      return h ? !declared(h).includes(action) : !allDeclared.has(action);
    });
    expect(missing.map((m) => `${m.action} (${m.file})`)).toEqual([]);
    // Most files are a type's: the per-file check is the one that runs.
    expect(found.filter((f) => handlerOfFile(f.file)).length).toBeGreaterThan(found.length / 2);
  });

  it('hold what states beyond a bare resource ask for: running jobs, a bucket with versions and uploads, a role with attachments', () => {
    const byType = (type: string) => handlers.find((h) => h.type === type) as ResourceHandler;
    const role = `arn:aws:iam::${ACCOUNT}:role/r`;
    const cases: [string, string, Parameters<typeof liveFor>[2], readonly string[]][] = [
      ['sagemaker:training-job', `arn:aws:sagemaker:${REGION}:${ACCOUNT}:training-job/t`, { config: { TrainingJobStatus: 'InProgress' } }, ['sagemaker:StopTrainingJob']],
      ['bedrock:model-customization-job', `arn:aws:bedrock:${REGION}:${ACCOUNT}:model-customization-job/j`, { config: { status: 'InProgress' } }, ['bedrock:StopModelCustomizationJob']],
      ['sagemaker:notebook-instance', `arn:aws:sagemaker:${REGION}:${ACCOUNT}:notebook-instance/n`, { config: { NotebookInstanceStatus: 'InService' } }, ['sagemaker:StopNotebookInstance']],
      ['sagemaker:monitoring-schedule', `arn:aws:sagemaker:${REGION}:${ACCOUNT}:monitoring-schedule/m`, { config: { MonitoringScheduleStatus: 'Scheduled' } }, ['sagemaker:StopMonitoringSchedule']],
      ['s3:bucket', 'arn:aws:s3:::b', { config: { Contents: { versions: 3, deleteMarkers: 1, bytes: 10, multipartUploads: 2 } } }, ['s3:DeleteObjectVersion', 's3:AbortMultipartUpload']],
      [
        'iam:role',
        role,
        { config: { AttachedPolicies: [{ PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/p` }], InlinePolicies: [{ PolicyName: 'i' }], InstanceProfiles: [{ InstanceProfileName: 'ip' }] } },
        ['iam:DetachRolePolicy', 'iam:DeleteRolePolicy', 'iam:RemoveRoleFromInstanceProfile'],
      ],
    ];
    for (const [type, arn, described, more] of cases) {
      const h = byType(type);
      const asked = h.actions(liveFor(h, arn, described)).map((n) => n.action);
      expect(asked, `${type} in that state`).toEqual(expect.arrayContaining([...more]));
      expect(asked.filter((a) => !declared(h).includes(a)), type).toEqual([]);
    }
  });
});

describe('nova-cleanup policy: the generated least-privilege IAM policy', () => {
  it('is a valid policy of Allow statements, with unique Sids, each action named one by one, once', () => {
    expect(policy.Version).toBe('2012-10-17');
    const sids = policy.Statement.map((s) => s.Sid);
    expect(new Set(sids).size, 'Sids are unique').toBe(sids.length);
    for (const s of policy.Statement) {
      expect(s.Sid).toMatch(/^[A-Za-z0-9]+$/);
      expect(s.Effect, s.Sid).toBe('Allow');
      expect(s.Action.length, `${s.Sid} allows something`).toBeGreaterThan(0);
      expect([s.Resource].flat().length, `${s.Sid} names its resources`).toBeGreaterThan(0);
      for (const a of s.Action) expect(a, `${s.Sid}: ${a}`).toMatch(/^[a-z][a-z0-9-]*:[A-Z][A-Za-z0-9]*$/);
    }
    const all = policy.Statement.flatMap((s) => s.Action);
    expect(all.filter((a, i) => all.indexOf(a) !== i), 'actions allowed by more than one statement').toEqual([]);
  });

  it('allows every IAM action written in src/resources (in any branch of actions())', () => {
    const missing = literalActions().filter((f) => !allowed.has(f.action)).map((f) => `${f.action} (${f.file})`);
    expect([...new Set(missing)]).toEqual([]);
  });

  it("allows every IAM action a type's actions() builds (the SageMaker Describe/Delete names, both CodeConnections prefixes)", () => {
    const needs = bareActions();
    expect(needs.map((n) => n.action)).toEqual(
      expect.arrayContaining(['sagemaker:DeleteEndpoint', 'sagemaker:DescribeDomain', 'codeconnections:DeleteConnection', 'codestar-connections:DeleteConnection']),
    );
    const missing = needs.filter((n) => !allowed.has(n.action)).map((n) => `${n.action} (${n.type})`);
    expect([...new Set(missing)]).toEqual([]);
  });

  it("allows every read of the core (CORE_READS) and of every type's `reads`, by its IAM action name", () => {
    const missing = allReads().flatMap(({ who, client, op }) => iamActionsOf(client, op).filter((a) => !allowed.has(a)).map((a) => `${a} (${who}: ${client} ${op})`));
    expect(missing).toEqual([]);
    // The names IAM gives: S3's irregular ones, the Tagging API's and Agents for Bedrock's prefixes, both CodeConnections prefixes.
    expect([...allowed]).toEqual(expect.arrayContaining(['s3:ListBucketVersions', 's3:ListAllMyBuckets', 'tag:GetResources', 'bedrock:GetAgent', 'codestar-connections:GetConnection']));
    expect(allowed.has('s3:ListObjectVersions')).toBe(false);
  });

  it('allows nothing the tool never calls', () => {
    const called = new Set([...literalActions().map((f) => f.action), ...bareActions().map((n) => n.action), ...allReads().flatMap(({ client, op }) => iamActionsOf(client, op))]);
    expect([...allowed].filter((a) => !called.has(a)).sort()).toEqual([]);
  });

  it('reads carry no condition; tagged deletes carry the tag condition; held ones, S3, Service Catalog and EKS none', () => {
    const reads = new Set(allReads().flatMap(({ client, op }) => iamActionsOf(client, op)));
    for (const a of reads) {
      const s = policy.Statement.find((x) => x.Action.includes(a)) as PolicyStatement;
      expect(s.Condition, `${a} (${s.Sid})`).toBeUndefined();
    }
    expect(statement(policy, 'DeleteTagged').Condition).toEqual({ StringEquals: { 'aws:ResourceTag/project': 'nova-demo' } });
    expect(statement(policy, 'DeleteTagged').Action).toEqual(expect.arrayContaining(['sagemaker:DeleteEndpoint', 'sagemaker:StopTrainingJob', 'lambda:DeleteFunction', 'iam:DeleteRole', 'logs:DeleteLogGroup']));
    // What a tagged resource holds has no tags of its own; an action held for one type is held for all.
    for (const a of ['lambda:DeleteEventSourceMapping', 'sagemaker:DeleteApp', 'sagemaker:DisassociateTrialComponent', 'iam:RemoveRoleFromInstanceProfile', 'bedrock:DeleteAgentAlias']) {
      expect(whereAllowed(policy, a), a).toEqual(['DeleteHeld']);
    }
    expect(whereAllowed(policy, 'eks:DeleteAccessEntry')).toEqual(['EksDeleteHeld']);
    expect(statement(policy, 'EksDeleteHeld').Resource).toBe('arn:aws:eks:*:*:access-entry/*');
    expect(whereAllowed(policy, 'servicecatalog:TerminateProvisionedProduct')).toEqual(['ServiceCatalogDelete']);
    expect(policy.Statement.filter((s) => s.Condition).map((s) => s.Sid)).toEqual(['DeleteTagged']);
    // The read the delete repeats (the tag re-check) is allowed once, with the reads.
    expect(whereAllowed(policy, 'sagemaker:ListTags')).toEqual(['ReadWhatMayUseACandidate']);
  });

  it('narrows S3 to the bucket globs (default: every bucket); listing the buckets stays on *', () => {
    const s3 = statement(policy, 'S3ProjectBuckets');
    expect(s3.Resource).toEqual(['arn:aws:s3:::nova-demo-*', 'arn:aws:s3:::nova-demo-*/*']);
    expect(s3.Action).toEqual(expect.arrayContaining(['s3:DeleteBucket', 's3:DeleteObjectVersion', 's3:GetBucketTagging', 's3:ListBucketVersions']));
    expect(s3.Action.every((a) => a.startsWith('s3:'))).toBe(true);
    expect(whereAllowed(policy, 's3:ListAllMyBuckets')).toEqual(['ReadWhatMayUseACandidate']);
    expect(policy.Statement.filter((s) => s.Sid !== 'S3ProjectBuckets').flatMap((s) => s.Action).filter((a) => a.startsWith('s3:'))).toEqual(['s3:ListAllMyBuckets']);
    const two = policyFor(handlers, parsePolicyOptions({ tag: ['project=x'], s3Bucket: ['a-*', 'b.?'] }));
    expect(statement(two, 'S3ProjectBuckets').Resource).toEqual(['arn:aws:s3:::a-*', 'arn:aws:s3:::a-*/*', 'arn:aws:s3:::b.?', 'arn:aws:s3:::b.?/*']);
    const every = policyFor(handlers, parsePolicyOptions({ tag: ['project=x'] }));
    expect(statement(every, 'S3ProjectBuckets').Resource).toEqual(['arn:aws:s3:::*', 'arn:aws:s3:::*/*']);
  });

  it('holds the tagged deletes to every --tag: Key=v1,v2 as a list, Key alone as present (Null false), Key="" as empty', () => {
    const p = policyFor(handlers, parsePolicyOptions({ tag: ['project=nova-demo', 'env=dev,test', 'owner', 'note=""'] }));
    expect(statement(p, 'DeleteTagged').Condition).toEqual({
      StringEquals: { 'aws:ResourceTag/project': 'nova-demo', 'aws:ResourceTag/env': ['dev', 'test'], 'aws:ResourceTag/note': '' },
      Null: { 'aws:ResourceTag/owner': 'false' },
    });
    expect(tagCondition([{ key: 'owner', values: [] }])).toEqual({ Null: { 'aws:ResourceTag/owner': 'false' } });
    expect(tagCondition([{ key: 'env', values: ['dev', 'test'] }])).toEqual({ StringEquals: { 'aws:ResourceTag/env': ['dev', 'test'] } });
    expect(() => leastPrivilegePolicy({ coreReads: CORE_READS, handlers, tags: [] })).toThrow(/at least one tag/);
  });

  it("fits IAM's limit for a role's inline policies, even with several tags and bucket globs", () => {
    expect(policySize(policy)).toBeLessThan(INLINE_POLICY_LIMIT);
    const big = policyFor(handlers, parsePolicyOptions({ tag: ['project=nova-demo', 'env=dev,test,stage', 'team=ml-platform'], s3Bucket: ['nova-demo-*', 'nova-demo-artifacts-*'] }));
    expect(policySize(big)).toBeLessThan(INLINE_POLICY_LIMIT);
  });

  it('prints as JSON that parses back to the same document, a service to a line', () => {
    const text = policyText(handlers, example());
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(policy)));
    expect(formatPolicy(policy)).toBe(text);
    // A tag value that looks like JSON syntax stays a value.
    const odd = leastPrivilegePolicy({ coreReads: CORE_READS, handlers, tags: [{ key: 'a"b', values: ['x:{y}', 'p","q'] }] });
    expect(JSON.parse(formatPolicy(odd))).toEqual(JSON.parse(JSON.stringify(odd)));
    const lines = text.split('\n');
    expect(lines.every((l) => l.length <= 110), 'lines fit 110 characters').toBe(true);
    const actionLines = lines.filter((l) => /^ {8}"/.test(l));
    for (const l of actionLines) expect(new Set([...l.matchAll(/"([a-z0-9-]+):/g)].map((m) => m[1])).size, l).toBe(1);
  });

  it('refuses a malformed tag, a repeated key, no tag and a bad bucket glob, each in one line (exit 2)', () => {
    const refused = (raw: { readonly tag?: readonly string[]; readonly s3Bucket?: readonly string[] }): NovaError => {
      try {
        parsePolicyOptions(raw);
      } catch (err) {
        expect(err).toBeInstanceOf(NovaError);
        return err as NovaError;
      }
      throw new Error(`accepted ${JSON.stringify(raw)}`);
    };
    for (const [raw, message] of [
      [{ tag: ['=x'] }, /^--tag: "=x" has no tag key/],
      [{ tag: ['a=1,'] }, /^--tag: tag a: .* has an empty value/],
      [{ tag: ['a=1', 'a=2'] }, /^--tag: key "a" given twice/],
      [{}, /^policy: give the tags/],
      [{ tag: ['a=1'], s3Bucket: ['Nova_Bucket'] }, /^--s3-bucket "Nova_Bucket": /],
    ] as const) {
      const err = refused(raw);
      expect(err.message).toMatch(message);
      expect(err.message).not.toContain('\n');
      expect(err.exitCode).toBe(2);
    }
  });
});

describe('the documentation of the policy', () => {
  it(`README.md holds exactly what \`nova-cleanup policy ${README_EXAMPLE.join(' ')}\` prints, and says how to make your own`, () => {
    const { text, json } = readmeSection();
    expect(json).toBe(policyText(handlers, example()));
    expect(text).toContain("nova-cleanup policy --tag project=nova-demo --s3-bucket 'nova-demo-*'");
  });

  it("SECURITY.md explains the generated statements by their Sids, points to the command, and holds no copy of the policy", () => {
    const security = readFileSync(join(root, 'SECURITY.md'), 'utf8');
    const start = security.indexOf('## Least-privilege IAM policy for running the tool');
    expect(start).toBeGreaterThan(-1);
    const next = security.indexOf('\n## ', start + 1);
    const section = security.slice(start, next === -1 ? undefined : next);
    expect(section).toContain('nova-cleanup policy');
    expect(section).not.toContain('```json');
    expect(section).toContain(`all ${handlers.length} types`);
    expect(section).toContain('--assume-absent');
    const sids = new Set([...policy.Statement, ...policyFor(handlers, parsePolicyOptions({ tag: ['a'] })).Statement].map((s) => s.Sid));
    for (const sid of sids) expect(section, `SECURITY.md explains ${sid}`).toContain(`\`${sid}\``);
  });
});
