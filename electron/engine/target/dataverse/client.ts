/**
 * The Dataverse Web API client: composes requests the way the documentation says
 * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors),
 * adds the bearer token (renewed once on a 401), classifies every answer, and retries what the
 * classifier calls retriable, waiting the full Retry-After.
 */
import { systemClock, type Clock } from '../../clock'
import { AppError } from '../../errors'
import { silentLogger, type Logger } from '../../logger'
import type { TokenProvider } from './auth'
import { type BatchItem, type BatchPartResponse, decodeBatchResponse, encodeBatch } from './batch'
import { type Verdict, classifyNetworkError, classifyResponse } from './classify-response'
import type { HttpResponse, HttpTransport } from './http'
import { webApiBase, type TargetProfile } from './profile'

export type DataverseRequest = Readonly<{
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
  /** Relative to the Web API root (`contacts?$top=1`), or an absolute URL (a nextLink). */
  path: string
  body?: unknown
  /** Extra headers: If-Match, MSCRM.SolutionUniqueName, CallerObjectId, Consistency… */
  headers?: Readonly<Record<string, string>>
  /** `Prefer` preferences, joined with commas. */
  prefer?: ReadonlyArray<string>
  timeoutMs?: number
}>

export type DataverseResponse = HttpResponse & Readonly<{ verdict: Verdict; attempts: number }>

export type RetryPolicy = Readonly<{
  /** Attempts in all, the first included. */
  maxAttempts: number
  signal?: AbortSignal
  /** Called before each wait, for logs and progress ("throttled, waiting 12 s"). */
  onRetry?: (verdict: Extract<Verdict, { kind: 'retriable' }>, attempt: number) => void
}>

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8 }

export type DataverseClientOptions = Readonly<{
  profile: TargetProfile
  http: HttpTransport
  tokens: TokenProvider
  clock?: Clock
  logger?: Logger
  /** Waits `ms`; replaced by tests. Resolves early when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}>

const realSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => {
      clearTimeout(timer)
      resolve()
    })
  })

/** Turns a final non-ok verdict into the engine's error, keeping Dataverse's code and message. */
export function verdictError(verdict: Exclude<Verdict, { kind: 'ok' }>, what: string): AppError {
  return new AppError({
    code:
      verdict.kind === 'fatal' && (verdict.status === 401 || verdict.status === 403)
        ? 'dataverse-access-denied'
        : 'dataverse-error',
    kind: verdict.kind,
    message: `${what} failed: ${verdict.message}${verdict.code ? ` (${verdict.code}, HTTP ${verdict.status})` : verdict.status ? ` (HTTP ${verdict.status})` : ''}`,
    details: { status: verdict.status, dataverseCode: verdict.code },
  })
}

export class DataverseClient {
  readonly base: string
  readonly apiPath: string
  readonly identity: string
  readonly #http: HttpTransport
  readonly #tokens: TokenProvider
  readonly #clock: Clock
  readonly #logger: Logger
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>
  #token: string | null = null
  #dopHint: number | null = null

  constructor(options: DataverseClientOptions) {
    this.base = webApiBase(options.profile)
    this.apiPath = new URL(this.base).pathname
    this.identity = options.tokens.identity
    this.#http = options.http
    this.#tokens = options.tokens
    this.#clock = options.clock ?? systemClock
    this.#logger = options.logger ?? silentLogger
    this.#sleep = options.sleep ?? realSleep
  }

  /** The last `x-ms-dop-hint` the server sent: its recommended degree of parallelism. */
  get dopHint(): number | null {
    return this.#dopHint
  }

  #url(path: string): string {
    return /^https?:\/\//.test(path) ? path : this.base + path.replace(/^\//, '')
  }

  async #token$(force: boolean): Promise<string> {
    if (this.#token === null || force) this.#token = await this.#tokens.getToken({ forceRefresh: force })
    return this.#token
  }

  async #once(req: DataverseRequest, attempt: number): Promise<DataverseResponse> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'odata-maxversion': '4.0',
      'odata-version': '4.0',
      ...(req.method === 'GET' ? { 'if-none-match': 'null' } : {}),
      ...(req.body !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}),
      ...(req.prefer && req.prefer.length > 0 ? { prefer: req.prefer.join(',') } : {}),
      ...(req.headers ?? {}),
    }
    const body =
      req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body)
    const sendWith = async (token: string) =>
      this.#http.send({
        method: req.method,
        url: this.#url(req.path),
        headers: { ...headers, authorization: `Bearer ${token}` },
        ...(body !== undefined ? { body } : {}),
        ...(req.timeoutMs !== undefined ? { timeoutMs: req.timeoutMs } : {}),
      })
    try {
      let res = await sendWith(await this.#token$(false))
      // An expired token: renew once, then let the classifier judge the second answer.
      if (res.status === 401) res = await sendWith(await this.#token$(true))
      const hint = Number(res.headers['x-ms-dop-hint'])
      if (Number.isInteger(hint) && hint > 0) this.#dopHint = hint
      return {
        ...res,
        verdict: classifyResponse(res.status, res.headers, res.text, attempt, this.#clock.now()),
        attempts: attempt + 1,
      }
    } catch (error) {
      if (error instanceof AppError) throw error
      return {
        status: 0,
        headers: {},
        text: '',
        verdict: classifyNetworkError(error, attempt),
        attempts: attempt + 1,
      }
    }
  }

  /** Sends once and returns the classified answer, retrying nothing. */
  sendOnce(req: DataverseRequest): Promise<DataverseResponse> {
    return this.#once(req, 0)
  }

  /** Sends, retrying retriable answers (429 after Retry-After, 5xx, resets) up to the policy's attempts. */
  async send(req: DataverseRequest, policy: RetryPolicy = DEFAULT_RETRY): Promise<DataverseResponse> {
    for (let attempt = 0; ; attempt++) {
      const res = await this.#once(req, attempt)
      if (res.verdict.kind !== 'retriable' || attempt + 1 >= policy.maxAttempts || policy.signal?.aborted)
        return res
      policy.onRetry?.(res.verdict, attempt)
      this.#logger.warn('dataverse request will be retried', {
        method: req.method,
        status: res.verdict.status,
        code: res.verdict.code,
        waitMs: res.verdict.waitMs,
        attempt,
      })
      await this.#sleep(res.verdict.waitMs, policy.signal)
    }
  }

  /** Sends and returns the parsed JSON body, or throws the classified error. */
  async json<T>(req: DataverseRequest, what: string, policy?: RetryPolicy): Promise<T> {
    const res = await this.send(req, policy)
    if (res.verdict.kind !== 'ok') throw verdictError(res.verdict, what)
    return (res.text === '' ? {} : JSON.parse(res.text)) as T
  }

  /** GET a collection, following `@odata.nextLink` until the last page (page size ≤ 5,000). */
  async *pages<T>(
    path: string,
    what: string,
    pageSize = 5000,
    policy?: RetryPolicy,
  ): AsyncGenerator<ReadonlyArray<T>> {
    let next: string | null = path
    while (next !== null) {
      const page: { value: T[]; '@odata.nextLink'?: string } = await this.json(
        {
          method: 'GET',
          path: next,
          prefer: [`odata.maxpagesize=${pageSize}`, 'odata.include-annotations="*"'],
        },
        what,
        policy,
      )
      yield page.value
      next = page['@odata.nextLink'] ?? null
    }
  }

  /** All rows of a query, for small collections (users, roles, metadata). */
  async all<T>(path: string, what: string, policy?: RetryPolicy): Promise<T[]> {
    const rows: T[] = []
    for await (const page of this.pages<T>(path, what, 5000, policy)) rows.push(...page)
    return rows
  }

  /** WhoAmI: the caller's user, business unit and organization; also yields the first dop hint. */
  whoAmI(): Promise<{ UserId: string; BusinessUnitId: string; OrganizationId: string }> {
    return this.json({ method: 'GET', path: 'WhoAmI' }, 'WhoAmI')
  }

  /** Sends a `$batch` and returns one response per inner request, in order. */
  async batch(
    items: ReadonlyArray<BatchItem>,
    options: Readonly<{
      continueOnError?: boolean
      headers?: Readonly<Record<string, string>>
      policy?: RetryPolicy
    }> = {},
  ): Promise<Readonly<{ response: DataverseResponse; parts: ReadonlyArray<BatchPartResponse> }>> {
    const encoded = encodeBatch(items, this.apiPath)
    const response = await this.send(
      {
        method: 'POST',
        path: '$batch',
        body: encoded.body,
        headers: { 'content-type': encoded.contentType, ...(options.headers ?? {}) },
        ...(options.continueOnError ? { prefer: ['odata.continue-on-error'] } : {}),
      },
      options.policy,
    )
    const type = response.headers['content-type'] ?? ''
    const parts =
      response.status === 200 && type.startsWith('multipart/') ? decodeBatchResponse(type, response.text) : []
    return { response, parts }
  }

  async close(): Promise<void> {
    await this.#http.close()
  }
}
