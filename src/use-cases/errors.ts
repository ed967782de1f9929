/** Errors use cases raise for the caller to translate (HTTP envelope, CLI message). */
export interface Issue {
  path: string;
  message: string;
}

export class InvalidInputError extends Error {
  constructor(readonly issues: Issue[]) {
    super(`invalid input: ${issues.map((i) => `${i.path || '/'} ${i.message}`).join('; ')}`);
    this.name = 'InvalidInputError';
  }
}

export class NotFoundError extends Error {
  constructor(readonly what: string) {
    super(`${what} not found`);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}
