import { describe, expect, it } from 'vitest';
import { withOrgPolicies } from '../../app/policy/org-policies.ts';
import { load } from '../helpers/policies.ts';

const org = load({
  '.approvals/org.yml': 'version: 1\npolicies:\n  - name: freeze\n    match: {}\n    auto_approve: [{}]\n',
});
const repo = load({ '.approvals/deploy.yml': 'version: 1\npolicies:\n  - name: deploy\n    match: {}\n' });
const invalidOrg = load({ '.approvals/org.yml': 'version: 1\npolicies:\n  - name: freeze\n    mtch: {}\n' });
const where = (r: ReturnType<typeof withOrgPolicies>) =>
  r.ok ? r.policies.map((p) => `${p.name} ${p.file}`) : r.errors.map((e) => e.file);

describe('withOrgPolicies: how organization files are named (locate)', () => {
  it('by default <owner>/.github/<file>, and the same pair of sets gives the same result', () => {
    const combined = withOrgPolicies('acme', org, repo);
    expect(where(combined)).toEqual([
      'org:freeze acme/.github/.approvals/org.yml',
      'deploy .approvals/deploy.yml',
    ]);
    expect(withOrgPolicies('acme', org, repo)).toBe(combined);
  });

  it('with locate, as it says (the CLI keeps local paths), never from or into the cache', () => {
    const local = withOrgPolicies('acme', org, repo, (f) => `../org/${f}`);
    expect(where(local)).toEqual(['org:freeze ../org/.approvals/org.yml', 'deploy .approvals/deploy.yml']);
    expect(local.files).toEqual(['../org/.approvals/org.yml', '.approvals/deploy.yml']);
    expect(where(withOrgPolicies('acme', org, repo))[0]).toBe('org:freeze acme/.github/.approvals/org.yml');
    expect(new Set(where(withOrgPolicies('acme', invalidOrg, repo, (f) => f)))).toEqual(
      new Set(['.approvals/org.yml']),
    );
  });
});
