import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORE_READS, type ServiceName } from '../../src/aws/clients.js';
import { clientOf, type ResourceHandler } from '../../src/resources/handler.js';
import { handlers } from '../../src/resources/index.js';
import { liveFor } from '../helpers/context.js';

/**
 * SECURITY.md's least-privilege policy against the code: every IAM action a type's delete needs, and every
 * read the core and the types send, is allowed by it; and it allows nothing the tool never calls.
 *
 * The delete actions are gathered two ways, because neither alone sees them all:
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

/** SECURITY.md's "Least-privilege IAM policy for running the tool" section, up to the next heading. */
function policySection(): string {
  const text = readFileSync(join(root, 'SECURITY.md'), 'utf8');
  const start = text.indexOf('## Least-privilege IAM policy for running the tool');
  if (start === -1) throw new Error('SECURITY.md has no "Least-privilege IAM policy for running the tool" section');
  const next = text.indexOf('\n## ', start + 1);
  return text.slice(start, next === -1 ? undefined : next);
}

/** The JSON policy of that section (its one json block). */
function policyFromSecurityMd(): { Version: string; Statement: Statement[] } {
  const section = policySection();
  const blocks = [...section.matchAll(/```json\n([\s\S]*?)\n```/g)];
  if (blocks.length !== 1) throw new Error(`the section should hold exactly one json block, found ${blocks.length}`);
  return JSON.parse(blocks[0]?.[1] ?? '') as { Version: string; Statement: Statement[] };
}

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const asList = (x: string | string[] | undefined): string[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** The IAM service prefixes that authorize a client's operations. */
const PREFIXES: Partial<Record<ServiceName, readonly string[]>> = {
  tagging: ['tag'],
  'bedrock-agent': ['bedrock'],
  // One API, two prefixes: a policy must name the prefix of the connection's own ARN (both exist).
  codeconnections: ['codeconnections', 'codestar-connections'],
};
const prefixesOf = (client: ServiceName): readonly string[] => PREFIXES[client] ?? [client];

/**
 * Operations whose IAM action is not named after them (Service Authorization Reference, "Actions defined
 * by Amazon S3"; the S3 API reference's "Permissions" for each operation). Every other operation is
 * authorized by `<prefix>:<Operation>`.
 */
const IRREGULAR: Partial<Record<ServiceName, Readonly<Record<string, string>>>> = {
  s3: {
    HeadBucket: 'ListBucket',
    ListBuckets: 'ListAllMyBuckets',
    ListObjectVersions: 'ListBucketVersions',
    ListMultipartUploads: 'ListBucketMultipartUploads',
    GetBucketLifecycleConfiguration: 'GetLifecycleConfiguration',
    GetBucketEncryption: 'GetEncryptionConfiguration',
    GetPublicAccessBlock: 'GetBucketPublicAccessBlock',
    GetBucketCors: 'GetBucketCORS',
    GetObjectLockConfiguration: 'GetBucketObjectLockConfiguration',
    GetBucketNotificationConfiguration: 'GetBucketNotification',
  },
};

/** The IAM actions that authorize one SDK operation of a client (one per prefix). */
const actionsForRead = (client: ServiceName, op: string): string[] => prefixesOf(client).map((p) => `${p}:${IRREGULAR[client]?.[op] ?? op}`);

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

const policy = policyFromSecurityMd();
const allowed = new Set(policy.Statement.flatMap((s) => asList(s.Action)));

describe('SECURITY.md: the least-privilege IAM policy', () => {
  it('is a valid policy of Allow statements, each with its actions named one by one, once', () => {
    expect(policy.Version).toBe('2012-10-17');
    expect(policy.Statement.length).toBeGreaterThan(0);
    const sids = policy.Statement.map((s) => s.Sid);
    expect(new Set(sids).size, 'Sids are unique').toBe(sids.length);
    for (const s of policy.Statement) {
      expect(s.Effect, s.Sid).toBe('Allow');
      expect(asList(s.Resource).length, `${s.Sid} names its resources`).toBeGreaterThan(0);
      for (const a of asList(s.Action)) expect(a, `${s.Sid}: ${a}`).toMatch(/^[a-z][a-z0-9-]*:[A-Z][A-Za-z0-9]*$/);
    }
    const all = policy.Statement.flatMap((s) => asList(s.Action));
    const twice = all.filter((a, i) => all.indexOf(a) !== i);
    expect(twice, 'actions allowed by more than one statement').toEqual([]);
  });

  it('allows every IAM action written in src/resources (in any branch of actions())', () => {
    const found = literalActions();
    // The scan works: it sees actions that only some states of a resource need.
    expect(found.map((f) => f.action)).toEqual(expect.arrayContaining(['s3:DeleteObjectVersion', 'sagemaker:StopTrainingJob', 'eks:DeleteAccessEntry', 'iam:DeletePolicyVersion']));
    const missing = found.filter((f) => !allowed.has(f.action)).map((f) => `${f.action} (${f.file})`);
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
    const missing = allReads().flatMap(({ who, client, op }) => actionsForRead(client, op).filter((a) => !allowed.has(a)).map((a) => `${a} (${who}: ${client} ${op})`));
    expect(missing).toEqual([]);
  });

  it('says how many types it covers, and that an --assume-absent type needs none of it', () => {
    const section = policySection();
    expect(section).toContain(`for all ${handlers.length} types`);
    expect(section).toContain('--assume-absent');
  });

  it('allows nothing the tool never calls', () => {
    const called = new Set([
      ...literalActions().map((f) => f.action),
      ...bareActions().map((n) => n.action),
      ...allReads().flatMap(({ client, op }) => actionsForRead(client, op)),
    ]);
    expect([...allowed].filter((a) => !called.has(a)).sort()).toEqual([]);
  });
});
