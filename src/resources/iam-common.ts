import type { IAMClient } from '@aws-sdk/client-iam';
import type { Tags } from '../model.js';
import { runBounded } from './common.js';
import type { HandlerContext } from './handler.js';

/** What the IAM types (roles, customer-managed policies, instance profiles) share; this file is not a type. */

/** IAM's page limit (MaxItems), and how many IAM calls one resource runs at once (shared by the IAM types). */
export const IAM_PAGE = 1000;
export const IAM_CONCURRENCY = 8;
export const IAM_NOT_FOUND: readonly string[] = ['NoSuchEntity', 'NoSuchEntityException'];

/** IAM is global: the client of whatever region the ref carries (the run's first region). */
export const iamClient = (ctx: HandlerContext, region: string): Promise<IAMClient> => ctx.aws.get('iam', region);

/**
 * A customer-managed policy's ARN (`policy/<path/>name` in a 12-digit account); AWS-managed policies
 * (`arn:aws:iam::aws:policy/...`) never match: no one may delete them.
 */
export const CUSTOMER_POLICY_ARN = /^arn:[\w-]+:iam::\d{12}:policy\/(?:[^/]+\/)*[^/]+$/;

/** Tags as IAM's Tag* calls take them. */
export const tagList = (tags: Tags) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/**
 * Runs destructive steps at most IAM_CONCURRENCY at once. After a failure no further step starts; the
 * ones under way finish (so that their `done` is known), then the first error is thrown.
 */
export const runEach = (tasks: readonly (() => Promise<unknown>)[]): Promise<void> => runBounded(tasks, IAM_CONCURRENCY);
