import { ConfigError } from './config-error.ts';
import { LOGIN, type OwnerRef } from './owners.ts';

/** Owners whose organization policies (`<owner>/.github/.approvals/`) must be read for any request. */
export interface MandatoryOrgs {
  /** Lower-case logins. */
  logins: ReadonlySet<string>;
  ids: ReadonlySet<number>;
}

/**
 * `MANDATORY_ORG_POLICIES`: a comma-separated list of owners, by login or by account id. An entry
 * of digits only is both (a login may be all digits): listing an owner only adds denials, so
 * matching either way is the safe reading.
 */
export function readMandatoryOrgs(value: string | undefined): MandatoryOrgs {
  const logins = new Set<string>();
  const ids = new Set<number>();
  for (const entry of (value ?? '').split(',').map((e) => e.trim())) {
    if (entry === '') continue;
    if (!LOGIN.test(entry))
      throw new ConfigError(
        'MANDATORY_ORG_POLICIES',
        `"${entry}" is not an organization's login or account id`,
        'List owners separated by commas, e.g. MANDATORY_ORG_POLICIES=acme,9919',
      );
    logins.add(entry.toLowerCase());
    if (/^\d+$/.test(entry)) ids.add(Number(entry));
  }
  return { logins, ids };
}

/**
 * Whether `owner`'s organization policies are mandatory: its account id is listed (where known:
 * an id survives a rename), or its login is, in any case.
 */
export function isMandatory(m: MandatoryOrgs, owner: OwnerRef): boolean {
  return m.logins.has(owner.login.toLowerCase()) || (owner.id !== undefined && m.ids.has(owner.id));
}
