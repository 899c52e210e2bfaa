// Adversarial checks of organization policies and break-glass at the engine (issue #17).
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../app/policy/evaluate.ts';
import { withOrgPolicies } from '../../app/policy/org-policies.ts';
import { errorsOf, load, MONDAY_NOON_UTC, request } from '../helpers/policies.ts';

const FREEZE = '[{ from: "2020-01-01T00:00:00Z", until: "2099-01-01T00:00:00Z" }]';

describe('policy validation an organization relies on', () => {
  it('a scope pattern with the owner in it (which would match nothing) is an error', () => {
    const errors = errorsOf({
      'org.yml': `version: 1
policies:
  - name: payments-freeze
    match: {}
    scope: { repositories: ["acme/payments-*", "**"] }
    freeze: ${FREEZE}
`,
    });
    expect(errors).toMatchObject([
      { rule: 'scope', line: 5, message: expect.stringContaining('acme/payments-*') },
    ]);
  });

  it('a break_glass that can never be granted (more approvals than users, no team) is an error', () => {
    const errors = errorsOf({
      'org.yml': `version: 1
policies:
  - name: freeze
    match: {}
    freeze: ${FREEZE}
    break_glass: { approvers: { users: [ivy, Ivy] }, required: 2 }
`,
    });
    expect(errors).toMatchObject([{ rule: 'required', message: expect.stringContaining('break_glass') }]);
  });
});

describe('a repository against its organization', () => {
  const org = load({
    '.approvals/org.yml': `version: 1
policies:
  - name: freeze
    match: {}
    freeze: ${FREEZE}
    break_glass: { approvers: { users: [ivy] } }
  - name: quorum
    match: { environment: [production] }
    approvers: { users: [sam, rhea] }
    required: 2
`,
  });
  const emergency = request({ action: 'deploy-web', emergency: true, reason: 'INC-1', actor: 'dana' });

  it("a repository's own freeze with a break_glass it controls cannot lift the org's requirements", () => {
    const repo = load({
      '.approvals/repo.yml': `version: 1
policies:
  - name: freeze
    match: {}
    freeze: ${FREEZE}
    break_glass: { approvers: { users: [dana, mallory] } }
  - name: deploy
    match: {}
    auto_approve: [{}]
`,
    });
    const set = withOrgPolicies('acme', org, repo);
    if (!set.ok) throw new Error('invalid');
    const mine = ['mallory'].map((user) => ({ user, decision: 'approve' as const }));
    const d = evaluate(set.policies, emergency, mine, {}, MONDAY_NOON_UTC);
    expect(d.outcome).toBe('pending');
    expect(d.requirements.map((q) => [q.policy, q.remaining])).toEqual([
      ['org:freeze', 1],
      ['org:quorum', 2],
      ['freeze', 0],
    ]);
  });

  it('an org freeze without break_glass cannot be overridden by a repository freeze with one', () => {
    const strict = load({
      '.approvals/org.yml': `version: 1
policies:
  - name: freeze
    match: {}
    freeze: ${FREEZE}
`,
    });
    const repo = load({
      '.approvals/repo.yml': `version: 1
policies:
  - name: deploy
    match: {}
    approvers: { users: [mallory] }
    freeze: ${FREEZE}
    break_glass: { approvers: { users: [mallory] } }
`,
    });
    const set = withOrgPolicies('acme', strict, repo);
    if (!set.ok) throw new Error('invalid');
    const d = evaluate(
      set.policies,
      emergency,
      [{ user: 'mallory', decision: 'approve' }],
      {},
      MONDAY_NOON_UTC,
    );
    expect(d.outcome).toBe('denied');
    expect(d.reasons.map((r) => r.message)).toContain(
      'break-glass cannot override "org:freeze": no break_glass in that policy',
    );
  });

  it('an invalid repository set with a valid org set fails closed; a repository name never takes the org: prefix', () => {
    const invalid = load({
      '.approvals/repo.yml': 'version: 1\npolicies:\n  - name: "org:freeze"\n    match: {}\n',
    });
    expect(invalid.ok).toBe(false);
    expect(withOrgPolicies('acme', org, invalid).ok).toBe(false);
  });
});
