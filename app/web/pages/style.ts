/**
 * The pages' one stylesheet, served as /assets/app.css (the Content-Security-Policy allows styles
 * from the app only). System fonts, a readable measure, contrast of at least 4.5:1 (WCAG AA),
 * visible focus, and one column below 40rem.
 */
export const STYLESHEET = `
:root { color-scheme: light dark; --fg: #1f2328; --muted: #4f5661; --bg: #ffffff; --panel: #f6f8fa;
  --line: #d1d9e0; --link: #0550ae; --ok: #116329; --bad: #a40e26; --wait: #7d4e00; --focus: #0969da; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9ea7b3; --bg: #0d1117;
  --panel: #161b22; --line: #3d444d; --link: #6cb6ff; --ok: #56d364; --bad: #ff7b72; --wait: #e3b341; --focus: #58a6ff; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--link); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: .5rem; z-index: 1; }
header.top { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; justify-content: space-between;
  padding: .75rem 1rem; border-bottom: 1px solid var(--line); background: var(--panel); }
header.top nav { display: flex; flex-wrap: wrap; gap: .25rem 1rem; align-items: center; }
header.top nav a { text-decoration: none; padding: .25rem 0; }
header.top nav a[aria-current="page"] { font-weight: 600; text-decoration: underline; text-underline-offset: 4px; }
.brand { font-weight: 700; color: var(--fg) !important; }
.who { display: flex; gap: .5rem; align-items: center; color: var(--muted); }
.who form { margin: 0; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; line-height: 1.25; margin: .5rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 1.75rem 0 .5rem; }
p, li, dd, td { overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.notice { border: 1px solid var(--line); border-left: 4px solid var(--focus); background: var(--panel); padding: .75rem 1rem; margin: 0 0 1rem; }
.notice.bad { border-left-color: var(--bad); }
.notice.ok { border-left-color: var(--ok); }
.status { display: inline-block; font-size: .85rem; font-weight: 600; padding: .05rem .55rem; border: 1px solid currentColor; border-radius: 1rem; white-space: nowrap; }
.status.pending { color: var(--wait); } .status.approved { color: var(--ok); }
.status.denied, .status.timed_out, .status.cancelled { color: var(--bad); }
ul.cards { list-style: none; padding: 0; margin: 0; display: grid; gap: .75rem; }
ul.cards > li { border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; background: var(--bg); }
ul.cards h2 { margin: 0 0 .25rem; font-size: 1.05rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
ol.timeline { padding-left: 1.25rem; }
code { font: .9em ui-monospace, SFMono-Regular, Menlo, monospace; background: var(--panel); padding: .05rem .3rem; border-radius: 4px; }
form.decide { border: 1px solid var(--line); border-radius: 6px; padding: 1rem; background: var(--panel); margin-top: 1rem; }
form.decide h2 { margin-top: 0; }
label { display: block; font-weight: 600; margin-bottom: .25rem; }
textarea, input[type="text"], select { width: 100%; font: inherit; color: var(--fg); background: var(--bg);
  border: 1px solid var(--muted); border-radius: 6px; padding: .5rem; }
textarea { min-height: 5rem; }
.buttons { display: flex; flex-wrap: wrap; gap: .75rem; margin-top: .75rem; }
button, .button { font: inherit; font-weight: 600; border-radius: 6px; padding: .5rem 1.1rem; border: 1px solid var(--muted);
  background: var(--bg); color: var(--fg); cursor: pointer; min-height: 44px; text-decoration: none; display: inline-block; }
button.approve { background: #1a7f37; border-color: #1a7f37; color: #ffffff; }
button.deny { background: #cf222e; border-color: #cf222e; color: #ffffff; }
.who button { min-height: 0; padding: .2rem .6rem; font-weight: 400; }
form.filters { display: grid; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); gap: .75rem; align-items: end; margin-bottom: 1rem; }
@media (max-width: 40rem) {
  dl.facts { grid-template-columns: 1fr; } dl.facts dd { margin-bottom: .5rem; }
  table.responsive thead { position: absolute; left: -999px; }
  table.responsive tr { display: block; border-bottom: 1px solid var(--line); padding: .5rem 0; }
  table.responsive td { display: block; border: 0; padding: .1rem 0; }
  table.responsive td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); }
}
`;
