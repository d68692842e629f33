import { AwsClients } from '../../src/aws/clients.js';
import type { ResourceRef } from '../../src/model.js';
import type { HandlerContext, ResourceHandler } from '../../src/resources/handler.js';
import { parseArn } from '../../src/aws/arn.js';

/** A handler context whose clients make one attempt (mocked clients never need retries). */
export function testContext(overrides: Partial<HandlerContext> = {}): HandlerContext {
  return { aws: new AwsClients({ maxAttempts: 1 }), waitTimeoutSeconds: 60, ...overrides };
}

/** A ResourceRef for `arn`, as discovery would build it. */
export function refFor(handler: ResourceHandler, arn: string, region = 'us-east-1'): ResourceRef {
  const p = parseArn(arn);
  if (!p) throw new Error(`bad ARN in test: ${arn}`);
  return { arn, type: handler.type, region: p.region || region, account: p.account || '123456789012', partition: p.partition, name: handler.nameOf(arn) };
}

/** An SDK-shaped service error. */
export function awsError(name: string, message = name, status = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status }, $fault: 'client' });
}
