// Lint: typescript-eslint on strict settings, plus the architecture's two boundaries:
// only main/shell (and the preload) may import 'electron'; the renderer never imports main/.
import js from '@eslint/js';
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
      globals: {
        console: 'readonly', process: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly',
        setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', URLSearchParams: 'readonly',
        window: 'readonly', document: 'readonly', WebSocket: 'readonly', getComputedStyle: 'readonly',
        performance: 'readonly', structuredClone: 'readonly', queueMicrotask: 'readonly', TextEncoder: 'readonly',
        TextDecoder: 'readonly', AbortController: 'readonly', fetch: 'readonly', Response: 'readonly', Request: 'readonly',
        Headers: 'readonly', crypto: 'readonly', setImmediate: 'readonly', navigator: 'readonly', location: 'readonly',
        history: 'readonly', localStorage: 'readonly', sessionStorage: 'readonly', HTMLElement: 'readonly',
        HTMLCanvasElement: 'readonly', Blob: 'readonly', requestAnimationFrame: 'readonly', cancelAnimationFrame: 'readonly',
        __dirname: 'readonly', NodeJS: 'readonly', React: 'readonly', Event: 'readonly', MessageEvent: 'readonly',
        CloseEvent: 'readonly', Storage: 'readonly', Location: 'readonly', History: 'readonly', Window: 'readonly',
      },
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
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' } },
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
