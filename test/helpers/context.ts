import { AwsClients } from '../../src/aws/clients.js';
import type { ResourceRef } from '../../src/model.js';
import type { Described, HandlerContext, LiveResource, ResourceHandler, StepInfo, Steps } from '../../src/resources/handler.js';
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

/** A LiveResource for `arn` with the given described state. */
export function liveFor(handler: ResourceHandler, arn: string, described: Partial<Described> = {}, region = 'us-east-1'): LiveResource {
  return { ref: refFor(handler, arn, region), described: { tags: {}, config: {}, uses: [], ...described } };
}

/**
 * A Steps that runs every step at once and records it (what the executor would journal). `stopAt`
 * makes the step with that name throw instead, as the executor does when the tags no longer match.
 */
export function recordingSteps(opts: { stopAt?: string } = {}): Steps & { readonly log: StepInfo[] } {
  const log: StepInfo[] = [];
  return {
    log,
    async run<T>(step: StepInfo, body: () => Promise<T>): Promise<T> {
      if (opts.stopAt === step.name) throw Object.assign(new Error('its tags no longer match'), { name: 'TagsChanged' });
      log.push(step);
      return body();
    },
  };
}

/** An SDK-shaped service error. */
export function awsError(name: string, message = name, status = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status }, $fault: 'client' });
}
