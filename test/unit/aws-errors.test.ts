import { describe, expect, it } from 'vitest';
import * as errors from '../../src/aws/errors.js';
import { describeError, errorName, httpStatus, isAccessDenied, isCredentialError, isErrorNamed, isNoEndpoint } from '../../src/aws/errors.js';
import { awsError } from '../helpers/context.js';

const DESERIALIZATION_HINT = 'Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.';

describe('not-found is decided per type, by name', () => {
  it('has no catch-all isNotFound any more (message text never decides)', () => {
    expect('isNotFound' in errors).toBe(false);
  });

  it('a SageMaker ValidationException saying "Could not find" is not-found only to a type that lists ValidationException', () => {
    const err = awsError('ValidationException', 'Could not find model "nova-model".');
    expect(isErrorNamed(err, 'ResourceNotFound', 'NoSuchEntity')).toBe(false);
    expect(isErrorNamed(err, 'ValidationException')).toBe(true);
  });
});

describe('isErrorNamed', () => {
  it.each([
    ['the name', awsError('NoSuchEntity', 'The role with name nova cannot be found.', 404), ['NoSuchEntity']],
    ['one of several names', awsError('BucketNotEmpty'), ['NoSuchBucket', 'BucketNotEmpty']],
    ['a Code (S3 XML errors, plain objects)', { Code: 'NoSuchBucket', message: 'no bucket' }, ['NoSuchBucket']],
    ['a code (Node system errors)', { code: 'ECONNRESET' }, ['ECONNRESET']],
  ])('matches %s', (_what, err, names) => {
    expect(isErrorNamed(err, ...names)).toBe(true);
  });

  it.each([
    ['another name', awsError('BucketNotEmpty'), ['NoSuchBucket']],
    ['no names at all', awsError('NoSuchBucket'), []],
    ['a name that differs only in case', awsError('NoSuchEntity'), ['nosuchentity']],
    ['a name written in the message only', new Error('NoSuchEntity: the role does not exist'), ['NoSuchEntity']],
    ['undefined', undefined, ['NoSuchEntity']],
    ['null', null, ['NoSuchEntity']],
    ['a string equal to the name', 'NoSuchEntity', ['NoSuchEntity']],
  ])('does not match %s', (_what, err, names) => {
    expect(isErrorNamed(err, ...names)).toBe(false);
  });
});

describe('isAccessDenied', () => {
  it.each([
    awsError('AccessDenied', 'Access Denied', 403),
    awsError('AccessDeniedException', 'not authorized', 400),
    awsError('UnauthorizedOperation', 'no', 400),
    awsError('AuthorizationError', 'no', 400),
    awsError('UnauthorizedException', 'no', 401),
    awsError('SomethingElse', 'forbidden', 403),
    { Code: 'AccessDenied' },
  ])('%s', (err) => {
    expect(isAccessDenied(err)).toBe(true);
  });

  it.each([
    awsError('ValidationException', 'bad input', 400),
    awsError('InternalFailure', 'oops', 500),
    awsError('ExpiredToken', 'The security token included in the request is expired', 400),
    new Error('AccessDenied'),
    null,
  ])('not for %s', (err) => {
    expect(isAccessDenied(err)).toBe(false);
  });
});

describe('isCredentialError', () => {
  it.each([
    'ExpiredToken',
    'ExpiredTokenException',
    'RequestExpired',
    'InvalidClientTokenId',
    'UnrecognizedClientException',
    'InvalidAccessKeyId',
    'SignatureDoesNotMatch',
    'CredentialsProviderError',
  ])('%s: the credentials no longer work', (name) => {
    expect(isCredentialError(awsError(name, 'x', 403))).toBe(true);
  });

  it('reads a Code too', () => {
    expect(isCredentialError({ Code: 'ExpiredToken' })).toBe(true);
  });

  it.each([
    ['access denied (the credentials work, the policy says no)', awsError('AccessDenied', 'no', 403)],
    ['throttling', awsError('ThrottlingException', 'Rate exceeded', 400)],
    ['a plain Error mentioning expiry', new Error('ExpiredToken')],
    ['undefined', undefined],
  ])('not for %s', (_what, err) => {
    expect(isCredentialError(err)).toBe(false);
  });
});

describe('errorName, httpStatus', () => {
  it('reads the name, then Code, then code', () => {
    expect(errorName(awsError('NoSuchEntity'))).toBe('NoSuchEntity');
    expect(errorName({ Code: 'SlowDown' })).toBe('SlowDown');
    expect(errorName({ code: 'ECONNREFUSED' })).toBe('ECONNREFUSED');
    expect(errorName('text')).toBe('Error');
  });

  it('reads the HTTP status when there is one', () => {
    expect(httpStatus(awsError('X', 'x', 503))).toBe(503);
    expect(httpStatus(new Error('x'))).toBeUndefined();
    expect(httpStatus(undefined)).toBeUndefined();
  });
});

describe('describeError', () => {
  it.each([
    ['name and message', awsError('AccessDeniedException', 'User is not authorized to perform sagemaker:DeleteEndpoint', 403), 'AccessDeniedException: User is not authorized to perform sagemaker:DeleteEndpoint'],
    ['a message that already starts with the name', awsError('NoSuchBucket', 'NoSuchBucket: nova-data'), 'NoSuchBucket: nova-data'],
    ['only the first line', awsError('ValidationException', 'first line\nsecond line'), 'ValidationException: first line'],
    ['no message: the name alone', awsError('NotFound', ''), 'NotFound'],
    ['a string', 'boom', 'Error: boom'],
    ['a plain object with a Code and a message', { Code: 'SlowDown', message: 'Please reduce your request rate.' }, 'SlowDown: Please reduce your request rate.'],
  ])('%s', (_name, err, text) => {
    expect(describeError(err)).toBe(text);
  });

  it.each([
    ['a JSON parse error (HTML instead of JSON)', Object.assign(new SyntaxError(`Unexpected token '<', "<html><bod"... is not valid JSON\n  ${DESERIALIZATION_HINT}`), { $metadata: { httpStatusCode: 200 } }), 'SyntaxError'],
    ['an XML parser error', Object.assign(new Error(`char '<' is not expected.:1:1\n  ${DESERIALIZATION_HINT}`), { $metadata: { httpStatusCode: 404 } }), 'Error'],
    // The SDK appends its hint on a second line; the first line is whatever the parser said.
    ['any error the SDK marks as a deserialization error', Object.assign(new Error(`Invalid character in entity name\n  ${DESERIALIZATION_HINT}`), { $metadata: { httpStatusCode: 501 } }), 'Error'],
  ])('turns %s into a clear sentence', (_name, err, name) => {
    const text = describeError(err);
    expect(text).toMatch(new RegExp(`^${name}: the service answered with something that is not an AWS response \\(HTTP \\d+\\); it may not implement this operation$`));
    expect(text).toContain(`HTTP ${(err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode}`);
    expect(text).not.toContain('$response');
  });

  it('leaves the status out of that sentence when there is none', () => {
    expect(describeError(new SyntaxError('Unexpected token < in JSON at position 0'))).toBe(
      'SyntaxError: the service answered with something that is not an AWS response; it may not implement this operation',
    );
  });

  it('keeps a real service error that merely mentions XML', () => {
    const err = awsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400);
    expect(describeError(err)).toBe('MalformedXML: The XML you provided was not well-formed or did not validate against our published schema');
  });
});

describe('isNoEndpoint', () => {
  const dns = (hostname: string) => Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
  it('is true only for an AWS service hostname that does not resolve, however deep the cause', () => {
    expect(isNoEndpoint(dns('bedrock-agent.ap-east-2.amazonaws.com'))).toBe(true);
    expect(isNoEndpoint(Object.assign(new Error('fetch failed'), { cause: dns('bedrock-agent.cn-north-1.amazonaws.com.cn') }))).toBe(true);
    expect(isNoEndpoint(dns('localhost.emulator'))).toBe(false);
    expect(isNoEndpoint(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(false);
    expect(isNoEndpoint(new Error('AccessDenied'))).toBe(false);
  });
});
