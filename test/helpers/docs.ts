// The user documentation: README.md (the front door) and the pages of docs/. Tests of what the docs
// say read it from here, wherever on these pages a passage lives.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** README.md, then every `docs/*.md` in name order, as paths relative to the repository. */
export const DOC_FILES: readonly string[] = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];

/** The text of one documentation file. */
export const readDoc = (file: string): string => readFileSync(join(root, file), 'utf8');

/** All of the documentation as one text, the files in `DOC_FILES` order, a blank line between. */
export const readDocs = (): string => DOC_FILES.map(readDoc).join('\n\n');
