import { ConfigError } from './config-error.ts';

/** A chat or webhook target the app posts notifications to, by name (`notify.webhooks`). */
export interface NotifyTarget {
  name: string;
  url: string;
  /** `slack` (Block Kit), `teams` (Adaptive Card), or `json` (the documented payload, signed). */
  format: 'slack' | 'teams' | 'json';
  /** For `json`: the HMAC-SHA256 key of the `x-jit-signature-256` header. */
  secret?: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const FORMATS = ['slack', 'teams', 'json'] as const;

/**
 * The targets from `NOTIFY_TARGETS` (JSON) or the file `NOTIFY_TARGETS_FILE` names:
 * `{ "name": { "url": "https://…", "format": "slack" | "teams" | "json", "secret": "…" } }`.
 * Their URLs are secrets, so they are configured here and never in a repository.
 */
export function readNotifyTargets(
  env: NodeJS.ProcessEnv,
  readFile: (path: string) => string,
): Map<string, NotifyTarget> {
  let variable = 'NOTIFY_TARGETS';
  let text = env.NOTIFY_TARGETS;
  if (!text && env.NOTIFY_TARGETS_FILE) {
    variable = 'NOTIFY_TARGETS_FILE';
    try {
      text = readFile(env.NOTIFY_TARGETS_FILE);
    } catch (cause) {
      throw new ConfigError(
        variable,
        `cannot read ${env.NOTIFY_TARGETS_FILE} (${(cause as Error).message})`,
        'Point it at a JSON file of named targets, or leave it unset',
      );
    }
  }
  const targets = new Map<string, NotifyTarget>();
  if (!text) return targets;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(variable, `is not JSON (${(cause as Error).message})`, EXAMPLE);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new ConfigError(variable, 'is not a JSON object of named targets', EXAMPLE);
  for (const [name, raw] of Object.entries(parsed as Record<string, unknown>)) {
    if (!NAME.test(name))
      throw new ConfigError(
        variable,
        `target name "${name}" is not a simple name`,
        'Use letters, digits, ".", "_" and "-"',
      );
    const t = raw as Partial<NotifyTarget> | null;
    let url: URL | undefined;
    try {
      url = new URL(String(t?.url));
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol))
      throw new ConfigError(variable, `target "${name}" has no http(s) url`, EXAMPLE);
    if (!FORMATS.includes(t!.format as NotifyTarget['format']))
      throw new ConfigError(
        variable,
        `target "${name}": format "${String(t!.format)}" is not slack, teams or json`,
        EXAMPLE,
      );
    if (t!.format === 'json' && (typeof t!.secret !== 'string' || t!.secret.length < 16))
      throw new ConfigError(
        variable,
        `target "${name}": a json target needs a secret of at least 16 characters`,
        'Its payloads are signed with it (header x-jit-signature-256), as GitHub signs webhooks',
      );
    targets.set(name, {
      name,
      url: url.toString(),
      format: t!.format as NotifyTarget['format'],
      ...(t!.secret !== undefined && { secret: String(t!.secret) }),
    });
  }
  return targets;
}

const EXAMPLE =
  'Give a JSON object such as {"sre-chat": {"url": "https://hooks.slack.com/services/…", "format": "slack"}}';
