// Logs are quiet when nothing is wrong and say a thing once when something is: a failing /readyz
// is one line when it fails and one when it recovers (not a stack per probe); an unsigned webhook
// is one warning; and no JSON line repeats a key (Probot names its loggers, and so do we).
import { afterEach, describe, expect, it } from 'vitest';
import { AppHarness } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
`;

let h: AppHarness;
afterEach(async () => {
  await h?.stop();
  h?.sim.assertNoViolations();
});

type Line = Record<string, unknown> & { level: number; msg: string };
const lines = (from = 0): Line[] =>
  h.logs
    .slice(from)
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);

/** The keys of a JSON object's top level, in order, repeats included (JSON.parse keeps only the last). */
export function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json[i]!;
    if (c === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      if (
        depth === 1 &&
        json
          .slice(end + 1)
          .trimStart()
          .startsWith(':')
      )
        keys.push(json.slice(i + 1, end));
      i = end;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return keys;
}

describe('quiet logs', () => {
  it('a failing /readyz is one line when it fails and one when it is ready again, whatever the probes', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY }, { app: false });
    h.env = { READYZ_CACHE_SECONDS: '0' };
    await h.startApp();
    const from = h.logs.length;
    expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
    h.sim.inject('apps/get-authenticated', 502, 5);
    for (let i = 0; i < 5; i++) expect((await fetch(`${h.url}/readyz`)).status).toBe(503);
    for (let i = 0; i < 3; i++) expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
    const said = lines(from).filter((l) => l.level >= 30);
    expect(said.map((l) => [l.level, l.msg])).toEqual([
      [40, 'not ready: GitHub failed while checking the app (HTTP 502); try again'],
      [30, 'ready again'],
    ]);
    expect(JSON.stringify(said)).not.toMatch(/\bat \S+ \(/); // no stack
  });

  it('an unsigned or wrongly signed webhook is one warning each', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY });
    const from = h.logs.length;
    const deliver = (headers: Record<string, string>) =>
      fetch(`${h.url}/api/github/webhooks`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-delivery': 'd-1',
          ...headers,
        },
        body: '{"ref":"refs/heads/main"}',
      });
    expect((await deliver({})).status).toBe(400);
    expect((await deliver({ 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` })).status).toBe(400);
    const said = lines(from).filter((l) => l.level >= 40);
    expect(said.map((l) => [l.level, l.msg])).toEqual([
      [40, expect.stringMatching(/^webhook rejected: no x-hub-signature-256 signature/)],
      [40, expect.stringMatching(/^webhook rejected: a signature that does not match/)],
    ]);
    expect(said[0]).toMatchObject({ delivery: 'd-1', event: 'push' });
    // Besides the warning, the access line of each (info), nothing: no error, no stack.
    expect(lines(from).filter((l) => l.level === 30)).toHaveLength(2);
  });

  it('no JSON line has a key twice, at any level', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY }, { app: false });
    h.env = { LOG_LEVEL: 'trace', LOG_FORMAT: 'json' };
    await h.startAppProcess(); // as npm start runs it, with Probot's own loggers' lines too
    const step = await h.step();
    expect((await h.request(step)).status).toBe(201);
    const before = h.repo.branches.get('main')!;
    const after = h.sim.world.commit(h.repo, 'main', { 'README.md': 'changed' });
    const pusher = h.sim.world.addUser('dana');
    await h.hooks.push(h.repo, { ref: 'refs/heads/main', before, after, changed: ['README.md'], pusher });
    const all = h.logs.join('').split('\n').filter(Boolean);
    expect(all.length).toBeGreaterThan(3);
    expect(all.some((l) => l.includes('"name":"probot'))).toBe(true);
    for (const line of all) {
      const keys = topLevelKeys(line);
      expect(keys, line).toEqual([...new Set(keys)]);
    }
  });
});
