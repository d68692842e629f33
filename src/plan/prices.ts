/**
 * The price table behind the plan's cost estimate: on-demand hourly prices in USD, for us-east-1 only.
 * A resource in another region is priced at the us-east-1 price and labelled so ("us-east-1 price").
 *
 * Only prices that could be traced to a published source are here; a type that is not in a table is
 * shown as unknown, never guessed. Prices change: `asOf` is the date of the source the figures were
 * taken from, not a promise that they are current. The authoritative figures are AWS's own pricing pages
 * and the AWS Price List API offer files (URLs in `authoritative`).
 */

export interface PriceSource {
  readonly title: string;
  readonly url: string;
  /** The date the source's figures carry (its last change). */
  readonly asOf: string;
  readonly note?: string;
}

export interface PriceSection {
  /** What one unit of the price is ("instance-hour", "model-unit-hour"). */
  readonly unit: string;
  /** Where this section's prices come from (empty when nothing could be sourced: all unknown). */
  readonly source?: PriceSource | undefined;
  /** USD per unit per hour, by instance type (or size, or model). */
  readonly prices: Readonly<Record<string, number>>;
  /** Why some or all of this section's types have no price. */
  readonly gaps?: string;
}

export interface PriceTable {
  /** The date of the newest source (the table as a whole is no fresher than that). */
  readonly asOf: string;
  readonly region: 'us-east-1';
  readonly currency: 'USD';
  readonly terms: 'on-demand';
  /** Where AWS publishes the authoritative figures, to check or update the table against. */
  readonly authoritative: readonly { readonly title: string; readonly url: string }[];
  /** SageMaker real-time inference (endpoint) instances, per instance-hour. */
  readonly hosting: PriceSection;
  /** SageMaker notebook instances, per instance-hour. */
  readonly notebook: PriceSection;
  /** SageMaker HyperPod cluster instances, per instance-hour. */
  readonly hyperpod: PriceSection;
  /** Bedrock Provisioned Throughput without commitment, per model-unit-hour, by base model id. */
  readonly bedrockModelUnit: PriceSection;
  /** SageMaker managed MLflow tracking servers, per hour, by TrackingServerSize. */
  readonly mlflowTrackingServer: PriceSection;
}

/**
 * SageMaker real-time inference prices as AWS's own sample project for endpoint benchmarking lists them
 * ("SageMaker Hourly Instance Pricing", beside the us-east-1 EC2 on-demand prices of the same types).
 * The g4dn and p3 rows agree with a second published copy of the SageMaker pricing page's table
 * (github.com/goerlitz/nlp-classification, notebooks/10kGNAD/sagemaker/README.md).
 *
 * Left out on purpose: ml.p4d.24xlarge (37.688 there) and ml.p5.48xlarge (113.068 there). AWS lowered
 * the on-demand prices of its P4 and P5 GPU instances in June 2025, after that source's date, so those
 * figures are known to be stale: they are shown as unknown rather than overstated.
 */
const FMBENCH: PriceSource = {
  title: 'aws-samples/foundation-model-benchmarking-tool, fmbench/configs/pricing.yml (SageMaker hourly instance pricing)',
  url: 'https://github.com/aws-samples/foundation-model-benchmarking-tool/blob/39ce6b9c3572bf620a60c288c5b473462c5bc2eb/fmbench/configs/pricing.yml',
  asOf: '2025-01-26',
  note: 'last changed in commit d8814208fb3a9b6f0aa7e986e868ea3759d801ce (2025-01-26); no region is named for the SageMaker rows, whose EC2 counterparts in the same file are the us-east-1 on-demand prices',
};

export const PRICES: PriceTable = {
  asOf: FMBENCH.asOf,
  region: 'us-east-1',
  currency: 'USD',
  terms: 'on-demand',
  authoritative: [
    { title: 'Amazon SageMaker AI pricing', url: 'https://aws.amazon.com/sagemaker/ai/pricing/' },
    { title: 'Amazon Bedrock pricing', url: 'https://aws.amazon.com/bedrock/pricing/' },
    { title: 'AWS Price List API offer file, Amazon SageMaker, us-east-1', url: 'https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonSageMaker/current/us-east-1/index.json' },
    { title: 'AWS Price List API offer file, Amazon Bedrock, us-east-1', url: 'https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonBedrock/current/us-east-1/index.json' },
  ],
  hosting: {
    unit: 'instance-hour',
    source: FMBENCH,
    prices: {
      'ml.c5.xlarge': 0.204,
      'ml.c5.2xlarge': 0.408,
      'ml.c5.4xlarge': 0.816,
      'ml.c7i.xlarge': 0.214,
      'ml.m5.xlarge': 0.23,
      'ml.g4dn.xlarge': 0.7364,
      'ml.g4dn.2xlarge': 0.94,
      'ml.g4dn.4xlarge': 1.505,
      'ml.g4dn.8xlarge': 2.72,
      'ml.g4dn.12xlarge': 4.89,
      'ml.g4dn.16xlarge': 5.44,
      'ml.g5.xlarge': 1.4084,
      'ml.g5.2xlarge': 1.515,
      'ml.g5.4xlarge': 2.03,
      'ml.g5.8xlarge': 3.06,
      'ml.g5.12xlarge': 7.09,
      'ml.g5.24xlarge': 10.18,
      'ml.g5.48xlarge': 20.36,
      'ml.g6.2xlarge': 1.222,
      'ml.g6.12xlarge': 5.752,
      'ml.g6.16xlarge': 4.246,
      'ml.g6.24xlarge': 8.344,
      'ml.g6.48xlarge': 16.688,
      'ml.inf2.xlarge': 0.99,
      'ml.inf2.8xlarge': 2.36,
      'ml.inf2.24xlarge': 7.79,
      'ml.inf2.48xlarge': 15.58,
      'ml.p3.2xlarge': 3.825,
      'ml.trn1.32xlarge': 28.497,
    },
    gaps: 'ml.t2/ml.t3, the other ml.m5/ml.c5 sizes and ml.g6 sizes, ml.p4d and ml.p5 (stale since June 2025) are not in the source',
  },
  notebook: {
    unit: 'instance-hour',
    prices: {},
    gaps: 'no published notebook-instance price could be traced to a source for this table',
  },
  hyperpod: {
    unit: 'instance-hour',
    prices: {},
    gaps: 'no published HyperPod instance price could be traced to a source for this table',
  },
  bedrockModelUnit: {
    unit: 'model-unit-hour',
    prices: {},
    gaps: 'Bedrock publishes Provisioned Throughput prices per model on its pricing page and in the console; none could be traced to a source for this table',
  },
  mlflowTrackingServer: {
    unit: 'server-hour',
    prices: {},
    gaps: 'no published MLflow tracking server price could be traced to a source for this table',
  },
};

/** Hours in the month the summary's monthly figure uses (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;
