import { load } from 'js-yaml';

/**
 * Whether a job's display name belongs to a job key of a workflow:
 * - `leg`: the name fits that job's name (or key) and no other job's: a leg of that job;
 * - `other`: it fits another job and not that one;
 * - `unknown`: the file does not say (unreadable, the key is not in it, or the name is ambiguous).
 */
export type LegVerdict =
  { verdict: 'leg' } | { verdict: 'other'; job: string } | { verdict: 'unknown'; why: string };

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The display names a job can have, as GitHub forms them: its `name:` (or its key), where each
 * `${{ }}` expression may become any text, optionally followed by the matrix values in parentheses
 * (`deploy (eu, 2)`); a job that calls a reusable workflow shows as `caller / callee`.
 */
function namePattern(key: string, job: Record<string, unknown>): RegExp {
  // YAML may read a name as a number or a boolean (`name: 2.10`, `name: true`): GitHub shows its text.
  const given = typeof job.name === 'number' || typeof job.name === 'boolean' ? String(job.name) : job.name;
  const name = typeof given === 'string' && given.trim() !== '' ? given : key;
  const literal = name
    .split(/\$\{\{[\s\S]*?\}\}/)
    .map(escape)
    .join('.+');
  const callee = typeof job.uses === 'string' ? ' / .+' : '';
  return new RegExp(`^${literal}(?: \\(.+\\))?${callee}$`, 's');
}

/** Decides whether `displayName` is a leg of job `key` of the workflow file `yaml`. */
export function legOf(yaml: string, key: string, displayName: string): LegVerdict {
  let doc: unknown;
  try {
    doc = load(yaml);
  } catch {
    return { verdict: 'unknown', why: 'the workflow file does not parse' };
  }
  const jobs = (doc as { jobs?: unknown } | null)?.jobs;
  if (jobs === null || typeof jobs !== 'object' || Array.isArray(jobs))
    return { verdict: 'unknown', why: 'the workflow file has no jobs' };
  const entries = Object.entries(jobs as Record<string, unknown>).filter(
    (e): e is [string, Record<string, unknown>] => e[1] !== null && typeof e[1] === 'object',
  );
  if (!entries.some(([k]) => k === key))
    return { verdict: 'unknown', why: `the workflow file has no job "${key}"` };
  const fits = entries.filter(([k, job]) => namePattern(k, job).test(displayName)).map(([k]) => k);
  if (fits.length === 1 && fits[0] === key) return { verdict: 'leg' };
  if (fits.length > 0 && !fits.includes(key)) return { verdict: 'other', job: fits[0]! };
  return {
    verdict: 'unknown',
    why:
      fits.length === 0
        ? `"${displayName}" fits no job's name`
        : `"${displayName}" fits the names of jobs ${fits.map((k) => `"${k}"`).join(', ')}`,
  };
}
