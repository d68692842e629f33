import { createRequire } from 'node:module';
import { expect, it } from 'vitest';
import { sdkPackage } from '../../src/aws/sdk.js';

it('loads an SDK package through require: the same module an import gives, so mocks of its clients reach it', async () => {
  const loaded = await sdkPackage('@aws-sdk/client-sts');
  const imported = await import('@aws-sdk/client-sts');
  expect(loaded.STSClient).toBe(imported.STSClient);
  expect(loaded.GetCallerIdentityCommand).toBe(imported.GetCallerIdentityCommand);
  const required = createRequire(import.meta.url);
  expect(Object.keys(required.cache).some((p) => p.includes('/@aws-sdk/client-sts/dist-cjs/'))).toBe(true);
});

it('gives a package that cannot be loaded as a rejection, not a throw', async () => {
  const load = sdkPackage as (name: string) => Promise<unknown>;
  let threw = false;
  let pending: Promise<unknown> | undefined;
  try {
    pending = load('@aws-sdk/client-that-does-not-exist');
  } catch {
    threw = true;
  }
  expect(threw).toBe(false);
  await expect(pending).rejects.toThrow(/Cannot find module/);
});
