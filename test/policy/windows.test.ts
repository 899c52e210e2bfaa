import { describe, expect, it } from 'vitest';
import { compileWindow, inWindow, nextOpening, parseHours } from '../../app/policy/windows.ts';
import type { Window } from '../../app/policy/types.generated.ts';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

describe('parseHours', () => {
  it.each([
    ['09:00-17:00', [540, 1020]],
    ['22:00-02:00', [1320, 120]],
    ['00:00-24:00', [0, 1440]],
    ['23:59-00:00', [1439, 0]],
  ])('%s', (text, minutes) => expect(parseHours(text)).toEqual(minutes));

  it.each([
    '9:00-17:00',
    '09:00',
    '09:00-17:00 ',
    '25:00-26:00',
    '09:60-10:00',
    '10:00-10:00',
    '24:00-01:00',
    '09:00–17:00',
  ])('rejects %j', (text) => expect(parseHours(text)).toBeUndefined());
});

describe('windows', () => {
  const office = compileWindow({
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    hours: '09:00-17:00',
    timezone: 'Europe/Berlin',
  });

  it.each([
    ['winter: 09:30 CET is 08:30Z', '2026-03-27T08:30:00Z', true],
    ['winter: 08:30 CET is 07:30Z', '2026-03-23T07:30:00Z', false],
    ['summer after DST starts: 07:30Z is 09:30 CEST', '2026-03-30T07:30:00Z', true],
    ['summer: 16:30Z is 18:30 CEST', '2026-03-30T15:30:00Z', false],
    ['start is inclusive (09:00 CET)', '2026-11-23T08:00:00Z', true],
    ['end is exclusive (17:00 CET)', '2026-11-23T16:00:00Z', false],
    ['Saturday', '2026-11-28T10:00:00Z', false],
  ])('%s', (_, when, inside) => expect(inWindow(office, at(when))).toBe(inside));

  it('knows the next opening across the spring DST change', () => {
    expect(iso(nextOpening(office, at('2026-03-28T12:00:00Z')))).toBe('2026-03-30T07:00:00.000Z');
  });

  it('knows the next opening across the autumn DST change', () => {
    expect(iso(nextOpening(office, at('2026-10-24T12:00:00Z')))).toBe('2026-10-26T08:00:00.000Z');
  });

  it('a window on the day DST starts covers the skipped hour', () => {
    const night = compileWindow({ days: ['sun'], hours: '01:00-04:00', timezone: 'Europe/Berlin' });
    expect(inWindow(night, at('2026-03-29T00:30:00Z'))).toBe(true); // 01:30 CET
    expect(inWindow(night, at('2026-03-29T01:30:00Z'))).toBe(true); // 03:30 CEST
    expect(inWindow(night, at('2026-03-29T02:00:00Z'))).toBe(false); // 04:00 CEST
  });

  it('a start time skipped by DST opens as Temporal would (02:30 -> 03:30 CEST)', () => {
    const skipped = compileWindow({ days: ['sun'], hours: '02:30-05:00', timezone: 'Europe/Berlin' });
    expect(iso(nextOpening(skipped, at('2026-03-28T12:00:00Z')))).toBe('2026-03-29T01:30:00.000Z');
  });

  it('a start time shown twice opens at its first occurrence', () => {
    const twice = compileWindow({ days: ['sun'], hours: '02:30-05:00', timezone: 'Europe/Berlin' });
    expect(iso(nextOpening(twice, at('2026-10-24T12:00:00Z')))).toBe('2026-10-25T00:30:00.000Z');
  });

  describe('a window that wraps past midnight belongs to the day it starts', () => {
    const w: Window = { days: ['fri'], hours: '22:00-06:00', timezone: 'America/New_York' };
    const night = compileWindow(w);
    it.each([
      ['Friday 21:59 EST', '2026-11-28T02:59:00Z', false],
      ['Friday 22:00 EST', '2026-11-28T03:00:00Z', true],
      ['Saturday 05:59 EST', '2026-11-28T10:59:00Z', true],
      ['Saturday 06:00 EST', '2026-11-28T11:00:00Z', false],
      ['Saturday 23:00 EST', '2026-11-29T04:00:00Z', false],
      ['Sunday 01:00 EST (Saturday is not listed)', '2026-11-29T06:00:00Z', false],
    ])('%s', (_, when, inside) => expect(inWindow(night, at(when))).toBe(inside));

    it('and wraps across the autumn DST change (Sat 06:00 EST comes 25 h later)', () => {
      // DST ends in New York on Sunday 2026-11-01 at 02:00 EDT.
      const sat = compileWindow({ days: ['sat'], hours: '22:00-06:00', timezone: 'America/New_York' });
      expect(inWindow(sat, at('2026-11-01T10:59:00Z'))).toBe(true); // Sun 05:59 EST
      expect(inWindow(sat, at('2026-11-01T11:00:00Z'))).toBe(false); // Sun 06:00 EST
    });
  });

  it('defaults to every day, all day, UTC', () => {
    const always = compileWindow({});
    expect(always.label).toBe('every day 00:00-24:00 UTC');
    expect(inWindow(always, at('2026-11-29T23:59:59Z'))).toBe(true);
  });
});
