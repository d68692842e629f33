import { sagemakerType, siblingArn, waitUntilSageMakerGone } from './sagemaker-common.js';

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
    waitUntilSageMakerGone(
      options,
      { InferenceComponentName: name },
      async (client, input) => (await client.send(new s.DescribeInferenceComponentCommand(input))).InferenceComponentStatus,
      { failed: (status, deleting) => deleting && status === 'Failed' },
    ),
});
