import { describe, expect, it } from 'vitest';
import { describeError, errorName, httpStatus, isAccessDenied, isErrorNamed, isNotFound } from '../../src/aws/errors.js';
import { awsError } from '../helpers/context.js';

const DESERIALIZATION_HINT = 'Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.';

describe('isNotFound', () => {
  it.each([
    ['Lambda / SageMaker tagging', awsError('ResourceNotFoundException', 'Function not found: arn:aws:lambda:...', 404)],
    ['IAM', awsError('NoSuchEntity', 'The role with name nova cannot be found.', 404)],
    ['IAM (query protocol name)', awsError('NoSuchEntityException', 'The role with name nova cannot be found.', 404)],
    ['S3 bucket', awsError('NoSuchBucket', 'The specified bucket does not exist', 404)],
    ['S3 HeadBucket', awsError('NotFound', 'NotFound', 404)],
    ['ResourceNotFound', awsError('ResourceNotFound', 'gone', 404)],
    ['SageMaker model', awsError('ValidationException', 'Could not find model "nova-model".')],
    ['SageMaker endpoint config', awsError('ValidationException', 'Could not find endpoint configuration "nova-config".')],
    ['SageMaker notebook', awsError('ValidationException', 'RecordNotFound')],
    ['a plain object with a Code', { Code: 'NoSuchBucket', message: 'no bucket' }],
  ])('%s', (_service, err) => {
    expect(isNotFound(err)).toBe(true);
  });

  it.each([
    ['a SageMaker validation error about the input', awsError('ValidationException', '1 validation error detected: Value at endpointName failed to satisfy constraint')],
    ['access denied', awsError('AccessDeniedException', 'not allowed', 403)],
    ['throttling', awsError('ThrottlingException', 'Rate exceeded', 400)],
    ['a plain Error saying not found', new Error('not found')],
    ['undefined', undefined],
    ['a string', 'NoSuchBucket'],
  ])('not for %s', (_name, err) => {
    expect(isNotFound(err)).toBe(false);
  });
});

describe('isAccessDenied', () => {
  it.each([
    awsError('AccessDenied', 'Access Denied', 403),
    awsError('AccessDeniedException', 'not authorized', 400),
    awsError('UnauthorizedOperation', 'no', 400),
    awsError('AuthorizationError', 'no', 400),
    awsError('SomethingElse', 'forbidden', 403),
  ])('%s', (err) => {
    expect(isAccessDenied(err)).toBe(true);
  });

  it.each([awsError('ValidationException', 'bad input', 400), awsError('InternalFailure', 'oops', 500), new Error('AccessDenied'), null])(
    'not for %s',
    (err) => {
      expect(isAccessDenied(err)).toBe(false);
    },
  );
});

describe('errorName, httpStatus, isErrorNamed', () => {
  it('reads the name, then Code, then code', () => {
    expect(errorName(awsError('NoSuchEntity'))).toBe('NoSuchEntity');
    expect(errorName({ Code: 'SlowDown' })).toBe('SlowDown');
    expect(errorName({ code: 'ECONNREFUSED' })).toBe('ECONNREFUSED');
    expect(errorName('text')).toBe('Error');
  });

  it('reads the HTTP status when there is one', () => {
    expect(httpStatus(awsError('X', 'x', 503))).toBe(503);
    expect(httpStatus(new Error('x'))).toBeUndefined();
  });

  it('matches any of the names against name, Code or code', () => {
    expect(isErrorNamed(awsError('BucketNotEmpty'), 'NoSuchBucket', 'BucketNotEmpty')).toBe(true);
    expect(isErrorNamed({ code: 'ECONNRESET' }, 'ECONNRESET')).toBe(true);
    expect(isErrorNamed(awsError('BucketNotEmpty'), 'NoSuchBucket')).toBe(false);
  });
});

describe('describeError', () => {
  it.each([
    ['name and message', awsError('AccessDeniedException', 'User is not authorized to perform sagemaker:DeleteEndpoint', 403), 'AccessDeniedException: User is not authorized to perform sagemaker:DeleteEndpoint'],
    ['a message that already starts with the name', awsError('NoSuchBucket', 'NoSuchBucket: nova-data'), 'NoSuchBucket: nova-data'],
    ['only the first line', awsError('ValidationException', 'first line\nsecond line'), 'ValidationException: first line'],
    ['no message: the name alone', awsError('NotFound', ''), 'NotFound'],
    ['a string', 'boom', 'Error: boom'],
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
