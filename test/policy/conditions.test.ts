import { describe, expect, it } from 'vitest';
import { compileConditions } from '../../app/policy/conditions.ts';
import { request } from '../helpers/policies.ts';

describe('match conditions', () => {
  it('compare environment names without case, as GitHub does (literal and glob)', () => {
    const literal = compileConditions({ environment: ['production'] }, 'any');
    const glob = compileConditions({ environment: ['prod-*'] }, 'any');
    for (const environment of ['production', 'Production', 'PRODUCTION'])
      expect(literal(request({ environment }))).toBe(true);
    expect(glob(request({ environment: 'PROD-eu' }))).toBe(true);
    expect(literal(request({ environment: 'staging' }))).toBe(false);
    expect(literal(request({ environment: undefined }))).toBe(false);
  });

  it('compare refs, actions and workflows with case', () => {
    expect(compileConditions({ ref: ['refs/heads/main'] }, 'any')(request({ ref: 'refs/heads/Main' }))).toBe(
      false,
    );
    expect(compileConditions({ action: ['deploy-*'] }, 'any')(request({ action: 'Deploy-web' }))).toBe(false);
  });
});
