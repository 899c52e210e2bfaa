// The sandbox page: the demo commit's check runs as GitHub shows them, with Approve and Deny
// buttons, the commit's comments (where the app tells the approvers), and a choice of which user
// acts. A click or a reply is sent to the app as GitHub would send it: a signed
// check_run.requested_action or commit_comment webhook.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookSender } from '../test/github-sim/webhooks.ts';
import type { SimRepo, World } from '../test/github-sim/world.ts';
import { escape, markdown } from './markdown.ts';

export const DEMO_USERS = ['alice', 'bob', 'carol', 'sam', 'pat', 'mallory', 'dana'];

const COLOR: Record<string, string> = {
  success: '#1a7f37',
  failure: '#cf222e',
  action_required: '#9a6700',
  timed_out: '#cf222e',
  cancelled: '#59636e',
};

/** The conversation on the demo commit: the app's notice (edited as votes arrive) and replies. */
function conversation(repo: SimRepo, user: string): string {
  const sha = repo.branches.get(repo.defaultBranch)!;
  // A command with a comment names the request first (its action): the newest one's, as an example.
  const action = repo.checkRuns.at(-1)?.name.replace(/^approval: /, '') ?? 'deploy-staging';
  const comments = repo.commitComments.filter((c) => c.commitId === sha);
  const items = comments
    .map(
      (c) =>
        `<article class="comment" data-comment="${c.id}"><h4>${escape(c.user)}${c.reactions.length ? ` <span class="reactions">${c.reactions.map((x) => (x.content === '+1' ? '👍' : escape(x.content))).join(' ')}</span>` : ''}</h4>${markdown(c.body)}</article>`,
    )
    .join('\n');
  return `<section class="conversation"><h2>Comments on the commit</h2>
${items || '<p>No comments yet.</p>'}
<form method="post" action="/comment"><input type="hidden" name="user" value="${escape(user)}">
<label for="reply">Reply as <strong>${escape(user)}</strong> (<code>/approve</code>, or with a comment, naming the request: <code>/approve ${escape(action)} looks good</code>)</label>
<textarea id="reply" name="body" rows="2"></textarea><button type="submit">Comment</button></form></section>`;
}

function page(world: World, repo: SimRepo, user: string): string {
  const runs = [...repo.checkRuns].reverse();
  const options = DEMO_USERS.map(
    (u) => `<option value="${u}"${u === user ? ' selected' : ''}>${u}</option>`,
  ).join('');
  const cards = runs
    .map((r) => {
      const buttons = r.actions
        .map(
          (a) =>
            `<button type="submit" name="identifier" value="${escape(a.identifier)}" title="${escape(a.description)}">${escape(a.label)}</button>`,
        )
        .join(' ');
      return `<section class="run" data-check-run="${r.id}" data-conclusion="${r.conclusion ?? ''}">
  <h2><span class="dot" style="background:${COLOR[r.conclusion ?? ''] ?? '#59636e'}"></span>${escape(r.name)} <small>${escape((r.conclusion ?? r.status).replace('_', ' '))}</small></h2>
  <h3 class="title">${escape(r.output.title ?? '')}</h3>
  ${buttons ? `<form method="post" action="/click"><input type="hidden" name="check_run" value="${r.id}"><input type="hidden" name="user" value="${escape(user)}">${buttons} <span class="as">as <strong>${escape(user)}</strong></span></form>` : ''}
  <div class="summary">${markdown(r.output.summary ?? '')}</div>
  ${r.output.text ? `<details open><summary>Details</summary>${markdown(r.output.text)}</details>` : ''}
</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>jit-approvals sandbox</title>
<meta http-equiv="refresh" content="2;url=/?user=${encodeURIComponent(user)}">
<style>
body{font:14px/1.5 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:920px;margin:24px auto;color:#1f2328}
.run{border:1px solid #d0d7de;border-radius:6px;padding:12px 16px;margin:16px 0}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:8px}
h2{font-size:16px;margin:0} h2 small{color:#59636e;font-weight:normal} .title{font-size:14px;margin:8px 0}
table{border-collapse:collapse} td{border:1px solid #d0d7de;padding:4px 8px}
button{background:#1f883d;color:#fff;border:0;border-radius:6px;padding:5px 14px;cursor:pointer}
button[value=deny]{background:#cf222e} code{background:#eff1f3;padding:1px 4px;border-radius:4px}
header{display:flex;justify-content:space-between;align-items:center}
.comment{border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;margin:8px 0} .comment h4{margin:0}
textarea{display:block;width:100%;margin:4px 0;font:inherit}
</style></head><body>
<header><h1>${escape(`${repo.owner}/${repo.name}`)} · checks on <code>${escape(repo.branches.get(repo.defaultBranch)!.slice(0, 7))}</code></h1>
<form method="get" action="/"><label>Click as <select name="user" onchange="this.form.submit()">${options}</select></label></form></header>
${cards || '<p>No check runs yet: the job has not asked for approval.</p>'}
${conversation(repo, user)}
<p><small>A local sandbox: GitHub, the app and the job all run on this machine. ${world.users.size} users.</small></p>
</body></html>`;
}

export async function startSandbox(
  world: World,
  repo: SimRepo,
  hooks: WebhookSender,
  port = 0,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'POST' && url.pathname === '/click') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString());
        const run = repo.checkRuns.find((r) => r.id === Number(form.get('check_run')));
        const user = form.get('user') ?? '';
        if (!run || !DEMO_USERS.includes(user))
          return void res.writeHead(400).end('unknown check run or user');
        void hooks.checkRunRequestedAction(repo, run, form.get('identifier') ?? '', world.addUser(user)).then(
          () => res.writeHead(303, { location: `/?user=${encodeURIComponent(user)}` }).end(),
          (err: Error) => res.writeHead(500).end(err.message),
        );
      });
      return;
    }
    if (req.method === 'POST' && url.pathname === '/comment') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString());
        const user = form.get('user') ?? '';
        const body = (form.get('body') ?? '').trim();
        if (!DEMO_USERS.includes(user) || body === '')
          return void res.writeHead(400).end('unknown user or empty comment');
        const sha = repo.branches.get(repo.defaultBranch)!;
        void hooks.commitComment(repo, sha, world.addUser(user), body).then(
          () => res.writeHead(303, { location: `/?user=${encodeURIComponent(user)}` }).end(),
          (err: Error) => res.writeHead(500).end(err.message),
        );
      });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/') {
      const user = url.searchParams.get('user') ?? 'alice';
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(page(world, repo, DEMO_USERS.includes(user) ? user : 'alice'));
      return;
    }
    // Links the app writes for github.com (`/acme/shop/runs/7`, `/acme/shop/actions/runs/…`) lead
    // to the page, which shows them all.
    if (req.method === 'GET' && url.pathname.startsWith(`/${repo.owner}/${repo.name}/`)) {
      res.writeHead(302, { location: '/' }).end();
      return;
    }
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
