// Signed webhook deliveries of a shape GitHub never sends: the fields the handlers use are checked
// where the delivery arrives, and a delivery that lacks one is refused with 400, changing nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppHarness, checkRunOf } from '../app/harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
`;

type Json = Record<string, unknown>;

const h = new AppHarness();
let id = '';
let checkRun = 0;
const valid: Record<string, { event: string; payload: Json }> = {};
beforeAll(async () => {
  await h.start({ 'p.yml': POLICY });
  const step = await h.step({ runId: 1 });
  id = (await h.request(step)).body.id;
  checkRun = await checkRunOf(h, id);
  // Deliveries as GitHub sends them, each changing nothing (a click by someone who may not vote, a
  // job and a run the app has no request of, a push that does not touch .approvals/).
  const other = await h.step({ runId: 2 });
  const dana = h.sim.world.addUser('dana');
  const head = h.repo.branches.get('main')!;
  for (const d of [
    await h.click(checkRun, 'mallory'),
    await h.hooks.workflowJobCompleted(h.repo, other.simJob, dana),
    await h.hooks.workflowRunCompleted(h.repo, { runId: 2, headSha: head }, dana),
    await h.hooks.push(h.repo, {
      ref: 'refs/heads/main',
      before: head,
      after: head,
      changed: ['README.md'],
      pusher: dana,
    }),
  ]) {
    expect(d.status).toBe(200);
    valid[`${d.event}${d.action ? `.${d.action}` : ''}`] = {
      event: d.event,
      payload: JSON.parse(d.body) as Json,
    };
  }
  // The click as alice, who may vote: were a broken one processed, her vote would count.
  const alice = h.sim.world.addUser('alice');
  Object.assign(valid['check_run.requested_action']!.payload.sender as Json, {
    login: alice.login,
    id: alice.id,
  });
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

/** A copy of a valid delivery of `kind` with `change` applied to it. */
function broken(kind: string, change: (p: Json & Record<string, Json>) => void) {
  const { event, payload } = valid[kind]!;
  const p = structuredClone(payload) as Json & Record<string, Json>;
  change(p);
  return { event, payload: p };
}

const SHAPES: [string, () => { event: string; payload: Json }][] = [
  ['a click without check_run.id', () => broken('check_run.requested_action', (p) => delete p.check_run!.id)],
  [
    'a click whose check_run.id is a string',
    () => broken('check_run.requested_action', (p) => (p.check_run!.id = String(checkRun))),
  ],
  ['a click without sender.login', () => broken('check_run.requested_action', (p) => delete p.sender!.login)],
  [
    'a click without requested_action',
    () => broken('check_run.requested_action', (p) => delete p.requested_action),
  ],
  ['a job without workflow_job.id', () => broken('workflow_job.completed', (p) => delete p.workflow_job!.id)],
  [
    'a run whose workflow_run.id is a string',
    () => broken('workflow_run.completed', (p) => (p.workflow_run!.id = '2')),
  ],
  ['a push whose commits are not a list', () => broken('push', (p) => (p.commits = null as never))],
];

describe('a signed delivery of the wrong shape', () => {
  it.each(SHAPES)('%s is refused with 400, naming the field', async (_, make) => {
    const { event, payload } = make();
    const res = await h.hooks.sendUnchecked(event, payload);
    expect(res.status).toBe(400);
    expect(res.response).toMatch(/check_run|sender|requested_action|workflow_job|workflow_run|commits/);
    expect(await h.runtime.store.votes(id)).toEqual([]);
    expect((await h.runtime.store.getRequest(id))!.status).toBe('pending');
  });
});
