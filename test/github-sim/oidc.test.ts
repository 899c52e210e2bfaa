import * as core from '@actions/core';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deployJob } from '../helpers/jobs.ts';
import { OidcIssuer } from './oidc.ts';
import { GitHubSimulator } from './server.ts';

let sim: GitHubSimulator;
let oidc: OidcIssuer;
const job = deployJob();

beforeEach(async () => {
  sim = new GitHubSimulator();
  oidc = new OidcIssuer(sim);
  await sim.start();
});

afterEach(async () => {
  await sim.stop();
  sim.assertNoViolations();
});

async function verify(token: string, audience = 'https://jit.example') {
  const config = (await (await fetch(`${oidc.issuer}/.well-known/openid-configuration`)).json()) as {
    jwks_uri: string;
    issuer: string;
  };
  const jwks = createRemoteJWKSet(new URL(config.jwks_uri));
  return jwtVerify(token, jwks, { issuer: config.issuer, audience, algorithms: ['RS256'] });
}

describe('the OIDC issuer', () => {
  it("serves the real @actions/core getIDToken() through the runner's request URL", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, oidc.jobEnv(job));
    try {
      const token = await core.getIDToken('https://jit.example');
      const { payload, protectedHeader } = await verify(token);
      expect(protectedHeader.alg).toBe('RS256');
      expect(payload).toMatchObject({
        repository: 'acme/shop',
        repository_id: '74',
        run_id: '9001',
        run_attempt: '1',
        environment: 'production',
        workflow_ref: 'acme/shop/.github/workflows/deploy.yml@refs/heads/main',
        sub: 'repo:acme/shop:environment:production',
      });
      expect(payload.exp! - payload.iat!).toBe(300);
      expect(oidc.requests.map((r) => r.audience)).toEqual(['https://jit.example']);
    } finally {
      process.env = saved;
    }
  });

  it('refuses a request without the request token', async () => {
    const { ACTIONS_ID_TOKEN_REQUEST_URL } = oidc.jobEnv(job);
    const res = await fetch(`${ACTIONS_ID_TOKEN_REQUEST_URL}&audience=x`, {
      headers: { authorization: 'Bearer nope' },
    });
    expect(res.status).toBe(401);
  });

  it.each([
    ['a key the issuer does not publish', { wrongKey: true }],
    ['alg none', { alg: 'none' as const }],
    ['HS256 keyed with the public key', { alg: 'HS256' as const }],
    ['another audience', { audience: 'https://evil.example' }],
    ['another issuer', { issuer: 'https://token.actions.githubusercontent.com' }],
    ['an expired token', { expiresIn: -60 }],
  ])('mints tokens that fail verification: %s', async (_, opts) => {
    const token = await oidc.mint(job, { audience: 'https://jit.example', ...opts });
    await expect(verify(token)).rejects.toThrow();
  });

  it('mints tokens with chosen claims that do verify', async () => {
    const token = await oidc.mint(job, { audience: 'https://jit.example', claims: { run_id: '1' } });
    expect((await verify(token)).payload.run_id).toBe('1');
    expect(decodeJwt(token).repository_id).toBe('74');
  });
});
