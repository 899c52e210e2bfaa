import { oneLine, unlink } from './plain.ts';

/**
 * Untrusted text inside HTML that GitHub renders as Markdown (a step's job summary): no element,
 * attribute or entity of its own, on one line (a blank line would end the HTML block and let the
 * rest be read as Markdown), and no link, mention or e-mail address for GitHub's filters to make.
 */
export const inertHtml = (text: string): string =>
  unlink(oneLine(text))
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
