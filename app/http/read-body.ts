import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../errors.ts';

const tooLarge = (maxBytes: number): AppError =>
  new AppError('too_large', `the body is larger than ${maxBytes} bytes; send a smaller one`);

/** Refuses a request whose content-length is over `maxBytes`, before reading any of it. */
export function refuseDeclaredOver(req: IncomingMessage, maxBytes: number): void {
  if (Number(req.headers['content-length']) > maxBytes) throw tooLarge(maxBytes);
}

/**
 * Reads a request body of at most `maxBytes`: refused by its content-length before any of it is
 * read, or as soon as the bytes read pass the limit (chunked bodies). The rest is never buffered.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    refuseDeclaredOver(req, maxBytes);
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      req.off('data', onData).off('end', onEnd).off('error', onError);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      chunks.push(chunk);
      if (size <= maxBytes) return;
      stop();
      req.pause();
      reject(tooLarge(maxBytes));
    };
    const onEnd = (): void => {
      stop();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error): void => {
      stop();
      reject(err);
    };
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/**
 * After a body was refused (413), the client may still be sending it. Closing at once would reset
 * the connection before the client reads the 413, so the rest is discarded (never buffered) for
 * `lingerMs` after the answer, and then the connection is closed unless the request has ended.
 */
export function hangUpAfterRefusal(req: IncomingMessage, res: ServerResponse, lingerMs = 1000): void {
  req.resume();
  res.once('finish', () => {
    if (req.complete) return;
    const timer = setTimeout(() => req.socket.destroy(), lingerMs).unref();
    req.once('end', () => clearTimeout(timer));
  });
}
