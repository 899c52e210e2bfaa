import { describe, expect, it } from 'vitest';
import { evaluate } from '../../app/policy/evaluate.ts';
import { withOrgPolicies } from '../../app/policy/org-policies.ts';
import { compile, errorsOf, load, MONDAY_NOON_UTC, request } from '../helpers/policies.ts';

const FREEZE = '[{ from: "2020-01-01T00:00:00Z", until: "2099-01-01T00:00:00Z" }]';

describe('break_glass', () => {
  const policies = compile(`version: 1
policies:
  - name: freeze
    match: {}
    freeze: ${FREEZE}
    break_glass: { approvers: { users: [ivy], teams: [acme/ic] }, required: 1 }
  - name: quorum
    match: { action: ["deploy-*"] }
    approvers: { users: [sam, rhea] }
    required: 2
`);
  const emergency = request({ action: 'deploy-web', emergency: true, reason: 'INC-1' });

  it("replaces only the overridden policy's requirement: every other requirement still applies", () => {
    const d = evaluate(policies, emergency, [], {}, MONDAY_NOON_UTC);
    expect(d.outcome).toBe('pending');
    expect(d.break_glass).toEqual({ policies: ['freeze'] });
    expect(d.requirements.map((q) => [q.policy, q.required, q.approvers])).toEqual([
      ['freeze', 1, { users: ['ivy'], teams: ['acme/ic'] }],
      ['quorum', 2, { users: ['sam', 'rhea'], teams: [] }],
    ]);
    const votes = ['ivy', 'sam', 'rhea'].map((user) => ({ user, decision: 'approve' as const }));
    expect(evaluate(policies, emergency, votes, {}, MONDAY_NOON_UTC).outcome).toBe('approved');
    expect(evaluate(policies, emergency, votes.slice(1), {}, MONDAY_NOON_UTC).outcome).toBe('pending');
  });

  it('never counts the actor, and never makes a guard-only request approvable', () => {
    const actor = evaluate(
      policies,
      { ...emergency, actor: 'ivy' },
      [{ user: 'ivy', decision: 'approve' }],
      {},
      MONDAY_NOON_UTC,
    );
    expect(actor.requirements[0]!.approved_by).toEqual([]);
    const uncovered = evaluate(policies, { ...emergency, action: 'rm-rf' }, [], {}, MONDAY_NOON_UTC);
    expect(uncovered.outcome).toBe('denied');
    expect(uncovered.reasons.map((r) => r.rule)).toContain('no_policy');
  });

  it('is checked at load: approvers to grant it, and a freeze or windows to override', () => {
    expect(
      errorsOf({
        'a.yml': `version: 1
policies:
  - name: p
    match: {}
    approvers: { users: [a] }
    break_glass: { approvers: { users: [ivy] } }
`,
      }).map((e) => `${e.line}: ${e.message}`),
    ).toEqual(['6: policy "p": break_glass overrides a freeze or windows, and this policy has neither']);
  });
});

describe("organization policies with a repository's", () => {
  const org = load({
    '.approvals/org.yml': `version: 1
policies:
  - name: quorum
    match: {}
    scope: { repositories: ["shop", "pay-*"] }
    approvers: { users: [sam] }
`,
  });
  const repo = load({
    '.approvals/r.yml': 'version: 1\npolicies:\n  - name: quorum\n    match: {}\n    auto_approve: [{}]\n',
  });

  it("come first, named org:, with their files under <owner>/.github, and never collide with the repository's", () => {
    const both = withOrgPolicies('acme', org, repo);
    expect(both.ok && both.policies.map((p) => [p.name, p.file])).toEqual([
      ['org:quorum', 'acme/.github/.approvals/org.yml'],
      ['quorum', '.approvals/r.yml'],
    ]);
    expect(withOrgPolicies('acme', org, repo)).toBe(both); // the same pair, the same set (its index is kept)
  });

  it('apply within their scope only (the repository name, without the owner)', () => {
    const both = withOrgPolicies('acme', org, repo);
    if (!both.ok) throw new Error('expected valid policies');
    const names = (repository: string) =>
      evaluate(both.policies, request({ repository }), [], {}, MONDAY_NOON_UTC).policies;
    expect(names('acme/shop')).toEqual(['org:quorum', 'quorum']);
    expect(names('acme/pay-api')).toEqual(['org:quorum', 'quorum']);
    expect(names('acme/docs')).toEqual(['quorum']);
  });
});
