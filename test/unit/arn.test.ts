import { describe, expect, it } from 'vitest';
import { arnKey, formatArn, lastSegment, parseArn } from '../../src/aws/arn.js';

describe('parseArn', () => {
  it.each([
    ['an S3 bucket (no region, no account)', 'arn:aws:s3:::nova-data', { partition: 'aws', service: 's3', region: '', account: '', resource: 'nova-data' }],
    ['an IAM role with a path', 'arn:aws:iam::123456789012:role/service/team/nova-exec', { partition: 'aws', service: 'iam', region: '', account: '123456789012', resource: 'role/service/team/nova-exec' }],
    ['a Lambda function (colon-separated)', 'arn:aws:lambda:us-east-1:123456789012:function:nova-fn', { partition: 'aws', service: 'lambda', region: 'us-east-1', account: '123456789012', resource: 'function:nova-fn' }],
    ['a Lambda version', 'arn:aws:lambda:us-east-1:123456789012:function:nova-fn:7', { partition: 'aws', service: 'lambda', region: 'us-east-1', account: '123456789012', resource: 'function:nova-fn:7' }],
    ['a log group with colons', 'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/nova-fn:*', { partition: 'aws', service: 'logs', region: 'eu-west-1', account: '123456789012', resource: 'log-group:/aws/lambda/nova-fn:*' }],
    ['a SageMaker endpoint config', 'arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/nova-config', { partition: 'aws', service: 'sagemaker', region: 'us-east-1', account: '123456789012', resource: 'endpoint-config/nova-config' }],
    ['another partition', 'arn:aws-cn:s3:::nova-cn', { partition: 'aws-cn', service: 's3', region: '', account: '', resource: 'nova-cn' }],
    ['an STS assumed role', 'arn:aws:sts::123456789012:assumed-role/Admin/alice', { partition: 'aws', service: 'sts', region: '', account: '123456789012', resource: 'assumed-role/Admin/alice' }],
  ])('%s', (_name, arn, parts) => {
    expect(parseArn(arn)).toEqual(parts);
    expect(formatArn(parseArn(arn)!)).toBe(arn);
  });

  it.each([
    ['not an ARN', 'nova-data'],
    ['too few parts', 'arn:aws:s3:::'.slice(0, 10)],
    ['wrong prefix', 'urn:aws:s3:::nova-data'],
    ['no partition', 'arn::s3:::nova-data'],
    ['no service', 'arn:aws::::nova-data'],
    ['no resource', 'arn:aws:s3:::'],
    ['empty', ''],
  ])('rejects %s', (_name, text) => {
    expect(parseArn(text)).toBeUndefined();
  });
});

describe('lastSegment', () => {
  it.each([
    ['role/service/team/nova-exec', 'nova-exec'],
    ['role/nova-exec', 'nova-exec'],
    ['endpoint/nova-ep', 'nova-ep'],
    ['nova-data', 'nova-data'],
    ['function:nova-fn', 'function:nova-fn'],
  ])('%s → %s', (resource, name) => {
    expect(lastSegment(resource)).toBe(name);
  });
});

describe('arnKey', () => {
  it('compares SageMaker ARNs case-insensitively', () => {
    const asCreated = 'arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/Nova-Config';
    const asListed = 'arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/nova-config';
    expect(arnKey(asCreated)).toBe(arnKey(asListed));
  });

  it.each([
    ['arn:aws:s3:::Nova-Data', 'arn:aws:s3:::nova-data'],
    ['arn:aws:lambda:us-east-1:123456789012:function:Nova', 'arn:aws:lambda:us-east-1:123456789012:function:nova'],
  ])('compares %s exactly', (a, b) => {
    expect(arnKey(a)).toBe(a);
    expect(arnKey(a)).not.toBe(arnKey(b));
  });

  it('leaves a string that is not an ARN as it is', () => {
    expect(arnKey('Not-An-Arn')).toBe('Not-An-Arn');
  });
});

describe('arnKey for IAM', () => {
  it('ignores the path: names are unique in an account whatever the path', () => {
    expect(arnKey('arn:aws:iam::123456789012:role/service-role/team/Nova')).toBe(arnKey('arn:aws:iam::123456789012:role/nova'));
    expect(arnKey('arn:aws:iam::123456789012:role/a/x')).not.toBe(arnKey('arn:aws:iam::123456789012:policy/a/x'));
    expect(arnKey('arn:aws:iam::123456789012:role/a/x')).not.toBe(arnKey('arn:aws:iam::210987654321:role/x'));
  });

  it('folds case: IAM role names are unique regardless of case', () => {
    expect(arnKey('arn:aws:iam::123456789012:role/Nova')).toBe(arnKey('arn:aws:iam::123456789012:role/nova'));
  });
});
