import type { z } from 'zod';

import type { PathSegment } from './document-path.js';

/** zod's default for a missing field ("expected string, received undefined") reads like a type error. */
export const errorMessages: z.core.$ZodErrorMap = (issue) =>
  issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : undefined;

/** A zod issue's path, as the path segments of a JSON document. */
export function issuePath(issue: z.core.$ZodIssue): PathSegment[] {
  return issue.path.filter(
    (segment): segment is PathSegment => typeof segment === 'string' || typeof segment === 'number',
  );
}
