import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../app/policy/duration.ts';

describe('durations', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['1h30m', 5400],
    ['1d', 86400],
    ['2d3h4m5s', 183845],
  ])('%s is %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
    expect(parseDuration(formatDuration(seconds))).toBe(seconds);
  });

  it.each(['', '10', 'm', '1m1h', '1.5h', '-1m', '1 h', '1w'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
