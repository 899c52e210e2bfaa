import { formatPolicyError, type PolicyError } from '../policy/errors.ts';

export const ERROR_FORMATS = ['text', 'github', 'json'] as const;
export type ErrorFormat = (typeof ERROR_FORMATS)[number];

/** Escaping of GitHub workflow commands (`::error ...::`), as @actions/core does it. */
const escapeData = (s: string): string =>
  s.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
const escapeProperty = (s: string): string => escapeData(s).replaceAll(':', '%3A').replaceAll(',', '%2C');

function githubAnnotation(e: PolicyError): string {
  const props = `file=${escapeProperty(e.file)},line=${e.line},col=${e.column},title=${escapeProperty(`jit-approvals: ${e.rule}`)}`;
  return `::error ${props}::${escapeData(`${e.message}. Fix: ${e.fix}`)}`;
}

/** Policy errors in the chosen format, one per line (text: two lines each). */
export function renderErrors(errors: readonly PolicyError[], format: ErrorFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(errors, null, 2);
    case 'github':
      return errors.map(githubAnnotation).join('\n');
    case 'text':
      return errors.map(formatPolicyError).join('\n');
  }
}
