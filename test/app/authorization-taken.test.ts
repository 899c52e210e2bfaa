// Issue 18: a long-poll is held for up to 50 s; the step's OIDC token does not stay on the request
// (headers or raw headers) for that long once it has been verified.
import { createServer, type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { takeAuthorization } from '../../app/api/http-api.ts';

describe('the Authorization header of an API request', () => {
  it('is taken off the request when it is read', async () => {
    let seen: { taken: string | undefined; left: unknown; raw: string[] } | undefined;
    const server = createServer((req: IncomingMessage, res) => {
      const taken = takeAuthorization(req);
      seen = { taken, left: req.headers.authorization, raw: [...req.rawHeaders] };
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    await fetch(`http://127.0.0.1:${port}/api/v1/requests`, {
      headers: { authorization: 'Bearer eyJ.secret-oidc.token', 'x-other': 'kept' },
    });
    await new Promise((r) => server.close(r));
    expect(seen!.taken).toBe('Bearer eyJ.secret-oidc.token');
    expect(seen!.left).toBeUndefined();
    expect(seen!.raw.join('\n')).not.toContain('secret-oidc');
    expect(seen!.raw).toContain('kept');
  });
});
