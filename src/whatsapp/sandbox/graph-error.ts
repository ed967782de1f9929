/**
 * Meta's error answers, as the sandbox gives them: the catalogue of the errors it produces
 * and the exact body shape (whatsapp-cloud-api.md, Errors). Messages carry Meta's "(#code)"
 * prefix; `error_data.details` says what exactly was wrong. Errors raised by the Graph layer
 * itself (bad token, unknown object) have no `error_data`, as on Meta's servers.
 */

export interface GraphError {
  httpStatus: number;
  code: number;
  message: string;
  /** `OAuthException` unless said otherwise. */
  type?: string;
  subcode?: number;
  /** `error_data.details`; absent for Graph-level errors. */
  details?: string;
}

export interface GraphErrorBody {
  error: {
    message: string;
    type: string;
    code: number;
    error_subcode?: number;
    error_data?: { messaging_product: 'whatsapp'; details: string };
    fbtrace_id: string;
  };
}

/** The body Meta sends; key order as Meta's (it does not matter to JSON, but it reads alike). */
export function graphErrorBody(error: GraphError, fbtraceId: string): GraphErrorBody {
  return {
    error: {
      message: error.message,
      type: error.type ?? 'OAuthException',
      code: error.code,
      ...(error.subcode !== undefined ? { error_subcode: error.subcode } : {}),
      ...(error.details !== undefined ? { error_data: { messaging_product: 'whatsapp' as const, details: error.details } } : {}),
      fbtrace_id: fbtraceId,
    },
  };
}

export const graphErrors = {
  /** Code 100: the request's structure (messaging_product, to, type, limits on top-level fields). */
  invalidParameter: (details: string): GraphError => ({ httpStatus: 400, code: 100, message: '(#100) Invalid parameter', details }),
  /** 131008: a field a message of that type needs is absent. */
  missingParameter: (details: string): GraphError => ({
    httpStatus: 400,
    code: 131008,
    message: '(#131008) Required parameter is missing',
    details,
  }),
  /** 131009: a field is there but its value is not allowed (length, characters, counts). */
  invalidValue: (details: string): GraphError => ({
    httpStatus: 400,
    code: 131009,
    message: '(#131009) Parameter value is not valid',
    details,
  }),
  /** 132000: a known template got a different number of parameters than it has placeholders. */
  parameterCount: (details: string): GraphError => ({
    httpStatus: 400,
    code: 132000,
    message: '(#132000) Number of parameters does not match the expected number of params',
    details,
  }),
  /** 132001: a known template asked for in a language it is not approved in. */
  templateTranslation: (details: string): GraphError => ({
    httpStatus: 404,
    code: 132001,
    message: '(#132001) Template name does not exist in the translation',
    details,
  }),
  /** 190: the bearer token is missing or is not the account's. */
  invalidToken: (): GraphError => ({ httpStatus: 401, code: 190, message: 'Invalid OAuth access token - Cannot parse access token' }),
  /**
   * Meta's answer for a phone number id it does not know, or an operation the object does not
   * support (`method`: a GET of /messages), HTTP 400 with subcode 33.
   */
  unknownObject: (id: string, method = 'post'): GraphError => ({
    httpStatus: 400,
    code: 100,
    subcode: 33,
    type: 'GraphMethodException',
    message:
      `Unsupported ${method} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, ` +
      'or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api',
  }),
  /** 131000 (HTTP 500): the sandbox itself failed. */
  unknown: (): GraphError => ({ httpStatus: 500, code: 131000, message: '(#131000) Something went wrong', details: 'Something went wrong' }),
  /** A path that is not `/{version}/{id}/messages` with a version like v21.0. */
  unknownPath: (path: string): GraphError => ({ httpStatus: 400, code: 2500, message: `Unknown path components: ${path}` }),
} as const;
