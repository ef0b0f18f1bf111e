/**
 * The shape of one domain's handlers, derived from its channel map.
 */
export type HandlersFor<Channels extends Record<string, { req: unknown; res: unknown }>> = {
  readonly [C in keyof Channels]: (
    request: Channels[C]['req'],
  ) => Promise<Channels[C]['res']> | Channels[C]['res']
}
