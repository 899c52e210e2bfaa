import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, type LogFormat } from '../../app/logging/create-logger.ts';

function capture(format: LogFormat, level: Parameters<typeof createLogger>[0]['level'] = 'trace') {
  const lines: string[] = [];
  const destination = new Writable({
    write: (chunk: Buffer, _, done) => (lines.push(chunk.toString()), done()),
  });
  return { log: createLogger({ level, format, destination }), text: () => lines.join('') };
}

const SECRETS = {
  req: { headers: { authorization: 'Bearer eyJ.oidc.token', cookie: 'session=abc123', host: 'jit' } },
  res: { headers: { 'set-cookie': 'session=def456' } },
  token: 'ghs_minted0123',
  body: { token: { jwe: 'eyJ.jwe.value' }, secret: 'webhook-secret-0123' },
  err: { request: { headers: { authorization: 'token ghs_installation0123' } } },
  sealed: 'sealed-at-rest',
};

describe('createLogger', () => {
  it.each(['json', 'pretty'] as const)(
    '%s: redacts authorization, cookies and token-bearing fields',
    (format) => {
      const { log, text } = capture(format);
      log.trace(SECRETS, 'everything');
      log.info({ request: 'req_1', token_sha256: 'abc' }, 'kept');
      for (const secret of [
        'eyJ.oidc.token',
        'abc123',
        'def456',
        'ghs_minted0123',
        'eyJ.jwe.value',
        'webhook-secret-0123',
        'ghs_installation0123',
        'sealed-at-rest',
      ])
        expect(text()).not.toContain(secret);
      expect(text()).toContain('[redacted]');
      expect(text()).toContain('token_sha256');
    },
  );

  it('json writes one object a line, pretty writes for people', () => {
    const json = capture('json');
    json.log.info({ request: 'req_1' }, 'hello');
    expect(JSON.parse(json.text())).toMatchObject({ level: 30, msg: 'hello', request: 'req_1' });
    const pretty = capture('pretty');
    pretty.log.info({ request: 'req_1' }, 'hello');
    expect(pretty.text()).toMatch(/^\[[\d:.]+\] INFO\b.*hello/);
  });

  it('honours the level', () => {
    const { log, text } = capture('json', 'warn');
    log.info('not this');
    log.warn('this');
    expect(text()).not.toContain('not this');
    expect(text()).toContain('this');
  });
});
