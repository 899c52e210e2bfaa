import { ConfigError } from './config-error.ts';

/** Sign-in with GitHub for the approval page: the GitHub App's client id and secret, and session length. */
export interface SignIn {
  clientId: string;
  clientSecret: string;
  /** How long a session lasts after sign-in, in ms (SESSION_HOURS, default 8). */
  sessionMs: number;
}

const WHERE = "the app's settings page on GitHub (General → Client ID, and Client secrets → Generate)";

/**
 * GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET, both or neither: without them the approval page says
 * that sign-in is not configured, and everything else works as before.
 */
export function readSignIn(env: NodeJS.ProcessEnv): SignIn | undefined {
  const clientId = env.GITHUB_CLIENT_ID?.trim() ?? '';
  const clientSecret = env.GITHUB_CLIENT_SECRET?.trim() ?? '';
  const hours = env.SESSION_HOURS ?? '';
  const sessionHours = hours === '' ? 8 : Number(hours);
  if (!(Number.isFinite(sessionHours) && sessionHours > 0 && sessionHours <= 24 * 30))
    throw new ConfigError(
      'SESSION_HOURS',
      `"${hours}" is not a number of hours from 0 to 720`,
      'Use e.g. 8 (the default), or 0.5 for half an hour',
    );
  if (clientId === '' && clientSecret === '') return undefined;
  if (clientId === '')
    throw new ConfigError(
      'GITHUB_CLIENT_ID',
      'is not set, while GITHUB_CLIENT_SECRET is',
      `Set both to sign reviewers in to the approval page, from ${WHERE}, or neither`,
    );
  if (clientSecret === '')
    throw new ConfigError(
      'GITHUB_CLIENT_SECRET',
      'is not set, while GITHUB_CLIENT_ID is',
      `Set both to sign reviewers in to the approval page, from ${WHERE}, or neither`,
    );
  if (!/^[A-Za-z0-9._-]{8,64}$/.test(clientId))
    throw new ConfigError(
      'GITHUB_CLIENT_ID',
      `"${clientId}" is not a client id`,
      `Copy the Client ID (e.g. Iv23li…, not the App ID) from ${WHERE}`,
    );
  if (clientSecret.length < 20)
    throw new ConfigError(
      'GITHUB_CLIENT_SECRET',
      'is shorter than 20 characters',
      `Generate a client secret on ${WHERE} and give it whole`,
    );
  return { clientId, clientSecret, sessionMs: Math.round(sessionHours * 3_600_000) };
}
