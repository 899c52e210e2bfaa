import { AppError } from '../errors.ts';

/** What PostgreSQL cannot store in text or jsonb, or undefined when the string is storable. */
function unstorable(s: string): string | undefined {
  if (s.includes('\0')) return 'a NUL character (\\u0000)';
  if (/\p{Surrogate}/u.test(s)) return 'an unpaired UTF-16 surrogate (not valid Unicode)';
  return undefined;
}

/**
 * Refuses a parsed JSON body holding, in any string or key at any depth, what the database would
 * refuse (a NUL, an unpaired surrogate), with a 400 that names the field, instead of a 500 later.
 */
export function refuseUnstorable(json: unknown): void {
  const pending: [unknown, string][] = [[json, '']];
  while (pending.length > 0) {
    const [value, field] = pending.pop()!;
    const name = field || 'the body';
    if (typeof value === 'string') {
      const problem = unstorable(value);
      if (problem) throw new AppError('bad_request', `${name} holds ${problem}; remove it`);
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => pending.push([item, `${field}[${i}]`]));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        const problem = unstorable(key);
        if (problem) throw new AppError('bad_request', `a key of ${name} holds ${problem}; remove it`);
        pending.push([item, field ? `${field}.${key}` : key]);
      }
    }
  }
}
