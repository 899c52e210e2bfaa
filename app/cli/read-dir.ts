import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_FILE_BYTES } from '../policy/decode.ts';
import type { SourceFile } from '../policy/parse-file.ts';
import { CliError } from './cli-error.ts';

const YAML_FILE = /\.ya?ml$/;

/** Reads at most one byte past the size limit, so a huge file is rejected without loading it. */
async function readCapped(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = new Uint8Array(MAX_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) break;
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/**
 * The `*.yml` and `*.yaml` files directly in `dir`, or [] when `optional` and it does not exist;
 * with `file: true`, `dir` may also be one such file.
 */
export async function readYamlDir(
  dir: string,
  { optional = false, file = false } = {},
): Promise<SourceFile[]> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) {
    if (optional) return [];
    throw new CliError(
      `no such ${file ? 'file or directory' : 'directory'}: ${dir}`,
      `give the directory that holds the policy files, e.g. .approvals${file ? ', or one policy file' : ''}`,
    );
  }
  if (file && info.isFile() && YAML_FILE.test(dir)) return [{ path: dir, content: await readCapped(dir) }];
  if (!info.isDirectory())
    throw new CliError(
      `not a directory${file ? ' or a .yml or .yaml file' : ''}: ${dir}`,
      file
        ? 'give the policy directory (e.g. .approvals) or one policy file'
        : 'give a directory, not a file',
    );
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isFile() && YAML_FILE.test(e.name))
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => ({ path: join(dir, name), content: await readCapped(join(dir, name)) })),
  );
}

export async function readFileCapped(path: string): Promise<SourceFile> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new CliError(`no such file: ${path}`, 'give the path of a JSON request file');
  return { path, content: await readCapped(path) };
}
