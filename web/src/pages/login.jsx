// Login: paste a bearer token; it is checked with GET /v1/whoami and kept in sessionStorage
// (gone when the tab closes), never in a cookie.
import { useState } from 'preact/hooks';

import { whoami } from '../api.js';
import { ErrorBox } from '../components.jsx';

export function Login({ onLogin, error: initial }) {
  const [token, setTokenText] = useState('');
  const [error, setError] = useState(initial || null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    const t = token.trim();
    if (!t) return;
    setBusy(true);
    setError(null);
    try {
      const who = await whoami(t);
      onLogin(t, who);
    } catch (err) {
      setError(err.status === 401 ? { message: 'This token is not valid for this hub.' } : err);
      setBusy(false);
    }
  };
  return (
    <div class="login" data-testid="login">
      <form onSubmit={submit} class="panel">
        <h1>crossdock operations</h1>
        <label for="token">API token</label>
        <input
          id="token"
          type="password"
          autocomplete="off"
          value={token}
          onInput={(e) => setTokenText(e.currentTarget.value)}
          placeholder="paste a bearer token"
          data-testid="login-token"
          autofocus
        />
        <button type="submit" class="btn primary" disabled={busy} data-testid="login-submit">
          {busy ? 'Checking…' : 'Log in'}
        </button>
        <ErrorBox error={error} />
        <p class="muted">
          The token stays in this tab only (sessionStorage). Viewer tokens see everything and act on nothing;
          operator and admin tokens can resolve, assign, retry and replay.
        </p>
      </form>
    </div>
  );
}
