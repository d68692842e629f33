import { describe, expect, it } from 'vitest';
import { regionInfo } from '../../src/aws/regions.js';
import { ExitCode, NovaError } from '../../src/errors.js';
import { validateRegions } from '../../src/preflight/regions.js';

describe('validateRegions', () => {
  it.each([
    [['us-east-1'], 'aws'],
    [['eu-west-1'], 'aws'],
    [['us-east-1', 'eu-west-1', 'ap-southeast-2'], 'aws'],
    [['cn-north-1', 'cn-northwest-1'], 'aws-cn'],
    [['us-gov-west-1'], 'aws-us-gov'],
  ])('accepts %j (partition %s)', (regions, partition) => {
    expect(validateRegions(regions)).toEqual({ partition });
  });

  it.each(['us-esat-1', 'aws-global', 'xx', 'us-east', 'US-EAST-1', 'moon-central-1', ''])('rejects %j as unknown, naming it', (region) => {
    let err: unknown;
    try {
      validateRegions(['us-east-1', region]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NovaError);
    expect((err as NovaError).exitCode).toBe(ExitCode.Usage);
    expect((err as NovaError).message).toContain(`unknown region "${region}"`);
  });

  it('rejects regions from two partitions', () => {
    expect(() => validateRegions(['us-east-1', 'cn-north-1'])).toThrow(NovaError);
    expect(() => validateRegions(['us-east-1', 'cn-north-1'])).toThrow(/several partitions \(aws, aws-cn\)/);
  });
});

describe('regionInfo', () => {
  it('describes a listed region and nothing else', () => {
    expect(regionInfo('eu-west-1')).toMatchObject({ partition: 'aws', description: expect.stringMatching(/Ireland/) });
    expect(regionInfo('us-esat-1')).toBeUndefined();
  });
});
