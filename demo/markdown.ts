// Just enough Markdown for check run summaries: tables, headings, lists, bold, code, links.
const escape = (s: string): string =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

function inline(s: string): string {
  return escape(s)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/\[([^\]]+)\]\((https?:[^)\s]+)\)/g, '<a href="$2">$1</a>');
}

export function markdown(text: string): string {
  const out: string[] = [];
  const blocks = text.split(/\n{2,}/);
  for (const block of blocks) {
    const lines = block.split('\n');
    if (lines[0]!.startsWith('|')) {
      const rows = lines
        .filter((_, i) => i !== 1)
        .map((l) =>
          l
            .split('|')
            .slice(1, -1)
            .map((c) => inline(c.trim().replaceAll('\\|', '|'))),
        )
        .filter((r) => r.some((c) => c !== ''));
      out.push(
        `<table>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</table>`,
      );
    } else if (/^#{1,6} /.test(lines[0]!)) {
      const level = lines[0]!.indexOf(' ');
      out.push(`<h${level + 1}>${inline(lines[0]!.slice(level + 1))}</h${level + 1}>`);
      if (lines.length > 1) out.push(markdown(lines.slice(1).join('\n')));
    } else if (lines.every((l) => l.startsWith('- '))) {
      out.push(`<ul>${lines.map((l) => `<li>${inline(l.slice(2))}</li>`).join('')}</ul>`);
    } else {
      out.push(`<p>${lines.map(inline).join('<br>')}</p>`);
    }
  }
  return out.join('\n');
}
export { escape };
