import { describe, expect, it } from 'vitest';
import { AppClient } from '../../action/src/client.ts';
import { ActionError } from '../../action/src/errors.ts';

const view = { id: 'req_1', status: 'pending' } as const;
type Answer = Response | Error;

/** The client against a scripted sequence of answers, on a clock that only sleeping moves. */
function client(answers: Answer[]) {
  let now = 0;
  const waits: number[] = [];
  const warnings: string[] = [];
  const calls: string[] = [];
  const c = new AppClient({
    appUrl: 'https://jit.example',
    idToken: async () => `oidc-${calls.length}`,
    fetch: (async (url: string, init: RequestInit) => {
      calls.push(`${init.method} ${url} ${(init.headers as Record<string, string>).authorization}`);
      const next = answers.shift()!;
      if (next instanceof Error) throw next;
      return next;
    }) as typeof fetch,
    sleep: async (ms) => void (waits.push(ms), (now += ms)),
    now: () => now,
    random: () => 0.5,
    warn: (m) => void warnings.push(m),
    secret: 'step-secret',
  });
  return { c, waits, warnings, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers });

describe('the action talking to the app', () => {
  it('retries network errors, 5xx and 429 with backoff and jitter, honouring Retry-After, with a fresh OIDC token each call', async () => {
    const { c, waits, warnings, calls } = client([
      new TypeError('fetch failed'),
      json(503, { error: { code: 'unavailable', message: 'GitHub failed' } }),
      json(429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'retry-after': '7' }),
      json(200, view),
    ]);
    expect(await c.poll('req_1', 50, 60_000)).toEqual(view);
    expect(waits).toEqual([375, 750, 7000]);
    expect(warnings[1]).toBe('the app answered 503: GitHub failed; retrying in 1s');
    expect(calls.map((x) => x.split(' ').at(-1))).toEqual(['oidc-0', 'oidc-1', 'oidc-2', 'oidc-3']);
  });

  it("fails at once, with the app's message, on any other 4xx", async () => {
    const { c, calls } = client([
      json(403, { error: { code: 'forbidden', message: 'request req_1 belongs to another workflow run' } }),
    ]);
    await expect(c.poll('req_1', 0, 60_000)).rejects.toThrow(
      new ActionError('the app refused the request (403): request req_1 belongs to another workflow run'),
    );
    expect(calls).toHaveLength(1);
  });

  it('gives up when the next retry would pass the deadline', async () => {
    const { c } = client([json(502, {}), json(502, {}), json(502, {})]);
    await expect(
      c.create({ action: 'a', job: 'j', public_key: {}, secret_sha256: '0'.repeat(64) }, 1_000),
    ).rejects.toThrow(/^gave up: the app answered 502/);
  });

  it('fails at once, naming the URL, when the first call cannot resolve or connect to app-url', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    });
    const unknown = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('getaddrinfo ENOTFOUND jit.exampel.com'), { code: 'ENOTFOUND' }),
    });
    for (const err of [refused, unknown]) {
      const { c, calls } = client([err]);
      const body = { action: 'a', job: 'j', public_key: {}, secret_sha256: '0'.repeat(64) };
      await expect(c.create(body, 600_000)).rejects.toThrow(ActionError);
      await expect(client([err]).c.create(body, 600_000)).rejects.toThrow(
        /app-url https:\/\/jit\.example .*(ECONNREFUSED|ENOTFOUND).*check the app-url input/,
      );
      expect(calls).toHaveLength(1);
    }
  });

  it('retries the same network errors once the app has answered before', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    });
    const { c, warnings } = client([json(200, view), refused, json(200, view)]);
    expect(await c.poll('req_1', 0, 60_000)).toEqual(view);
    expect(await c.poll('req_1', 0, 60_000)).toEqual(view);
    expect(warnings[0]).toMatch(/ECONNREFUSED.*retrying/);
  });
});
