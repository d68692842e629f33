import type { Agent, AgentActionGroup, AgentAliasSummary, AgentKnowledgeBaseSummary, BedrockAgentClient } from '@aws-sdk/client-bedrock-agent';
import type { ResourceRef } from '../model.js';
import { AGENT_NOT_FOUND, AGENT_PAGE, agentClient, agentSdk, agentTags, bedrockArn, bedrockName, functionArn, waitUntilAgentGone } from './bedrock-common.js';
import { bedrockKnowledgeBase } from './bedrock-knowledge-base.js';
import { callerWhere, describeOrGone, every, onResource, unique, unlessGone, withoutMetadata } from './common.js';
import { GONE, type ActionNeed, type Child, type Gone, type HandlerContext, type Listed, type LiveResource, type ResourceHandler } from './handler.js';

/** The alias every agent has for testing its DRAFT version: it goes with the agent and cannot be deleted alone. */
const TEST_ALIAS = 'TSTALIASID';
const DRAFT = 'DRAFT';

/** What one version of the agent holds: the knowledge bases associated with it and its action groups in full. */
interface VersionState {
  readonly agentVersion: string;
  readonly knowledgeBases: readonly AgentKnowledgeBaseSummary[];
  readonly actionGroups: readonly AgentActionGroup[];
}

/**
 * What describe keeps: GetAgent's answer, the aliases, the DRAFT version's knowledge bases and action
 * groups (what the delete removes), and the same for each published version an alias routes to (what
 * the agent runs when invoked through that alias).
 */
interface AgentConfig {
  readonly agent?: Agent;
  readonly aliases?: readonly AgentAliasSummary[];
  readonly knowledgeBases?: readonly AgentKnowledgeBaseSummary[];
  readonly actionGroups?: readonly AgentActionGroup[];
  readonly routedVersions?: readonly VersionState[];
}

const configOf = (r: LiveResource): AgentConfig => r.described.config as AgentConfig;
/** The aliases a delete removes one by one (the test alias goes with the agent). */
const aliasIds = (aliases: readonly AgentAliasSummary[] | undefined): string[] => unique((aliases ?? []).map((a) => a.agentAliasId)).filter((id) => id !== TEST_ALIAS);
const knowledgeBaseIds = (c: AgentConfig): string[] => unique((c.knowledgeBases ?? []).map((k) => k.knowledgeBaseId));
const where = (ref: ResourceRef) => ({ partition: ref.partition, region: ref.region, account: ref.account });

async function versionState(client: BedrockAgentClient, agentId: string, agentVersion: string): Promise<VersionState> {
  const s = await agentSdk();
  const [knowledgeBases, groups] = await Promise.all([
    every(s.paginateListAgentKnowledgeBases({ client, pageSize: AGENT_PAGE }, { agentId, agentVersion }), (p) => p.agentKnowledgeBaseSummaries),
    every(s.paginateListAgentActionGroups({ client, pageSize: AGENT_PAGE }, { agentId, agentVersion }), (p) => p.actionGroupSummaries),
  ]);
  // The summaries name no executor: each group is read for its Lambda function (and the backup).
  const actionGroups = await Promise.all(
    unique(groups.map((g) => g.actionGroupId)).map(async (actionGroupId) => {
      const out = await client.send(new s.GetAgentActionGroupCommand({ agentId, agentVersion, actionGroupId }));
      return out.agentActionGroup ?? ({ agentId, agentVersion, actionGroupId } as AgentActionGroup);
    }),
  );
  return { agentVersion, knowledgeBases, actionGroups };
}

/** The agent, its aliases and what each version it may run holds, read live; GONE when it no longer exists. */
async function readAgent(client: BedrockAgentClient, agentId: string): Promise<AgentConfig | Gone> {
  const s = await agentSdk();
  const got = await describeOrGone(AGENT_NOT_FOUND, () => client.send(new s.GetAgentCommand({ agentId })));
  if (got === GONE) return GONE;
  const aliases = await every(s.paginateListAgentAliases({ client, pageSize: AGENT_PAGE }, { agentId }), (p) => p.agentAliasSummaries);
  const routed = unique(aliases.flatMap((a) => (a.routingConfiguration ?? []).map((rc) => rc.agentVersion))).filter((v) => v !== DRAFT);
  const [draft, ...routedVersions] = await Promise.all([DRAFT, ...routed].map((v) => versionState(client, agentId, v)));
  return { ...withoutMetadata(got), aliases, knowledgeBases: draft?.knowledgeBases ?? [], actionGroups: draft?.actionGroups ?? [], routedVersions } as AgentConfig;
}

/**
 * What it uses: its service role, the knowledge bases and the action groups' Lambda functions of DRAFT
 * and of every version an alias routes to (a version keeps what it was published with).
 */
function usesOf(c: AgentConfig, ref: ResourceRef): string[] {
  const versions: VersionState[] = [
    { agentVersion: DRAFT, knowledgeBases: c.knowledgeBases ?? [], actionGroups: c.actionGroups ?? [] },
    ...(c.routedVersions ?? []),
  ];
  return unique([
    c.agent?.agentResourceRoleArn,
    ...versions.flatMap((v) => v.knowledgeBases.map((k) => k.knowledgeBaseId && bedrockArn(where(ref), `knowledge-base/${k.knowledgeBaseId}`))),
    ...versions.flatMap((v) => v.actionGroups.map((g) => functionArn(g.actionGroupExecutor?.lambda))),
  ]);
}

/** Resolves once GetAgentAlias says the alias no longer exists; throws when it fails, on timeout or abort. */
async function waitUntilAliasGone(client: BedrockAgentClient, ctx: HandlerContext, agentId: string, agentAliasId: string): Promise<void> {
  const { GetAgentAliasCommand } = await agentSdk();
  await waitUntilAgentGone(
    client,
    ctx,
    `alias ${agentAliasId}`,
    async () => {
      const a = (await client.send(new GetAgentAliasCommand({ agentId, agentAliasId }))).agentAlias;
      return { status: a?.agentAliasStatus, reasons: a?.failureReasons };
    },
    ['FAILED'],
  );
}

/**
 * An agent for Amazon Bedrock. Its aliases are deleted first, each waited for; then the knowledge bases
 * associated with its DRAFT version are disassociated; then DeleteAgent (skipResourceInUseCheck false:
 * AWS refuses while it is in use), asynchronous, waited for until GetAgent says not found. Its action
 * groups, versions and the test alias go with the agent. The knowledge bases, its role and the action
 * groups' Lambda functions are separate resources: it uses them, so they are deleted after it, and kept
 * when the agent stays.
 *
 * Tagging API: AWS says GetResources supports all resource types except IAM users and roles (and Auto
 * Scaling groups) (resourcegroupstagging supported-services.html), and agents are taggable
 * (bedrock/latest/userguide/tagging.html, bedrock-agent TagResource): returned. moto's Tagging API
 * returns no Bedrock resource: the end-to-end test uses `--discovery list`.
 */
export const bedrockAgent: ResourceHandler = {
  type: 'bedrock:agent',
  description: 'Bedrock agent (deletes its aliases, disassociates its knowledge bases, then DeleteAgent with its action groups and versions)',
  arnPattern: /^arn:[\w-]+:bedrock:[\w-]+:\d{12}:agent\/[^/]+$/,
  client: 'bedrock-agent',
  taggingApi: true,
  references: ['iam:role', bedrockKnowledgeBase.type, 'lambda:function'],
  notFound: AGENT_NOT_FOUND,
  reads: ['ListAgents', 'GetAgent', 'ListTagsForResource', 'ListAgentAliases', 'ListAgentKnowledgeBases', 'ListAgentActionGroups', 'GetAgentActionGroup', 'GetAgentAlias'],
  nameOf: bedrockName,

  /** ListAgents gives ids (no ARN, no tags, no uses): the ARNs are built in the caller's account. */
  async list(ctx, region) {
    const { paginateListAgents } = await agentSdk();
    const client = await agentClient(ctx, region);
    const summaries = await every(paginateListAgents({ client, pageSize: AGENT_PAGE }, {}), (p) => p.agentSummaries);
    if (summaries.length === 0) return [];
    const w = await callerWhere(ctx, region);
    return unique(summaries.map((a) => a.agentId)).map((id): Listed => ({ arn: bedrockArn(w, `agent/${id}`) }));
  },

  async readUses(ref, ctx) {
    const c = await readAgent(await agentClient(ctx, ref.region), ref.name);
    return c === GONE ? GONE : usesOf(c, ref);
  },

  async describe(ref, ctx, hint) {
    const client = await agentClient(ctx, ref.region);
    const c = await readAgent(client, ref.name);
    if (c === GONE) return GONE;
    const tags = hint?.tags ?? (await agentTags(client, ref.arn));
    if (tags === GONE) return GONE;
    return { tags, config: { ...c }, uses: usesOf(c, ref) };
  },

  children(r) {
    const c = configOf(r);
    const memory = (c.agent?.memoryConfiguration?.enabledMemoryTypes ?? []).length > 0;
    return [
      ...aliasIds(c.aliases).map((id): Child => ({ kind: 'agent-alias', id, ...(memory ? { lost: 'the session memory it keeps is not in the backup' } : {}) })),
      ...unique((c.actionGroups ?? []).map((g) => g.actionGroupId)).map((id): Child => ({ kind: 'action-group', id })),
      ...knowledgeBaseIds(c).map((id): Child => ({ kind: 'knowledge-base-association', id })),
    ];
  },

  // Aliases and knowledge base associations carry no tags of the agent's: DisassociateAgentKnowledgeBase
  // is authorized on the agent and on the knowledge base, which may be untagged.
  deleteActions: {
    tagged: ['bedrock:ListTagsForResource', 'bedrock:ListAgentAliases', 'bedrock:ListAgentKnowledgeBases', 'bedrock:DeleteAgent', 'bedrock:GetAgent'],
    held: ['bedrock:DeleteAgentAlias', 'bedrock:GetAgentAlias', 'bedrock:DisassociateAgentKnowledgeBase'],
  },
  actions(r) {
    const { arn, name } = r.ref;
    const c = configOf(r);
    const kbs = knowledgeBaseIds(c);
    const out: ActionNeed[] = [
      // The tag re-check; the delete lists aliases and associations again.
      ...onResource(arn, ['bedrock:ListTagsForResource', 'bedrock:ListAgentAliases', 'bedrock:ListAgentKnowledgeBases']),
      ...aliasIds(c.aliases).flatMap((id) => onResource(bedrockArn(where(r.ref), `agent-alias/${name}/${id}`), ['bedrock:DeleteAgentAlias', 'bedrock:GetAgentAlias'])),
      // Authorized on the agent and on each knowledge base.
      ...(kbs.length > 0 ? [{ action: 'bedrock:DisassociateAgentKnowledgeBase', resource: arn }] : []),
      ...kbs.map((id) => ({ action: 'bedrock:DisassociateAgentKnowledgeBase', resource: bedrockArn(where(r.ref), `knowledge-base/${id}`) })),
      ...onResource(arn, ['bedrock:DeleteAgent', 'bedrock:GetAgent']),
    ];
    return out;
  },

  async currentTags(ref, ctx) {
    return agentTags(await agentClient(ctx, ref.region), ref.arn);
  },

  async delete(r, ctx, steps) {
    const s = await agentSdk();
    const client = await agentClient(ctx, r.ref.region);
    const agentId = r.ref.name;
    // An alias or association made since the plan would block the delete or be left behind: list them again.
    const [aliases, associations] = await Promise.all([
      every(s.paginateListAgentAliases({ client, pageSize: AGENT_PAGE }, { agentId }), (p) => p.agentAliasSummaries),
      every(s.paginateListAgentKnowledgeBases({ client, pageSize: AGENT_PAGE }, { agentId, agentVersion: DRAFT }), (p) => p.agentKnowledgeBaseSummaries),
    ]);
    const deleting = new Set(aliases.filter((a) => a.agentAliasStatus === 'DELETING').map((a) => a.agentAliasId));
    for (const agentAliasId of unique([...aliasIds(configOf(r).aliases), ...aliasIds(aliases)])) {
      await steps.run({ name: 'delete-alias', child: { kind: 'agent-alias', id: agentAliasId }, done: `deleted alias ${agentAliasId}` }, async () => {
        if (!deleting.has(agentAliasId)) await unlessGone(AGENT_NOT_FOUND, () => client.send(new s.DeleteAgentAliasCommand({ agentId, agentAliasId })));
        await waitUntilAliasGone(client, ctx, agentId, agentAliasId);
      });
    }
    for (const knowledgeBaseId of unique([...knowledgeBaseIds(configOf(r)), ...associations.map((k) => k.knowledgeBaseId)])) {
      await steps.run(
        { name: 'disassociate-knowledge-base', child: { kind: 'knowledge-base-association', id: knowledgeBaseId }, done: `disassociated knowledge base ${knowledgeBaseId}` },
        () => unlessGone(AGENT_NOT_FOUND, () => client.send(new s.DisassociateAgentKnowledgeBaseCommand({ agentId, agentVersion: DRAFT, knowledgeBaseId }))),
      );
    }
    await steps.run({ name: 'delete', done: `deleted agent ${agentId}` }, () => client.send(new s.DeleteAgentCommand({ agentId, skipResourceInUseCheck: false })));
  },

  async waitUntilGone(ref, ctx) {
    const { GetAgentCommand } = await agentSdk();
    const client = await agentClient(ctx, ref.region);
    await waitUntilAgentGone(
      client,
      ctx,
      `agent ${ref.name}`,
      async () => {
        const a = (await client.send(new GetAgentCommand({ agentId: ref.name }))).agent;
        return { status: a?.agentStatus, reasons: a?.failureReasons };
      },
      ['FAILED'],
    );
  },
};
