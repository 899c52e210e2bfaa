import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../app/policy/evaluate.ts';
import { withOrgPolicies } from '../../app/policy/org-policies.ts';
import { load, request } from '../helpers/policies.ts';

const dir = new URL('../../examples/org-github/.approvals/', import.meta.url);
const files = Object.fromEntries(
  readdirSync(dir).map((f) => [`.approvals/${f}`, readFileSync(new URL(f, dir), 'utf8')]),
);

describe('the example organization policies (examples/org-github)', () => {
  it('are valid, and bind a repository that would approve a deploy by itself', () => {
    const org = load(files);
    expect(org.ok).toBe(true);
    const repo = load({
      '.approvals/r.yml': 'version: 1\npolicies:\n  - name: all\n    match: {}\n    auto_approve: [{}]\n',
    });
    const both = withOrgPolicies('acme', org, repo);
    if (!both.ok) throw new Error('expected valid policies');
    const inFreeze = Date.parse('2026-12-26T12:00:00Z'); // a Saturday, in the freeze
    const deploy = evaluate(both.policies, request({ repository: 'acme/payments-api' }), [], {}, inFreeze);
    expect(deploy.outcome).toBe('denied');
    expect(deploy.policies).toEqual([
      'org:production-quorum',
      'org:year-end-freeze',
      'org:payments-office-hours',
      'all',
    ]);
    const emergency = evaluate(
      both.policies,
      request({ repository: 'acme/payments-api', emergency: true, reason: 'INC-7' }),
      [],
      {},
      inFreeze,
    );
    expect(emergency.outcome).toBe('pending');
    expect(emergency.break_glass).toEqual({ policies: ['org:year-end-freeze', 'org:payments-office-hours'] });
    const staging = evaluate(
      both.policies,
      request({ repository: 'acme/shop', environment: 'staging' }),
      [],
      {},
      inFreeze,
    );
    expect(staging).toMatchObject({ outcome: 'approved', policies: ['all'] });
  });
});
