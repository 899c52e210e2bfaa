import { ConfigError } from './config-error.ts';
import { LOGIN, type OwnerRef } from './owners.ts';

/** A chat or webhook target the app posts notifications to, by name (`notify.webhooks`). */
export interface NotifyTarget {
  name: string;
  url: string;
  /** `slack` (Block Kit), `teams` (Adaptive Card), or `json` (the documented payload, signed). */
  format: 'slack' | 'teams' | 'json';
  /** For `json`: the HMAC-SHA256 key of the `x-jit-signature-256` header. */
  secret?: string;
  /** The accounts (organizations or users) whose policies may post here; never empty. */
  owners: TargetOwner[];
}

/** An owner of a target: by login (compared in any case), or by account id. */
export type TargetOwner = { login: string } | { id: number };

/**
 * Whether `owner`'s policies may post to `target`. An owner listed by account id matches only an
 * owner whose id is known and equal (the OIDC token's `repository_owner_id`, a webhook's
 * `repository.owner.id`): an id survives a rename, and a login freed by a rename can be taken by
 * someone else. Logins are what operators know, so a login is accepted too, compared in any case
 * with the repository's owner as GitHub names it now (the API checks a token's repository against
 * GitHub by id first). The README recommends ids.
 */
export function mayUse(target: NotifyTarget, owner: OwnerRef): boolean {
  return target.owners.some((o) =>
    'id' in o
      ? owner.id !== undefined && o.id === owner.id
      : o.login.toLowerCase() === owner.login.toLowerCase(),
  );
}

function owners(variable: string, name: string, raw: unknown): TargetOwner[] {
  if (!Array.isArray(raw) || raw.length === 0)
    throw new ConfigError(
      variable,
      `target "${name}" lists no owners`,
      `Add "owners": ["<organization or user>", …] to it: the accounts whose policies may post there, by login or by account id (a number), e.g. {"${name}": {"url": "…", "format": "slack", "owners": ["acme"]}}`,
    );
  return raw.map((o): TargetOwner => {
    if (typeof o === 'string' && LOGIN.test(o)) return { login: o };
    if (typeof o === 'number' && Number.isSafeInteger(o) && o > 0) return { id: o };
    throw new ConfigError(
      variable,
      `target "${name}": owner ${JSON.stringify(o)} is neither a login nor an account id`,
      'List logins as strings, e.g. "acme", and account ids as numbers, e.g. 9919',
    );
  });
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const FORMATS = ['slack', 'teams', 'json'] as const;

/**
 * The targets from `NOTIFY_TARGETS` (JSON) or the file `NOTIFY_TARGETS_FILE` names:
 * `{ "name": { "url": "https://…", "format": "slack" | "teams" | "json", "secret": "…", "owners": [
 * "acme", 9919] } }`. Their URLs are secrets, so they are configured here and never in a
 * repository; a target without owners is refused, since any account where the app is installed
 * could otherwise post into it by naming it in a policy.
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
      owners: owners(variable, name, t!.owners),
    });
  }
  return targets;
}

const EXAMPLE =
  'Give a JSON object such as {"sre-chat": {"url": "https://hooks.slack.com/services/…", "format": "slack", "owners": ["acme"]}}';
