/**
 * Shapes every route shares: the error envelope of API.md and the responses routes declare for OpenAPI.
 */
import { z } from 'zod';

/** `{error: {code, message, details?}}`: the only error shape the API answers with. */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().describe('A stable code of the error catalog (src/shared/errors.ts).'),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .describe('An error');
export type ErrorBody = z.infer<typeof ErrorBody>;

/** One schema failure in a request: where (`body`, `querystring`, `params`, `headers`), the path in it, and why. */
export const ValidationIssue = z.object({
  in: z.string(),
  path: z.string(),
  message: z.string(),
});
export type ValidationIssue = z.infer<typeof ValidationIssue>;

/** The error responses a route documents, by status. */
export function errorResponses<const S extends readonly number[]>(
  ...statuses: S
): Record<S[number], typeof ErrorBody> {
  return Object.fromEntries(statuses.map((status) => [status, ErrorBody])) as Record<
    S[number],
    typeof ErrorBody
  >;
}

/** A 204 answer: no body. */
export const NoContent = z.null().describe('No content');

export const IdParams = z.object({ id: z.string().min(1).max(200) });

/** Documents the bearer token a route needs (see `securitySchemes` in build-server.ts). */
export const BEARER = [{ bearerAuth: [] }];
