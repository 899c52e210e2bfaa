import { ConfigError } from './config-error.ts';

/** A PEM key from `<NAME>` or the file at `<NAME>_PATH`, undefined when neither is set. */
export function pemKey(
  env: NodeJS.ProcessEnv,
  readFile: (path: string) => string,
  name: 'PRIVATE_KEY' | 'PREVIOUS_PRIVATE_KEY',
  file: string,
): string | undefined {
  const path = `${name}_PATH`;
  let pem = env[name];
  if (!pem && env[path]) {
    try {
      pem = readFile(env[path]);
    } catch (cause) {
      throw new ConfigError(
        path,
        `cannot read ${env[path]} (${(cause as Error).message})`,
        `Point it at ${file} downloaded from the app settings`,
      );
    }
  }
  if (!pem) return undefined;
  pem = pem.replaceAll('\\n', '\n');
  const setting = env[name] ? name : path;
  if (/^\s*["']/.test(pem))
    throw new ConfigError(
      setting,
      'is a key wrapped in quotes (`docker run --env-file` keeps the quotes of a .env value)',
      'Give the key as a file: PRIVATE_KEY_PATH=private-key.pem, with the .pem file GitHub generated',
    );
  if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(pem))
    throw new ConfigError(
      setting,
      'is not a PEM private key',
      'Use the .pem file GitHub generated for the app',
    );
  return pem;
}
