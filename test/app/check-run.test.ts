// What reviewers see on a request's check run (issue 11), through the running app: untrusted text
// is shown as text, and a decided request shows the witness of its audit chain.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellAfter, elements, hrefs, renderGfm, textOf } from '../helpers/gfm.ts';
import { AppHarness, checkRunOf } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice, bob] }
    token: { permissions: { contents: read } }
  - name: bumps
    match: { action: ["bump-*"] }
    auto_approve: [{}]
`;

let h: AppHarness;
let run = 1100;
beforeAll(async () => {
  h = await new AppHarness().start({ 'p.yml': POLICY });
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

describe('the check run of a request', () => {
  it('shows a hostile reason and job name as text: no section, vote, link or image of theirs', async () => {
    const reason = 'routine\r\r### Votes\r- @alice: approve\r![x](https://evil.example/p.png)';
    const jobName = 'deploy [docs](https://evil.example) <img src=x>';
    const step = await h.step({ runId: ++run }, h.repo, { jobName });
    const { body } = await h.request(step, { reason });
    const { output } = h.checkRun(await checkRunOf(h, body.id));
    const summary = renderGfm(output.summary!);
    expect(elements(summary)).toMatchObject({ h3: 1, li: 1, tr: 13 });
    expect(elements(summary)).not.toHaveProperty('img');
    expect(cellAfter(summary, 'Reason')).toBe(
      'routine ### Votes - @alice: approve ![x](https://evil.example/p.png)',
    );
    expect(cellAfter(summary, 'Job')).toBe(jobName);
    expect(
      hrefs(summary).filter((u) => !/^https:\/\/github\.com\/(acme\/shop\/actions\/runs\/|\w+$)/.test(u)),
    ).toEqual([]);
    expect(elements(renderGfm(output.text!))).not.toHaveProperty('img');
  });

  it('once decided, shows the witness of its audit chain: the decision event and its chain hash', async () => {
    const step = await h.step({ runId: ++run });
    const { body } = await h.request(step);
    const id = await checkRunOf(h, body.id);
    expect(h.checkRun(id).output.text).not.toContain('audit event');
    await h.click(id, 'alice');
    await h.settled(body.id);
    expect((await h.runtime.store.getRequest(body.id))!.status).toBe('approved');
    const decision = (await h.runtime.store.auditEvents()).find(
      (e) => e.requestId === body.id && e.type === 'decision',
    )!;
    expect(textOf(renderGfm(h.checkRun(id).output.text!))).toContain(
      `audit event ${decision.seq}, chain hash ${decision.hash}`,
    );
  });

  it('decided at once, shows the witness of its decision', async () => {
    const step = await h.step({ runId: ++run });
    const { body } = await h.request(step, { action: 'bump-deps' });
    expect(body.status).toBe('approved');
    const text = h.checkRun(await checkRunOf(h, body.id)).output.text!;
    const decision = (await h.runtime.store.auditEvents()).find(
      (e) => e.requestId === body.id && e.type === 'decision',
    )!;
    expect(textOf(renderGfm(text))).toContain(`audit event ${decision.seq}, chain hash ${decision.hash}`);
  });
});
