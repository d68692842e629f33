import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { checkExceptions, createWaiter, WaiterState, type WaiterResult } from '@smithy/core/client';
import { isErrorNamed } from '../aws/errors.js';
import { SAGEMAKER_NOT_FOUND, sagemakerType, siblingArn, type SageMakerWaiterOptions } from './sagemaker-common.js';

/**
 * Resolves once `status` (a Describe) answers not-found: the resource is gone. It gives up when
 * `failed(status, deleting)` says the delete failed (`deleting`: Deleting was seen on an earlier poll);
 * any other error ends the wait at once. For the SageMaker types without an SDK waiter (inference
 * components, monitoring schedules, hubs); it belongs in sagemaker-common.ts, which this file does not own.
 */
export function waitUntilDescribeGone<I extends object>(
  options: SageMakerWaiterOptions,
  input: I,
  status: (client: SageMakerClient, input: I) => Promise<string | undefined>,
  failed: (status: string | undefined, deleting: boolean) => boolean = () => false,
): Promise<unknown> {
  let deleting = false;
  const check = async (client: SageMakerClient, i: I): Promise<WaiterResult> => {
    try {
      const now = await status(client, i);
      const state = failed(now, deleting) ? WaiterState.FAILURE : WaiterState.RETRY;
      deleting ||= now === 'Deleting';
      return { state, reason: now };
    } catch (err) {
      return { state: isErrorNamed(err, ...SAGEMAKER_NOT_FOUND) ? WaiterState.SUCCESS : WaiterState.FAILURE, reason: err };
    }
  };
  return createWaiter(options, input, check).then(checkExceptions);
}

/**
 * A SageMaker inference component: a model deployed onto an endpoint's instances (it bills through
 * them). It uses its endpoint, so it is deleted before it (AWS deletes an endpoint's inference components
 * first too, realtime-endpoints-delete-resources.html), and an untagged one that stays keeps its tagged
 * endpoint; and it uses the model it names (Specification.ModelName, or each of Specifications). An
 * adapter component names its base component (BaseInferenceComponentName) instead of a model: that use
 * is not declared, as a type may not reference itself (the registry forbids cycles).
 * DeleteInferenceComponent is asynchronous (Deleting); the SDK has no waiter, so DescribeInferenceComponent
 * is polled until it answers not-found (a component that turns Failed after Deleting failed its delete).
 *
 * Tagging API: AWS documents that GetResources supports all resource types except IAM users and roles
 * (and Auto Scaling groups) (Resource Groups Tagging API reference, "Services that support the Resource
 * Groups Tagging API"), and inference components are taggable SageMaker resources
 * (CreateInferenceComponent takes Tags): returned. moto 5.2.5 implements no inference-component call.
 */
export const sagemakerInferenceComponent = sagemakerType({
  kind: 'inference-component',
  description: 'SageMaker inference component (DeleteInferenceComponent, then waits until it is gone; before its endpoint and model)',
  references: ['sagemaker:endpoint', 'sagemaker:model'],
  taggingApi: true,
  describe: (s, name) => new s.DescribeInferenceComponentCommand({ InferenceComponentName: name }),
  uses: (out, ref) => [
    out.EndpointArn ?? (out.EndpointName && siblingArn(ref, 'endpoint', out.EndpointName)),
    ...[out.Specification, ...(out.Specifications ?? [])].map((spec) => spec?.ModelName && siblingArn(ref, 'model', spec.ModelName)),
  ],
  // The summaries name the endpoint but not the model: what a component uses is read with Describe.
  list: { paginator: (s) => s.paginateListInferenceComponents, arns: (page) => page.InferenceComponents?.map((c) => c.InferenceComponentArn) },
  delete: (s, name) => new s.DeleteInferenceComponentCommand({ InferenceComponentName: name }),
  waitUntilGone: (s, options, name) =>
    waitUntilDescribeGone(
      options,
      { InferenceComponentName: name },
      async (client, input) => (await client.send(new s.DescribeInferenceComponentCommand(input))).InferenceComponentStatus,
      (status, deleting) => deleting && status === 'Failed',
    ),
});
