// Builds better-sqlite3 for Electron's ABI into build/native/, without touching node_modules,
// whose Node build the tests, the CLI and the server keep using (the ABI answer in README.md).
//
// 1. a prebuilt binary for this Electron version (prebuild-install, from the better-sqlite3 release);
// 2. else a source build against Electron's headers (node-gyp --runtime=electron).
// The desktop shell passes the result to the engine host as better-sqlite3's `nativeBinding`.
import { spawnSync } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)
const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version
const { platform, arch } = process
const folder = join('build', 'native', `electron-v${electronVersion}-${platform}-${arch}`)
const target = join(folder, 'better_sqlite3.node')

if (existsSync(target) && process.argv[2] !== '--force') {
  console.error(`electron-native: ${target} is up to date.`)
  process.exit(0)
}

const source = dirname(require.resolve('better-sqlite3/package.json'))
const work = join('build', 'native', '.work', 'better-sqlite3')
rmSync(work, { recursive: true, force: true })
mkdirSync(dirname(work), { recursive: true })
for (const part of ['package.json', 'binding.gyp', 'src', 'deps', 'lib'])
  cpSync(join(source, part), join(work, part), { recursive: true })

// npm's own configuration may point node-gyp at Node's headers (nodedir); Electron needs its own.
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^npm_config_(nodedir|target|runtime|disturl)$/i.test(k)),
)
const run = (cmd, args) =>
  spawnSync(process.execPath, [cmd, ...args], { cwd: work, env, stdio: 'inherit' }).status === 0

const prebuild = require.resolve('prebuild-install/bin.js')
const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js')
const built =
  run(prebuild, [
    '--runtime=electron',
    `--target=${electronVersion}`,
    `--arch=${arch}`,
    `--platform=${platform}`,
    '--verbose',
  ]) ||
  run(nodeGyp, [
    'rebuild',
    '--release',
    '--runtime=electron',
    `--target=${electronVersion}`,
    `--arch=${arch}`,
    '--dist-url=https://electronjs.org/headers',
  ])

const output = join(work, 'build', 'Release', 'better_sqlite3.node')
if (!built || !existsSync(output)) {
  console.error(
    `electron-native: could not build better-sqlite3 for Electron ${electronVersion} (${platform}-${arch}).\n` +
      'Both routes need the network beyond the npm registry: the prebuilt binary comes from GitHub releases and a\n' +
      "source build needs Electron's headers from electronjs.org. Run `npm start` where those are reachable, or place a\n" +
      `better_sqlite3.node built for Electron ${electronVersion} at ${target}.`,
  )
  process.exit(1)
}
mkdirSync(folder, { recursive: true })
copyFileSync(output, target)
rmSync(join('build', 'native', '.work'), { recursive: true, force: true })
console.error(`electron-native: wrote ${target}`)
