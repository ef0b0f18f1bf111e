// Runs after `npm install` / `npm ci` in a checkout: builds the app into out/ (a couple of seconds),
// so `npx leafbridge serve` can serve the renderer straight away. Set LEAFBRIDGE_SKIP_BUILD=1 to skip.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

if (process.env.LEAFBRIDGE_SKIP_BUILD === '1' || !existsSync('electron.vite.config.ts')) process.exit(0)
const result = spawnSync(process.execPath, ['node_modules/electron-vite/bin/electron-vite.js', 'build'], {
  stdio: ['ignore', 'ignore', 'inherit'],
})
if (result.status !== 0) {
  console.error('leafbridge prepare: the build failed; run `npm run build` to see why.')
  process.exit(result.status ?? 1)
}
