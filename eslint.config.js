import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.moto/', 'coverage/', 'nova-cleanup-backups/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', fetch: 'readonly', setTimeout: 'readonly' } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  // The house rules: only src/ui prints; only src/cli.ts exits.
  ...(() => {
    const exit = [
      { object: 'process', property: 'exit', message: 'only src/cli.ts exits' },
      { object: 'process', property: 'exitCode', message: 'only src/cli.ts sets the exit code' },
    ];
    const print = [
      { object: 'process', property: 'stdout', message: 'print through src/ui' },
      { object: 'process', property: 'stderr', message: 'print through src/ui' },
    ];
    return [
      { files: ['src/**/*.ts'], ignores: ['src/ui/**', 'src/cli.ts'], rules: { 'no-restricted-properties': ['error', ...exit, ...print] } },
      { files: ['src/ui/**/*.ts'], rules: { 'no-restricted-properties': ['error', ...exit] } },
      { files: ['src/cli.ts'], rules: { 'no-restricted-properties': ['error', ...print] } },
    ];
  })(),
  {
    files: ['src/plan/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['node:*', '@aws-sdk/*', '../ui/*', '../backup/*', '../aws/clients.js'], message: 'src/plan is pure: no I/O, no AWS, no UI' }] },
      ],
    },
  },
  // SDK packages load through src/aws/sdk.ts (require: no second compile to detect their format).
  {
    files: ['src/**/*.ts'],
    ignores: ['src/aws/sdk.ts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: 'ImportExpression[source.value=/^@(aws-sdk|smithy)\\u002F/]', message: 'load SDK packages with sdkPackage() from src/aws/sdk.ts' }],
    },
  },
  {
    files: ['scripts/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
