import { DeleteBucketCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { AwsClients, isReadOnlyOperation, MutationBlockedError } from '../../src/aws/clients.js';

describe('read-only clients (dry run)', () => {
  it.each([
    ['GetCallerIdentityCommand', true],
    ['ListObjectVersionsCommand', true],
    ['DescribeEndpointCommand', true],
    ['HeadBucketCommand', true],
    ['SimulatePrincipalPolicyCommand', true],
    ['GetResourcesCommand', true],
    ['DeleteBucketCommand', false],
    ['DeleteObjectsCommand', false],
    ['StopNotebookInstanceCommand', false],
    ['DetachRolePolicyCommand', false],
    ['RemoveRoleFromInstanceProfileCommand', false],
    ['AbortMultipartUploadCommand', false],
    ['PutBucketTaggingCommand', false],
    ['TagResourceCommand', false],
    ['Getaway', false],
  ])('%s is read-only: %s', (name, expected) => {
    expect(isReadOnlyOperation(name)).toBe(expected);
  });

  it('refuses a mutating call before anything is sent, and lets reads through to the network', async () => {
    // Port 9 (discard) on loopback: nothing answers, so a call that got past the guard fails differently.
    const aws = new AwsClients({ readOnly: true, endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
    const s3 = await aws.get('s3', 'us-east-1');
    await expect(s3.send(new DeleteBucketCommand({ Bucket: 'b' }))).rejects.toBeInstanceOf(MutationBlockedError);
    const read = s3.send(new ListBucketsCommand({}));
    await expect(read).rejects.not.toBeInstanceOf(MutationBlockedError);
    await aws.destroy();
  });

  it('does not guard clients of a real run', async () => {
    const aws = new AwsClients({ endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
    const s3 = await aws.get('s3', 'us-east-1');
    await expect(s3.send(new DeleteBucketCommand({ Bucket: 'b' }))).rejects.not.toBeInstanceOf(MutationBlockedError);
    await aws.destroy();
  });
});
