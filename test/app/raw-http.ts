// HTTP as a hostile client speaks it: paths sent exactly as written (fetch would normalise them),
// bodies streamed with or without a content-length, headers and bodies dribbled.
import { request } from 'node:http';
import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends `path` verbatim and collects the answer. */
export function rawRequest(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<RawAnswer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * POSTs `total` bytes of `{"a":"xxxx…` in 1 MiB chunks, with a content-length unless `chunked`.
 * Stops writing once the app answers; errors after the answer (the app hung up) are expected.
 */
export function bigPost(
  base: string,
  path: string,
  total: number,
  { chunked = false, headers = {} }: { chunked?: boolean; headers?: Record<string, string> } = {},
): Promise<RawAnswer & { sent: number }> {
  const { hostname, port } = new URL(base);
  const chunk = Buffer.alloc(1024 * 1024, 'x');
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request(
      {
        hostname,
        port,
        method: 'POST',
        path,
        agent: false,
        headers: {
          'content-type': 'application/json',
          // As curl and most clients send it. (With `connection: close` Node closes the connection
          // the moment the answer is written, and the client may see the reset before the 413.)
          connection: 'keep-alive',
          ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(total) }),
          ...headers,
        },
      },
      (res) => {
        answered = true;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text, sent }));
        res.on('error', () => resolve({ status: res.statusCode!, headers: res.headers, body: text, sent }));
      },
    );
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    const pump = (): void => {
      while (!answered && sent < total) {
        const part = chunk.subarray(0, Math.min(chunk.length, total - sent));
        sent += part.length;
        if (!req.write(part)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

/**
 * Opens a connection and writes `first`, then one byte of `rest` every `everyMs`; resolves with
 * what the app wrote back and how long after the start the app closed the connection (or, when
 * the app has not closed it after `giveUpMs`, the client did: `byApp: false`).
 */
export function dribble(
  base: string,
  first: string,
  rest: string,
  { everyMs, giveUpMs }: { everyMs: number; giveUpMs: number },
): Promise<{ closedAfterMs: number; byApp: boolean; answer: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(Number(port), hostname);
    let answer = '';
    let i = 0;
    let byApp = true;
    const giveUp = setTimeout(() => ((byApp = false), socket.destroy()), giveUpMs);
    const timer = setInterval(() => {
      if (i < rest.length && socket.writable) socket.write(rest[i++]!);
    }, everyMs);
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (answer += d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ closedAfterMs: Date.now() - started, byApp, answer });
    });
    socket.write(first);
  });
}
