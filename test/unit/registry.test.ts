import { describe, expect, it } from 'vitest';
import type { ResourceHandler } from '../../src/resources/handler.js';
import { handlerForArn, handlerForType, handlers, validateRegistry } from '../../src/resources/index.js';
import { fakeHandler } from '../helpers/fakes.js';

const ACCOUNT = '123456789012';

/** One sample ARN per real type, with the name its handler should give it. */
const SAMPLES: Record<string, { arn: string; name: string }> = {
  'sagemaker:endpoint': { arn: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:endpoint/nova-ep`, name: 'nova-ep' },
  'sagemaker:endpoint-config': { arn: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:endpoint-config/nova-config`, name: 'nova-config' },
  'sagemaker:model': { arn: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model/nova-model`, name: 'nova-model' },
  'sagemaker:notebook-instance': { arn: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:notebook-instance/nova-nb`, name: 'nova-nb' },
  'lambda:function': { arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:nova-fn`, name: 'nova-fn' },
  's3:bucket': { arn: 'arn:aws:s3:::nova-data', name: 'nova-data' },
  'iam:role': { arn: `arn:aws:iam::${ACCOUNT}:role/service/nova-exec`, name: 'nova-exec' },
};

const fake = (type: string, dependsOn: string[] = []): ResourceHandler => fakeHandler({ type, dependsOn });

describe('the registry', () => {
  it('is valid', () => {
    expect(() => validateRegistry()).not.toThrow();
  });

  it('has a sample here for every type (add one when adding a type)', () => {
    expect(handlers.map((h) => h.type).sort()).toEqual(Object.keys(SAMPLES).sort());
  });

  it.each(Object.entries(SAMPLES))('%s owns its sample ARN, and no other handler does', (type, { arn, name }) => {
    const owners = handlers.filter((h) => h.arnPattern.test(arn));
    expect(owners.map((h) => h.type)).toEqual([type]);
    expect(handlerForArn(arn)?.type).toBe(type);
    expect(owners[0]?.nameOf(arn)).toBe(name);
  });

  it.each(handlers.map((h) => [h.type, h] as const))('%s describes itself and lists the actions it needs', (type, h) => {
    expect(h.description.length).toBeGreaterThan(0);
    expect(h.actions.length).toBeGreaterThan(0);
    for (const a of h.actions) expect(a).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
    expect(handlerForType(type)).toBe(h);
  });

  it.each([
    ['an unsupported service', `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0abc`],
    ['an S3 object', 'arn:aws:s3:::nova-data/some/key'],
    ['an S3 access point', `arn:aws:s3:us-east-1:${ACCOUNT}:accesspoint/nova-ap`],
    ['an IAM user', `arn:aws:iam::${ACCOUNT}:user/alice`],
    ['a SageMaker training job', `arn:aws:sagemaker:us-east-1:${ACCOUNT}:training-job/nova-train`],
    ['text that is not an ARN', 'nova-data'],
  ])('has no handler for %s', (_name, arn) => {
    expect(handlerForArn(arn)).toBeUndefined();
  });

  it('has no handler for an unknown type', () => {
    expect(handlerForType('ec2:instance')).toBeUndefined();
  });
});

describe('validateRegistry', () => {
  it('passes a list with unique types, known dependencies and no cycle', () => {
    expect(() => validateRegistry([fake('x:a', ['x:b']), fake('x:b', ['x:c']), fake('x:c'), fake('x:d', ['x:c'])])).not.toThrow();
  });

  it('throws for a type registered twice', () => {
    expect(() => validateRegistry([fake('x:a'), fake('x:b'), fake('x:a')])).toThrow('resource type x:a is registered twice');
  });

  it('throws for a dependency on an unknown type', () => {
    expect(() => validateRegistry([fake('x:a', ['x:missing'])])).toThrow('x:a depends on unknown type x:missing');
  });

  it('throws for a cycle between types, naming it', () => {
    expect(() => validateRegistry([fake('x:a', ['x:b']), fake('x:b', ['x:c']), fake('x:c', ['x:a'])])).toThrow(
      'dependency cycle between types: x:a -> x:b -> x:c -> x:a',
    );
    expect(() => validateRegistry([fake('x:self', ['x:self'])])).toThrow(/cycle/);
  });

  it('looks handlers up in the list it is given', () => {
    const list = [fake('x:a')];
    expect(handlerForType('x:a', list)).toBe(list[0]);
    expect(handlerForArn(`arn:aws:x:us-east-1:${ACCOUNT}:a/one`, list)).toBe(list[0]);
    expect(handlerForArn(`arn:aws:x:us-east-1:${ACCOUNT}:b/one`, list)).toBeUndefined();
  });
});
