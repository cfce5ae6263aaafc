// Hash routing (#/search?q=PO-1): the server serves one index.html and needs no fallback.
import { useEffect, useState } from 'preact/hooks';

import { qs } from './api.js';

export function parseHash(hash = location.hash) {
  const h = hash.replace(/^#/, '') || '/overview';
  const i = h.indexOf('?');
  const path = i < 0 ? h : h.slice(0, i);
  const params = Object.fromEntries(new URLSearchParams(i < 0 ? '' : h.slice(i + 1)));
  return { path: path.startsWith('/') ? path : `/${path}`, params };
}

export function href(path, params = {}) {
  return `#${path}${qs(params)}`;
}

export function navigate(path, params = {}) {
  const h = href(path, params);
  if (location.hash !== h) location.hash = h;
}

export function useRoute() {
  const [route, setRoute] = useState(parseHash());
  useEffect(() => {
    const on = () => setRoute(parseHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
