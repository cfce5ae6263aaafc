// The crossdock operations dashboard: one page, hash-routed, talking to the hub's /v1 API with
// the bearer token the operator pasted at login.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';

import { getToken, setToken, setUnauthorizedHandler, whoami } from './api.js';
import { DeadLetters } from './pages/deadletters.jsx';
import { Exceptions } from './pages/exceptions.jsx';
import { Login } from './pages/login.jsx';
import { Messages } from './pages/messages.jsx';
import { Overview } from './pages/overview.jsx';
import { Partners } from './pages/partners.jsx';
import { Search } from './pages/search.jsx';
import { Trace } from './pages/trace.jsx';
import { href, navigate, useRoute } from './router.js';
import './style.css';

const PAGES = {
  '/overview': Overview,
  '/partners': Partners,
  '/search': Search,
  '/trace': Trace,
  '/exceptions': Exceptions,
  '/dead-letters': DeadLetters,
  '/messages': Messages,
};

const NAV = [
  ['/overview', 'Overview'],
  ['/partners', 'Partners'],
  ['/exceptions', 'Exceptions'],
  ['/dead-letters', 'Dead letters'],
  ['/messages', 'Messages'],
];

function Header({ who, route, onLogout }) {
  const [q, setQ] = useState(route.path === '/search' ? route.params.q || '' : '');
  useEffect(() => {
    if (route.path === '/search') setQ(route.params.q || '');
  }, [route.path, route.params.q]);
  const submit = (e) => {
    e.preventDefault();
    const v = q.trim();
    if (v) navigate('/search', { q: v });
  };
  return (
    <header class="top">
      <a class="brand" href={href('/overview')}>
        crossdock
      </a>
      <nav>
        {NAV.map(([p, label]) => (
          <a key={p} href={href(p)} class={route.path === p ? 'on' : ''} data-testid={`nav-${p.slice(1)}`}>
            {label}
          </a>
        ))}
      </nav>
      <form class="search" onSubmit={submit} role="search">
        <input
          type="search"
          value={q}
          onInput={(e) => setQ(e.currentTarget.value)}
          placeholder="PO, order id, ICN, SKU, correlation or message id"
          aria-label="Search by business key"
          data-testid="search-input"
        />
        <button type="submit" class="btn" data-testid="search-submit">
          Search
        </button>
      </form>
      <div class="who" data-testid="whoami" data-role={who.role} data-can-act={String(!!who.can_act)}>
        {who.name} <span class="role">{who.role}</span>
        {who.can_act ? null : <span class="role ro">read only</span>}
      </div>
      <button type="button" class="btn" onClick={onLogout} data-testid="logout">
        Log out
      </button>
    </header>
  );
}

function App() {
  const route = useRoute();
  const [session, setSession] = useState(() => (getToken() ? 'checking' : null));
  const [bootError, setBootError] = useState(null);
  useEffect(() => {
    setUnauthorizedHandler(() => {
      setToken('');
      setSession(null);
      if (parseLogin()) return;
      navigate('/login', { then: location.hash.slice(1) });
    });
    const t = getToken();
    if (!t) return;
    whoami(t)
      .then((who) => setSession({ who }))
      .catch((e) => {
        setSession(null);
        if (e.status !== 401) setBootError(e);
      });
  }, []);
  useEffect(() => {
    if (session && session !== 'checking' && route.path === '/login') navigate('/overview');
  }, [session, route.path]);

  if (session === 'checking') return <div class="boot muted">Checking the token…</div>;
  if (!session) {
    return (
      <Login
        error={bootError}
        onLogin={(token, who) => {
          setToken(token);
          setBootError(null);
          setSession({ who });
          const then = route.path === '/login' ? route.params.then : location.hash.slice(1);
          if (then && !then.startsWith('/login')) location.hash = `#${then}`;
          else navigate('/overview');
        }}
      />
    );
  }
  const logout = () => {
    setToken('');
    setSession(null);
    navigate('/login');
  };
  const Page = PAGES[route.path];
  return (
    <div class="app">
      <Header who={session.who} route={route} onLogout={logout} />
      {session.who.assumed ? (
        <div class="note" data-testid="whoami-unavailable">
          This hub has no /v1/whoami: the token's role is unknown, so actions stay enabled and the hub decides.
        </div>
      ) : null}
      <main>
        {Page ? (
          <Page key={route.path} params={route.params} who={session.who} />
        ) : (
          <div class="error">No page {route.path}</div>
        )}
      </main>
    </div>
  );
}

function parseLogin() {
  return location.hash.startsWith('#/login');
}

render(<App />, document.getElementById('app'));
