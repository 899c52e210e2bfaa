import { describe, expect, it } from 'vitest';
import type { Decision } from '../../app/policy/decision.ts';
import { compareDecision } from '../../app/policy/policy-tests.ts';
import { runCli as cli } from '../helpers/cli.ts';

const explain = (name: string, ...more: string[]) =>
  cli(
    'explain',
    '--policies',
    'test/fixtures/org-repo',
    '--org-policies',
    'test/fixtures/org-policies',
    '--request',
    `test/fixtures/requests/${name}.json`,
    ...more,
  );

describe('explain: an emergency request ("emergency": true)', () => {
  it('in a freeze with break_glass: pending, with the break-glass approvers as the requirement', async () => {
    const r = await explain('emergency');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 2)).toEqual([
      'PENDING',
      '  BREAK-GLASS: an emergency request overrides the freeze and windows of org:holiday-freeze',
    ]);
    expect(r.stdout).toContain(
      '    - BREAK-GLASS: an emergency request; the break-glass approvers of "org:holiday-freeze" decide (never the actor)',
    );
    expect(r.stdout).toContain(
      [
        '  requirements:',
        '    - org:holiday-freeze: 0/1 (1 more needed); approvers: ic-irene, @acme/incident-commanders',
        '    - deploy: 1/1 (met); approvers: alice',
      ].join('\n'),
    );
  });

  it('--json has break_glass with the policies it overrides', async () => {
    const d = JSON.parse((await explain('emergency', '--json')).stdout);
    expect(d).toMatchObject({ outcome: 'pending', break_glass: { policies: ['org:holiday-freeze'] } });
    expect(d.requirements[0]).toMatchObject({
      policy: 'org:holiday-freeze',
      approvers: { users: ['ic-irene'], teams: ['acme/incident-commanders'] },
    });
  });

  it('without a reason: denied, saying so', async () => {
    const r = await explain('emergency-no-reason');
    expect(r.stdout.split('\n')[0]).toBe('DENIED (automatic)');
    expect(r.stdout).toContain('    - a break-glass request needs a reason, and the step gave none');
    expect(r.stdout).not.toContain('BREAK-GLASS');
  });

  it('where a denying policy has no break_glass: denied, naming it', async () => {
    const r = await explain('ledger-emergency');
    expect(r.stdout.split('\n')[0]).toBe('DENIED (automatic)');
    expect(r.stdout).toContain(
      '    - break-glass cannot override "org:ledger-lockdown": no break_glass in that policy',
    );
    expect(JSON.parse((await explain('ledger-emergency', '--json')).stdout).break_glass).toBeUndefined();
  });

  it('an "emergency" that is not true or false is a positioned error', async () => {
    const r = await cli(
      'explain',
      '--policies',
      'test/fixtures/org-repo',
      '--request',
      'test/fixtures/requests/bad-emergency.json',
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'test/fixtures/requests/bad-emergency.json:9:16: emergency: must be true or false, found string "yes" [schema]',
    );
  });
});

describe('policy tests: expect.break_glass', () => {
  const decision = (extra: Partial<Decision>): Decision => ({
    outcome: 'pending',
    auto: false,
    policies: ['org:holiday-freeze'],
    reasons: [],
    requirements: [],
    token: null,
    timeout_seconds: 3600,
    ...extra,
  });
  const glass = decision({ break_glass: { policies: ['org:holiday-freeze', 'org:windows'] } });

  it.each([
    [glass, true, []],
    [decision({}), false, []],
    [decision({}), true, ['break_glass: expected true, got false']],
    [glass, false, ['break_glass: expected false, got true (it overrides org:holiday-freeze, org:windows)']],
  ])('%#', (d, want, failures) => {
    expect(compareDecision(d, { outcome: 'pending', break_glass: want })).toEqual(failures);
  });

  it('left out, it is not checked', () => {
    expect(compareDecision(glass, { outcome: 'pending' })).toEqual([]);
  });

  it('the cases of test/fixtures/org-repo with emergency requests pass', async () => {
    const r = await cli('test', 'test/fixtures/org-repo', '--org-policies', 'test/fixtures/org-policies');
    for (const name of [
      'an emergency in the freeze waits for the incident commanders',
      'an incident commander grants it',
      'an emergency without a reason is denied',
      "the ledger's lockdown has no break_glass",
    ])
      expect(r.stdout).toMatch(new RegExp(`^PASS .*  ${name}$`, 'm'));
  });

  it('a failing break_glass expectation says what differs', async () => {
    const r = await cli('test', 'test/fixtures/failing-break-glass');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('0 passed, 2 failed');
    expect(r.stdout).toContain('        break_glass: expected false, got true (it overrides freeze)');
    expect(r.stdout).toContain('        break_glass: expected true, got false');
    expect(r.stdout).toContain('        | a break-glass request needs a reason, and the step gave none');
  });
});
