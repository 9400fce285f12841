/**
 * The two Node built-ins @fastify/error reads, for the page bundle: its errors keep their codes and
 * messages in the page. `format` handles the %s / %d / %i / %j placeholders core/errors.ts uses.
 */

/** HTTP reason phrases (unused by our errors, which carry their own messages). */
export const STATUS_CODES: Record<number, string> = {}

/** util.format for string placeholders: each %s, %d, %i or %j takes the next argument. */
export function format (template: string, ...args: unknown[]): string {
  let i = 0
  return template.replace(/%[sdij%]/g, (token) => {
    if (token === '%%') return '%'
    const value = args[i++]
    return token === '%j' ? JSON.stringify(value) : String(value)
  })
}
