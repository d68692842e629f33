import type { ProvisionedProductAttribute, ServiceCatalogClient } from '@aws-sdk/client-service-catalog';
import { randomUUID } from 'node:crypto';
import { checkExceptions, createWaiter, WaiterState } from '@smithy/core/client';
import { sdkPackage } from '../aws/sdk.js';
import { lastSegment, parseArn } from '../aws/arn.js';
import { isErrorNamed } from '../aws/errors.js';
import type { ResourceRef, Tags } from '../model.js';
import { onResource } from './common.js';
import { GONE, waiterOptions, type Gone, type HandlerContext, type Listed, type ResourceHandler } from './handler.js';

const sdk = () => sdkPackage('@aws-sdk/client-service-catalog');

const NOT_FOUND = ['ResourceNotFoundException'];
/** SearchProvisionedProducts' largest page. */
const PAGE = 100;

const sc = (ctx: HandlerContext, region: string): Promise<ServiceCatalogClient> => ctx.aws.get('servicecatalog', region);
const tagsOf = (p: ProvisionedProductAttribute): Tags => Object.fromEntries((p.Tags ?? []).flatMap((t) => (t.Key === undefined ? [] : [[t.Key, t.Value ?? '']])));
/** The provisioned product id (`pp-…`), the last part of its ARN. */
const idOf = (arn: string): string => lastSegment(parseArn(arn)?.resource ?? arn);

/** The account's provisioned products (every user's, not only the caller's), optionally one id. */
async function search(client: ServiceCatalogClient, id?: string): Promise<ProvisionedProductAttribute[]> {
  const { paginateSearchProvisionedProducts } = await sdk();
  const out: ProvisionedProductAttribute[] = [];
  const input = { AccessLevelFilter: { Key: 'Account' as const, Value: 'self' }, ...(id ? { Filters: { SearchQuery: [`id:${id}`] } } : {}) };
  for await (const page of paginateSearchProvisionedProducts({ client, pageSize: PAGE }, input)) out.push(...(page.ProvisionedProducts ?? []));
  return id ? out.filter((p) => p.Id === id) : out;
}

async function productOf(ref: ResourceRef, ctx: HandlerContext): Promise<ProvisionedProductAttribute | Gone> {
  const found = await search(await sc(ctx, ref.region), ref.name);
  return found[0] ?? GONE;
}

/** Every IAM action its delete needs, whatever its state: all on the resource itself. */
const ACTIONS = ['servicecatalog:SearchProvisionedProducts', 'servicecatalog:TerminateProvisionedProduct', 'servicecatalog:DescribeProvisionedProduct'];

/**
 * A Service Catalog provisioned product (a SageMaker project's, or one launched from a portfolio).
 * TerminateProvisionedProduct removes what it provisioned (its CloudFormation stack, which the core
 * shows as owned by it, and through it the stack's resources), then the product; the delete waits
 * until DescribeProvisionedProduct no longer finds it. One that is UNDER_CHANGE or PLAN_IN_PROGRESS is
 * blocked until it settles.
 *
 * Tagging API: AWS's list of supported types names Service Catalog portfolios and products, not
 * provisioned products, so they are found with SearchProvisionedProducts (its tags come with it).
 * moto 5.2.5 answers 500 to provisioning: tested with mocks only.
 */
export const servicecatalogProvisionedProduct: ResourceHandler = {
  type: 'servicecatalog:provisioned-product',
  description: 'Service Catalog provisioned product, with the stack it provisioned (TerminateProvisionedProduct, then waits)',
  arnPattern: /^arn:[\w-]+:servicecatalog:[\w-]+:\d{12}:stack\/[^/]+\/pp-[a-z0-9]+$/,
  client: 'servicecatalog',
  taggingApi: false,
  references: [],
  notFound: NOT_FOUND,
  reads: ['SearchProvisionedProducts', 'DescribeProvisionedProduct'],
  nameOf: idOf,

  async list(ctx, region) {
    const out: Listed[] = [];
    for (const p of await search(await sc(ctx, region))) {
      if (p.Arn) out.push({ arn: p.Arn, tags: tagsOf(p), uses: [], owns: p.Type === 'CFN_STACK' && p.PhysicalId?.startsWith('arn:') ? [p.PhysicalId] : [] });
    }
    return out;
  },

  /** Every provisioned product with the stack it provisioned (SearchProvisionedProducts, in `list`, carries it). */
  async listOwned(_ctx, _region, listed) {
    return listed.filter((l) => l.owns?.length).map((l) => ({ arn: l.arn, owns: l.owns ?? [] }));
  },

  async describe(ref, ctx) {
    const p = await productOf(ref, ctx);
    if (p === GONE) return GONE;
    const stack = p.Type === 'CFN_STACK' && p.PhysicalId?.startsWith('arn:') ? p.PhysicalId : undefined;
    return { tags: tagsOf(p), config: { ...p }, uses: [], ...(stack ? { owns: [stack] } : {}) };
  },

  blocked(r) {
    const status = String(r.described.config.Status);
    return status === 'UNDER_CHANGE' || status === 'PLAN_IN_PROGRESS' ? `a change is in progress (${status}): terminate it once it settles` : undefined;
  },

  deleteActions: { tagged: ACTIONS },
  actions: (r) => onResource(r.ref.arn, ACTIONS),

  async currentTags(ref, ctx) {
    const p = await productOf(ref, ctx);
    return p === GONE ? GONE : tagsOf(p);
  },

  async delete(r, ctx, steps) {
    const { TerminateProvisionedProductCommand } = await sdk();
    const client = await sc(ctx, r.ref.region);
    await steps.run({ name: 'delete', done: `asked Service Catalog to terminate ${r.ref.name}` }, () =>
      client.send(new TerminateProvisionedProductCommand({ ProvisionedProductId: r.ref.name, TerminateToken: randomUUID(), IgnoreErrors: false })),
    );
  },

  /** Until DescribeProvisionedProduct says not found; ERROR or TAINTED: the termination failed. */
  async waitUntilGone(ref, ctx) {
    const { DescribeProvisionedProductCommand } = await sdk();
    const client = await sc(ctx, ref.region);
    const result = await createWaiter(waiterOptions(client, ctx, { minDelay: 5, maxDelay: 30 }), { Id: ref.name }, async (c, input) => {
      try {
        const out = await c.send(new DescribeProvisionedProductCommand(input));
        const status = out.ProvisionedProductDetail?.Status;
        if (status === 'ERROR' || status === 'TAINTED') return { state: WaiterState.FAILURE, reason: out.ProvisionedProductDetail?.StatusMessage ?? status };
        return { state: WaiterState.RETRY };
      } catch (err) {
        if (isErrorNamed(err, ...NOT_FOUND)) return { state: WaiterState.SUCCESS };
        throw err;
      }
    });
    checkExceptions(result);
  },
};
