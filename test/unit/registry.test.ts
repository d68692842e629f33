import { describe, expect, it } from 'vitest';
import { parseArn } from '../../src/aws/arn.js';
import type { ResourceHandler } from '../../src/resources/handler.js';
import { handlers as realHandlers, registry as realRegistry } from '../../src/resources/index.js';
import { buildRegistry, validate } from '../../src/resources/registry.js';
import { fakeHandler } from '../helpers/fakes.js';

const ACCOUNT = '123456789012';
const role = () => fakeHandler({ type: 'iam:role', global: true });
const types = (hs: readonly ResourceHandler[]) => hs.map((h) => h.type).sort();
/** An operation name as the SDK spells it: PascalCase, digits allowed (DescribeAutoMLJobV2). */
const OPERATION = /^[A-Z][A-Za-z0-9]+$/;

describe('validate', () => {
  it('accepts a consistent list', () => {
    expect(() =>
      validate([role(), fakeHandler({ type: 'fake:a', references: ['iam:role', 'fake:b'] }), fakeHandler({ type: 'fake:b', references: ['iam:role'] })]),
    ).not.toThrow();
  });

  it('refuses a type registered twice', () => {
    expect(() => validate([fakeHandler({ type: 'fake:a' }), fakeHandler({ type: 'fake:a' })])).toThrow('resource type fake:a is registered twice');
  });

  it('refuses a reference to an unknown type', () => {
    expect(() => validate([fakeHandler({ type: 'fake:a', references: ['fake:missing'] })])).toThrow('fake:a references unknown type fake:missing');
  });

  it('refuses a dependency cycle, naming its path', () => {
    const list = [fakeHandler({ type: 'fake:a', references: ['fake:b'] }), fakeHandler({ type: 'fake:b', references: ['fake:c'] }), fakeHandler({ type: 'fake:c', references: ['fake:a'] })];
    expect(() => validate(list)).toThrow('dependency cycle between types: fake:a -> fake:b -> fake:c -> fake:a');
  });

  it('refuses a type that references itself', () => {
    expect(() => validate([fakeHandler({ type: 'fake:a', references: ['fake:a'] })])).toThrow(/dependency cycle between types: fake:a -> fake:a/);
  });

  it('accepts a diamond (two paths to one type is not a cycle)', () => {
    const list = [
      role(),
      fakeHandler({ type: 'fake:top', references: ['fake:left', 'fake:right'] }),
      fakeHandler({ type: 'fake:left', references: ['iam:role'] }),
      fakeHandler({ type: 'fake:right', references: ['iam:role'] }),
    ];
    expect(() => validate(list)).not.toThrow();
  });

  it('refuses a referencing type without list(): its users could not be found', () => {
    // `list` is required by the type; a handler built in plain JS (or cast) may still lack it.
    const noList = { ...fakeHandler({ type: 'fake:a', references: ['iam:role'] }), list: undefined } as unknown as ResourceHandler;
    expect(() => validate([role(), noList])).toThrow('fake:a references other types but has no list()');
  });

  it('accepts a type the Tagging API does not return (found by its own list)', () => {
    const h = fakeHandler({ type: 'fake:a', taggingApi: false });
    expect(h.taggingApi).toBe(false);
    expect(typeof h.list).toBe('function');
    expect(() => validate([role(), h])).not.toThrow();
  });

  it('refuses a type that declares no read operations', () => {
    expect(() => validate([{ ...fakeHandler({ type: 'fake:a' }), reads: [] }])).toThrow('fake:a declares no read operations');
  });

  it.each(['fake', 'Fake:Thing', 'fake:thing:extra', 'fake:', ':thing', 'fake thing:x', 'fake:thi_ng'])('refuses the type id %j', (type) => {
    expect(() => validate([{ ...fakeHandler(), type }])).toThrow(/is not service:type/);
  });

  it('buildRegistry validates too', () => {
    expect(() => buildRegistry([fakeHandler({ type: 'fake:a' }), fakeHandler({ type: 'fake:a' })])).toThrow(/registered twice/);
  });
});

describe('buildRegistry', () => {
  it('finds a handler by type', () => {
    const a = fakeHandler({ type: 'fake:a' });
    const r = buildRegistry([a, role()]);
    expect(r.byType('fake:a')).toBe(a);
    expect(r.byType('fake:zzz')).toBeUndefined();
    expect(r.handlers).toHaveLength(2);
  });

  it('forArn: the ARN service first, then the type patterns of that service', () => {
    const thing = fakeHandler({ type: 'fake:thing' });
    const part = fakeHandler({ type: 'fake:part' });
    // A catch-all pattern that does not name a service: only ARNs of its type's service reach it.
    const wild = fakeHandler({ type: 'wild:any', arnPattern: /.*/ });
    const r = buildRegistry([thing, part, wild]);
    expect(r.forArn(`arn:aws:fake:us-east-1:${ACCOUNT}:thing/t1`)).toBe(thing);
    expect(r.forArn(`arn:aws:fake:us-east-1:${ACCOUNT}:part/p1`)).toBe(part);
    expect(r.forArn(`arn:aws:fake:us-east-1:${ACCOUNT}:gadget/g1`)).toBeUndefined();
    expect(r.forArn(`arn:aws:wild:us-east-1:${ACCOUNT}:whatever/x`)).toBe(wild);
    expect(r.forArn(`arn:aws:other:us-east-1:${ACCOUNT}:thing/t1`)).toBeUndefined();
    expect(r.forArn('not-an-arn')).toBeUndefined();
    expect(r.forArn('')).toBeUndefined();
  });

  it("forArn indexes a type by the service its pattern names when that differs from the type's prefix", () => {
    const agent = fakeHandler({ type: 'bedrockagent:agent', arnPattern: /^arn:[\w-]+:bedrock:[\w-]+:\d{12}:agent\/[^/]+$/ });
    const r = buildRegistry([agent]);
    expect(r.forArn(`arn:aws:bedrock:us-east-1:${ACCOUNT}:agent/A1`)).toBe(agent);
    expect(r.forArn(`arn:aws:bedrockagent:us-east-1:${ACCOUNT}:agent/A1`)).toBeUndefined();
  });

  it('usersOf: the types that reference a type; referenceable: every referenced type', () => {
    const r = buildRegistry([
      role(),
      fakeHandler({ type: 'fake:a', references: ['iam:role', 'fake:b'] }),
      fakeHandler({ type: 'fake:b', references: ['iam:role'] }),
      fakeHandler({ type: 'fake:c' }),
      fakeHandler({ type: 'other:x', references: ['iam:role'] }),
    ]);
    expect(types(r.usersOf('iam:role'))).toEqual(['fake:a', 'fake:b', 'other:x']);
    expect(types(r.usersOf('fake:b'))).toEqual(['fake:a']);
    expect(r.usersOf('fake:a')).toEqual([]);
    expect(r.usersOf('fake:unknown')).toEqual([]);
    expect([...r.referenceable].sort()).toEqual(['fake:b', 'iam:role']);
  });

  it("mayUse: IAM roles, plus what every type of the service may reference, sorted", () => {
    const r = buildRegistry([
      role(),
      fakeHandler({ type: 'fake:a', references: ['fake:b'] }),
      fakeHandler({ type: 'fake:b', references: ['other:x'] }),
      fakeHandler({ type: 'other:x', references: ['other:y'] }),
      fakeHandler({ type: 'other:y' }),
    ]);
    expect(r.mayUse('fake')).toEqual(['fake:b', 'iam:role', 'other:x']);
    expect(r.mayUse('other')).toEqual(['iam:role', 'other:y']);
    // A service no type belongs to (an unsupported type's) still may run as a role.
    expect(r.mayUse('kafka')).toEqual(['iam:role']);
    expect(r.mayUse('iam')).toEqual(['iam:role']);
    // Asked twice, the same answer.
    expect(r.mayUse('fake')).toEqual(['fake:b', 'iam:role', 'other:x']);
  });

  it('mayUse names iam:role only when that type is registered', () => {
    const r = buildRegistry([fakeHandler({ type: 'fake:a', references: ['fake:b'] }), fakeHandler({ type: 'fake:b' })]);
    expect(r.mayUse('fake')).toEqual(['fake:b']);
    expect(r.mayUse('kafka')).toEqual([]);
  });

  it("reads: each type's read operations under its client", () => {
    const a = fakeHandler({ type: 'fake:a' });
    const b: ResourceHandler = { ...fakeHandler({ type: 'fake:b' }), client: 'sagemaker', reads: ['DescribeB'] };
    const r = buildRegistry([a, b]);
    expect(r.reads).toEqual([
      { client: 'fake', reads: a.reads },
      { client: 'sagemaker', reads: ['DescribeB'] },
    ]);
  });
});

describe('the real registry', () => {
  it('validates, and holds every handler of the list', () => {
    expect(() => validate(realHandlers)).not.toThrow();
    expect(realRegistry.handlers).toBe(realHandlers);
    expect(realHandlers.length).toBeGreaterThan(0);
    for (const h of realHandlers) expect(realRegistry.byType(h.type)).toBe(h);
  });

  it.each(realHandlers.map((h) => [h.type, h] as const))('%s declares reads, known references, and a listing when it references', (_type, h) => {
    expect(h.reads.length).toBeGreaterThan(0);
    for (const op of h.reads) expect(op).toMatch(OPERATION);
    for (const ref of h.references) expect(realRegistry.byType(ref), `${h.type} → ${ref}`).toBeDefined();
    // Every type can be found by list discovery (--discovery list|both, and when the Tagging API does not return it).
    expect(typeof h.list).toBe('function');
    expect(typeof h.taggingApi).toBe('boolean');
    expect(h.notFound.length).toBeGreaterThan(0);
  });

  it.each([
    ['iam:role', false],
    ['lambda:function', true],
    ['s3:bucket', true],
    ['sagemaker:endpoint', true],
    ['sagemaker:endpoint-config', true],
    ['sagemaker:model', true],
    ['sagemaker:notebook-instance', true],
  ] as const)('%s: the Tagging API returns it: %s (as AWS documents)', (type, returned) => {
    expect(realRegistry.byType(type)?.taggingApi).toBe(returned);
  });

  it.each([
    [`arn:aws:iam::${ACCOUNT}:role/service/nova-role`, 'iam:role'],
    [`arn:aws:lambda:us-east-1:${ACCOUNT}:function:nova-fn`, 'lambda:function'],
    ['arn:aws:s3:::nova-data', 's3:bucket'],
    [`arn:aws:sagemaker:us-east-1:${ACCOUNT}:endpoint/nova-ep`, 'sagemaker:endpoint'],
    [`arn:aws:sagemaker:us-east-1:${ACCOUNT}:endpoint-config/nova-cfg`, 'sagemaker:endpoint-config'],
    [`arn:aws:sagemaker:us-east-1:${ACCOUNT}:model/nova-model`, 'sagemaker:model'],
    [`arn:aws:sagemaker:us-east-1:${ACCOUNT}:notebook-instance/nova-nb`, 'sagemaker:notebook-instance'],
  ])('forArn(%s) is %s', (arn, type) => {
    expect(parseArn(arn)).toBeDefined();
    expect(realRegistry.forArn(arn)?.type).toBe(type);
  });

  it('the operation-name check takes digits, and nothing that is not an operation name', () => {
    expect(realRegistry.byType('sagemaker:automl-job')?.reads).toContain('DescribeAutoMLJobV2');
    expect('DescribeAutoMLJobV2').toMatch(OPERATION);
    for (const bad of ['describeEndpoint', 'Describe-Endpoint', 'sagemaker:DescribeEndpoint', 'DescribeEndpointCommand ', '2Describe', 'D']) expect(bad).not.toMatch(OPERATION);
  });

  it('roles are used by every type that runs as one; unreadable resources hold roles back', () => {
    expect(types(realRegistry.usersOf('iam:role'))).toEqual([
      'bedrock:agent',
      'bedrock:knowledge-base',
      'bedrock:model-customization-job',
      'cloudformation:stack',
      'codebuild:project',
      'codepipeline:pipeline',
      'events:rule',
      'glue:job',
      'iam:instance-profile',
      'lambda:function',
      'sagemaker:automl-job',
      'sagemaker:cluster',
      'sagemaker:domain',
      'sagemaker:feature-group',
      'sagemaker:hyper-parameter-tuning-job',
      'sagemaker:mlflow-app',
      'sagemaker:mlflow-tracking-server',
      'sagemaker:model',
      'sagemaker:monitoring-schedule',
      'sagemaker:notebook-instance',
      'sagemaker:pipeline',
      'sagemaker:processing-job',
      'sagemaker:project',
      'sagemaker:training-job',
    ]);
    expect(realRegistry.referenceable.has('iam:role')).toBe(true);
    // A role is used, and uses managed policies; nothing it uses is a role.
    expect(realRegistry.byType('iam:role')?.references).toEqual(['iam:policy']);
    expect(realRegistry.mayUse('iam')).toEqual(['iam:policy', 'iam:role']);
  });

  it('log groups are used by the function, endpoint or project that writes to them, and by nothing else', () => {
    expect(types(realRegistry.usersOf('logs:log-group'))).toEqual(['codebuild:project', 'lambda:function', 'sagemaker:endpoint']);
    expect(realRegistry.referenceable.has('logs:log-group')).toBe(true);
    // A log group itself uses nothing.
    expect(realRegistry.byType('logs:log-group')?.references).toEqual([]);
    expect(realRegistry.mayUse('logs')).toEqual(['iam:role']);
  });

  it('mayUse: what an unreadable resource of each service may hold back', () => {
    expect(realRegistry.mayUse('sagemaker')).toEqual([
      'iam:role',
      'logs:log-group',
      's3:bucket',
      'sagemaker:code-repository',
      'sagemaker:endpoint',
      'sagemaker:endpoint-config',
      'sagemaker:experiment',
      'sagemaker:experiment-trial-component',
      'sagemaker:model',
      'sagemaker:notebook-instance-lifecycle-config',
    ]);
    expect(realRegistry.mayUse('lambda')).toEqual(['iam:role', 'logs:log-group']);
    expect(realRegistry.mayUse('codebuild')).toEqual(['iam:role', 'logs:log-group']);
    expect(realRegistry.mayUse('codepipeline')).toEqual(['codebuild:project', 'codeconnections:connection', 'iam:role', 's3:bucket']);
    expect(realRegistry.mayUse('bedrock')).toEqual(['bedrock:custom-model', 'bedrock:imported-model', 'bedrock:knowledge-base', 'iam:role', 'lambda:function', 's3:bucket']);
    expect(realRegistry.mayUse('events')).toEqual(['events:event-bus', 'iam:role', 'lambda:function']);
    expect(realRegistry.mayUse('glue')).toEqual(['iam:role', 's3:bucket']);
    for (const service of ['s3', 'ecr', 'cloudformation', 'servicecatalog', 'codeconnections', 'kafka']) expect(realRegistry.mayUse(service), service).toEqual(['iam:role']);
  });
});

describe('forArn across a renamed service', () => {
  it('finds a connection by either ARN prefix', () => {
    const registry = realRegistry;
    expect(registry.forArn('arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab')?.type).toBe('codeconnections:connection');
    expect(registry.forArn('arn:aws:codestar-connections:us-east-1:123456789012:connection/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab')?.type).toBe('codeconnections:connection');
  });
});
