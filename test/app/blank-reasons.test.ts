// Issue 22: a reason made only of glyphs that render as nothing counts as no reason, wherever a
// reason is required (`reason_required`) and for an emergency (break-glass) request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppHarness } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    reason_required: true
  - name: hotfix
    match: { action: ["hotfix-*"] }
    auto_approve: [{}]
    freeze: [{ from: "2020-01-01T00:00:00Z", until: "2099-01-01T00:00:00Z", reason: Freeze }]
    break_glass: { approvers: { users: [ivy] } }
`;

/** Reasons a reviewer sees as empty: each is blank. */
const BLANK: [string, string][] = [
  ['U+1D159 (a null notehead)', '\u{1D159}'],
  ['U+2800 (the blank Braille pattern)', '\u2800\u2800'],
  ['zero-width spaces and joiners', '\u200b\u200c\u2060\ufeff'],
  ['a Hangul filler between spaces', ' \u3164 '],
  ['a combining mark alone', '\u0301'],
];
/** Reasons that show something: none is blank. */
const GIVEN: [string, string][] = [
  ['an emoji', '🔥'],
  ['digits', '42'],
  ['a currency sign', '€'],
];

const h = new AppHarness();
let run = 100;
beforeAll(async () => {
  await h.start({ 'p.yml': POLICY });
  h.sim.world.addUser('ivy');
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

describe('reason_required', () => {
  it.each(BLANK)('a reason of only %s is no reason: denied', async (_, reason) => {
    const res = await h.request(await h.step({ runId: ++run }), { reason });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('denied');
    expect(res.body.decision.reasons.map((r) => r.message)).toContain(
      'policy "prod" requires a reason and the step gave none',
    );
  });

  it.each(GIVEN)('a reason of only %s is a reason: the request waits for approval', async (_, reason) => {
    const res = await h.request(await h.step({ runId: ++run }), { reason });
    expect(res.body.status).toBe('pending');
  });
});

describe('an emergency request', () => {
  it.each(BLANK)('a reason of only %s is refused at the door', async (_, reason) => {
    const res = await h.request(await h.step({ runId: ++run }), {
      action: 'hotfix-web',
      emergency: true,
      reason,
    });
    expect(res.status).toBe(400);
    expect(res.body.error!.message).toContain('needs a reason');
  });

  it.each(GIVEN)('a reason of only %s opens the break-glass override', async (_, reason) => {
    const res = await h.request(await h.step({ runId: ++run }), {
      action: 'hotfix-web',
      emergency: true,
      reason,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'pending', break_glass: true });
  });
});
