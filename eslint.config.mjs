import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

/** The SDK's public API only: what is under its packages' lib/ changes without notice. */
const SDK_INTERNALS = {
  group: ['@temporalio/*/lib/*'],
  message: "Use the Temporal SDK's public API (its packages' index), not its internals.",
};

export default tseslint.config(
  { ignores: ['dist/', 'dist-simulator/', 'node_modules/', '.temporal/', '.data/', 'coverage/', 'scripts/*.js'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [SDK_INTERNALS] }],
    },
  },
  {
    // The console's browser modules: plain JavaScript served as is, linted without type information.
    files: ['src/api/console/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no I/O, no Node built-ins.
    files: ['src/workflows/**/*.ts', 'test/fixtures/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: builtinModules.map((name) => ({ name, message: 'Node built-ins are not allowed in workflow code.' })),
          patterns: [
            SDK_INTERNALS,
            { group: ['node:*'], message: 'Node built-ins are not allowed in workflow code.' },
            {
              group: ['axios', '**/eko/client', '**/activities/*'],
              message: 'Workflow code does no I/O; import activity types only.',
              allowTypeImports: true,
            },
            {
              // Every cached workflow evaluates the modules it imports: zod cost 0.6 MB per parked refund.
              regex: '^zod$|(^|/)contract(/index|/schemas)?$',
              message: 'No zod in workflow code: validate with contract/rules (BENCHMARKS.md, memory).',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
