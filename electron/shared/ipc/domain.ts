/**
 * Helpers for declaring one domain's channels: a table of request schemas plus a map of response
 * types, from which the channel map is derived.
 */
import type { z } from 'zod'

/** Turns a schema table and a response map into `{ channel: { req, res } }`. */
export type ChannelsOf<
  S extends Record<string, z.ZodType>,
  R extends { readonly [K in keyof S]: unknown },
> = { [K in keyof S]: { req: z.infer<S[K]>; res: R[K] } }
