// Lint: typescript-eslint on strict settings, plus the architecture's two boundaries:
// only main/shell (and the preload) may import 'electron'; the renderer never imports main/.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const electronOnlyInShell = {
  paths: [{ name: 'electron', message: "Only main/shell/ (and preload/index.ts) may import 'electron': keep the core runnable under plain Node." }],
};

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'test-results/', 'playwright-report/', 'bench-results/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: {
      // Node for main/, scripts and tests; the browser for the renderer (which the lint rules keep apart).
      globals: { ...globals.node, ...globals.browser, NodeJS: 'readonly', React: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-dynamic-delete': 'off',
      'no-restricted-imports': ['error', electronOnlyInShell],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: globals.commonjs },
  },
  {
    files: ['main/shell/**', 'preload/index.ts', 'e2e/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...electronOnlyInShell,
          patterns: [{ regex: '^(\\.\\./)+main(/|$)', message: 'The renderer talks to the worker through preload/contract/, never main/.' }],
        },
      ],
    },
  },
);
