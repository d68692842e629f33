import { z } from 'zod';
import { sdkPackage } from '../aws/sdk.js';
import { obj, optNum, optStr, restorer } from './restorer.js';

const sdk = () => sdkPackage('@aws-sdk/client-cloudwatch-logs');

const schema = obj({ logGroupName: z.string(), retentionInDays: optNum, kmsKeyId: optStr, logGroupClass: optStr, storedBytes: optNum, deletionProtectionEnabled: z.boolean().nullish() });

/** A log group: its class, KMS key, retention and tags (CreateLogGroup, PutRetentionPolicy). Not its events. */
export const logsLogGroupRestorer = restorer({
  type: 'logs:log-group',
  order: 1,
  schema,
  async exists(e, c, ctx) {
    const { DescribeLogGroupsCommand } = await sdk();
    const client = await ctx.aws.get('logs', e.region);
    // By prefix: the one of exactly this name, on the first page or any later one.
    let nextToken: string | undefined;
    do {
      const page = await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: c.logGroupName, nextToken }));
      if (page.logGroups?.some((g) => g.logGroupName === c.logGroupName)) return true;
      nextToken = page.nextToken;
    } while (nextToken);
    return false;
  },
  lost: (_e, c) => [
    `its log events${c.storedBytes ? ` (${c.storedBytes} bytes)` : ''}: not in the backup`,
    'its subscription and metric filters (not in the backup)',
  ],
  async restore(e, c, ctx) {
    const s = await sdk();
    const client = await ctx.aws.get('logs', e.region);
    await client.send(
      new s.CreateLogGroupCommand({
        logGroupName: c.logGroupName,
        ...(c.kmsKeyId ? { kmsKeyId: c.kmsKeyId } : {}),
        ...(c.logGroupClass ? { logGroupClass: c.logGroupClass as never } : {}),
        ...(Object.keys(e.tags).length ? { tags: e.tags } : {}),
      }),
    );
    if (c.retentionInDays) await client.send(new s.PutRetentionPolicyCommand({ logGroupName: c.logGroupName, retentionInDays: c.retentionInDays }));
    if (c.deletionProtectionEnabled) await client.send(new s.PutLogGroupDeletionProtectionCommand({ logGroupIdentifier: c.logGroupName, deletionProtectionEnabled: true }));
  },
});
