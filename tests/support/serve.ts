/**
 * Starts `leafbridge serve --port 0` as a child process, as an operator would, and waits for the
 * URL it prints (an app signal, never a sleep).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const CLI = fileURLToPath(new URL('../../bin/leafbridge.js', import.meta.url))

export type ServedApp = Readonly<{
  /** The printed URL, token fragment included. */
  url: string
  origin: string
  token: string
  process: ChildProcess
  stderr: () => string
  stop: () => Promise<void>
}>

export async function startServe(args: ReadonlyArray<string> = [], cwd = REPO_ROOT): Promise<ServedApp> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = ''
    const timer = setTimeout(
      () => reject(new Error(`serve printed no URL in 30 s; stderr: ${stderr}`)),
      30_000,
    )
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
      const match = /serving at (http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]+)/.exec(stdout)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`serve exited with ${code}; stderr: ${stderr}`))
    })
  })
  const parsed = new URL(url)
  return {
    url,
    origin: parsed.origin,
    token: parsed.hash.replace('#token=', ''),
    process: child,
    stderr: () => stderr,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
