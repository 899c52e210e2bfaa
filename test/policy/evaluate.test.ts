import { describe, expect, it } from 'vitest';
import type { Decision } from '../../app/policy/decision.ts';
import { evaluate } from '../../app/policy/evaluate.ts';
import type { ApprovalRequest, Membership, Vote } from '../../app/policy/request.ts';
import { MONDAY_NOON_UTC, compile, request } from '../helpers/policies.ts';

const POLICIES = compile(`
version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"], environment: [production] }
    approvers: { users: [alice, bob, carol], teams: [acme/sre] }
    required: 2
    timeout: 30m
    token: { permissions: { contents: write, deployments: write, issues: read }, ttl: 15m }
  - name: security
    match: { environment: [production], ref: ["refs/tags/*"] }
    approvers: { teams: [acme/security] }
    timeout: 2h
    token: { permissions: { contents: read, deployments: write }, ttl: 30m }
  - name: staging
    match: { action: ["deploy-*"], environment: [staging] }
    approvers: { users: [alice] }
    self_approval: true
    auto_approve:
      - { actor: ["renovate[bot]"], ref: [refs/heads/main] }
  - name: docs
    match: { action: [publish-docs] }
    auto_approve: [{}]
  - name: docs-audit
    match: { action: [publish-*] }
    reason_required: true
    approvers: { users: [erin] }
    auto_approve: [{ ref: [refs/heads/main] }]
  - name: notoken
    match: { action: [rotate-keys] }
    approvers: { users: [alice] }
  - name: freeze
    match: { environment: [production] }
    freeze:
      - { from: "2026-12-20T00:00:00Z", until: "2027-01-04T00:00:00Z", reason: Holidays }
  - name: office-hours
    match: { action: [rotate-certs] }
    approvers: { users: [alice] }
    windows:
      - { days: [mon, tue, wed, thu, fri], hours: "09:00-17:00", timezone: Europe/Berlin }
  - name: night-shift
    match: { action: [batch-*] }
    approvers: { users: [alice] }
    windows:
      - { days: [fri], hours: "22:00-06:00", timezone: UTC }
  - name: disjoint
    match: { action: [sync-*] }
    approvers: { users: [alice] }
    token: { permissions: { issues: write } }
  - name: disjoint-2
    match: { action: [sync-all] }
    approvers: { users: [alice] }
    token: { permissions: { pages: write } }
`);

const approve = (...users: string[]): Vote[] => users.map((user) => ({ user, decision: 'approve' }));

interface Case {
  name: string;
  request?: Partial<ApprovalRequest>;
  votes?: Vote[];
  membership?: Membership;
  now?: string;
  expect: Partial<Decision> & { reason?: string | RegExp; remaining?: Record<string, number> };
}

const CASES: Case[] = [
  {
    name: 'no governing policy: denied, fail closed',
    request: { action: 'drop-database', environment: 'sandbox' },
    expect: {
      outcome: 'denied',
      policies: [],
      token: null,
      timeout_seconds: null,
      reason: /no policy covers action "drop-database"/,
    },
  },
  {
    name: 'a job without an environment never matches an environment list',
    request: { action: 'deploy-web', environment: undefined },
    expect: { outcome: 'denied', policies: [], reason: 'no policy covers' },
  },
  {
    name: 'pending until the quorum is met',
    votes: approve('alice'),
    expect: {
      outcome: 'pending',
      auto: false,
      remaining: { prod: 1 },
      reason: '1 of 2 approvals (alice); 1 more needed',
    },
  },
  {
    name: 'two approvals meet a quorum of two',
    votes: approve('alice', 'bob'),
    expect: { outcome: 'approved', auto: false, remaining: { prod: 0 } },
  },
  {
    name: 'approvals by team membership count; logins compare case-insensitively',
    votes: approve('ALICE', 'Sam'),
    membership: { 'ACME/SRE': ['sam'] },
    expect: { outcome: 'approved' },
  },
  {
    name: 'a vote by someone outside the approvers does not count and is explained',
    votes: approve('alice', 'mallory'),
    expect: { outcome: 'pending', reason: 'mallory is not an eligible approver' },
  },
  {
    name: 'the actor may not approve without self_approval',
    request: { actor: 'alice' },
    votes: approve('alice', 'bob'),
    expect: {
      outcome: 'pending',
      remaining: { prod: 1 },
      reason: 'alice started or re-ran the run and may not approve it',
    },
  },
  {
    name: 'the actor may approve with self_approval',
    request: { environment: 'staging', actor: 'alice', ref: 'refs/heads/feature' },
    votes: approve('alice'),
    expect: { outcome: 'approved', policies: ['staging'] },
  },
  {
    name: 'an eligible deny vote denies, whatever the approvals',
    votes: [...approve('alice', 'bob'), { user: 'carol', decision: 'deny' }],
    expect: { outcome: 'denied', auto: false, token: null, reason: 'denied by carol' },
  },
  {
    name: 'an ineligible deny vote changes nothing',
    votes: [...approve('alice', 'bob'), { user: 'mallory', decision: 'deny' }],
    expect: { outcome: 'approved' },
  },
  {
    name: 'a later vote of the same user replaces the earlier one',
    votes: [{ user: 'alice', decision: 'deny' }, ...approve('alice', 'bob')],
    expect: { outcome: 'approved' },
  },
  {
    name: 'two governing policies: both requirements must be met',
    request: { ref: 'refs/tags/v1.2.0' },
    votes: approve('alice', 'bob'),
    membership: { 'acme/security': ['sven'] },
    expect: {
      outcome: 'pending',
      policies: ['prod', 'security', 'freeze'],
      remaining: { prod: 0, security: 1 },
    },
  },
  {
    name: 'one vote counts for every requirement its voter is eligible for',
    request: { ref: 'refs/tags/v1.2.0' },
    votes: approve('alice', 'sven'),
    membership: { 'acme/security': ['sven'], 'acme/sre': ['sven'] },
    expect: { outcome: 'approved', remaining: { prod: 0, security: 0 } },
  },
  {
    name: 'token permissions intersect (lower level per key), the shortest TTL and timeout win',
    request: { ref: 'refs/tags/v1.2.0' },
    votes: approve('alice', 'sven'),
    membership: { 'acme/security': ['sven'], 'acme/sre': ['sven'] },
    expect: {
      outcome: 'approved',
      token: { permissions: { contents: 'read', deployments: 'write' }, ttl_seconds: 900 },
      timeout_seconds: 1800,
    },
  },
  {
    name: 'the step narrows the token further; asking for more is refused and explained',
    request: { permissions: { contents: 'read', issues: 'write', pages: 'write' } },
    votes: approve('alice', 'bob'),
    expect: {
      outcome: 'approved',
      token: { permissions: { contents: 'read' }, ttl_seconds: 900 },
      reason: 'not granted as asked: issues: write, pages: write',
    },
  },
  {
    name: 'no token when no governing policy grants one',
    request: { action: 'rotate-keys' },
    votes: approve('alice'),
    expect: { outcome: 'approved', token: null, reason: 'no token: no governing policy grants one' },
  },
  {
    name: 'no token when the permissions do not intersect, and the decision says why',
    request: { action: 'sync-all', environment: undefined },
    votes: approve('alice'),
    expect: { outcome: 'approved', token: null, reason: 'have nothing in common' },
  },
  {
    name: 'inside a freeze: denied, whatever the votes',
    now: '2026-12-24T12:00:00Z',
    votes: approve('alice', 'bob'),
    expect: { outcome: 'denied', token: null, reason: 'inside freeze Holidays' },
  },
  {
    name: 'freeze from is inclusive',
    now: '2026-12-20T00:00:00Z',
    expect: { outcome: 'denied', reason: 'inside freeze' },
  },
  {
    name: 'freeze until is exclusive',
    now: '2027-01-04T00:00:00Z',
    votes: approve('alice', 'bob'),
    expect: { outcome: 'approved' },
  },
  {
    name: 'the last moment before until is still frozen',
    now: '2027-01-03T23:59:59.999Z',
    expect: { outcome: 'denied', reason: 'inside freeze' },
  },
  {
    name: 'inside a window after the spring DST change (07:30Z is 09:30 CEST)',
    request: { action: 'rotate-certs', environment: undefined },
    now: '2026-03-30T07:30:00Z',
    votes: approve('alice'),
    expect: { outcome: 'approved', policies: ['office-hours'] },
  },
  {
    name: 'outside a window before the DST change (07:30Z is 08:30 CET), told when it opens',
    request: { action: 'rotate-certs', environment: undefined },
    now: '2026-03-23T07:30:00Z',
    votes: approve('alice'),
    expect: {
      outcome: 'denied',
      token: null,
      next_window: '2026-03-23T08:00:00Z',
      reason: 'next window opens 2026-03-23T08:00:00Z',
    },
  },
  {
    name: 'a window that wraps past midnight still holds on Saturday 05:59',
    request: { action: 'batch-reindex', environment: undefined },
    now: '2026-11-28T05:59:00Z',
    expect: { outcome: 'pending' },
  },
  {
    name: 'a wrapping window closes at its end, Saturday 06:00',
    request: { action: 'batch-reindex', environment: undefined },
    now: '2026-11-28T06:00:00Z',
    expect: { outcome: 'denied', next_window: '2026-12-04T22:00:00Z' },
  },
  {
    name: 'the last approval landing outside the window is denied then',
    request: { action: 'rotate-certs', environment: undefined },
    now: '2026-11-23T16:00:00Z',
    votes: approve('alice'),
    expect: { outcome: 'denied', reason: 'outside its windows' },
  },
  {
    name: 'reason_required with an empty reason: denied',
    request: { action: 'publish-site', reason: '  ', environment: undefined, ref: 'refs/heads/x' },
    expect: { outcome: 'denied', reason: 'policy "docs-audit" requires a reason' },
  },
  {
    name: 'reason_required with a reason: the request goes on to approval',
    request: {
      action: 'publish-site',
      reason: 'new pricing page',
      environment: undefined,
      ref: 'refs/heads/x',
    },
    expect: { outcome: 'pending', policies: ['docs-audit'] },
  },
  {
    name: 'auto-approved when every governing policy auto-approves',
    request: { action: 'publish-docs', environment: undefined, ref: 'refs/heads/main' },
    expect: { outcome: 'approved', auto: true, policies: ['docs', 'docs-audit'], requirements: [] },
  },
  {
    name: 'not auto-approved when one governing policy does not auto-approve',
    request: { action: 'publish-docs', environment: undefined, ref: 'refs/heads/release' },
    expect: { outcome: 'pending', auto: false, remaining: { 'docs-audit': 1 } },
  },
  {
    name: 'an auto_approve entry matches only when all its keys match',
    request: { environment: 'staging', actor: 'renovate[bot]', ref: 'refs/heads/develop' },
    expect: { outcome: 'pending' },
  },
  {
    name: 'bot logins with brackets match literally',
    request: { environment: 'staging', actor: 'renovate[bot]' },
    expect: { outcome: 'approved', auto: true },
  },
  {
    name: 'a re-run: the person who re-ran it may not approve (both actors count as the actor)',
    request: { actor: 'dana', triggering_actor: 'alice' },
    votes: approve('alice', 'bob'),
    expect: {
      outcome: 'pending',
      remaining: { prod: 1 },
      reason: 'alice started or re-ran the run and may not approve it',
    },
  },
  {
    name: 'a re-run: the original actor may not approve either',
    request: { actor: 'alice', triggering_actor: 'dana' },
    votes: approve('alice', 'bob'),
    expect: { outcome: 'pending', remaining: { prod: 1 } },
  },
  {
    name: "a re-run of a bot's run by a person is not auto-approved: actor globs match both actors",
    request: { environment: 'staging', actor: 'renovate[bot]', triggering_actor: 'mallory' },
    expect: { outcome: 'pending', auto: false },
  },
  {
    name: 'a re-run by the same bot is still auto-approved',
    request: { environment: 'staging', actor: 'renovate[bot]', triggering_actor: 'Renovate[bot]' },
    expect: { outcome: 'approved', auto: true },
  },
  {
    name: 'a request governed only by guard policies cannot be approved',
    request: { action: 'restart-pods' },
    expect: { outcome: 'denied', policies: ['freeze'], reason: 'only guard policies' },
  },
];

describe('evaluate', () => {
  it.each(CASES)('$name', (c) => {
    const now = c.now ? Date.parse(c.now) : MONDAY_NOON_UTC;
    const d = evaluate(POLICIES, request(c.request), c.votes ?? [], c.membership ?? {}, now);
    const { reason, remaining, ...fields } = c.expect;
    expect(d).toMatchObject(fields);
    if (reason !== undefined) {
      const messages = d.reasons.map((r) => r.message);
      expect(messages.some((m) => (typeof reason === 'string' ? m.includes(reason) : reason.test(m)))).toBe(
        true,
      );
    }
    if (remaining) {
      expect(Object.fromEntries(d.requirements.map((r) => [r.policy, r.remaining]))).toEqual(remaining);
    }
  });

  it('explains itself: every decision has the governing reason and one reason per shaping rule', () => {
    const d = evaluate(POLICIES, request({ ref: 'refs/tags/v1' }), approve('alice'), {}, MONDAY_NOON_UTC);
    expect(d.reasons.map((r) => r.rule)).toEqual(['governing', 'approvals', 'approvals', 'token']);
    expect(d.reasons[0]!.message).toBe('governed by "prod", "security", "freeze"');
  });

  it('is pure: the same inputs give the same decision, and inputs are not modified', () => {
    const votes = Object.freeze(approve('alice')) as Vote[];
    const req = Object.freeze(request());
    const a = evaluate(POLICIES, req, votes, {}, MONDAY_NOON_UTC);
    const b = evaluate(POLICIES, req, votes, {}, new Date(MONDAY_NOON_UTC));
    expect(a).toEqual(b);
  });
});

describe('a re-run has two actors', () => {
  const policies = compile(`
version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice, bob] }
  - name: contractors
    match: { action: ["deploy-*"], actor: ["contractor-*"] }
    approvers: { users: [sec] }
`);
  const governing = (actor: string, triggering_actor: string) =>
    evaluate(policies, request({ actor, triggering_actor }), [], {}, MONDAY_NOON_UTC).policies;

  it("a policy's match applies when either actor matches: a re-run never takes a run out of its reach", () => {
    expect(governing('contractor-x', 'contractor-x')).toEqual(['prod', 'contractors']);
    expect(governing('contractor-x', 'dana')).toEqual(['prod', 'contractors']);
    expect(governing('dana', 'contractor-x')).toEqual(['prod', 'contractors']);
    expect(governing('dana', 'dana')).toEqual(['prod']);
  });
});

describe('escalation', () => {
  const policies = compile(`
version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    escalate:
      - { after: 20m, approvers: { users: [carol] } }
      - { after: 1h, approvers: { teams: [acme/oncall] } }
`);
  const decide = (waited: number, voter: string, membership = {}) =>
    evaluate(policies, request({ waited_seconds: waited }), approve(voter), membership, MONDAY_NOON_UTC);

  it('escalated approvers count only once the request has waited long enough', () => {
    expect(decide(19 * 60, 'carol').outcome).toBe('pending');
    const at20 = decide(20 * 60, 'carol');
    expect(at20.outcome).toBe('approved');
    expect(at20.reasons.map((r) => r.message)).toContain(
      'policy "prod" escalated after 20m: carol may approve too',
    );
    expect(decide(59 * 60, 'omar', { 'acme/oncall': ['omar'] }).outcome).toBe('pending');
    expect(decide(60 * 60, 'omar', { 'acme/oncall': ['omar'] }).outcome).toBe('approved');
    expect(decide(0, 'alice').requirements[0]!.escalate).toEqual([
      { after_seconds: 1200, users: ['carol'], teams: [] },
      { after_seconds: 3600, users: [], teams: ['acme/oncall'] },
    ]);
  });
});

describe('who can still decide', () => {
  const policies = compile(`
version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice, bob, dana, erin], teams: [acme/sre] }
    required: 3
`);

  it('names neither those who voted nor the actor (without self_approval)', () => {
    const d = evaluate(policies, request({ actor: 'dana' }), approve('Alice'), {}, MONDAY_NOON_UTC);
    expect(d.requirements[0]!.waiting_for).toEqual({ users: ['bob', 'erin'], teams: ['acme/sre'] });
    expect(d.reasons.map((r) => r.message)).toContain(
      'policy "prod": 1 of 3 approvals (Alice); 2 more needed from bob, erin, @acme/sre',
    );
  });

  it('a met requirement waits for nobody', () => {
    const d = evaluate(
      policies,
      request({ actor: 'dana' }),
      approve('alice', 'bob', 'erin'),
      {},
      MONDAY_NOON_UTC,
    );
    expect(d.requirements[0]!.waiting_for).toEqual({ users: [], teams: [] });
  });
});
