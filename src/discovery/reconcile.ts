import pLimit from 'p-limit';
import { arnKey, parseArn } from '../aws/arn.js';
import { describeError } from '../aws/errors.js';
import type { Outcome, ResourceRef, TagFilter } from '../model.js';
import { byCodePoint, type Candidate } from '../plan/plan.js';
import { GONE, type HandlerContext, type Hit, type ResourceHandler } from '../resources/handler.js';
import { matchesTags } from '../tags.js';

export interface TypeSelection {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

export interface Reconciled {
  readonly candidates: Candidate[];
  /** Everything found that will not be deleted, with why. */
  readonly outcomes: Outcome[];
  /** ARNs used by resources that stay (excluded, protected, re-tagged, out of region): they must stay too. */
  readonly keptUses: { readonly arn: string; readonly by: string }[];
  /** Types of resources that stay but could not be read: what they use is unknown. */
  readonly unreadableTypes: Set<string>;
}

/** `sagemaker:endpoint` matches `sagemaker:endpoint` and `sagemaker:*`. */
export function typeMatches(type: string, pattern: string): boolean {
  return pattern.endsWith(':*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern;
}

export function typeSelected(type: string, sel: TypeSelection): boolean {
  if (sel.include.length && !sel.include.some((p) => typeMatches(type, p))) return false;
  return !sel.exclude.some((p) => typeMatches(type, p));
}

/**
 * Checks every hit against the owning service: the Tagging API lists deleted resources for hours and
 * remembers old tags, so only a live describe decides. Describes run concurrently, bounded per service.
 */
export async function reconcile(opts: {
  readonly hits: readonly Hit[];
  readonly handlers: readonly ResourceHandler[];
  readonly ctx: HandlerContext;
  readonly filters: readonly TagFilter[];
  readonly types: TypeSelection;
  /** Region for global types (IAM). */
  readonly homeRegion: string;
  /** The regions of the run: a bucket whose home region is elsewhere is left alone. */
  readonly regions?: readonly string[];
  readonly concurrencyPerService?: number;
}): Promise<Reconciled> {
  const candidates: Candidate[] = [];
  const outcomes: Outcome[] = [];
  const keptUses: { arn: string; by: string }[] = [];
  const unreadableTypes = new Set<string>();
  const limits = new Map<string, ReturnType<typeof pLimit>>();
  const limit = (service: string) => {
    let l = limits.get(service);
    if (!l) limits.set(service, (l = pLimit(opts.concurrencyPerService ?? (service === 'iam' ? 4 : 8))));
    return l;
  };

  const seen = new Set(opts.hits.map((h) => arnKey(h.arn)));
  const check = async (hit: Hit, referenced: boolean): Promise<void> => {
      const handler = opts.handlers.find((h) => h.arnPattern.test(hit.arn));
      const arn = parseArn(hit.arn);
      const base = { arn: hit.arn, region: arn?.region || hit.region };
      if (!handler || !arn) {
        outcomes.push({
          ...base,
          type: arn ? `${arn.service}:${arn.resource.split(/[/:]/)[0] ?? ''}` : 'unknown',
          name: hit.arn,
          status: 'unsupported',
          reason: arn ? 'no handler for this type; left alone' : 'not a valid ARN; left alone',
        });
        return;
      }
      const ref: ResourceRef = {
        arn: hit.arn,
        type: handler.type,
        region: handler.global ? opts.homeRegion : arn.region || hit.region,
        account: arn.account,
        partition: arn.partition,
        name: handler.nameOf(hit.arn),
      };
      const out = (o: Pick<Outcome, 'status' | 'reason' | 'error'>): void => {
        if (!referenced) outcomes.push({ arn: ref.arn, type: ref.type, region: ref.region, name: ref.name, ...o });
      };
      const service = handler.type.split(':')[0] ?? '';
      // A resource that stays keeps what it uses: read what that is (when its type uses anything).
      const stays = async (reason: string): Promise<void> => {
        out({ status: 'skipped', reason });
        if (handler.dependsOn.length === 0) return;
        await limit(service)(async () => {
          try {
            const d = await handler.describe(ref, opts.ctx);
            if (d !== GONE) for (const u of d.uses) keptUses.push({ arn: u, by: ref.name });
          } catch {
            unreadableTypes.add(handler.type);
          }
        });
      };
      if (!typeSelected(handler.type, opts.types)) {
        await stays('type excluded by --include-type/--exclude-type');
        return;
      }
      const refusal = handler.protect?.(ref);
      if (refusal) {
        await stays(refusal);
        return;
      }

      await limit(service)(async () => {
        try {
          const d = await handler.describe(ref, opts.ctx);
          if (d === GONE) {
            out({ status: 'gone', reason: 'already deleted (the Tagging API still lists it)' });
            return;
          }
          const live: ResourceRef = d.region ? { ...ref, region: d.region } : ref;
          const keep = (reason: string): void => {
            if (!referenced) outcomes.push({ arn: live.arn, type: live.type, region: live.region, name: live.name, status: 'skipped', reason });
            for (const u of d.uses) keptUses.push({ arn: u, by: live.name });
          };
          if (d.region && opts.regions && !opts.regions.includes(d.region)) {
            keep(`its home region ${d.region} is not one of --region; left alone`);
            return;
          }
          if (!matchesTags(d.tags, opts.filters)) {
            for (const u of d.uses) keptUses.push({ arn: u, by: live.name });
            if (!referenced) {
              outcomes.push({ arn: live.arn, type: live.type, region: live.region, name: live.name, status: 'skipped', reason: 'its live tags do not match (the Tagging API is stale); left alone' });
            }
            return;
          }
          candidates.push({ ref: live, tags: d.tags, config: d.config, uses: d.uses });
        } catch (err) {
          if (referenced) {
            // Not found by the tags, only referenced: it stays, and the report says why.
            outcomes.push({ arn: ref.arn, type: ref.type, region: ref.region, name: ref.name, status: 'skipped', reason: `used by a planned resource but could not be read: ${describeError(err)}` });
          } else out({ status: 'failed', error: `could not read it before deleting: ${describeError(err)}` });
        }
      });
  };

  await Promise.all(opts.hits.map((hit) => check(hit, false)));

  // Follow references: a tagged endpoint's config, a function's role... The Tagging API can lag behind
  // (or, in emulators, mangle an ARN); a referenced resource joins the candidates only if its own live
  // tags match, exactly like a hit. One that does not match is not reported: it was never found by the
  // tags. What resources that stay use is followed too, so that the whole chain under them stays.
  let doneCandidates = 0;
  let doneKept = 0;
  while (doneCandidates < candidates.length || doneKept < keptUses.length) {
    const arns = [
      ...candidates.slice(doneCandidates).flatMap((c) => c.uses.map((arn) => ({ arn, region: c.ref.region }))),
      ...keptUses.slice(doneKept).map((k) => ({ arn: k.arn, region: opts.homeRegion })),
    ];
    doneCandidates = candidates.length;
    doneKept = keptUses.length;
    const refs: Hit[] = [];
    for (const { arn, region } of arns) {
      const key = arnKey(arn);
      if (seen.has(key) || !opts.handlers.some((h) => h.arnPattern.test(arn))) continue;
      seen.add(key);
      refs.push({ arn, tags: {}, region });
    }
    await Promise.all(refs.map((hit) => check(hit, true)));
  }
  outcomes.sort((a, b) => byCodePoint(a.type, b.type) || byCodePoint(a.arn, b.arn));
  return { candidates, outcomes, keptUses, unreadableTypes };
}
