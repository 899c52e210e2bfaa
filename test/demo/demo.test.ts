import { describe, expect, it } from 'vitest';
import { main } from '../../demo/cli.ts';
import { runCli } from '../helpers/cli.ts';

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
    ['green', [], 'job | Approved automatically (CI green (build, test (unit)); PR #1 approved by @bob)'],
    ['green', [], 'job | Waiting for checks on this commit to finish (test (unit))'],
    ['timeout', [], 'no decision within the timeout (5s)'],
    ['timeout', [], '5 s left.'], // under a minute: seconds, not "0 min"
    ['gate', ['--approve-as', 'alice'], 'job | Approved by the job gate of environment production (req_'],
    [
      'gate',
      ['--approve-as', 'alice'],
      'approved      approved by the job gate of environment production (req_',
    ],
  ])('--scenario %s ends as it should', async (scenario, extra, line) => {
    const { code, out } = await demo('--scenario', scenario, ...extra);
    expect(code).toBe(0);
    expect(out).toContain(line);
    expect(out).toContain(`The "${scenario}" scenario ended as it should.`);
  });

  it('--scenario gate: the job waits at the gate for a runner, GitHub records the answer, the step needs no second vote', async () => {
    const { code, out } = await demo('--scenario', 'gate', '--approve-as', 'alice');
    expect(code).toBe(0);
    expect(out).toContain('job | the job waits for the gate before it gets a runner');
    expect(out).toMatch(
      /gh {2}\| the pending gate's check run "approval: job-gate" on \w{7}: action_required/,
    );
    expect(out).toContain(
      `gh  | GitHub recorded the app's answer for production: approved, "jit-approvals: approved by alice`,
    );
    expect(out).toContain('job | Request req_');
    expect(out).not.toContain('job | Waiting for');
    expect(out).not.toContain('Approved automatically');
    expect(out).not.toContain('Approved by alice:'); // the step's own line says the gate approved it
    for (const line of [
      'requested     job-gate by dana (run 4242, environment production)',
      'vote          alice: approve',
      'gate answered GitHub records approved for environment production (run 4242)',
      'inside the job the gate approved: no second vote',
      'token issued  sha256:',
      'job ended     the step ended: approved',
      'token revoked',
    ])
      expect(out).toContain(line);
    expect(out.indexOf('gate answered')).toBeLessThan(out.indexOf('requested     deploy-web'));
    expect(out).not.toMatch(/ghs_/);
  });

  it('refuses an --approve-as user it does not have, naming those it has', async () => {
    expect(await demo('--approve-as', 'alice,zed')).toEqual({
      code: 2,
      out: 'unknown demo user "zed": use one or more of alice, bob, carol, sam, pat, mallory, dana (comma-separated)',
    });
  });

  it('says when the approver given cannot approve: the request will time out, and when', async () => {
    const { startDemo } = await import('../../demo/run-demo.ts');
    const lines: string[] = [];
    let said: () => void;
    const timesOut = new Promise<void>((r) => (said = r));
    const d = await startDemo({
      scenario: 'approve',
      approveAs: ['mallory'],
      print: (l) => {
        lines.push(l);
        if (l.includes('times out in')) said();
      },
    });
    try {
      await timesOut;
      expect(lines).toContain(
        "  you | mallory's click was ignored: is not an eligible approver (not listed, and not an active member of a listed team).",
      );
      expect(lines.at(-1)).toMatch(
        /^ {2}you \| nobody who may approve has clicked: the request times out in (10|9) min \(Ctrl-C stops the demo\)\.$/,
      );
    } finally {
      await d.stop(); // ends the waiting job too
    }
  });

  it('ships its policies with policy tests, which pass', async () => {
    const r = await runCli('test', 'demo/.approvals');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^\d+ passed, 0 failed$/);
  });

  it('explains a wrong scenario', async () => {
    expect(await demo('--scenario', 'chaos')).toEqual({
      code: 2,
      out: 'unknown scenario "chaos": use one of approve, auto, green, freeze, gate, quorum, timeout',
    });
  });
});

describe('npm run demo, as a person uses it', () => {
  it("the job log's links lead to the approval page and to the sandbox, which stands in for github.com", async () => {
    const { startDemo } = await import('../../demo/run-demo.ts');
    const d = await startDemo({ scenario: 'approve', approveAs: [], print: () => undefined });
    try {
      const line = await d.job.waitForLine(/Approve or deny at /);
      expect(line).toContain(`Approve or deny at ${new URL(d.pageUrl).origin}/requests/req_`);
      expect(line).toContain(`or on the check run ${d.sandboxUrl}/acme/shop/runs/`);
      expect(line).not.toContain('https://github.com');
      const link = /check run (\S+)\./.exec(line)![1]!;
      const res = await fetch(link, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/');
      await d.harness.click(d.harness.repo.checkRuns[0]!.id, 'alice', 'deny');
      const { ok, result } = await d.done;
      expect(result.outputs.status).toBe('denied');
      expect(ok).toBe(true); // a denial by a vote is the demo working
    } finally {
      await d.stop();
    }
  });

  it('the timeout scenario does not invite approval', async () => {
    const { out, code } = await demo('--scenario', 'timeout');
    expect(code).toBe(0);
    expect(out).toContain('Nobody decides in this scenario');
    expect(out).not.toContain('Open the sandbox to approve');
  });
});
