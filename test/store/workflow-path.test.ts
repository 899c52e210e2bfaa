// The workflow's path is `workflow_ref` less its owner/repo and exactly `@` + the token's ref.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { workflowPath } from '../../app/domain/claims.ts';

const segment = fc.stringMatching(/^[A-Za-z0-9._-]{1,20}$/);
/** Refs and paths with `@` and `/` anywhere, as git and GitHub allow in branch and tag names. */
const withAt = fc.array(fc.constantFrom('a', 'b', '1', '.', '-', '/', '@', 'é'), {
  minLength: 1,
  maxLength: 30,
});

describe('workflowPath', () => {
  it('cuts exactly "@" + ref, whatever @ the ref or the path holds', () => {
    fc.assert(
      fc.property(segment, segment, withAt, withAt, (owner, repo, p, r) => {
        const path = `.github/workflows/${p.join('')}.yml`;
        const ref = `refs/heads/${r.join('')}`;
        expect(workflowPath({ workflow_ref: `${owner}/${repo}/${path}@${ref}`, ref })).toBe(path);
      }),
    );
  });

  it('is null, never a guess, when workflow_ref does not end in "@" + ref', () => {
    const ref = 'refs/heads/hotfix@now';
    expect(
      workflowPath({ workflow_ref: 'acme/shop/.github/workflows/deploy.yml@refs/heads/hotfix', ref }),
    ).toBe(null);
    expect(workflowPath({ workflow_ref: `deploy.yml@${ref}`, ref })).toBe(null);
    expect(workflowPath({ workflow_ref: `acme/shop/d.yml@${ref}`, ref })).toBe('d.yml');
  });
});
