import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import { expect, it } from 'vitest';

it("puts the run's temporary files under one folder of its own, which the global setup removes at the end", () => {
  const root = process.env.NOVA_TEST_TMP;
  expect(root).toBeDefined();
  expect(tmpdir()).toBe(root);
  expect(basename(root!)).toMatch(/^nova-cleanup-tests-/);
  expect(basename(dirname(root!))).not.toMatch(/^nova-cleanup-tests-/);
});
