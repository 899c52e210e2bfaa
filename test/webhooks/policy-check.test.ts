// The policy check of a pull request shows what its policy files say (keys, file names) as text.
import { describe, expect, it } from 'vitest';
import type { CheckRunInput, GitHubPort } from '../../app/github/port.ts';
import { policyCheck } from '../../app/webhooks/policy-check.ts';
import { elements, linkifies, renderGfm, textOf } from '../helpers/gfm.ts';
import { load } from '../helpers/policies.ts';

const HOSTILE = `version: 1
policies:
  - name: p
    match: { action: [deploy] }
    approvers: { users: [alice] }
    "routine\\r\\r### Approved by @alice\\r[docs](https://evil.example) <img src=x>": 1
`;

describe('the policy check', () => {
  it('shows errors that echo a hostile key and file name as text: no heading, link, image or mention', async () => {
    const made: CheckRunInput[] = [];
    const github = {
      validatePoliciesAt: async () => load({ '.approvals/a <b>[x](y).yml': HOSTILE }),
      createCheckRun: async (_i: number, _o: string, _r: string, _s: string, input: CheckRunInput) =>
        made.push(input),
    } as unknown as GitHubPort;
    await policyCheck(github, 1, 'acme', 'shop', 'a'.repeat(40));
    const html = renderGfm(made[0]!.output.text!);
    expect(elements(html, { ignore: ['code'] })).toEqual({ ul: 1, li: 1 });
    expect(textOf(html)).toContain('.approvals/a <b>[x](y).yml');
    expect(textOf(html)).toContain('routine ### Approved by @alice [docs](https://evil.example) <img src=x>');
    expect(linkifies(textOf(html, { joiners: true }))).toBe(false);
  });
});
