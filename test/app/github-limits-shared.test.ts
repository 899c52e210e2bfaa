// Issue 18: instances on one PostgreSQL pace their writes to an installation together, so N of
// them stay within the rate one is allowed (not N times it).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckRunInput } from '../../app/github/port.ts';
import { TEST_DATABASE_URL } from '../helpers/database.ts';
import { AppHarness } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: deploy
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
`;

const h = new AppHarness();
h.database = { url: TEST_DATABASE_URL, schema: `t_${randomBytes(6).toString('hex')}` };
// A burst of two, then one write every 100 ms per installation.
h.env = { GITHUB_WRITES_PER_MINUTE: '600', GITHUB_WRITE_BURST: '2' };

beforeAll(async () => {
  await h.start({ 'p.yml': POLICY });
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

const view = (n: number): CheckRunInput => ({
  name: 'Approval',
  status: 'in_progress',
  external_id: `pacing-${n}`,
  actions: [],
  output: { title: 'Waiting', summary: `write ${n}` },
});

describe('write pacing shared by instances (PostgreSQL)', () => {
  it("two instances writing to one installation at once keep to one installation's burst and rate", async () => {
    const other = await h.instance();
    const installation = await h.runtime.github.installationFor(h.repo.owner, h.repo.name);
    const sha = h.repo.branches.get(h.repo.defaultBranch)!;
    // Each instance's client holds its installation token first: only the writes are measured.
    for (const r of [h.runtime, other]) await r.github.repositoryId(installation, h.repo.owner, h.repo.name);
    const since = h.sim.calls.length;
    await Promise.all(
      [h.runtime, other, h.runtime, other, h.runtime, other].map((r, i) =>
        r.github.createCheckRun(installation, h.repo.owner, h.repo.name, sha, view(i)),
      ),
    );
    const at = h.sim.calls
      .slice(since)
      .filter((c) => c.operation === 'checks/create')
      .map((c) => c.at)
      .sort((a, b) => a - b);
    expect(at).toHaveLength(6);
    // Together: two at once (the burst), then one every 100 ms, so the sixth goes 400 ms after the
    // first two. Each instance pacing alone (a burst of two each, then its third after 100 ms)
    // would send all six within about 100 ms.
    expect(at[5]! - at[0]!).toBeGreaterThanOrEqual(300);
  });
});
