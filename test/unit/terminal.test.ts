import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AutoUi, confirmAccepted, confirmLines } from '../../src/ui/terminal.js';

const summary = {
  account: '123456789012',
  alias: 'ml-sandbox',
  regions: ['us-east-1', 'us-west-2'],
  counts: [
    ['sagemaker:endpoint', 2],
    ['iam:role', 1],
  ] as const,
  total: 3,
  lost: ['2,720 object versions (data not in the backup) of s3:bucket artifacts'],
};

describe('the single confirmation', () => {
  it('accepts only the account id or its alias', () => {
    expect(confirmAccepted(summary, '123456789012')).toBe(true);
    expect(confirmAccepted(summary, '  ml-sandbox \n')).toBe(true);
    expect(confirmAccepted(summary, 'yes')).toBe(false);
    expect(confirmAccepted(summary, '12345678901')).toBe(false);
    expect(confirmAccepted(summary, '')).toBe(false);
    expect(confirmAccepted({ account: '123456789012', alias: '' }, '')).toBe(false);
    expect(confirmAccepted({ account: '123456789012' }, 'ml-sandbox')).toBe(false);
  });

  it('shows the account, alias, regions, counts and what the backup cannot bring back', () => {
    const text = confirmLines(summary).join('\n');
    expect(text).toContain('About to delete 3 resources in account 123456789012 (ml-sandbox), regions us-east-1, us-west-2:');
    expect(text).toMatch(/2 {2}sagemaker:endpoint/);
    expect(text).toMatch(/1 {2}iam:role/);
    expect(text).toContain('Not in the backup, gone for good:');
    expect(text).toContain('2,720 object versions (data not in the backup) of s3:bucket artifacts');
  });

  it('--yes never asks', async () => {
    const out = new PassThrough();
    const err = new PassThrough();
    const ui = new AutoUi(false, { out, err });
    expect(await ui.confirmPlan()).toBe(true);
    expect(await ui.confirmResource()).toBe('yes');
  });
});
