/** Types for redshift-rules.js. */
export class Rejection extends Error {
  code: string;
  hint?: string;
}
export function redshiftRewrite(sql: string): string;
