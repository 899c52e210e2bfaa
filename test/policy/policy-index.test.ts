import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globProblem } from '../../app/policy/glob.ts';
import { FragmentIndex, requiredFragment } from '../../app/policy/fragment-index.ts';
import { governingPolicies } from '../../app/policy/policy-index.ts';
import { compile, request } from '../helpers/policies.ts';

const segment = fc.constantFrom('deploy', 'dep', 'migrate', 'db', 'web', 'a', '');
const pattern = fc
  .array(fc.oneof(segment, fc.constantFrom('*', '?', '-', '**', '/')), { minLength: 1, maxLength: 5 })
  .map((parts) => parts.join(''))
  .filter((p) => p.length > 0 && globProblem(p) === undefined);
const action = fc
  .array(fc.oneof(segment, fc.constantFrom('-', '/', 'x')), { maxLength: 5 })
  .map((p) => p.join('') || 'x');

describe('the action index (literal prefixes, and suffixes of patterns that start with a glob)', () => {
  it('finds exactly the policies a full scan finds, in policy order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.array(pattern, { minLength: 1, maxLength: 3 })), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.array(action, { minLength: 1, maxLength: 10 }),
        (sets, actions) => {
          const yaml = sets
            .map((patterns, i) => {
              const match = patterns === null ? '{}' : `{ action: ${JSON.stringify(patterns)} }`;
              return `  - name: p${i}\n    match: ${match}\n    approvers: { users: [a] }`;
            })
            .join('\n');
          const policies = compile(`version: 1\npolicies:\n${yaml}\n`);
          for (const a of actions) {
            const req = request({ action: a });
            expect(governingPolicies(policies, req).map((p) => p.name)).toEqual(
              policies.filter((p) => p.match(req)).map((p) => p.name),
            );
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('the fragment index (patterns with globs at both ends)', () => {
  it('finds every fragment that occurs, overlapping ones too', () => {
    const index = new FragmentIndex();
    ['he', 'she', 'his', 'hers', 'e'].forEach((f, i) => index.add(f, i));
    const found: number[] = [];
    index.occurring('ushers', found);
    expect([...new Set(found)].sort()).toEqual([0, 1, 3, 4]);
  });

  it('takes the longest literal run, without the slashes `**` may stand for', () => {
    expect(requiredFragment('*-svc7-*')).toBe('-svc7-');
    expect(requiredFragment('**/deploy/**')).toBe('deploy');
    expect(requiredFragment('*a?bcd*')).toBe('bcd');
    expect(requiredFragment('*')).toBe('');
  });

  it('finds exactly the policies a full scan finds, for patterns with globs at both ends (property)', () => {
    const both = fc
      .tuple(
        fc.constantFrom('*', '**/', '?', '*?', '**/*'),
        fc.array(fc.oneof(segment, fc.constantFrom('-', '/', '*', '?')), { minLength: 1, maxLength: 4 }),
        fc.constantFrom('*', '/**', '?', '?*', '*/**'),
      )
      .map(([a, mid, z]) => `${a}${mid.join('')}${z}`)
      .filter((p) => globProblem(p) === undefined);
    fc.assert(
      fc.property(
        fc.array(fc.array(both, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 12 }),
        fc.array(action, { minLength: 1, maxLength: 10 }),
        (sets, actions) => {
          const yaml = sets
            .map(
              (patterns, i) =>
                `  - name: p${i}\n    match: { action: ${JSON.stringify(patterns)} }\n    approvers: { users: [a] }`,
            )
            .join('\n');
          const policies = compile(`version: 1\npolicies:\n${yaml}\n`);
          for (const a of actions) {
            const req = request({ action: a });
            expect(governingPolicies(policies, req).map((p) => p.name)).toEqual(
              policies.filter((p) => p.match(req)).map((p) => p.name),
            );
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
