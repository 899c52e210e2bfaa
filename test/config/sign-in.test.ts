import { describe, expect, it } from 'vitest';
import { readSignIn } from '../../app/config/sign-in.ts';

const ID = 'Iv23liAbCdEfGh123456';
const SECRET = '0123456789abcdef0123456789abcdef01234567';

describe('sign-in settings', () => {
  it('is off without a client id and secret, and on with both (8-hour sessions by default)', () => {
    expect(readSignIn({})).toBeUndefined();
    expect(readSignIn({ GITHUB_CLIENT_ID: ID, GITHUB_CLIENT_SECRET: SECRET })).toEqual({
      clientId: ID,
      clientSecret: SECRET,
      sessionMs: 8 * 3_600_000,
    });
    expect(
      readSignIn({ GITHUB_CLIENT_ID: ID, GITHUB_CLIENT_SECRET: SECRET, SESSION_HOURS: '0.5' })!.sessionMs,
    ).toBe(1_800_000);
  });

  it.each([
    [{ GITHUB_CLIENT_SECRET: SECRET }, /^GITHUB_CLIENT_ID: is not set, while GITHUB_CLIENT_SECRET is/],
    [{ GITHUB_CLIENT_ID: ID }, /^GITHUB_CLIENT_SECRET: is not set, while GITHUB_CLIENT_ID is/],
    [
      { GITHUB_CLIENT_ID: '12345', GITHUB_CLIENT_SECRET: SECRET },
      /^GITHUB_CLIENT_ID: "12345" is not a client id.*not the App ID/,
    ],
    [
      { GITHUB_CLIENT_ID: ID, GITHUB_CLIENT_SECRET: 'short' },
      /^GITHUB_CLIENT_SECRET: is shorter than 20 characters/,
    ],
    [{ SESSION_HOURS: '0' }, /^SESSION_HOURS: "0" is not a number of hours from 0 to 720/],
    [{ SESSION_HOURS: 'eight' }, /^SESSION_HOURS: "eight" is not a number of hours/],
  ])('names the setting and the fix: %j', (env, message) => {
    expect(() => readSignIn(env)).toThrow(message);
  });
});
