/**
 * A numbered workspace migration. Its SQL is exported as text, so the stored hash covers exactly
 * what runs and survives bundling (STYLE.md §5).
 */
export type Migration = Readonly<{
  /** 1, 2, 3, … with no gaps; equal to the NNNN of the file name. */
  sequence: number
  /** Kebab-case, equal to the file name after NNNN-. */
  name: string
  sql: string
}>
