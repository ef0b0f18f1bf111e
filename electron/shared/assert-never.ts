/**
 * Marks a branch the type checker proves unreachable; reaching it at run time is a bug.
 */
export function assertNever(value: never, context: string): never {
  throw new Error(`${context}: unexpected value ${JSON.stringify(value)}`)
}
