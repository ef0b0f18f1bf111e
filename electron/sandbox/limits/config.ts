/**
 * The sandbox's load model: service-protection limits, the latency / execution-time model, the
 * time scale, and fault rates, with the CLI's string forms (`--limits`, `--latency`, `--faults`).
 *
 * Defaults are the documented ones ([limits], WEB-API-NOTES §1): per user, per web server, a
 * sliding window of 300 s holding at most 6,000 requests and 1,200,000 ms of execution time, and
 * 52 concurrent requests. The time scale K shortens the window to 300/K s and the two budgets to
 * 6,000/K requests and 1,200,000/K ms, so the rates stay the same and a benchmark reaches steady
 * state K times sooner. Concurrency and latency are not scaled.
 */

/** The service-protection limits of one user. */
export type LimitsConfig = Readonly<{
  enabled: boolean
  /** Window length before time scaling, seconds. */
  windowSeconds: number
  /** Requests per window before time scaling. */
  maxRequests: number
  /** Combined execution time per window before time scaling, ms. */
  maxExecutionMs: number
  /** Concurrent requests (not scaled). */
  maxConcurrent: number
  /** The `x-ms-dop-hint` sent on every response. */
  dopHint: number
}>

/** The documented defaults. `dopHint` is Unverified (Microsoft documents the header, not a value). */
export const REALISTIC_LIMITS: LimitsConfig = {
  enabled: true,
  windowSeconds: 300,
  maxRequests: 6000,
  maxExecutionMs: 1_200_000,
  maxConcurrent: 52,
  dopHint: 8,
}

/** No limits (the dop hint is still sent). */
export const NO_LIMITS: LimitsConfig = { ...REALISTIC_LIMITS, enabled: false }

/** How long the server holds each response: base plus a cost per record written or read, ms. */
export type LatencyConfig = Readonly<{ baseMs: number; perRecordMs: number }>

/** Fault rates (0..1 per Web API request) and the fault shapes. */
export type FaultsConfig = Readonly<{
  /** 500/503 before the request runs (nothing written). */
  serverError: number
  /** The request runs and commits, then the connection is reset without a response. */
  reset: number
  /** The request runs and commits, then no response is sent until the client gives up. */
  timeout: number
  /** The response is held `slowMs` longer than the latency model says. */
  slow: number
  slowMs: number
  /** How long a "timeout" holds the connection before closing it, ms. */
  timeoutHoldMs: number
}>

/** No faults. */
export const NO_FAULTS: FaultsConfig = {
  serverError: 0,
  reset: 0,
  timeout: 0,
  slow: 0,
  slowMs: 3000,
  timeoutHoldMs: 120_000,
}

/** The effective limits after time scaling: what a client's "modeled limit" should be computed from. */
export type EffectiveLimits = Readonly<{
  enabled: boolean
  windowMs: number
  maxRequests: number
  maxExecutionMs: number
  maxConcurrent: number
  dopHint: number
  timeScale: number
  /** Sustainable request rate per user: maxRequests / window, requests per second. */
  requestsPerSecond: number
  /** Sustainable execution time per user: maxExecutionMs / window, ms of execution per second. */
  executionMsPerSecond: number
}>

/** Applies the time scale K (window / K, budgets / K; rates unchanged). */
export function effectiveLimits(limits: LimitsConfig, timeScale: number): EffectiveLimits {
  const k = timeScale > 0 ? timeScale : 1
  const windowMs = (limits.windowSeconds * 1000) / k
  const maxRequests = Math.max(1, Math.ceil(limits.maxRequests / k))
  const maxExecutionMs = limits.maxExecutionMs / k
  return {
    enabled: limits.enabled,
    windowMs,
    maxRequests,
    maxExecutionMs,
    maxConcurrent: limits.maxConcurrent,
    dopHint: limits.dopHint,
    timeScale: k,
    requestsPerSecond: maxRequests / (windowMs / 1000),
    executionMsPerSecond: maxExecutionMs / (windowMs / 1000),
  }
}

/** Limits from `realistic`, `off`, or a partial object (the parsed `--limits FILE.json`). */
export function resolveLimits(input: 'realistic' | 'off' | Partial<LimitsConfig> | undefined): LimitsConfig {
  if (input === undefined || input === 'realistic') return REALISTIC_LIMITS
  if (input === 'off') return NO_LIMITS
  return { ...REALISTIC_LIMITS, ...input }
}

/** Parses `--latency BASE_MS[,PER_RECORD_MS]`; throws a message on bad input. */
export function parseLatency(text: string): LatencyConfig {
  const [base, perRecord = '0'] = text.split(',')
  const baseMs = Number(base)
  const perRecordMs = Number(perRecord)
  if (!Number.isFinite(baseMs) || baseMs < 0 || !Number.isFinite(perRecordMs) || perRecordMs < 0) {
    throw new Error(`--latency takes BASE_MS[,PER_RECORD_MS] with non-negative numbers, got '${text}'`)
  }
  return { baseMs, perRecordMs }
}

/** Parses `--faults 5xx=0.02,reset=0.01,timeout=0.005,slow=0.05[,slowms=3000,timeoutms=120000]`. */
export function parseFaults(text: string): FaultsConfig {
  const out = { ...NO_FAULTS }
  for (const part of text.split(',')) {
    if (part.trim() === '') continue
    const [name = '', value = ''] = part.split('=')
    const n = Number(value)
    if (!Number.isFinite(n) || n < 0) throw new Error(`--faults: '${part}' needs a non-negative number`)
    switch (name.trim().toLowerCase()) {
      case '5xx':
        out.serverError = n
        break
      case 'reset':
        out.reset = n
        break
      case 'timeout':
        out.timeout = n
        break
      case 'slow':
        out.slow = n
        break
      case 'slowms':
        out.slowMs = n
        break
      case 'timeoutms':
        out.timeoutHoldMs = n
        break
      default:
        throw new Error(
          `--faults: unknown fault '${name}' (use 5xx, reset, timeout, slow, slowms, timeoutms)`,
        )
    }
  }
  const total = out.serverError + out.reset + out.timeout + out.slow
  if (total > 1) throw new Error(`--faults: the rates add up to ${total}, more than 1`)
  return out
}
