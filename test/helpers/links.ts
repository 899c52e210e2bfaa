// Every internal link and anchor of a set of Markdown files, checked offline: remark-validate-links
// (GitHub's heading slugs, links between files and to files and folders) run by unified-engine over
// the whole set at once, so a link to a heading of another file is checked against that file.
import { PassThrough } from 'node:stream';
import { remark } from 'remark';
import remarkValidateLinks from 'remark-validate-links';
import { engine, type Options } from 'unified-engine';

// `repository: false`: no `git remote` is asked and no URL is taken for a file of this repository;
// every https link is left alone, so nothing goes to the network. (The engine hands the plugin the
// whole file set, which its own tuple type does not say.)
const PLUGINS = [[remarkValidateLinks, { repository: false }]] as unknown as Options['plugins'];

/** `file:line:column: reason` for each broken internal link in `files` (paths relative to `cwd`). */
export async function brokenLinks(cwd: string, files: string[]): Promise<string[]> {
  const silent = new PassThrough();
  silent.resume();
  const context = await new Promise<Parameters<Parameters<typeof engine>[1]>[2]>((resolve, reject) =>
    engine(
      {
        processor: remark(),
        cwd,
        files,
        plugins: PLUGINS,
        out: false,
        output: false,
        quiet: true,
        streamError: silent,
        streamOut: silent,
      },
      (error, _code, context) => (error ? reject(error) : resolve(context)),
    ),
  );
  return (context?.files ?? []).flatMap((file) =>
    [...file.messages]
      .sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0))
      .map((m) => `${file.path}:${m.line}:${m.column}: ${m.reason}`),
  );
}
