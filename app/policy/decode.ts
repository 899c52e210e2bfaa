import { START, policyError, type PolicyError } from './errors.ts';
import { lineColumn } from './positions.ts';

/** Policy files are read through GitHub's contents API, which serves files up to 1 MB. */
export const MAX_FILE_BYTES = 1024 * 1024;

/** The error of a file larger than `MAX_FILE_BYTES`. */
export const sizeError = (file: string): PolicyError =>
  policyError(
    file,
    START,
    'size',
    `file is larger than 1 MiB (the most GitHub's contents API serves)`,
    'split the policies over several files in .approvals/',
  );

export type Decoded = { ok: true; text: string } | { ok: false; error: PolicyError };

/** Bytes to text: size limit, strict UTF-8, no BOM, not empty. */
export function decodePolicyBytes(file: string, bytes: Uint8Array): Decoded {
  const fail = (at = START, message: string, fix: string, rule = 'encoding'): Decoded => ({
    ok: false,
    error: policyError(file, at, rule, message, fix),
  });
  if (bytes.byteLength > MAX_FILE_BYTES) return { ok: false, error: sizeError(file) };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const lossy = new TextDecoder('utf-8').decode(bytes);
    return fail(
      lineColumn(lossy, Math.max(0, lossy.indexOf('\uFFFD'))),
      'file is not valid UTF-8',
      'save the file as UTF-8 text',
    );
  }
  if (text.trim() === '') {
    return fail(
      START,
      'file is empty',
      'start it with `version: 1` and a `policies:` list, or delete it',
      'empty',
    );
  }
  return { ok: true, text };
}
