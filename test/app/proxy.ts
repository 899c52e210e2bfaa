// A round-robin HTTP proxy over app instances, as a load balancer in front of them: a request
// goes to the next instance; one that refuses connections is skipped.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export async function roundRobinProxy(
  upstreams: string[],
): Promise<{ url: string; server: Server; longPolls: Map<string, number> }> {
  let next = 0;
  /** Long-polls in flight, by upstream. */
  const longPolls = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const attempt = (tries: number): void => {
        const upstream = upstreams[next++ % upstreams.length]!;
        const target = new URL(req.url ?? '/', upstream);
        const polling = req.method === 'GET' && /[?&]wait=[1-9]/.test(req.url ?? '');
        if (polling) longPolls.set(upstream, (longPolls.get(upstream) ?? 0) + 1);
        const done = (): void => void (polling && longPolls.set(upstream, longPolls.get(upstream)! - 1));
        const up = request(target, { method: req.method, headers: req.headers, agent: false }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
          r.on('end', done);
        });
        up.on('error', (err: NodeJS.ErrnoException) => {
          done();
          if (err.code === 'ECONNREFUSED' && tries < upstreams.length) return attempt(tries + 1);
          res.destroy(err); // a connection lost mid-request is lost for the client too
        });
        up.end(body);
      };
      attempt(1);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, longPolls };
}
