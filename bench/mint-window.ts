// The moment a crash loses track of a token: from GitHub's answer to a mint until the app has
// journalled it (`sealMint`). A token minted in that moment and never journalled is not revoked by
// the app (it lapses at GitHub's expiry, one hour); one journalled is revoked by the sweep.
import { randomBytes } from 'node:crypto';
import { AppHarness } from '../test/app/harness.ts';
import { TEST_DATABASE_URL } from '../test/helpers/database.ts';

const POLICY = `version: 1
policies:
  - name: docs
    match: { action: [publish-docs] }
    auto_approve: [{}]
    token: { permissions: { contents: read } }
`;

const percentile = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

export interface Window {
  n: number;
  /** From the simulator writing GitHub's answer to the journal write committed, ms. */
  wire: { p50: number; p99: number; max: number };
  /** From the app's GitHub client handing over the token to the journal write committed, ms. */
  app: { p50: number; p99: number; max: number };
}

/**
 * `n` auto-approved grants, one at a time, each timed from GitHub's answer (the simulator has
 * written it) to its journal entry, and from the app's GitHub client handing the token over.
 */
export async function mintWindow(store: 'SQLite' | 'PostgreSQL', n = 200): Promise<Window> {
  const h = new AppHarness();
  h.env.GITHUB_WRITES_PER_MINUTE = '0';
  if (store === 'PostgreSQL')
    h.database = { url: TEST_DATABASE_URL, schema: `bench_${randomBytes(6).toString('hex')}` };
  await h.start({ 'p.yml': POLICY });
  const wire: number[] = [];
  const app: number[] = [];
  try {
    const { github, store: s } = h.runtime;
    let handed = 0;
    const mint = github.mintToken.bind(github);
    github.mintToken = async (...args) => {
      const minted = await mint(...args);
      handed = performance.now();
      return minted;
    };
    let journalled = 0;
    const seal = s.journal.sealMint.bind(s.journal);
    s.journal.sealMint = async (...args) => {
      await seal(...args);
      journalled = performance.now();
    };
    // The first few warm the app up (connections, compiled code): they are not counted.
    const WARM_UP = 5;
    for (let i = -WARM_UP; i < n; i++) {
      const step = await h.step({ runId: 70_000 + i });
      let answered = 0;
      const sent = h.sim.nextCall('apps/create-installation-access-token').then(() => {
        answered = performance.now();
      });
      const res = await h.request(step, { action: 'publish-docs' });
      if (res.body.token === null) throw new Error(`no token: ${JSON.stringify(res.body)}`);
      await sent;
      if (i < 0) continue;
      wire.push(journalled - answered);
      app.push(journalled - handed);
    }
  } finally {
    await h.stop();
  }
  const stats = (xs: number[]) => ({
    p50: percentile(xs, 50),
    p99: percentile(xs, 99),
    max: Math.max(...xs),
  });
  return { n, wire: stats(wire), app: stats(app) };
}
