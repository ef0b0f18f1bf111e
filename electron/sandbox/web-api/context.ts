/**
 * Who is asking, and under what options: the per-request context every Web API operation gets.
 */

/** The caller of one Web API request. */
export type CallContext = Readonly<{
  /** systemuserid of the authenticated user (the token's application user or person). */
  callerId: string
  /** systemuserid the request acts as: the impersonated user, or the caller ([imp]). */
  userId: string
  /** `MSCRM.SolutionUniqueName`: where new metadata components go ([compose]). */
  solution: string | null
  /** Request time, ms since the epoch (all system timestamps of one request agree). */
  now: number
  /** `MSCRM.SuppressDuplicateDetection: false` asks for duplicate detection ([optparams]). */
  duplicateDetection: boolean
}>

/** The environment URL pieces serialisers need. */
export type ServiceRoot = Readonly<{
  /** `https://host:port` (no trailing slash). */
  origin: string
  /** `https://host:port/api/data/v9.2/` */
  apiBase: string
}>
