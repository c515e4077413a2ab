/** How a request that cannot be done is answered: a person's mistake in its own words, anything else as internal. */

/** A failure the user can act on: its message is the whole error response. */
export class UserError extends Error {
  override name = 'UserError';
}

/** DAP messages are format strings: braces in a plain message must not be read as variables. */
export function escapeFormat(message: string): string {
  return message.replace(/[{}]/g, (c) => (c === '{' ? '(' : ')'));
}
