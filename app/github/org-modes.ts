import type { MandatoryOrgWatch } from './mandatory-orgs.ts';
import type { OctokitGitHub } from './octokit-github.ts';

interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * At start: names, for each installation the app sees (`GET /app/installations`, at most 1,000),
 * whether its organization policies are mandatory (MANDATORY_ORG_POLICIES) or apply only where
 * they can be read, and warns of each mandatory owner whose `.github/.approvals/` cannot be read
 * now, and of each listed login that no installation has. Without MANDATORY_ORG_POLICIES every
 * installation is in the default mode: one line says so, and GitHub is not asked. Never throws.
 */
export async function logOrgModes(github: OctokitGitHub, watch: MandatoryOrgWatch, log: Log): Promise<void> {
  if (!watch.configured) {
    log.info(
      { org_policies: 'optional' },
      'organization policies apply where <owner>/.github/.approvals can be read, for every installation (MANDATORY_ORG_POLICIES is not set)',
    );
    return;
  }
  let listed: Awaited<ReturnType<OctokitGitHub['listInstallations']>>;
  try {
    listed = await github.listInstallations();
  } catch (err) {
    log.warn(
      { err },
      'the installations could not be listed at start; MANDATORY_ORG_POLICIES still applies to each request',
    );
    return;
  }
  const seen = new Set<string>();
  for (const { id, account } of listed.installations) {
    seen.add(account.login.toLowerCase());
    seen.add(String(account.id));
    const mandatory = watch.applies(account);
    log.info(
      { installation: id, account: account.login, org_policies: mandatory ? 'mandatory' : 'optional' },
      mandatory
        ? `organization policies of ${account.login}: mandatory (MANDATORY_ORG_POLICIES): every request is denied while ${account.login}/.github/.approvals cannot be read`
        : `organization policies of ${account.login}: optional: they apply where ${account.login}/.github/.approvals can be read`,
    );
    if (mandatory) watch.remember(id, account);
  }
  if (listed.more) log.warn({}, 'more than 1,000 installations: only the first 1,000 are named here');
  for (const problem of await watch.problems((i, owner) => github.readOrgPolicies(i, owner)))
    log.warn({ org_policies: 'unreadable' }, problem);
  const missing = [...watch.list.logins].filter((l) => !seen.has(l));
  if (missing.length > 0 && !listed.more)
    log.warn(
      { owners: missing },
      `MANDATORY_ORG_POLICIES names ${missing.join(', ')}, which no installation of the app belongs to: check the spelling`,
    );
}
