import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layers from './scripts/eslint/layers.mjs';

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'artifacts/', 'bench-out/', '.tools/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        __dirname: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        performance: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The layers of ARCHITECTURE.md: a wrong-direction import fails the lint.
    files: ['contracts/src/**/*.ts', 'server/**/*.ts', 'client/src/**/*.ts', 'webview/src/**/*.ts'],
    plugins: { metacurate: layers },
    rules: { 'metacurate/layers': ['error', { root: import.meta.dirname }] },
  },
  {
    // Type-aware rules on the product's TypeScript (the type checker finds what syntax cannot).
    files: [
      'contracts/src/**/*.ts',
      'server/**/*.ts',
      'client/src/**/*.ts',
      'webview/src/**/*.ts',
      'test/**/*.ts',
    ],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-for-in-array': 'error',

      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/require-await': 'off',
    },
  },
);
