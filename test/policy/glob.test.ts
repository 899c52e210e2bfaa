import { describe, expect, it } from 'vitest';
import { compileGlobs, globProblem } from '../../app/policy/glob.ts';

describe('globs', () => {
  it.each([
    [['deploy-*'], 'deploy-web', true],
    [['deploy-*'], 'deploy-', true],
    [['deploy-*'], 'xdeploy-web', false],
    [['deploy-*'], 'deploy-web/canary', false],
    [['refs/tags/v*'], 'refs/tags/v1.2.3', true],
    [['refs/heads/**'], 'refs/heads/feature/a/b', true],
    [['a/**/b'], 'a/b', true],
    [['a/**/b'], 'a/x/y/b', true],
    [['**'], 'anything/at/all', true],
    [['v?'], 'v1', true],
    [['v?'], 'v10', false],
    [['renovate[bot]'], 'renovate[bot]', true],
    [['renovate[bot]'], 'renovateb', false],
    [['*[bot]'], 'dependabot[bot]', true],
    [['{a,b}'], 'a', false],
    [['{a,b}'], '{a,b}', true],
    [['deploy-+(x|y)*'], 'deploy-+(x|y)z', true],
    [['!prod'], 'staging', false],
    [['.github/workflows/*.yml'], '.github/workflows/deploy.yml', true],
    [['*'], '.hidden', true],
    [['production'], 'Production', false],
    [['a', 'b*'], 'bee', true],
  ] as const)('%j matches %j: %s', (patterns, value, expected) => {
    expect(compileGlobs(patterns)(value)).toBe(expected);
  });

  it('compares case-insensitively when asked (logins)', () => {
    expect(compileGlobs(['Renovate[bot]'], { nocase: true })('renovate[BOT]')).toBe(true);
    expect(compileGlobs(['dep*'], { nocase: true })('Dependabot[bot]')).toBe(true);
  });

  it.each(['deploy-***', 'a**', '**b/c', ' deploy', 'deploy\t', 'a\\*'])('rejects %j', (p) => {
    expect(globProblem(p)).toMatch(/./);
  });

  it.each(['deploy-*', 'refs/**', 'a/**/b', '**', 'renovate[bot]', 'v?.*'])('accepts %j', (p) => {
    expect(globProblem(p)).toBeUndefined();
  });
});
