import { describe, expect, it } from 'vitest';
import { evaluate } from '../../app/policy/evaluate.ts';
import type { Signals } from '../../app/policy/evidence.ts';
import { MONDAY_NOON_UTC, compile, errorsOf, request } from '../helpers/policies.ts';

const POLICIES = compile(`
version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"], environment: [production] }
    approvers: { teams: [acme/sre] }
    required: 2
    token: { permissions: { contents: read }, ttl: 10m }
    auto_approve:
      - checks: [build, "test (*)"]
        checks_timeout: 20m
        pull_request: { approvals: 2 }
  - name: docs
    match: { action: [publish-docs] }
    approvers: { users: [erin] }
    auto_approve:
      - changed_paths: ["docs/**", "**/*.md"]
        changes: { files: 10, lines: 200 }
      - verified_commit: true
        actor: ["release-bot"]
  - name: any-green
    match: { action: [ship] }
    approvers: { users: [erin] }
    auto_approve: [{ checks: true }]
`);

const green: Signals['checks'] = {
  ok: true,
  value: [
    { name: 'build', state: 'success' },
    { name: 'test (linux)', state: 'success' },
    { name: 'lint', state: 'failure', conclusion: 'failure' },
  ],
};
const reviewed: Signals['pull_request'] = {
  ok: true,
  value: {
    number: 41,
    author: 'carol',
    author_id: 3,
    approvals: [
      { login: 'alice', id: 1 },
      { login: 'bob', id: 2 },
    ],
  },
};
const decide = (over: Parameters<typeof request>[0], signals: Signals) =>
  evaluate(POLICIES, request({ actor_id: 9, ...over }), [], {}, MONDAY_NOON_UTC, signals);

describe('auto_approve on live evidence', () => {
  it('approves when the named checks are green and two others approved the pull request, and says why', () => {
    const d = decide({}, { checks: green, pull_request: reviewed });
    expect(d.outcome).toBe('approved');
    expect(d.auto).toBe(true);
    expect(d.evidence).toEqual([
      {
        policy: 'prod',
        entry: 0,
        signals: [
          { kind: 'checks', value: 'CI green (build, test (linux))' },
          { kind: 'pull_request', value: 'PR #41 approved by @alice, @bob' },
        ],
      },
    ]);
    expect(d.reasons.find((r) => r.rule === 'auto_approve')?.message).toBe(
      'policy "prod" auto-approves (auto_approve[0] matches): CI green (build, test (linux)); PR #41 approved by @alice, @bob',
    );
  });

  it('waits while a named check runs, and hands over to the approvers once checks_timeout passes', () => {
    const running: Signals['checks'] = {
      ok: true,
      value: [
        { name: 'build', state: 'pending' },
        { name: 'test (a)', state: 'success' },
      ],
    };
    const waiting = decide({}, { checks: running, pull_request: reviewed });
    expect(waiting.outcome).toBe('pending');
    expect(waiting.awaiting).toEqual({ checks: ['build'], until_seconds: 1200 });
    const late = decide({ waited_seconds: 1200 }, { checks: running, pull_request: reviewed });
    expect(late.outcome).toBe('pending');
    expect(late.awaiting).toBeUndefined();
    expect(late.reasons.map((r) => r.message)).toContain(
      'policy "prod": auto_approve[0] does not apply: check "build" still running after 20m (checks_timeout)',
    );
  });

  it('never waits on checks when another requirement fails anyway: a failing check hands over at once', () => {
    const failing: Signals['checks'] = {
      ok: true,
      value: [
        { name: 'build', state: 'failure', conclusion: 'timed_out' },
        { name: 'test (a)', state: 'pending' },
      ],
    };
    const d = decide({}, { checks: failing, pull_request: reviewed });
    expect(d.outcome).toBe('pending');
    expect(d.awaiting).toBeUndefined();
    expect(d.reasons.map((r) => r.message).join('\n')).toContain('check "build" (timed_out) did not pass');
  });

  it('fails closed on evidence it could not read or was not given', () => {
    const unread = decide({}, { checks: { ok: false, error: 'HTTP 500' }, pull_request: reviewed });
    expect(unread.outcome).toBe('pending');
    expect(unread.reasons.map((r) => r.message).join('\n')).toContain('checks could not be read (HTTP 500)');
    expect(decide({}, { checks: green }).outcome).toBe('pending');
    expect(decide({}, {}).outcome).toBe('pending');
  });

  it('does not count the pull request author, the actor (by account id, whatever the login) or a missing named check', () => {
    const byActor: Signals['pull_request'] = {
      ok: true,
      value: {
        number: 7,
        author: 'carol',
        author_id: 3,
        approvals: [
          { login: 'alice', id: 1 },
          { login: 'renamed-dana', id: 9 },
          { login: 'carol', id: 3 },
        ],
      },
    };
    const d = decide({}, { checks: green, pull_request: byActor });
    expect(d.outcome).toBe('pending');
    expect(d.reasons.map((r) => r.message).join('\n')).toContain(
      'PR #7 has 1 approving review by others than its author and the actor (@alice), 2 needed',
    );
    const noTest = decide(
      {},
      { checks: { ok: true, value: [{ name: 'build', state: 'success' }] }, pull_request: reviewed },
    );
    expect(noTest.outcome).toBe('pending');
    expect(noTest.reasons.map((r) => r.message).join('\n')).toContain(
      'no check on the commit is named "test (*)"',
    );
  });

  it('ships docs-only changes since the last approval, and asks for anything else or a first request', () => {
    const docs = {
      ok: true as const,
      value: {
        base: 'abc1234def',
        files: [
          { path: 'docs/a.md', lines: 3 },
          { path: 'README.md', lines: 1 },
        ],
      },
    };
    const ok = decide({ action: 'publish-docs' }, { changes: { docs } });
    expect(ok.outcome).toBe('approved');
    expect(ok.evidence?.[0]?.signals[0]?.value).toBe(
      '2 files, 4 lines changed since abc1234 under docs/**, **/*.md',
    );
    const code = decide(
      { action: 'publish-docs' },
      { changes: { '*': { ok: true, value: { base: 'abc1234', files: [{ path: 'src/a.ts', lines: 1 }] } } } },
    );
    expect(code.outcome).toBe('pending');
    expect(code.reasons.map((r) => r.message).join('\n')).toContain(
      '1 file changed since abc1234 outside docs/**, **/*.md: src/a.ts',
    );
    const first = decide({ action: 'publish-docs' }, { changes: { docs: { ok: true, value: null } } });
    expect(first.outcome).toBe('pending');
    expect(first.reasons.map((r) => r.message).join('\n')).toContain('approved no earlier commit');
    const big = decide(
      { action: 'publish-docs' },
      {
        changes: {
          docs: { ok: true, value: { base: 'abc1234', files: [{ path: 'docs/a.md', lines: 500 }] } },
        },
      },
    );
    expect(big.outcome).toBe('pending');
  });

  it('needs a verified commit where verified_commit is asked, and the other keys of its entry', () => {
    expect(
      decide({ action: 'publish-docs', actor: 'release-bot' }, { verified_commit: { ok: true, value: true } })
        .outcome,
    ).toBe('approved');
    expect(
      decide(
        { action: 'publish-docs', actor: 'release-bot' },
        { verified_commit: { ok: true, value: false } },
      ).outcome,
    ).toBe('pending');
    expect(
      decide({ action: 'publish-docs', actor: 'dana' }, { verified_commit: { ok: true, value: true } })
        .outcome,
    ).toBe('pending');
  });

  it('checks: true needs at least one check besides the asking run, all passing', () => {
    expect(decide({ action: 'ship' }, { checks: { ok: true, value: [] } }).outcome).toBe('pending');
    expect(
      decide({ action: 'ship' }, { checks: { ok: true, value: [{ name: 'x', state: 'success' }] } }).outcome,
    ).toBe('approved');
    expect(decide({ action: 'ship' }, { checks: green }).outcome).toBe('pending');
  });

  it('never auto-approves an emergency that break-glass overrides on evidence', () => {
    const frozen = compile(`
version: 1
policies:
  - name: prod
    match: {}
    approvers: { users: [alice] }
    auto_approve: [{ checks: true }]
    freeze: [{ from: "2026-11-01T00:00:00Z", until: "2026-12-01T00:00:00Z", reason: freeze }]
    break_glass: { approvers: { users: [ic] } }
`);
    const d = evaluate(frozen, request({ emergency: true }), [], {}, MONDAY_NOON_UTC, { checks: green });
    expect(d.outcome).toBe('pending');
    expect(d.auto).toBe(false);
  });
});

describe('validating the evidence keys', () => {
  it('says where a wrong key is, and what to write', () => {
    const errors = errorsOf({
      'p.yml': `version: 1
policies:
  - name: p
    match: {}
    approvers: { users: [a] }
    auto_approve:
      - checks_timeout: 10m
      - checks: ["ok", "a/**/**"]
        pull_request: { approvals: 0, teams: [nope] }
      - changes: {}
      - verified_commit: false
`,
    });
    const text = errors.map((e) => `${e.line}: ${e.message}`).join('\n');
    expect(text).toContain('7: policy "p": auto_approve[0]: checks_timeout without checks');
    expect(text).toMatch(/8: .*auto_approve\[1\]\.checks: pattern "a\/\*\*\/\*\*"/);
    expect(text).toMatch(/9: .*approvals/);
    expect(errors.length).toBeGreaterThanOrEqual(5);
  });

  it('keeps the wait for checks shorter than the policy timeout: an error where it is not, half the timeout by default', () => {
    const errors = errorsOf({
      'p.yml': `version: 1
policies:
  - name: p
    match: {}
    approvers: { users: [a] }
    timeout: 20m
    auto_approve:
      - checks: true
        checks_timeout: 20m
`,
    });
    expect(errors.map((e) => `${e.line}: ${e.message}`)).toEqual([
      '9: policy "p": auto_approve[0]: checks_timeout 20m is not shorter than the policy\'s timeout (20m): requests would time out before their approvers are asked',
    ]);
    const [short] = compile(`
version: 1
policies:
  - name: p
    match: {}
    approvers: { users: [a] }
    timeout: 20m
    auto_approve: [{ checks: true }]
`);
    expect(short!.autoApprove[0]!.evidence.checksTimeoutSeconds).toBe(600);
  });
});
