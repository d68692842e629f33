import {
  DescribeProvisionedProductCommand,
  SearchProvisionedProductsCommand,
  ServiceCatalogClient,
  TerminateProvisionedProductCommand,
  type ProvisionedProductAttribute,
} from '@aws-sdk/client-service-catalog';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { servicecatalogProvisionedProduct as handler } from '../../../src/resources/servicecatalog-provisioned-product.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const sc = mockClient(ServiceCatalogClient);
const ACCOUNT = '123456789012';
const ARN = `arn:aws:servicecatalog:us-east-1:${ACCOUNT}:stack/sagemaker-mlops-project/pp-abc123def456`;
const STACK = `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/SC-${ACCOUNT}-pp-abc123def456/0f1e2d3c-5b2a-11ef-8d3c-0a1b2c3d4e5f`;
const ctx = () => testContext({ waitTimeoutSeconds: 2 });
const sent = () => sc.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

const product = (extra: Partial<ProvisionedProductAttribute> = {}): ProvisionedProductAttribute => ({
  Name: 'sagemaker-mlops-project',
  Arn: ARN,
  Id: 'pp-abc123def456',
  Type: 'CFN_STACK',
  Status: 'AVAILABLE',
  PhysicalId: STACK,
  Tags: [{ Key: 'project', Value: 'nova' }],
  ...extra,
});

describe('servicecatalog:provisioned-product', () => {
  beforeEach(() => sc.reset());

  it('owns provisioned-product ARNs and names them by id', () => {
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test(`arn:aws:servicecatalog:us-east-1:${ACCOUNT}:portfolio/port-abc`)).toBe(false);
    expect(handler.nameOf(ARN)).toBe('pp-abc123def456');
    expect(handler.taggingApi).toBe(false);
  });

  it('list and listOwned: every provisioned product of the account, with tags and the stack it provisioned', async () => {
    sc.on(SearchProvisionedProductsCommand)
      .resolvesOnce({ ProvisionedProducts: [product()], NextPageToken: 'p2' })
      .resolvesOnce({ ProvisionedProducts: [product({ Arn: `${ARN}0`, Type: 'TERRAFORM_OPEN_SOURCE', PhysicalId: 'tf-x' })] });
    expect(await handler.list(ctx(), 'us-east-1')).toEqual([
      { arn: ARN, tags: { project: 'nova' }, uses: [], owns: [STACK] },
      { arn: `${ARN}0`, tags: { project: 'nova' }, uses: [], owns: [] },
    ]);
    expect(sc).toHaveReceivedCommandWith(SearchProvisionedProductsCommand, { AccessLevelFilter: { Key: 'Account', Value: 'self' }, PageSize: 100 });
    // listOwned takes what list found: no second search.
    sc.reset();
    const listed = [{ arn: ARN, owns: [STACK] }, { arn: `${ARN}0`, owns: [] }];
    expect(await handler.listOwned!(ctx(), 'us-east-1', listed)).toEqual([{ arn: ARN, owns: [STACK] }]);
    expect(sc).not.toHaveReceivedAnyCommand();
  });

  it('describe: found by its id, owns its stack; GONE when the search no longer finds it', async () => {
    sc.on(SearchProvisionedProductsCommand).resolvesOnce({ ProvisionedProducts: [product(), product({ Id: 'pp-other' })] }).resolvesOnce({ ProvisionedProducts: [] });
    const d = await handler.describe(refFor(handler, ARN), ctx());
    if (d === GONE) throw new Error('expected the product');
    expect(d).toMatchObject({ tags: { project: 'nova' }, uses: [], owns: [STACK] });
    expect(sc).toHaveReceivedCommandWith(SearchProvisionedProductsCommand, { Filters: { SearchQuery: ['id:pp-abc123def456'] } });
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);
    for (const op of sent()) expect(handler.reads).toContain(op);
  });

  it('blocked while a change is in progress', () => {
    expect(handler.blocked!(liveFor(handler, ARN, { config: { Status: 'UNDER_CHANGE' } }))).toMatch(/UNDER_CHANGE/);
    expect(handler.blocked!(liveFor(handler, ARN, { config: { Status: 'AVAILABLE' } }))).toBeUndefined();
  });

  it('delete: one TerminateProvisionedProduct step; then waits until it is not found', async () => {
    sc.on(TerminateProvisionedProductCommand).resolves({});
    const steps = recordingSteps();
    await handler.delete(liveFor(handler, ARN), ctx(), steps);
    expect(steps.log.map((s) => s.name)).toEqual(['delete']);
    expect(sc).toHaveReceivedCommandWith(TerminateProvisionedProductCommand, { ProvisionedProductId: 'pp-abc123def456', IgnoreErrors: false });
    sc.on(DescribeProvisionedProductCommand).rejects(awsError('ResourceNotFoundException'));
    await expect(handler.waitUntilGone!(refFor(handler, ARN), ctx())).resolves.toBeUndefined();
  });

  it('waitUntilGone: a termination that ends in ERROR fails with its message', async () => {
    sc.on(DescribeProvisionedProductCommand).resolves({ ProvisionedProductDetail: { Status: 'ERROR', StatusMessage: 'stack SC-x DELETE_FAILED' } });
    await expect(handler.waitUntilGone!(refFor(handler, ARN), ctx())).rejects.toThrow(/stack SC-x DELETE_FAILED/);
  });
});
