import { resolve } from 'node:path'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'electron-vite'

const root = import.meta.dirname

/**
 * One config builds the three Electron targets into out/: main (the shell and the engine host that
 * runs in a utility process), preload (one CommonJS file, as sandboxed preloads require) and the
 * renderer. Server mode serves out/renderer too.
 */
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rolldownOptions: {
        input: {
          index: resolve(root, 'electron/main/index.ts'),
          'engine-host': resolve(root, 'electron/main/engine-host.ts'),
          // Staging reads and validates in a worker thread beside the engine host (producer-pool.ts).
          'stage-worker': resolve(root, 'electron/engine/source/leaf360/staging/stage-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload cannot load modules: bundle everything it uses into one CommonJS file.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(root, 'electron/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    base: './',
    resolve: { alias: { '@shared': resolve(root, 'electron/shared') } },
    plugins: [react()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      emptyOutDir: true,
      rolldownOptions: { input: resolve(root, 'renderer/index.html') },
    },
  },
})
