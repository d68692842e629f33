import { setImmediate } from 'node:timers';
import pLimit, { type LimitFunction } from 'p-limit';

/**
 * How many calls of each kind run at once, per (service, region): the one table every phase takes its
 * concurrency from. Reads are describes, lists and tag checks; writes are deletes and their steps.
 * The SDK's adaptive retry mode slows a client down further when the service throttles. IAM is one
 * global endpoint with undisclosed token buckets, so it gets less.
 */
export interface LaneLimits {
  /** Calls in flight at once, per (service, region). */
  readonly read: number;
  readonly write: number;
  /**
   * The service's request rate a second, per account and region, for the benchmark's estimate of the time
   * a run takes on AWS. `published` says whether AWS documents it (and where); otherwise it is a cautious
   * stand-in. The scheduler itself bounds concurrency; the SDK's adaptive retry mode slows a client down
   * when the service throttles it.
   */
  readonly rate?: { readonly read: number; readonly write: number; readonly published: string | false };
}

const LAMBDA_QUOTAS = 'Lambda quotas (docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html): GetFunction 100/s, the rest of the control plane 15/s';
const S3_PERFORMANCE = 'S3 performance guidelines (docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html): 5,500 GET/HEAD and 3,500 PUT/COPY/POST/DELETE a second per prefix; a DeleteObjects of 1,000 keys counts 1,000';

export const LIMITS: Readonly<Record<string, LaneLimits>> = {
  iam: { read: 8, write: 4, rate: { read: 20, write: 10, published: false } },
  lambda: { read: 10, write: 8, rate: { read: 15, write: 15, published: LAMBDA_QUOTAS } },
  sagemaker: { read: 16, write: 8, rate: { read: 20, write: 10, published: false } },
  s3: { read: 16, write: 8, rate: { read: 5500, write: 3.5, published: S3_PERFORMANCE } },
  bedrock: { read: 8, write: 4, rate: { read: 10, write: 5, published: false } },
  'bedrock-agent': { read: 8, write: 4, rate: { read: 10, write: 5, published: false } },
  logs: { read: 8, write: 4, rate: { read: 10, write: 5, published: false } },
  codebuild: { read: 8, write: 4, rate: { read: 10, write: 5, published: false } },
  ecr: { read: 8, write: 4, rate: { read: 10, write: 5, published: false } },
  events: { read: 8, write: 4, rate: { read: 10, write: 5, published: false } },
  glue: { read: 8, write: 4, rate: { read: 10, write: 5, published: false } },
  codepipeline: { read: 8, write: 4, rate: { read: 10, write: 5, published: false } },
  codeconnections: { read: 4, write: 2, rate: { read: 5, write: 2, published: false } },
  cloudformation: { read: 8, write: 4, rate: { read: 10, write: 5, published: false } },
  servicecatalog: { read: 4, write: 2, rate: { read: 5, write: 2, published: false } },
  tagging: { read: 4, write: 1, rate: { read: 5, write: 5, published: false } },
  ec2: { read: 4, write: 1, rate: { read: 20, write: 5, published: false } },
  sts: { read: 2, write: 1, rate: { read: 20, write: 20, published: false } },
  default: { read: 8, write: 4, rate: { read: 5, write: 2, published: false } },
};

/**
 * Files downloaded at once by link for the backup (Lambda deployment packages), for the whole run: not an
 * AWS API call, so no lane of the table; bounded for memory (each is held until it is written) and for the
 * name lookups of new connections.
 */
export const DOWNLOADS_AT_ONCE = 8;

/**
 * `--concurrency` / the config file's `concurrency`: the most operations (what `run` is given: a describe,
 * a listing, a delete) at once per lane, for every service (`all`) and per service (which wins over
 * `all`). A bound only lowers the table, never raises it.
 */
export interface ConcurrencyCaps {
  readonly all?: number | undefined;
  readonly services?: Readonly<Record<string, number>> | undefined;
}

/** The table with each lane's read and write bounds lowered to the caps (a row is never raised). Pure. */
export function cappedLimits(caps: ConcurrencyCaps | undefined, table: Readonly<Record<string, LaneLimits>> = LIMITS): Readonly<Record<string, LaneLimits>> {
  if (!caps || (caps.all === undefined && Object.keys(caps.services ?? {}).length === 0)) return table;
  const out: Record<string, LaneLimits> = {};
  for (const [service, row] of Object.entries(table)) {
    const cap = caps.services?.[service] ?? caps.all;
    out[service] = cap === undefined ? row : { ...row, read: Math.min(row.read, cap), write: Math.min(row.write, cap) };
  }
  return out;
}

export type CallKind = 'read' | 'write';

/** IAM (and other global services) share one lane whatever region a call names. */
const GLOBAL_SERVICES = new Set(['iam']);

/**
 * Operations started in one turn of the event loop, over every lane: building an SDK request costs a few
 * milliseconds of CPU before it is written, so the hundreds a phase starts at once (every lane of every
 * region filling up) would otherwise all be built before the first of them left: a second or more with
 * nothing on the wire. Between two groups the loop goes round, and what was built is sent.
 */
export const STARTS_PER_TURN = 16;

/** Lets at most `perTurn` callers through per turn of the event loop, the others in the order they came. */
export class StartGate {
  private started = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly perTurn: number = STARTS_PER_TURN) {
    if (!Number.isInteger(perTurn) || perTurn < 1) throw new RangeError(`a start gate lets at least 1 caller through a turn, not ${perTurn}`);
  }

  /** Resolves when the caller may start. */
  pass(): Promise<void> {
    if (this.started < this.perTurn && this.waiting.length === 0) {
      this.count();
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private count(): void {
    // node:timers' own setImmediate: a test's fake timers must not hold the next group back.
    if (this.started++ === 0) setImmediate(() => this.turn());
  }

  private turn(): void {
    this.started = 0;
    for (let next = this.waiting.shift(); next; next = this.started < this.perTurn ? this.waiting.shift() : undefined) {
      this.count();
      next();
    }
  }
}

/** One limiter per (service, region, kind), built on first use from LIMITS (or an override table). */
export class Throughput {
  private readonly limiters = new Map<string, LimitFunction>();
  private readonly gate = new StartGate();

  constructor(private readonly table: Readonly<Record<string, Pick<LaneLimits, 'read' | 'write'>>> = LIMITS) {}

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

  /** Runs `fn` within the lane's limit, once the start gate lets it through. */
  run<T>(service: string, region: string, kind: CallKind, fn: () => Promise<T>): Promise<T> {
    return this.limit(service, region, kind)(() => this.gate.pass().then(fn));
  }
}
