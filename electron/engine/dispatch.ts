/**
 * The one place where a request from any transport meets the service: parse it with its channel's
 * schema, call the handler, and turn any throw into the Result envelope. It never throws.
 */
import type { z } from 'zod'
import type { ChannelRequest, ChannelResponse, InvokeChannel } from '../shared/ipc/channels'
import { isInvokeChannel, requestSchemas } from '../shared/ipc/channels'
import type { Result } from '../shared/result'
import { fail, ok } from '../shared/result'
import { toAppErrorData } from './errors'

/** One function per channel. */
export type ServiceHandlers = {
  readonly [C in InvokeChannel]: (
    request: ChannelRequest<C>,
  ) => Promise<ChannelResponse<C>> | ChannelResponse<C>
}

/** Says what is wrong with a request in words an operator can act on. */
export function describeIssues(channel: string, issues: ReadonlyArray<z.core.$ZodIssue>): string {
  const parts = issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
  return `The request to ${channel} is not valid: ${parts.join('; ')}.`
}

export async function dispatch(
  handlers: ServiceHandlers,
  channel: string,
  request: unknown,
): Promise<Result<unknown>> {
  if (!isInvokeChannel(channel)) {
    return fail({ code: 'unknown-channel', kind: 'bug', message: `There is no channel named ${channel}.` })
  }
  const parsed = requestSchemas[channel].safeParse(request ?? {})
  if (!parsed.success) {
    return fail({
      code: 'invalid-request',
      kind: 'fatal',
      message: describeIssues(channel, parsed.error.issues),
      details: { issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })) },
    })
  }
  try {
    const handler = handlers[channel] as (req: unknown) => unknown
    return ok(await handler(parsed.data))
  } catch (error) {
    return fail(toAppErrorData(error))
  }
}

/** A typed view of dispatch for in-process callers (CLI, tests). */
export async function call<C extends InvokeChannel>(
  handlers: ServiceHandlers,
  channel: C,
  request: ChannelRequest<C>,
): Promise<Result<ChannelResponse<C>>> {
  return (await dispatch(handlers, channel, request)) as Result<ChannelResponse<C>>
}
