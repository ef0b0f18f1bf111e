// @ts-check
import { builtinModules } from 'node:module'
import js from '@eslint/js'
import globals from 'globals'
import reactHooks from 'eslint-plugin-react-hooks'
import tseslint from 'typescript-eslint'

/** A relative import that reaches into one of the named rooms under electron/. */
const roomPath = (rooms) => `(^|/)(${rooms.join('|')})(/|$)`

const electronBan = {
  name: 'electron',
  message:
    'Only electron/main and electron/preload may import electron; the rest runs under plain Node. Ask for a port.',
}

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      '.scratch/**',
      'out/**',
      'dist/**',
      'build/native/**',
      'test-results/**',
      'resources/demo-export/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'prefer-const': 'error',
      'no-var': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['electron/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!zod($|/)|\\.{1,2}/)',
              message: 'electron/shared is the contract: it imports nothing but zod.',
            },
            {
              regex: roomPath(['engine', 'main', 'preload', 'server', 'cli', 'sandbox', 'renderer']),
              message: 'electron/shared imports nothing from the other rooms.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/engine/**/*.ts'],
    ignores: ['electron/engine/workspace/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            electronBan,
            {
              name: 'better-sqlite3',
              message: 'Only electron/engine/workspace talks to SQLite; add a repository there.',
            },
          ],
          patterns: [
            {
              regex: roomPath(['main', 'preload', 'server', 'cli', 'sandbox', 'renderer']),
              message:
                'The engine imports only electron/shared and itself; the hosts import the engine, not the reverse.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/engine/workspace/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronBan],
          patterns: [
            {
              regex: roomPath(['main', 'preload', 'server', 'cli', 'sandbox', 'renderer']),
              message: 'The engine imports only electron/shared and itself.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/server/**/*.ts', 'electron/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronBan],
          patterns: [
            {
              regex: roomPath(['main', 'preload', 'renderer']),
              message:
                'Server and CLI run under plain Node: they may use the engine, never the Electron shell.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/sandbox/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronBan],
          patterns: [
            {
              regex: roomPath(['engine', 'main', 'preload', 'server', 'cli', 'renderer']),
              message: 'The sandbox is an independent witness: it never imports the engine (or any host).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: [
            electronBan,
            {
              name: 'better-sqlite3',
              message: 'The renderer never touches the workspace; call renderer/src/api.',
            },
            ...builtinModules.map((name) => ({
              name,
              message: 'The renderer runs in a sandboxed page: no Node.',
            })),
          ],
          patterns: [
            { regex: '^node:', message: 'The renderer runs in a sandboxed page: no Node.' },
            {
              regex: '(^|/)electron/(?!shared(/|$))',
              message: 'The renderer may import only electron/shared (as @shared/*).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    ignores: ['renderer/src/api/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='window'][property.name='api']",
          message: 'Only renderer/src/api touches window.api; use the RendererApi it exports.',
        },
        {
          selector: "MemberExpression[object.name='globalThis'][property.name='api']",
          message: 'Only renderer/src/api touches window.api; use the RendererApi it exports.',
        },
      ],
    },
  },
  {
    files: ['tests/e2e/**/*.ts', 'tests/e2e-electron/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='waitForTimeout']",
          message: 'End-to-end tests wait on app signals, never on time.',
        },
      ],
    },
  },
)
