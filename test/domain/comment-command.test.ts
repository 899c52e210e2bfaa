// The comment command grammar (issue 22): strict, and read in linear time whatever a stranger writes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRequestId, MAX_TARGET, parseCommand } from '../../app/domain/comment-command.ts';
import { MAX_VOTE_COMMENT, voteComment } from '../../app/domain/vote-comment.ts';

describe('the command grammar', () => {
  it('reads the verb, the request named and the comment from the first line', () => {
    expect(parseCommand('/approve')).toEqual({ verb: 'approve', target: null, comment: null });
    expect(parseCommand('  /DENY deploy-web  not today ')).toEqual({
      verb: 'deny',
      target: 'deploy-web',
      comment: 'not today',
    });
    expect(parseCommand('/approve req_0123456789abcdef01234567\nlooks fine')).toEqual({
      verb: 'approve',
      target: 'req_0123456789abcdef01234567',
      comment: null,
    });
    expect(parseCommand('/approve\r\n/deny')).toEqual({ verb: 'approve', target: null, comment: null });
  });

  it('a command is a whole word: /approvers, /denylist and /approve-all are not commands', () => {
    for (const body of ['/approvers', '/denylist please', '/approve-all', '/approve:', 'x /approve'])
      expect(parseCommand(body)).toBeUndefined();
  });

  it('a command below the first line, quoted or in code is not a command', () => {
    for (const body of ['thanks\n/approve', '> /approve', '`/approve`', '```\n/approve\n```', '\n/approve'])
      expect(parseCommand(body)).toBeUndefined();
  });

  it('a word longer than any name is kept short: it names nothing', () => {
    const c = parseCommand(`/approve ${'a'.repeat(65_000)} hi`)!;
    expect(c.target).toHaveLength(MAX_TARGET + 1);
    expect(c.comment).toBe('hi');
  });

  it('tells request ids by their exact shape', () => {
    expect(isRequestId('req_0123456789abcdef01234567')).toBe(true);
    expect(isRequestId('req_0123456789ABCDEF01234567')).toBe(false);
    expect(isRequestId('req_0123456789abcdef0123456')).toBe(false);
    expect(isRequestId('deploy-web')).toBe(false);
  });

  it('reads 1 MB comments of every hard shape in linear time', () => {
    const mb = 1 << 20;
    const shapes = [
      `/approve ${'a'.repeat(mb)}`,
      `/approve ${'-'.repeat(mb)}`,
      `/approve x ${'\u{1F525}'.repeat(mb / 2)}`,
      `/approve ${'a.'.repeat(mb / 2)}!`,
      `/approve${' '.repeat(mb)}x`,
      `${' '.repeat(mb)}/approve`,
      `/approve x ${'\r'.repeat(mb)}`,
    ];
    for (const body of shapes) {
      const started = performance.now();
      parseCommand(body);
      // Linear work on 1 MB is a few ms; catastrophic backtracking is seconds or more. The bound is
      // a wide guard against the second, not a benchmark.
      expect(performance.now() - started).toBeLessThan(1_000);
    }
  });

  it('never throws, and names only a word of the first line (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (body) => {
        const c = parseCommand(body);
        if (!c) return;
        const first = body.split(/[\r\n]/)[0]!;
        expect(first.toLowerCase()).toContain(`/${c.verb}`);
        if (c.target !== null) expect(first).toContain(c.target);
        if (c.comment !== null) expect([...c.comment].length).toBeLessThanOrEqual(MAX_VOTE_COMMENT);
      }),
    );
  });
});

describe('the vote comment cut', () => {
  it('never keeps half an emoji, and counts characters, not UTF-16 units', () => {
    const text = `${'x'.repeat(999)}\u{1F525}\u{1F525}`;
    expect(voteComment(text)).toBe(`${'x'.repeat(999)}\u{1F525}`);
  });

  it('drops unpaired surrogates and control characters, keeps line breaks as \\n', () => {
    expect(voteComment('a\ud800b\u0000c\r\nd\re\tf')).toBe('abc\nd\ne\tf');
    expect(voteComment(' \u0007 ')).toBeNull();
  });

  it('keeps every stored comment storable (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 3000 }), (text) => {
        const c = voteComment(text);
        if (c === null) return;
        expect([...c].length).toBeLessThanOrEqual(MAX_VOTE_COMMENT);
        expect(c).not.toMatch(/\p{Cs}|\p{Cc}(?<![\n\t])/u);
        expect(c).toBe(c.trim());
      }),
    );
  });
});
