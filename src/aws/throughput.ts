import pLimit, { type LimitFunction } from 'p-limit';

/**
 * How many calls of each kind run at once, per (service, region): the one table every phase takes its
 * concurrency from. Reads are describes, lists and tag checks; writes are deletes and their steps.
 * The SDK's adaptive retry mode slows a client down further when the service throttles.
 * Lambda's control plane allows 15 requests a second per region; Tagging 15 a second (not adjustable);
 * IAM is one global endpoint with undisclosed token buckets, so it gets less.
 */
export const LIMITS: Readonly<Record<string, { readonly read: number; readonly write: number }>> = {
  iam: { read: 8, write: 4 },
  lambda: { read: 10, write: 8 },
  sagemaker: { read: 16, write: 8 },
  s3: { read: 16, write: 8 },
  bedrock: { read: 8, write: 4 },
  'bedrock-agent': { read: 8, write: 4 },
  logs: { read: 8, write: 4 },
  codebuild: { read: 8, write: 4 },
  ecr: { read: 8, write: 4 },
  events: { read: 8, write: 4 },
  glue: { read: 8, write: 4 },
  codepipeline: { read: 8, write: 4 },
  codeconnections: { read: 4, write: 2 },
  cloudformation: { read: 8, write: 4 },
  servicecatalog: { read: 4, write: 2 },
  tagging: { read: 4, write: 1 },
  ec2: { read: 4, write: 1 },
  sts: { read: 2, write: 1 },
  default: { read: 8, write: 4 },
};

export type CallKind = 'read' | 'write';

/** IAM (and other global services) share one lane whatever region a call names. */
const GLOBAL_SERVICES = new Set(['iam']);

/** One limiter per (service, region, kind), built on first use from LIMITS (or an override table). */
export class Throughput {
  private readonly limiters = new Map<string, LimitFunction>();

  constructor(private readonly table: Readonly<Record<string, { readonly read: number; readonly write: number }>> = LIMITS) {}

  limit(service: string, region: string, kind: CallKind): LimitFunction {
    const key = `${service}|${GLOBAL_SERVICES.has(service) ? 'global' : region}|${kind}`;
    let l = this.limiters.get(key);
    if (!l) {
      const row = this.table[service] ?? this.table.default ?? { read: 4, write: 2 };
      l = pLimit(row[kind]);
      this.limiters.set(key, l);
    }
    return l;
  }

  /** Runs `fn` within the lane's limit. */
  run<T>(service: string, region: string, kind: CallKind, fn: () => Promise<T>): Promise<T> {
    return this.limit(service, region, kind)(fn);
  }
}
