#!/usr/bin/env node
// The `leafbridge` command in a source checkout: runs the TypeScript CLI through tsx, so it works
// right after `npm install` with no build step.
import { register } from 'tsx/esm/api'

register()
await import('../electron/cli/main.ts')
