import { describe, expect, it } from 'vitest';
import { main } from '../../demo/run-demo.ts';

async function demo(...argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await main(argv, (l) => void lines.push(l));
  return { code, out: lines.join('\n') };
}

describe('npm run demo', () => {
  it('--approve-as alice: the job waits, alice approves, the job resumes with a working token, which is revoked', async () => {
    const { code, out } = await demo('--approve-as', 'alice');
    expect(code).toBe(0);
    expect(out).toContain(
      'job | Waiting for 1 approval(s): 1 from @alice, @bob, @acme/sre (staging-deploy).',
    );
    expect(out).toContain('you | alice clicks Approve');
    expect(out).toContain(
      'the token reads .approvals/demo.yml: HTTP 200; creating a check run, beyond its permissions: HTTP 403',
    );
    expect(out).toMatch(/Timeline\n.*requested +deploy-staging by dana/);
    for (const step of [
      'check run',
      'vote          alice: approve',
      'approved',
      'token issued  sha256:',
      'job resumed',
      'token revoked',
    ])
      expect(out).toContain(step);
    expect(out).not.toMatch(/ghs_/);
  });

  it.each([
    ['auto', [], 'approved      policy "docs" auto-approves'],
    ['freeze', [], 'denied        policy "release-freeze": inside freeze'],
    [
      'quorum',
      ['--approve-as', 'alice,bob'],
      'approved      policy "production-deploy": 2 of 2 approvals (alice, bob)',
    ],
    ['timeout', [], 'no decision within the timeout (5s)'],
  ])('--scenario %s ends as it should', async (scenario, extra, line) => {
    const { code, out } = await demo('--scenario', scenario, ...extra);
    expect(code).toBe(0);
    expect(out).toContain(line);
    expect(out).toContain(`The "${scenario}" scenario ended as it should.`);
  });

  it('explains a wrong scenario', async () => {
    expect(await demo('--scenario', 'chaos')).toEqual({
      code: 2,
      out: 'unknown scenario "chaos": use one of approve, auto, freeze, quorum, timeout',
    });
  });
});
