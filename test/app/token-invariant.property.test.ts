// Property: every token GitHub mints for a request is recorded, audited and revoked exactly once,
// whatever order legs ask, vote, cancel and end in, and whatever fails along the way (a save that
// loses, an audit append that fails, GitHub answering 502 to a mint).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppHarness, checkRunOf, type Step } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    token: { permissions: { contents: read }, ttl: 15m }
`;

type Op =
  | { op: 'poll'; leg: number }
  | { op: 'cancel'; leg: number }
  | { op: 'jobEnds'; leg: number }
  | { op: 'approve' }
  | { op: 'failSave' }
  | { op: 'failAudit' }
  | { op: 'failMint' };

const leg = fc.integer({ min: 0, max: 2 });
const ops: fc.Arbitrary<Op[]> = fc.array(
  fc.oneof(
    leg.map((l): Op => ({ op: 'poll', leg: l })),
    leg.map((l): Op => ({ op: 'cancel', leg: l })),
    leg.map((l): Op => ({ op: 'jobEnds', leg: l })),
    fc.constant<Op>({ op: 'approve' }),
    fc.constant<Op>({ op: 'failSave' }),
    fc.constant<Op>({ op: 'failAudit' }),
    fc.constant<Op>({ op: 'failMint' }),
  ),
  { minLength: 1, maxLength: 10 },
);

let h: AppHarness;
let run = 40_000;
/** Faults armed for the next store call of their kind. */
const armed = { save: false, audit: false };

beforeAll(async () => {
  h = new AppHarness();
  h.env = { GITHUB_WRITES_PER_MINUTE: '0' }; // many check-run writes in a row, unpaced
  await h.start({ 'p.yml': POLICY });
  const store = h.runtime.store;
  const save = store.saveRequest.bind(store);
  const append = store.appendAudit.bind(store);
  store.saveRequest = async (...args) => (armed.save ? ((armed.save = false), false) : save(...args));
  store.appendAudit = async (...args) => {
    if (armed.audit) {
      armed.audit = false;
      throw new Error('injected: the audit append failed');
    }
    return append(...args);
  };
});
afterAll(async () => {
  await h?.stop();
});

async function play(script: Op[]): Promise<void> {
  const runId = ++run;
  const legs: Step[] = [];
  for (const region of ['eu', 'us', 'ap'])
    legs.push(await h.step({ runId }, h.repo, { jobName: `deploy (${region})` }));
  const since = new Set(h.sim.world.tokens.keys());
  const { body } = await h.request(legs[0]!);
  const id = body.id;
  const checkRunId = await checkRunOf(h, id);
  for (const l of legs.slice(1)) await h.request(l);
  for (const step of script) {
    switch (step.op) {
      case 'poll':
        await h.poll(legs[step.leg]!, id);
        break;
      case 'cancel':
        await h.cancel(legs[step.leg]!, id);
        break;
      case 'jobEnds':
        if (legs[step.leg]!.simJob.status !== 'completed') await h.jobCompleted(legs[step.leg]!);
        break;
      case 'approve':
        await h.click(checkRunId, 'alice');
        break;
      case 'failSave':
        armed.save = true;
        break;
      case 'failAudit':
        armed.audit = true;
        break;
      case 'failMint':
        h.sim.inject('apps/create-installation-access-token', 502);
        break;
    }
    await h.settled(id);
  }
  armed.save = armed.audit = false;
  h.sim.faults.take('apps/create-installation-access-token'); // drop an unused fault
  // Eventually every leg asks once more, and the run ends.
  for (const l of legs) await h.poll(l, id);
  await h.hooks.workflowRunCompleted(
    h.repo,
    { runId, headSha: legs[0]!.job.sha },
    h.sim.world.addUser('dana'),
  );
  await h.settled(id);
  h.offsetMs = 16 * 60_000;
  try {
    await h.runtime.service.sweep();
  } finally {
    h.offsetMs = 0;
  }

  const minted = [...h.sim.world.tokens.values()].filter(
    (t) => !since.has(t.hash) && Array.isArray(t.repositories) && t.repositories.includes(h.repo.id),
  );
  const events = (await h.runtime.store.auditEvents()).filter((e) => e.requestId === id);
  const r = (await h.runtime.store.getRequest(id))!;
  for (const t of minted) {
    expect(t.revocations, `token ${t.hash.slice(0, 8)} revoked once`).toBe(1);
    const about = (type: string) =>
      events.filter((e) => e.type === type && e.data.token_sha256 === t.hash).length;
    expect(about('token_granted'), 'audited as granted once').toBe(1);
    expect(about('token_revoked'), 'audited as revoked once').toBe(1);
  }
  // What the store records holds only tokens GitHub minted, each on one leg.
  const stored = r.legs.flatMap((l) => (l.token ? [l.token.hash] : []));
  expect(new Set(stored).size).toBe(stored.length);
  for (const hash of stored) expect(minted.some((t) => t.hash === hash)).toBe(true);
}

describe('tokens', () => {
  it('every token minted is recorded, audited and revoked exactly once, whatever fails', async () => {
    await fc.assert(fc.asyncProperty(ops, play), { numRuns: 40, endOnFailure: true });
  }, 120_000);
});
