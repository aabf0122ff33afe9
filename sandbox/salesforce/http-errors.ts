/**
 * REST error bodies: always a JSON array of `{message, errorCode, fields?}`
 * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm).
 */
export interface SfErrorBody {
  message: string;
  errorCode: string;
  fields?: string[];
}

/** Thrown by route handlers; the server turns it into the documented error response. */
export class SfHttpError extends Error {
  readonly status: number;
  readonly body: SfErrorBody[];
  constructor(status: number, errorCode: string, message: string, fields?: string[]) {
    super(message);
    this.status = status;
    this.body = [fields ? { message, errorCode, fields } : { message, errorCode }];
  }
}

export const notFound = (): SfHttpError => new SfHttpError(404, 'NOT_FOUND', 'The requested resource does not exist');
