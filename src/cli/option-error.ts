/**
 * A refused command-line option that the admin API also takes (as a query value): one line
 * for the terminal, and with `--json` the very envelope the API answers for that value, so a
 * script reading stdout sees the same refusal either way.
 */
import type { Issue } from '../use-cases/errors.js';

export class OptionError extends Error {
  constructor(
    message: string,
    /** The API's detail for the same value, e.g. `{path: "querystring:/limit", …}`. */
    readonly issue: Issue,
  ) {
    super(message);
    this.name = 'OptionError';
  }
}
