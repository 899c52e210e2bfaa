// What `npm start` does before reading its settings: with no APP_ID, it serves the registration
// (app/setup/registration.ts) until the app is registered, then puts the new settings in the
// environment, so the same process starts the app for real.
import type { Logger } from 'pino';
import { ConfigError, readConfig, type Config } from '../config/read-config.ts';
import { startError } from '../config/start-error.ts';
import { findAppYml } from './manifest.ts';
import { startRegistration } from './registration.ts';
import { DEFAULT_KEY_PATH, cannotWrite } from './write-env.ts';

/**
 * A key of the right form that is no key: with it (and an app id and secret that are no one's),
 * every other setting is read and checked as the app will read it, before GitHub is asked to
 * register anything. None of these values is used.
 */
const STAND_IN = {
  APP_ID: '1',
  WEBHOOK_SECRET: 'stand-in-for-the-registration',
  PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\\nstand-in\\n-----END PRIVATE KEY-----',
};

/** Every setting but the app's own, read and checked as the app reads them (with the stand-ins). */
export const settingsBeforeRegistration = (env: NodeJS.ProcessEnv): Config =>
  readConfig({ ...env, ...STAND_IN, PUBLIC_URL: env.PUBLIC_URL || 'http://localhost' });

/**
 * Resolves on the first SIGTERM, SIGINT or SIGHUP, or when `npm start`'s launcher goes away (as
 * app/stop-signals.ts does for the running app): the registration page stops, and so does the process.
 */
function signalled(): { stopped: Promise<void>; forget: () => void } {
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  const signals = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
  for (const signal of signals) process.on(signal, stop);
  process.on('disconnect', stop);
  return {
    stopped,
    forget: () => {
      for (const signal of signals) process.off(signal, stop);
      process.off('disconnect', stop);
    },
  };
}

/**
 * Registers the app when APP_ID is not set; resolves true once its settings are in `env` (and in
 * .env), or false when SIGTERM or SIGINT stopped the registration. Resolves true at once when
 * APP_ID is set. Throws a ConfigError when a setting is wrong, or the registration cannot work here.
 */
export async function registerFirst(
  env: NodeJS.ProcessEnv,
  cwd: string,
  logFor: (config: Config) => Logger,
): Promise<boolean> {
  if (env.APP_ID) return true;
  // The key goes to a file (mode 0600) that .env names, never into .env itself: a multi-line value
  // needs quotes there, which `docker run --env-file` would keep as part of the key.
  const keyPath = env.PRIVATE_KEY_PATH || DEFAULT_KEY_PATH;
  const config = settingsBeforeRegistration(env);
  const appYml = findAppYml(cwd);
  if (!appYml)
    throw new ConfigError(
      'APP_ID',
      'is not set, and there is no app.yml here to register the app from',
      "Run `npm start` in a checkout of jit-approvals to register it from app.yml, then give this installation the settings it writes to .env (APP_ID, the key, WEBHOOK_SECRET, GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET); or register the app by hand (README, 'The GitHub App')",
    );
  const blocked = cannotWrite(cwd, keyPath);
  if (blocked) throw blocked;
  const { stopped, forget } = signalled();
  try {
    const registration = await startRegistration({
      config,
      publicUrl: env.PUBLIC_URL || undefined,
      org: env.GH_ORG || undefined,
      keyPath,
      appYml,
      cwd,
      log: logFor(config),
    }).catch((err: unknown) => {
      throw startError(err, config) ?? err;
    });
    const outcome = await Promise.race([registration.registered, stopped.then(() => undefined)]);
    await registration.server.close();
    if (!outcome) return false;
    Object.assign(env, outcome);
    return true;
  } finally {
    forget();
  }
}
