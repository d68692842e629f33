import { describe, expect, it } from 'vitest';
import { nameMatches, NOVA_PRESET } from '../../src/commands/tag.js';
import { handlers } from '../../src/resources/index.js';

describe('tag --preset nova', () => {
  it('names only supported types', () => {
    const known = new Set(handlers.map((h) => h.type));
    for (const t of Object.keys(NOVA_PRESET)) expect(known.has(t), t).toBe(true);
  });

  it('a pattern is a prefix, or with a leading * a suffix', () => {
    expect(nameMatches('NovaForgeSDK-SMTJ-JobNotifications', 'NovaForgeSDK-')).toBe(true);
    expect(nameMatches('my-rft-NovaForgeSDK', '*-NovaForgeSDK')).toBe(true);
    expect(nameMatches('my-rft-NovaForgeSDK-2', '*-NovaForgeSDK')).toBe(false);
    expect(nameMatches('nova-lite-sft-sagemaker', '*-sagemaker')).toBe(true);
    expect(nameMatches('sagemaker-endpoint', '*-sagemaker')).toBe(false);
    expect(nameMatches('other-NovaForgeSDK-', 'NovaForgeSDK-')).toBe(false);
  });
});
