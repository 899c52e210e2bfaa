import { describe, expect, it } from 'vitest';
import { html } from '../../app/web/html.ts';
import { localPath } from '../../app/web/respond.ts';

describe('the pages template', () => {
  it('escapes every value unless the template made it, in text and in attributes', () => {
    const evil = `"><script>alert(1)</script><a href='x'>&amp;`;
    const out = html`<p title="${evil}">${evil} ${html`<b>${evil}</b>`}</p>`.text;
    expect(out).not.toContain('<script>');
    expect(out).not.toContain(`"><`);
    expect(out).toContain(
      '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;a href=&#39;x&#39;&gt;&amp;amp;',
    );
    expect(out.match(/<b>/g)).toHaveLength(1);
  });

  it('shows control and bidirectional characters as U+FFFD, keeps newlines, and renders nothing for absent values', () => {
    expect(html`${'a\u202eb\u0000c\nd'}`.text).toBe('a\ufffdb\ufffdc\nd');
    expect(html`[${null}${undefined}${false}${[1, 'x', html`<i></i>`]}]`.text).toBe('[1x<i></i>]');
  });
});

describe('where to go after signing in', () => {
  it.each([
    ['/requests/req_0123', '/requests/req_0123'],
    ['/decisions?outcome=denied', '/decisions?outcome=denied'],
    [null, '/requests'],
    ['//evil.example/x', '/requests'],
    ['/\\evil.example', '/requests'],
    ['https://evil.example', '/requests'],
    ['/ok\n//evil', '/requests'],
    ['/\t/evil.example', '/requests'],
    ['', '/requests'],
  ])('%j -> %j', (next, to) => expect(localPath(next)).toBe(to));
});
