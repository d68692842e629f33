import {
  BedrockAgentClient,
  DeleteAgentAliasCommand,
  DeleteAgentCommand,
  DisassociateAgentKnowledgeBaseCommand,
  GetAgentActionGroupCommand,
  GetAgentAliasCommand,
  GetAgentCommand,
  ListAgentActionGroupsCommand,
  ListAgentAliasesCommand,
  ListAgentKnowledgeBasesCommand,
  ListAgentsCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-bedrock-agent';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bedrockAgent as handler } from '../../../src/resources/bedrock-agent.js';
import { GONE, type Described } from '../../../src/resources/handler.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const agent = mockClient(BedrockAgentClient);
const sts = mockClient(STSClient);
const ID = 'AG12345678';
const ARN = `arn:aws:bedrock:us-east-1:123456789012:agent/${ID}`;
const ROLE = 'arn:aws:iam::123456789012:role/service-role/AmazonBedrockExecutionRoleForAgents_nova';
const KB = (id: string) => `arn:aws:bedrock:us-east-1:123456789012:knowledge-base/${id}`;
const ALIAS = (id: string) => `arn:aws:bedrock:us-east-1:123456789012:agent-alias/${ID}/${id}`;
const FN = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const ref = () => refFor(handler, ARN);
const live = (described: Partial<Described> = {}) => liveFor(handler, ARN, described);
const notFound = (what = 'Agent not found') => awsError('ResourceNotFoundException', what, 404);
const ops = () => agent.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
const notAws = () => Object.assign(new SyntaxError(`Unexpected token '<', "<!doctype "... is not valid JSON\n  Deserialization error: ...`), { $metadata: { httpStatusCode: 500 } });

const AGENT = {
  agentId: ID,
  agentName: 'nova-helper',
  agentArn: ARN,
  agentVersion: 'DRAFT',
  agentStatus: 'PREPARED' as const,
  agentResourceRoleArn: ROLE,
  idleSessionTTLInSeconds: 600,
  createdAt: new Date(0),
  updatedAt: new Date(0),
};
const alias = (agentAliasId: string, version = 'DRAFT', status: 'PREPARED' | 'DELETING' = 'PREPARED') => ({
  agentAliasId,
  agentAliasName: agentAliasId.toLowerCase(),
  agentAliasStatus: status,
  routingConfiguration: [{ agentVersion: version }],
  createdAt: new Date(0),
  updatedAt: new Date(0),
});
const kbSummary = (knowledgeBaseId: string) => ({ knowledgeBaseId, knowledgeBaseState: 'ENABLED' as const, updatedAt: new Date(0) });
const groupSummary = (actionGroupId: string) => ({ actionGroupId, actionGroupName: `g-${actionGroupId}`, actionGroupState: 'ENABLED' as const, updatedAt: new Date(0) });
const group = (actionGroupId: string, agentVersion: string, lambda?: string) => ({
  agentId: ID,
  agentVersion,
  actionGroupId,
  actionGroupName: `g-${actionGroupId}`,
  actionGroupState: 'ENABLED' as const,
  actionGroupExecutor: lambda ? { lambda } : { customControl: 'RETURN_CONTROL' as const },
  createdAt: new Date(0),
  updatedAt: new Date(0),
});
/** What describe keeps for an agent with these aliases and DRAFT associations. */
const planned = (o: { aliases?: ReturnType<typeof alias>[]; kbs?: string[]; groups?: string[]; memory?: boolean } = {}) =>
  live({
    config: {
      agent: { ...AGENT, ...(o.memory ? { memoryConfiguration: { enabledMemoryTypes: ['SESSION_SUMMARY'] } } : {}) },
      aliases: o.aliases ?? [],
      knowledgeBases: (o.kbs ?? []).map(kbSummary),
      actionGroups: (o.groups ?? []).map((g) => group(g, 'DRAFT')),
      routedVersions: [],
    },
  });

/**
 * An agent with the test alias and `live` (routing to version 2); DRAFT has KB-A and a group run by
 * `chunker:live`; version 2 has KB-B and a group run by `legacy`.
 */
function aLiveAgent() {
  agent.on(GetAgentCommand, { agentId: ID }).resolves({ agent: AGENT, $metadata: { httpStatusCode: 200 } });
  agent.on(ListAgentAliasesCommand, { agentId: ID }).resolves({ agentAliasSummaries: [alias('TSTALIASID'), alias('LIVE000001', '2')] });
  agent.on(ListAgentKnowledgeBasesCommand, { agentId: ID, agentVersion: 'DRAFT' }).resolves({ agentKnowledgeBaseSummaries: [kbSummary('KBA0000001')] });
  agent.on(ListAgentKnowledgeBasesCommand, { agentId: ID, agentVersion: '2' }).resolves({ agentKnowledgeBaseSummaries: [kbSummary('KBB0000002'), kbSummary('KBA0000001')] });
  agent.on(ListAgentActionGroupsCommand, { agentId: ID, agentVersion: 'DRAFT' }).resolves({ actionGroupSummaries: [groupSummary('GRP0000001')] });
  agent.on(ListAgentActionGroupsCommand, { agentId: ID, agentVersion: '2' }).resolves({ actionGroupSummaries: [groupSummary('GRP0000002')] });
  agent.on(GetAgentActionGroupCommand, { agentVersion: 'DRAFT', actionGroupId: 'GRP0000001' }).resolves({ agentActionGroup: group('GRP0000001', 'DRAFT', `${FN('chunker')}:live`) });
  agent.on(GetAgentActionGroupCommand, { agentVersion: '2', actionGroupId: 'GRP0000002' }).resolves({ agentActionGroup: group('GRP0000002', '2', FN('legacy')) });
  agent.on(ListTagsForResourceCommand, { resourceArn: ARN }).resolves({ tags: { project: 'nova' } });
}
const LIVE_USES = [ROLE, KB('KBA0000001'), KB('KBB0000002'), FN('chunker'), FN('legacy')];

describe('bedrock:agent', () => {
  beforeEach(() => {
    agent.reset();
    sts.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:sts::123456789012:assumed-role/cleaner/s' });
  });
  afterEach(() => vi.useRealTimers());

  it('owns agent ARNs (a bedrock ARN, though its client is bedrock-agent), not aliases, and may use roles, knowledge bases and functions', () => {
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.source.startsWith('^arn:[\\w-]+:bedrock:')).toBe(true);
    expect(handler.arnPattern.test(ALIAS('LIVE000001'))).toBe(false);
    expect(handler.arnPattern.test(KB('KBA0000001'))).toBe(false);
    // moto's ids are the name and 8 characters.
    expect(handler.arnPattern.test('arn:aws:bedrock:us-east-1:123456789012:agent/nova-helper0e6fbb6c')).toBe(true);
    expect(handler.nameOf(ARN)).toBe(ID);
    expect(handler.client).toBe('bedrock-agent');
    expect(handler.taggingApi).toBe(true);
    expect(handler.references).toEqual(['iam:role', 'bedrock:knowledge-base', 'lambda:function']);
    expect(handler.notFound).toEqual(['ResourceNotFoundException']);
  });

  describe('list', () => {
    it('lists every agent of the region, 1000 a page, with ARNs built from the ids in the caller account', async () => {
      agent.on(ListAgentsCommand)
        .resolvesOnce({ agentSummaries: [{ agentId: 'AG1', agentName: 'a', agentStatus: 'PREPARED', updatedAt: new Date(0) }], nextToken: 'p2' })
        .resolvesOnce({ agentSummaries: [{ agentId: 'AG2', agentName: 'b', agentStatus: 'NOT_PREPARED', updatedAt: new Date(0) }] });
      expect(await handler.list(ctx(), 'eu-west-1')).toEqual([
        { arn: 'arn:aws:bedrock:eu-west-1:123456789012:agent/AG1' },
        { arn: 'arn:aws:bedrock:eu-west-1:123456789012:agent/AG2' },
      ]);
      expect(agent).toHaveReceivedNthSpecificCommandWith(1, ListAgentsCommand, { maxResults: 1000 });
      expect(agent).toHaveReceivedNthSpecificCommandWith(2, ListAgentsCommand, { maxResults: 1000, nextToken: 'p2' });
      expect(await agent.call(0).thisValue.config.region()).toBe('eu-west-1');
    });

    it('fails, never answers "none", when the listing or the caller cannot be read', async () => {
      agent.on(ListAgentsCommand).rejects(notAws());
      await expect(handler.list(ctx(), 'us-east-1')).rejects.toThrow('Deserialization error');
      agent.on(ListAgentsCommand).resolves({ agentSummaries: [{ agentId: 'AG1', agentName: 'a', agentStatus: 'PREPARED', updatedAt: new Date(0) }] });
      sts.on(GetCallerIdentityCommand).rejects(awsError('ExpiredToken', 'The security token included in the request is expired', 403));
      await expect(handler.list(ctx(), 'us-east-1')).rejects.toThrow('expired');
    });
  });

  describe('describe and readUses', () => {
    it('reads the agent, its aliases, the DRAFT and the routed versions, the live tags, and what they use', async () => {
      aLiveAgent();
      const d = await handler.describe(ref(), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.tags).toEqual({ project: 'nova' });
      expect(d.config).toMatchObject({
        agent: { agentName: 'nova-helper', agentResourceRoleArn: ROLE },
        aliases: [{ agentAliasId: 'TSTALIASID' }, { agentAliasId: 'LIVE000001' }],
        knowledgeBases: [{ knowledgeBaseId: 'KBA0000001' }],
        actionGroups: [{ actionGroupId: 'GRP0000001', actionGroupExecutor: { lambda: `${FN('chunker')}:live` } }],
        routedVersions: [{ agentVersion: '2', knowledgeBases: [{ knowledgeBaseId: 'KBB0000002' }, { knowledgeBaseId: 'KBA0000001' }], actionGroups: [{ actionGroupId: 'GRP0000002' }] }],
      });
      expect(d.config).not.toHaveProperty('$metadata');
      // Functions unqualified, knowledge bases in the agent's account and region, each once.
      expect(d.uses).toEqual(LIVE_USES);
      expect(agent).toHaveReceivedCommandWith(ListAgentAliasesCommand, { agentId: ID, maxResults: 1000 });
      expect(agent).toHaveReceivedCommandWith(ListAgentKnowledgeBasesCommand, { agentId: ID, agentVersion: 'DRAFT', maxResults: 1000 });
      expect(agent).toHaveReceivedCommandWith(ListAgentActionGroupsCommand, { agentId: ID, agentVersion: '2', maxResults: 1000 });
      expect(agent).toHaveReceivedCommandWith(GetAgentActionGroupCommand, { agentId: ID, agentVersion: 'DRAFT', actionGroupId: 'GRP0000001' });
    });

    it('reads the same uses without tags for the usage check, and takes the tags discovery read', async () => {
      aLiveAgent();
      expect(await handler.readUses?.(ref(), ctx())).toEqual(LIVE_USES);
      const d = await handler.describe(ref(), ctx(), { tags: { project: 'from-discovery' } });
      expect(d !== GONE && d.tags).toEqual({ project: 'from-discovery' });
      expect(agent).not.toHaveReceivedCommand(ListTagsForResourceCommand);
    });

    it('uses only its role when it has no alias, knowledge base or Lambda action group', async () => {
      agent.on(GetAgentCommand).resolves({ agent: AGENT });
      agent.on(ListAgentAliasesCommand).resolves({ agentAliasSummaries: [alias('TSTALIASID')] });
      agent.on(ListAgentKnowledgeBasesCommand).resolves({ agentKnowledgeBaseSummaries: [] });
      agent.on(ListAgentActionGroupsCommand).resolves({ actionGroupSummaries: [groupSummary('GRP0000009')] });
      agent.on(GetAgentActionGroupCommand).resolves({ agentActionGroup: group('GRP0000009', 'DRAFT') });
      expect(await handler.readUses?.(ref(), ctx())).toEqual([ROLE]);
      // Only DRAFT is read: the test alias routes to it.
      expect(agent).toHaveReceivedCommandTimes(ListAgentKnowledgeBasesCommand, 1);
    });

    it('is gone when GetAgent says not found (no further reads), or when its tags do', async () => {
      agent.on(GetAgentCommand).rejects(notFound());
      expect(await handler.describe(ref(), ctx())).toBe(GONE);
      expect(await handler.readUses?.(ref(), ctx())).toBe(GONE);
      expect(ops()).toEqual(['GetAgent', 'GetAgent']);
      aLiveAgent();
      agent.on(ListTagsForResourceCommand).rejects(notFound('Resource not found'));
      expect(await handler.describe(ref(), ctx())).toBe(GONE);
    });

    it('cannot be read when its aliases or associations cannot be listed (moto answers 500): a failure, never "none"', async () => {
      aLiveAgent();
      agent.on(ListAgentAliasesCommand).rejects(notAws());
      await expect(handler.describe(ref(), ctx())).rejects.toThrow(/not valid JSON/);
      await expect(handler.readUses?.(ref(), ctx())).rejects.toThrow(/not valid JSON/);
      aLiveAgent();
      agent.on(ListAgentKnowledgeBasesCommand).rejects(notAws());
      await expect(handler.readUses?.(ref(), ctx())).rejects.toThrow(/not valid JSON/);
    });

    it('does not take a throttle for gone', async () => {
      agent.on(GetAgentCommand).rejects(awsError('ThrottlingException', 'Rate exceeded', 429));
      await expect(handler.describe(ref(), ctx())).rejects.toThrow('Rate exceeded');
    });
  });

  it('reads the current tags with ListTagsForResource on the ARN; gone when unknown', async () => {
    agent.on(ListTagsForResourceCommand, { resourceArn: ARN }).resolves({ tags: { project: 'nova' } });
    expect(await handler.currentTags(ref(), ctx())).toEqual({ project: 'nova' });
    agent.on(ListTagsForResourceCommand).rejects(notFound('Resource not found'));
    expect(await handler.currentTags(ref(), ctx())).toBe(GONE);
  });

  it('declares every operation its reads and waits send, and nothing that changes anything', async () => {
    aLiveAgent();
    agent.on(ListAgentsCommand).resolves({ agentSummaries: [{ agentId: ID, agentName: 'a', agentStatus: 'PREPARED', updatedAt: new Date(0) }] });
    agent.on(GetAgentAliasCommand).rejects(notFound());
    await handler.list(ctx(), 'us-east-1');
    await handler.readUses?.(ref(), ctx());
    await handler.describe(ref(), ctx());
    await handler.currentTags(ref(), ctx());
    agent.on(DeleteAgentAliasCommand).resolves({});
    agent.on(DisassociateAgentKnowledgeBaseCommand).resolves({});
    agent.on(DeleteAgentCommand).resolves({});
    await handler.delete(planned({ aliases: [alias('LIVE000001')] }), ctx(), recordingSteps());
    agent.on(GetAgentCommand).rejects(notFound());
    await handler.waitUntilGone?.(ref(), ctx());
    const reads = new Set(ops().filter((op) => !/^(Delete|Disassociate)/.test(op)));
    expect(reads.size).toBe(8);
    for (const op of reads) expect(handler.reads).toContain(op);
    expect(handler.reads.filter((op) => !/^(Get|List)/.test(op))).toEqual([]);
  });

  describe('children and actions', () => {
    it('shows its aliases (not the test alias), DRAFT action groups and knowledge-base associations', () => {
      const r = planned({ aliases: [alias('TSTALIASID'), alias('LIVE000001', '2')], kbs: ['KBA0000001'], groups: ['GRP0000001'] });
      expect(handler.children?.(r)).toEqual([
        { kind: 'agent-alias', id: 'LIVE000001' },
        { kind: 'action-group', id: 'GRP0000001' },
        { kind: 'knowledge-base-association', id: 'KBA0000001' },
      ]);
      expect(handler.children?.(planned({ aliases: [alias('TSTALIASID')] }))).toEqual([]);
    });

    it('says that an alias keeps session memory the backup does not have', () => {
      const [child] = handler.children?.(planned({ aliases: [alias('LIVE000001')], memory: true })) ?? [];
      expect(child).toEqual({ kind: 'agent-alias', id: 'LIVE000001', lost: 'the session memory it keeps is not in the backup' });
    });

    it('needs each alias delete on the alias ARN and the disassociation on the agent and each knowledge base', () => {
      const r = planned({ aliases: [alias('TSTALIASID'), alias('LIVE000001')], kbs: ['KBA0000001', 'KBB0000002'], groups: ['GRP0000001'] });
      expect(handler.actions(r)).toEqual([
        { action: 'bedrock:ListTagsForResource', resource: ARN },
        { action: 'bedrock:ListAgentAliases', resource: ARN },
        { action: 'bedrock:ListAgentKnowledgeBases', resource: ARN },
        { action: 'bedrock:DeleteAgentAlias', resource: ALIAS('LIVE000001') },
        { action: 'bedrock:GetAgentAlias', resource: ALIAS('LIVE000001') },
        { action: 'bedrock:DisassociateAgentKnowledgeBase', resource: ARN },
        { action: 'bedrock:DisassociateAgentKnowledgeBase', resource: KB('KBA0000001') },
        { action: 'bedrock:DisassociateAgentKnowledgeBase', resource: KB('KBB0000002') },
        { action: 'bedrock:DeleteAgent', resource: ARN },
        { action: 'bedrock:GetAgent', resource: ARN },
      ]);
      expect(handler.actions(planned({ aliases: [alias('TSTALIASID')] })).map((a) => a.action)).toEqual([
        'bedrock:ListTagsForResource',
        'bedrock:ListAgentAliases',
        'bedrock:ListAgentKnowledgeBases',
        'bedrock:DeleteAgent',
        'bedrock:GetAgent',
      ]);
    });
  });

  describe('delete', () => {
    const emptyLists = () => {
      agent.on(ListAgentAliasesCommand).resolves({ agentAliasSummaries: [alias('TSTALIASID')] });
      agent.on(ListAgentKnowledgeBasesCommand).resolves({ agentKnowledgeBaseSummaries: [] });
    };

    it('deletes the aliases (waiting for each), then disassociates the knowledge bases, then the agent, in use-checked mode', async () => {
      agent.on(ListAgentAliasesCommand).resolves({ agentAliasSummaries: [alias('TSTALIASID'), alias('LIVE000001'), alias('NEW0000003')] });
      agent.on(ListAgentKnowledgeBasesCommand).resolves({ agentKnowledgeBaseSummaries: [kbSummary('KBA0000001'), kbSummary('KBC0000003')] });
      agent.on(DeleteAgentAliasCommand).resolves({ agentId: ID, agentAliasId: 'x', agentAliasStatus: 'DELETING' });
      agent.on(DeleteAgentAliasCommand, { agentAliasId: 'GONE000002' }).rejects(notFound('Alias not found'));
      agent.on(GetAgentAliasCommand).rejects(notFound('Alias not found'));
      agent.on(DisassociateAgentKnowledgeBaseCommand).resolves({});
      agent.on(DisassociateAgentKnowledgeBaseCommand, { knowledgeBaseId: 'KBB0000002' }).rejects(notFound('Knowledge base not found'));
      agent.on(DeleteAgentCommand).resolves({ agentId: ID, agentStatus: 'DELETING' });
      const steps = recordingSteps();
      await handler.delete(planned({ aliases: [alias('TSTALIASID'), alias('LIVE000001'), alias('GONE000002')], kbs: ['KBA0000001', 'KBB0000002'] }), ctx(), steps);

      expect(steps.log.map((s) => `${s.name} ${s.child?.id ?? ''}`.trim())).toEqual([
        'delete-alias LIVE000001',
        'delete-alias GONE000002',
        'delete-alias NEW0000003',
        'disassociate-knowledge-base KBA0000001',
        'disassociate-knowledge-base KBB0000002',
        'disassociate-knowledge-base KBC0000003',
        'delete',
      ]);
      expect(steps.log[0]).toMatchObject({ child: { kind: 'agent-alias', id: 'LIVE000001' }, done: 'deleted alias LIVE000001' });
      expect(steps.log[3]).toMatchObject({ child: { kind: 'knowledge-base-association', id: 'KBA0000001' }, done: 'disassociated knowledge base KBA0000001' });
      expect(steps.log[6]).toEqual({ name: 'delete', done: `deleted agent ${ID}` });
      expect(agent).not.toHaveReceivedCommandWith(DeleteAgentAliasCommand, { agentId: ID, agentAliasId: 'TSTALIASID' });
      for (const agentAliasId of ['LIVE000001', 'GONE000002', 'NEW0000003']) expect(agent).toHaveReceivedCommandWith(GetAgentAliasCommand, { agentId: ID, agentAliasId });
      expect(agent).toHaveReceivedCommandWith(DisassociateAgentKnowledgeBaseCommand, { agentId: ID, agentVersion: 'DRAFT', knowledgeBaseId: 'KBC0000003' });
      expect(agent).toHaveReceivedCommandWith(DeleteAgentCommand, { agentId: ID, skipResourceInUseCheck: false });
      const order = ops();
      expect(order.at(-1)).toBe('DeleteAgent');
      expect(order.lastIndexOf('DeleteAgentAlias')).toBeLessThan(order.indexOf('DisassociateAgentKnowledgeBase'));
      expect(order.lastIndexOf('GetAgentAlias')).toBeLessThan(order.indexOf('DisassociateAgentKnowledgeBase'));
    });

    it('waits for an alias already being deleted without deleting it again', async () => {
      agent.on(ListAgentAliasesCommand).resolves({ agentAliasSummaries: [alias('LIVE000001', 'DRAFT', 'DELETING')] });
      agent.on(ListAgentKnowledgeBasesCommand).resolves({ agentKnowledgeBaseSummaries: [] });
      agent.on(GetAgentAliasCommand).rejects(notFound());
      agent.on(DeleteAgentCommand).resolves({});
      await handler.delete(planned({ aliases: [alias('LIVE000001')] }), ctx(), recordingSteps());
      expect(agent).not.toHaveReceivedCommand(DeleteAgentAliasCommand);
      expect(ops()).toEqual(['ListAgentAliases', 'ListAgentKnowledgeBases', 'GetAgentAlias', 'DeleteAgent']);
    });

    it('keeps polling an alias that is still deleting before it goes on', async () => {
      vi.useFakeTimers();
      emptyLists();
      agent.on(DeleteAgentAliasCommand).resolves({ agentAliasStatus: 'DELETING' });
      agent.on(GetAgentAliasCommand).resolvesOnce({ agentAlias: { ...alias('LIVE000001', 'DRAFT', 'DELETING'), agentId: ID, agentAliasArn: ALIAS('LIVE000001') } }).rejects(notFound());
      agent.on(DeleteAgentCommand).resolves({});
      const done = handler.delete(planned({ aliases: [alias('LIVE000001')] }), ctx(), recordingSteps());
      await vi.advanceTimersByTimeAsync(20_000);
      await expect(done).resolves.toBeUndefined();
      expect(agent).toHaveReceivedCommandTimes(GetAgentAliasCommand, 2);
      expect(ops().at(-1)).toBe('DeleteAgent');
    });

    it('does not delete the agent when an alias fails to go', async () => {
      emptyLists();
      agent.on(DeleteAgentAliasCommand).resolves({ agentAliasStatus: 'DELETING' });
      agent.on(GetAgentAliasCommand).resolves({ agentAlias: { ...alias('LIVE000001', 'DRAFT'), agentAliasStatus: 'FAILED', failureReasons: ['in use'], agentId: ID, agentAliasArn: ALIAS('LIVE000001') } });
      await expect(handler.delete(planned({ aliases: [alias('LIVE000001')], kbs: ['KBA0000001'] }), ctx(), recordingSteps())).rejects.toThrow('alias LIVE000001 is FAILED: in use');
      expect(agent).not.toHaveReceivedCommand(DisassociateAgentKnowledgeBaseCommand);
      expect(agent).not.toHaveReceivedCommand(DeleteAgentCommand);
    });

    it('deletes a bare agent in one step', async () => {
      emptyLists();
      agent.on(DeleteAgentCommand).resolves({});
      const steps = recordingSteps();
      await handler.delete(planned({ aliases: [alias('TSTALIASID')] }), ctx(), steps);
      expect(steps.log).toEqual([{ name: 'delete', done: `deleted agent ${ID}` }]);
      expect(ops()).toEqual(['ListAgentAliases', 'ListAgentKnowledgeBases', 'DeleteAgent']);
    });

    it('sends nothing destructive when the first step is stopped, and leaves the agent when its own step is', async () => {
      emptyLists();
      await expect(handler.delete(planned({ aliases: [alias('LIVE000001')] }), ctx(), recordingSteps({ stopAt: 'delete-alias' }))).rejects.toMatchObject({ name: 'TagsChanged' });
      expect(ops()).toEqual(['ListAgentAliases', 'ListAgentKnowledgeBases']);
      agent.on(DeleteAgentAliasCommand).resolves({});
      agent.on(GetAgentAliasCommand).rejects(notFound());
      agent.on(DisassociateAgentKnowledgeBaseCommand).resolves({});
      const steps = recordingSteps({ stopAt: 'delete' });
      await expect(handler.delete(planned({ aliases: [alias('LIVE000001')], kbs: ['KBA0000001'] }), ctx(), steps)).rejects.toMatchObject({ name: 'TagsChanged' });
      expect(steps.log.map((s) => s.name)).toEqual(['delete-alias', 'disassociate-knowledge-base']);
      expect(agent).not.toHaveReceivedCommand(DeleteAgentCommand);
    });

    it('leaves not-found on the final delete to the core, and fails on a conflict', async () => {
      emptyLists();
      agent.on(DeleteAgentCommand).rejects(notFound());
      await expect(handler.delete(planned(), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      agent.on(DeleteAgentCommand).rejects(awsError('ConflictException', 'Agent is in use', 409));
      await expect(handler.delete(planned(), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'ConflictException' });
    });
  });

  describe('waitUntilGone', () => {
    it('polls GetAgent until it says not found', async () => {
      vi.useFakeTimers();
      agent.on(GetAgentCommand).resolvesOnce({ agent: { ...AGENT, agentStatus: 'DELETING' } }).rejects(notFound());
      const done = handler.waitUntilGone?.(ref(), ctx());
      await vi.advanceTimersByTimeAsync(20_000);
      await expect(done).resolves.toBeUndefined();
      expect(agent).toHaveReceivedCommandTimes(GetAgentCommand, 2);
      expect(agent).toHaveReceivedCommandWith(GetAgentCommand, { agentId: ID });
    });

    it('fails with the reasons when the agent failed, on timeout, and when aborted', async () => {
      agent.on(GetAgentCommand).resolves({ agent: { ...AGENT, agentStatus: 'FAILED', failureReasons: ['could not delete'] } });
      await expect(handler.waitUntilGone?.(ref(), ctx())).rejects.toThrow(`agent ${ID} is FAILED: could not delete`);
      agent.on(GetAgentCommand).resolves({ agent: { ...AGENT, agentStatus: 'DELETING' } });
      const abort = new AbortController();
      abort.abort();
      await expect(handler.waitUntilGone?.(ref(), testContext({ signal: abort.signal }))).rejects.toMatchObject({ name: 'AbortError' });
      vi.useFakeTimers();
      const done = handler.waitUntilGone?.(ref(), testContext({ waitTimeoutSeconds: 5 }));
      const failed = expect(done).rejects.toMatchObject({ name: 'TimeoutError' });
      await vi.advanceTimersByTimeAsync(10_000);
      await failed;
    });
  });
});
