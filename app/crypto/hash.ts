import { createHash } from 'node:crypto';

/** SHA-256 of a text, as 64 lower-case hex digits: how tokens, secrets and states are named. */
export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
