/** A problem in a policy or policy-test file, positioned for editors and CI annotations. */
export interface PolicyError {
  /** Path of the file as given to the loader (e.g. `.approvals/deploy.yml`). */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
  /** Stable identifier of the check that failed, e.g. `schema`, `glob`, `timezone`. */
  rule: string;
  /** What is wrong. */
  message: string;
  /** How to fix it. */
  fix: string;
}

export interface Position {
  line: number;
  column: number;
}

export function policyError(
  file: string,
  at: Position,
  rule: string,
  message: string,
  fix: string,
): PolicyError {
  return { file, line: at.line, column: at.column, rule, message, fix };
}

export const START: Position = { line: 1, column: 1 };

/** `file:line:column: message (fix)` — the one-line form used by the CLI's text output. */
export function formatPolicyError(e: PolicyError): string {
  return `${e.file}:${e.line}:${e.column}: ${e.message} [${e.rule}]\n  fix: ${e.fix}`;
}
