import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { sdkPackage } from '../aws/sdk.js';
import { arnKey } from '../aws/arn.js';
import { describeError } from '../aws/errors.js';
import { prepareFolder } from '../backup/files.js';
import { Journal } from '../backup/journal.js';
import { AbortedError, ExitCode, NovaError } from '../errors.js';
import type { Tags } from '../model.js';
import type { TagOptions } from '../options.js';
import { byCodePoint } from '../plan/order.js';
import { typeSelected, refOf } from '../discovery/reconcile.js';
import { clientOf, GONE, type ResourceHandler } from '../resources/handler.js';
import type { RunEnv } from '../run/gather.js';
import { openSession } from '../run/session.js';
import type { TagCandidate, TagReport } from '../ui/ui.js';
import { timing } from '../timing.js';
import { TOOL } from '../version.js';
import { refuseWithoutConfirmation, type CommandDeps } from './clean.js';

/**
 * The names the Nova customization (Forge) SDK gives what it creates: it tags almost nothing
 * (shared/design/origins.md), so `tag --preset nova` finds its leftovers by name. Per type, name prefixes;
 * `{account}` and `{region}` are filled in.
 */
export const NOVA_PRESET: Readonly<Record<string, readonly string[]>> = {
  's3:bucket': ['sagemaker-nova-{account}-{region}', 'sagemaker-forge-dataprep-{account}-{region}'],
  'iam:role': ['BedrockDeployModelExecutionRole', 'SageMakerDeployModelExecutionRole', 'SmtjDataPrepExecutionRole', 'GlueDataPrepExecutionRole', 'RFTExecutionRoleNovaSDK'],
  'sagemaker:training-job': ['nova-forge-dataprep-'],
  // Its notification stacks start with the name; its RFT stacks end with it.
  'cloudformation:stack': ['NovaForgeSDK-', '*-NovaForgeSDK'],
  'glue:job': ['nova-forge-'],
  // Its SageMaker deployments: `<model>-<method>-sagemaker`, `<endpoint>-config`, `<endpoint>-model`.
  'sagemaker:endpoint': ['*-sagemaker'],
  'sagemaker:endpoint-config': ['*-sagemaker-config'],
  'sagemaker:model': ['*-sagemaker-model'],
};

/** A preset name: a prefix, or with a leading `*` a suffix (`*-NovaForgeSDK`). */
export function nameMatches(name: string, pattern: string): boolean {
  return pattern.startsWith('*') ? name.endsWith(pattern.slice(1)) : name.startsWith(pattern);
}

/** The Tagging API tags at most 20 resources a call. */
const TAG_BATCH = 20;

/**
 * `tag`: finds resources of the supported types whose names start with one of the prefixes (or the
 * preset's names), shows them, and after the usual confirmation rules tags them, so that the next cleanup
 * is tag-scoped and reviewable. It never deletes anything, and journals what it tagged.
 */
export async function runTag(opts: TagOptions, deps: CommandDeps): Promise<number> {
  if (opts.prefixes.length === 0 && !opts.preset) throw new NovaError('tag: give at least one --name-prefix (or --preset nova)');
  if (!opts.dryRun) {
    refuseWithoutConfirmation({ yes: opts.yes, interactiveTerminal: deps.interactiveTerminal, verb: 'tag' });
    await prepareFolder(opts.backupDir);
  }
  const session = await openSession({
    aws: opts,
    regions: opts.regions,
    readOnly: opts.dryRun,
    ui: deps.ui,
    signal: deps.signal,
    registry: deps.registry,
    clients: deps.aws,
    allRegions: opts.allRegions,
  });
  try {
    const { env, who, regions } = session;
    const home = regions[0] as string;
    const types = deps.registry.handlers.filter((h) => typeSelected(h.type, { include: opts.includeTypes, exclude: opts.assumeAbsent }));
    const prefixesFor = (h: ResourceHandler, region: string): string[] => [
      ...opts.prefixes,
      ...(opts.preset === 'nova' ? (NOVA_PRESET[h.type] ?? []).map((p) => p.replace('{account}', who.identity.account).replace('{region}', region)) : []),
    ];

    // Find: each type's own listing, per region (global types once), names matched by prefix.
    const found = new Map<string, TagCandidate & { handler: ResourceHandler }>();
    await Promise.all(
      types.flatMap((h) =>
        (h.global ? [home] : regions).map(async (region) => {
          const prefixes = prefixesFor(h, region);
          if (prefixes.length === 0) return;
          let listed;
          try {
            listed = await env.throughput.run(clientOf(h), region, 'read', () => h.list(env.ctx, region));
          } catch (err) {
            // What could not be listed cannot be tagged: reported as failed (exit 1), the rest goes on.
            const id = `${h.type}/${region}`;
            found.set(id, { arn: id, type: h.type, region, name: `every ${h.type} of ${region}`, prefix: prefixes.join(','), status: 'failed', error: `could not list them: ${describeError(err)}`, handler: h });
            return;
          }
          for (const l of listed) {
            const ref = refOf(h, l.arn, region, home);
            const prefix = prefixes.find((p) => nameMatches(ref.name, p));
            if (!prefix) continue;
            found.set(arnKey(l.arn), { arn: l.arn, type: h.type, region: ref.region, name: ref.name, prefix, status: 'planned', handler: h });
          }
        }),
      ),
    );
    // What each already carries: those with every tag already set need nothing.
    const items = [...found.values()].sort((a, b) => byCodePoint(a.type, b.type) || byCodePoint(a.arn, b.arn));
    await Promise.all(
      items.filter((c) => c.status === 'planned').map(async (c) => {
        const ref = refOf(c.handler, c.arn, c.region, home);
        let now: Tags | typeof GONE;
        try {
          now = await env.throughput.run(clientOf(c.handler), ref.region, 'read', () => c.handler.currentTags(ref, env.ctx));
        } catch (err) {
          c.status = 'failed';
          c.error = `could not read its tags: ${describeError(err)}`;
          return;
        }
        if (now === GONE) c.status = 'gone';
        else if (Object.entries(opts.tags).every(([k, v]) => now[k] === v)) c.status = 'already-tagged';
      }),
    );

    const report = (status: 'planned' | 'done', runId?: string, journalPath?: string): TagReport => ({
      version: 1,
      tool: { ...TOOL },
      command: 'tag',
      dryRun: opts.dryRun,
      account: who.identity.account,
      regions,
      tags: opts.tags,
      prefixes: [...new Set(items.map((i) => i.prefix))],
      resources: items.map(({ handler: _h, ...c }) => c),
      ...(runId ? { runId } : {}),
      ...(journalPath ? { journalPath } : {}),
      phase: status,
      exitCode: items.some((i) => i.status === 'failed') ? ExitCode.Failed : ExitCode.Ok,
      ...timing(),
    });
    const todo = items.filter((i) => i.status === 'planned');
    if (opts.dryRun || todo.length === 0) {
      const r = report(opts.dryRun ? 'planned' : 'done');
      deps.ui.tagReport(r);
      return r.exitCode;
    }

    // Confirm, by the same rules as a cleanup.
    let chosen = todo;
    if (opts.interactive) {
      chosen = [];
      for (const [n, c] of todo.entries()) {
        const a = await deps.ui.confirmResource({ type: c.type, name: c.name, arn: c.arn, region: c.region, index: n + 1, total: todo.length, removes: [], verb: 'tag' });
        if (a === 'quit') throw new AbortedError('aborted by the user; nothing was tagged');
        if (a === 'all') {
          chosen.push(...todo.slice(n));
          break;
        }
        if (a === 'yes') chosen.push(c);
      }
    } else if (!opts.yes) {
      deps.ui.tagReport(report('planned'));
      const counts = new Map<string, number>();
      for (const c of todo) counts.set(c.type, (counts.get(c.type) ?? 0) + 1);
      const ok = await deps.ui.confirmPlan({ account: who.identity.account, alias: who.alias, regions, counts: [...counts], total: todo.length, lost: [], verb: 'tag' });
      if (!ok) throw new AbortedError('aborted by the user; nothing was tagged');
    }
    for (const c of todo) if (!chosen.includes(c)) c.status = 'declined';

    const runId = randomUUID();
    const journal = await Journal.create(join(opts.backupDir, `nova-cleanup-tag-${who.identity.account}-${new Date().toISOString().replace(/[:.]/g, '-')}-${runId.slice(0, 8)}.journal.ndjson`), runId);
    try {
      await journal.append({ event: 'run-started', command: 'tag', items: chosen.length });
      await tagAll(env, chosen, opts.tags, journal);
      const r = report('done', runId, journal.path);
      await journal.append({ event: 'run-ended', exitCode: r.exitCode, interrupted: env.signal.aborted });
      deps.ui.tagReport(r);
      return r.exitCode;
    } finally {
      await journal.close();
    }
  } finally {
    await session.close();
  }
}

/**
 * Tags the chosen resources: the Tagging API's TagResources (20 ARNs a call, per region) for the types it
 * serves, the type's own `addTags` for the others (IAM). Each outcome is journalled.
 */
async function tagAll(env: RunEnv, chosen: (TagCandidate & { handler: ResourceHandler })[], tags: Tags, journal: Journal): Promise<void> {
  const own = chosen.filter((c) => c.handler.addTags);
  const byApi = chosen.filter((c) => !c.handler.addTags);
  const done = async (c: TagCandidate, error?: string) => {
    c.status = error ? 'failed' : 'tagged';
    if (error) c.error = error;
    env.ui.detail(`  ${error ? 'failed to tag' : 'tagged'} ${c.type} ${c.name}${error ? `: ${error}` : ''}`);
    await journal.append(error ? { event: 'failed', arn: c.arn, type: c.type, step: 'tag', error } : { event: 'tagged', arn: c.arn, type: c.type, step: 'tag', tags });
  };
  await Promise.all(
    own.map((c) =>
      env.throughput.run(clientOf(c.handler), c.region, 'write', async () => {
        try {
          await c.handler.addTags!(refOf(c.handler, c.arn, c.region, c.region), env.ctx, tags);
          await done(c);
        } catch (err) {
          await done(c, describeError(err));
        }
      }),
    ),
  );
  const { TagResourcesCommand } = await sdkPackage('@aws-sdk/client-resource-groups-tagging-api');
  const regions = [...new Set(byApi.map((c) => c.region))];
  for (const region of regions) {
    const inRegion = byApi.filter((c) => c.region === region);
    const client = await env.aws.get('tagging', region);
    for (let i = 0; i < inRegion.length; i += TAG_BATCH) {
      const batch = inRegion.slice(i, i + TAG_BATCH);
      try {
        const out = await env.throughput.run('tagging', region, 'write', () => client.send(new TagResourcesCommand({ ResourceARNList: batch.map((c) => c.arn), Tags: { ...tags } })));
        const failed = out.FailedResourcesMap ?? {};
        for (const c of batch) {
          const f = failed[c.arn];
          await done(c, f ? `${f.ErrorCode ?? 'Error'}: ${f.ErrorMessage ?? 'not tagged'}` : undefined);
        }
      } catch (err) {
        for (const c of batch) await done(c, describeError(err));
      }
    }
  }
}
