// `npm start`'s logs: LOG_LEVEL and LOG_FORMAT are honoured, and no credential reaches them at any
// level, in either format.
import { afterEach, describe, expect, it } from 'vitest';
import { AppHarness, PUBLIC_URL, sha256 } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    token: { permissions: { contents: read } }
`;

let h: AppHarness;
afterEach(async () => {
  await h?.stop();
  h?.sim.assertNoViolations();
});

/** Runs a request to its token through the app process, and returns the credentials it saw. */
async function traffic(): Promise<string[]> {
  const step = await h.step();
  const token = await h.oidc.mint(step.job, { audience: PUBLIC_URL });
  const res = await fetch(`${h.url}/api/v1/requests`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      cookie: 'session=s3cr3t',
    },
    body: JSON.stringify({
      action: 'deploy-web',
      job: 'deploy',
      job_id: step.simJob.id,
      secret_sha256: sha256(step.secret),
      public_key: step.publicJwk,
    }),
  });
  const { id } = (await res.json()) as { id: string };
  await h.click(h.repo.checkRuns.find((r) => r.external_id === id)!.id, 'alice');
  const done = await h.poll(step, id, 10);
  expect(done.body.status).toBe('approved');
  return [token, 's3cr3t', step.secret, done.body.token!.jwe, await h.decrypt(step, done.body.token!.jwe)];
}

describe('npm start logs', () => {
  it('LOG_LEVEL=trace with LOG_FORMAT=json: one JSON object per line, trace and debug included, no credentials', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY }, { app: false });
    h.env = { LOG_LEVEL: 'trace', LOG_FORMAT: 'json' };
    await h.startAppProcess();
    const secrets = await traffic();
    const lines = h.logs.join('').split('\n').filter(Boolean);
    const records = lines.map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(records.some((r) => r.level <= 20)).toBe(true);
    const text = lines.join('\n');
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/bearer /i);
    // The lines about the request name it, and the decision's line names its audit event.
    const about = (msg: string) => (records as Record<string, unknown>[]).filter((r) => r.msg === msg);
    for (const msg of ['request', 'decided', 'token granted'])
      expect(
        about(msg).every((r) => typeof r.request === 'string' && String(r.request).startsWith('req_')),
      ).toBe(true);
    expect(about('decided')[0]).toMatchObject({ status: 'approved', decision: expect.any(Number) });
  });

  it('LOG_FORMAT=pretty prints lines for people, and no credentials either', async () => {
    h = await new AppHarness().start({ 'p.yml': POLICY }, { app: false });
    h.env = { LOG_LEVEL: 'trace', LOG_FORMAT: 'pretty' };
    await h.startAppProcess();
    const secrets = await traffic();
    const text = h.logs.join('');
    expect(text).toMatch(/^\[[\d:.]+\] INFO\b.*Listening on/m);
    expect(() => JSON.parse(text.split('\n')[0]!)).toThrow();
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});
