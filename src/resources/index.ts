import type { ResourceHandler } from './handler.js';
import { iamRole } from './iam-role.js';
import { lambdaFunction } from './lambda-function.js';
import { s3Bucket } from './s3-bucket.js';
import { sagemakerEndpoint } from './sagemaker-endpoint.js';
import { sagemakerEndpointConfig } from './sagemaker-endpoint-config.js';
import { sagemakerModel } from './sagemaker-model.js';
import { sagemakerNotebookInstance } from './sagemaker-notebook-instance.js';

/** Every supported type. Adding a type: one file, one line here, one test file. */
export const handlers: readonly ResourceHandler[] = [
  sagemakerEndpoint,
  sagemakerEndpointConfig,
  sagemakerModel,
  sagemakerNotebookInstance,
  lambdaFunction,
  s3Bucket,
  iamRole,
];

export function handlerForType(type: string, list: readonly ResourceHandler[] = handlers): ResourceHandler | undefined {
  return list.find((h) => h.type === type);
}

export function handlerForArn(arn: string, list: readonly ResourceHandler[] = handlers): ResourceHandler | undefined {
  return list.find((h) => h.arnPattern.test(arn));
}

/** Registry invariants: unique types, known dependencies, no cycle between types. Throws on a violation. */
export function validateRegistry(list: readonly ResourceHandler[] = handlers): void {
  const types = new Set<string>();
  for (const h of list) {
    if (types.has(h.type)) throw new Error(`resource type ${h.type} is registered twice`);
    types.add(h.type);
  }
  for (const h of list) {
    for (const d of h.dependsOn) if (!types.has(d)) throw new Error(`${h.type} depends on unknown type ${d}`);
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (t: string, path: string[]): void => {
    if (state.get(t) === 'done') return;
    if (state.get(t) === 'visiting') throw new Error(`dependency cycle between types: ${[...path, t].join(' -> ')}`);
    state.set(t, 'visiting');
    for (const d of handlerForType(t, list)?.dependsOn ?? []) visit(d, [...path, t]);
    state.set(t, 'done');
  };
  for (const h of list) visit(h.type, []);
}
