// The pages of github.com's user authorization flow, as the simulator serves them: the authorize
// page (one form for any login, one button per known user) and its error pages.

export const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;background:#f6f8fa;color:#1f2328;margin:0}
main{max-width:26rem;margin:4rem auto;background:#fff;border:1px solid #d1d9e0;border-radius:6px;padding:1.5rem}
h1{font-size:1.3rem;margin-top:0}label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input[type=text]{width:100%;box-sizing:border-box;padding:.4rem;font:inherit}
button{font:inherit;padding:.35rem .9rem;margin:.5rem .4rem 0 0;border-radius:6px;border:1px solid #d1d9e0;background:#f6f8fa;cursor:pointer}
#authorize{background:#1f883d;color:#fff;border-color:#1f883d}.error{color:#d1242f;font-weight:600}
.note{color:#59636e;font-size:.85rem}`;

export function layout(title: string, content: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${content}
</main>
</body>
</html>
`;
}

/** A page saying why an authorization request cannot go on. */
export const errorPage = (title: string, message: string): string =>
  layout(title, `<h1>${escapeHtml(title)}</h1>\n<p class="error">${escapeHtml(message)}</p>`);

export interface AuthorizePage {
  appName: string;
  appOwner: string;
  /** The authorization request's parameters, carried through the form as hidden fields. */
  params: URLSearchParams;
  /** Where the user will be sent back. */
  redirectUri: string;
  /** Logins offered as one-click buttons (users of type `User`). */
  users: string[];
  error?: string;
}

export function authorizePage(page: AuthorizePage): string {
  // `login` is what the form asks for, never a hidden field: two fields named `login` in one form
  // would both be sent. GitHub's own `login` parameter suggests an account: it fills the input.
  const hidden = [...page.params]
    .filter(([name]) => name !== 'login')
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
  const suggested = page.params.get('login') ?? '';
  const buttons = page.users
    .map(
      (login) =>
        `<button type="submit" name="login" value="${escapeHtml(login)}">${escapeHtml(login)}</button>`,
    )
    .join('\n');
  const title = `Authorize ${page.appName}`;
  return layout(
    title,
    `<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(page.appName)} by <strong>${escapeHtml(page.appOwner)}</strong> wants to verify your GitHub identity.</p>
${page.error ? `<p class="error" role="alert">${escapeHtml(page.error)}</p>` : ''}
<form method="post" action="/login/oauth/authorize">
${hidden}
<label for="login">Sign in as</label>
<input type="text" id="login" name="login" value="${escapeHtml(suggested)}" autocomplete="username" autofocus>
<button type="submit" id="authorize">Authorize</button>
</form>
${
  buttons
    ? `<form method="post" action="/login/oauth/authorize" class="known-users" aria-label="Known users">
${hidden}
<p>Or continue as:</p>
${buttons}
</form>`
    : ''
}
<p class="note">Authorizing will redirect to <code>${escapeHtml(page.redirectUri)}</code></p>`,
  );
}
