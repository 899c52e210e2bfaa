// No internal link or anchor of the documentation is broken: README.md, docs/*.md, BENCHMARKS.md and
// CHANGELOG.md, checked offline (links to files, folders and headings, in the file or another one;
// https links are neither followed nor reported). A broken one is named by file:line:column.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { root } from './helpers/cli.ts';
import { DOC_FILES } from './helpers/docs.ts';
import { brokenLinks } from './helpers/links.ts';

const CHECKED = [...DOC_FILES, 'BENCHMARKS.md', 'CHANGELOG.md'];

describe('the links of the documentation', () => {
  afterEach(() => vi.restoreAllMocks());

  it('every internal link and anchor resolves, and nothing goes to the network', async () => {
    const connect = vi.spyOn(Socket.prototype, 'connect');
    expect(await brokenLinks(root, CHECKED)).toEqual([]);
    expect(connect).not.toHaveBeenCalled();
  });

  it('covers the README, every page of docs/, BENCHMARKS.md and CHANGELOG.md', () => {
    expect(CHECKED).toEqual(
      expect.arrayContaining([
        'README.md',
        'docs/architecture.md',
        'docs/runbook.md',
        'BENCHMARKS.md',
        'CHANGELOG.md',
      ]),
    );
  });

  it('reports a broken link, a missing heading in the file or in another, by file:line:column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'doc-links-'));
    mkdirSync(join(dir, 'docs'));
    writeFileSync(
      join(dir, 'README.md'),
      [
        '# Front',
        '',
        '## How it works',
        '',
        'Fine: [a page](docs/page.md), [its part](docs/page.md#the-part), [here](#how-it-works).',
        'Broken: [gone](docs/page.md#no-such-part) and [nowhere](#how-it-work).',
        'Missing: [a file](docs/missing.md). Outside: [far](https://example.invalid/x#y).',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'docs/page.md'),
      ['# Page', '', '## The part', '', 'Back to [the front](../README.md#how-it-works-now).', ''].join('\n'),
    );
    const connect = vi.spyOn(Socket.prototype, 'connect');
    expect(await brokenLinks(dir, ['README.md', 'docs/page.md'])).toEqual([
      'README.md:6:9: Cannot find heading for `#no-such-part` in `docs/page.md`',
      'README.md:6:47: Cannot find heading for `#how-it-work`; did you mean `how-it-works`',
      'README.md:7:10: Cannot find file `docs/missing.md`',
      'docs/page.md:5:9: Cannot find heading for `#how-it-works-now` in `../README.md`; did you mean `how-it-works`',
    ]);
    expect(connect).not.toHaveBeenCalled();
  });
});
