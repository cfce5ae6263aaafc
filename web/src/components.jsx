// Small building blocks shared by the pages.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

import { ApiError } from './api.js';

export const NEEDS_OPERATOR = 'An operator or admin token is needed for this action';

// Loads data with `load()` when `deps` change, and every `interval` ms if given (paused while
// the tab is hidden). `data` keeps the last good answer while reloading.
export function useFetch(load, deps, { interval = 0 } = {}) {
  const [state, setState] = useState({ data: null, error: null, loading: true, at: 0 });
  const seq = useRef(0);
  const run = useCallback(async () => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await load();
      if (mine === seq.current) setState({ data, error: null, loading: false, at: Date.now() });
    } catch (error) {
      if (mine === seq.current) setState((s) => ({ data: s.data, error, loading: false, at: Date.now() }));
    }
  }, deps);
  useEffect(() => {
    setState({ data: null, error: null, loading: true, at: 0 });
    run();
    if (!interval) return undefined;
    const t = setInterval(() => {
      if (!document.hidden) run();
    }, interval);
    return () => {
      clearInterval(t);
      seq.current++;
    };
  }, [run, interval]);
  return { ...state, reload: run };
}

// Settles a promise to {ok, value} / {ok: false, error} so one failing panel does not hide others.
export async function settle(p) {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) throw error;
    return { ok: false, error };
  }
}

export function Unavailable({ what, error }) {
  const why = error && !(error instanceof ApiError && error.unavailable) ? error.message : null;
  return (
    <div class="unavailable" data-testid="unavailable">
      {what} unavailable{why ? `: ${why}` : ' on this hub'}
    </div>
  );
}

export function ErrorBox({ error }) {
  if (!error) return null;
  return (
    <div class="error" data-testid="error" role="alert">
      {error.status ? `${error.status}: ` : ''}
      {error.message}
    </div>
  );
}

export function Loading() {
  return <div class="muted">Loading…</div>;
}

export function Kpi({ id, label, value, display, sub, tone }) {
  return (
    <div class={`kpi ${tone || ''}`} data-testid={`kpi-${id}`} data-value={value === undefined ? '' : JSON.stringify(value)}>
      <div class="kpi-label">{label}</div>
      <div class="kpi-value">{display}</div>
      <div class="kpi-sub">{sub || '\u00a0'}</div>
    </div>
  );
}

// A button for operator actions: disabled with an explanation for viewers.
export function ActButton({ can, onClick, children, testid, busy, title, kind }) {
  if (!can) {
    return (
      <span class="act-wrap" title={NEEDS_OPERATOR}>
        <button type="button" class={`btn ${kind || ''}`} data-testid={testid} disabled title={NEEDS_OPERATOR}>
          {children}
        </button>
      </span>
    );
  }
  return (
    <button type="button" class={`btn ${kind || ''}`} data-testid={testid} onClick={onClick} disabled={busy} title={title}>
      {children}
    </button>
  );
}

// Keyset paging: "Older" follows next_before; the cursors passed on the way are kept in `trail`
// (part of the URL), so "Newer" works after a reload too.
export function Pager({ before, trail, next, go, count }) {
  const stack = trail ? trail.split(',') : [];
  const newer = () => {
    const prev = stack.pop();
    go(prev && prev !== '~' ? prev : '', stack.join(','));
  };
  return (
    <div class="pager" data-testid="pager">
      <button type="button" class="btn" disabled={!before} onClick={() => go('', '')} data-testid="page-newest">
        ⇤ Newest
      </button>
      <button type="button" class="btn" disabled={!before} onClick={newer} data-testid="page-newer">
        ← Newer
      </button>
      <button type="button" class="btn" disabled={!next} onClick={() => go(next, [...stack, before || '~'].join(','))} data-testid="page-older">
        Older →
      </button>
      {count !== undefined ? <span class="muted">{count} on this page</span> : null}
    </div>
  );
}

export function Json({ value }) {
  return <pre class="json">{JSON.stringify(value, null, 2)}</pre>;
}

export function Status({ value }) {
  return <span class={`status st-${String(value || '').replace(/[^a-z_]/gi, '')}`}>{value || '—'}</span>;
}

function utcTick(s, incr) {
  const iso = new Date(s * 1000).toISOString();
  return incr >= 86400 ? iso.slice(5, 10) : iso.slice(11, 16);
}

// uPlot's points filter: the indexes of values with no neighbour on either side.
function isolatedPoints(u, seriesIdx, show) {
  if (show) return null;
  const ys = u.data[seriesIdx];
  const out = [];
  for (let i = 0; i < ys.length; i++) {
    if (ys[i] == null) continue;
    if ((i === 0 || ys[i - 1] == null) && (i === ys.length - 1 || ys[i + 1] == null)) out.push(i);
  }
  return out;
}

// A time-series chart (uPlot). `data` is [xs (unix seconds), ...ys]; `series` names each y.
export function TimeChart({ title, series, data, testid, height = 170, fmtValue, yRange }) {
  const box = useRef(null);
  const plot = useRef(null);
  const key = series.map((s) => s.label).join('|');
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const opts = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      scales: yRange ? { x: { time: true }, y: { range: yRange } } : { x: { time: true } },
      // Times are the hub's (UTC), 24-hour; days as MM-DD.
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
      axes: [
        {
          stroke: '#555',
          grid: { stroke: '#eee' },
          ticks: { stroke: '#ddd' },
          values: (u, splits, ax, space, incr) => splits.map((s) => utcTick(s, incr)),
        },
        {
          stroke: '#555',
          grid: { stroke: '#eee' },
          ticks: { stroke: '#ddd' },
          size: 60,
          values: fmtValue ? (u, vals) => vals.map((v) => fmtValue(v)) : undefined,
        },
      ],
      // A point is drawn where a value stands alone between gaps (a quiet hub, a new partner), so
      // a single minute of traffic or one day's figure is visible and not an empty chart.
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 1.5,
          fill: s.fill,
          spanGaps: false,
          points: { filter: isolatedPoints, size: 5, fill: s.color },
        })),
      ],
    };
    plot.current = new uPlot(opts, data, el);
    const ro = new ResizeObserver(() => {
      if (plot.current && el.clientWidth) plot.current.setSize({ width: el.clientWidth, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [key, height]);
  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);
  return (
    <div class="panel chart" data-testid={testid}>
      <h3>{title}</h3>
      <div ref={box} class="chart-box" />
    </div>
  );
}

// A horizontal-axis bar chart in SVG: [{key, label, value}].
export function BarChart({ bars, testid, color = '#3867d6' }) {
  const w = 360;
  const h = 150;
  const pad = 24;
  const max = Math.max(1, ...bars.map((b) => b.value || 0));
  const bw = (w - pad * 2) / Math.max(1, bars.length);
  return (
    <svg class="bars" viewBox={`0 0 ${w} ${h}`} data-testid={testid} role="img">
      {bars.map((b, i) => {
        const bh = ((b.value || 0) / max) * (h - pad * 2);
        const x = pad + i * bw + bw * 0.15;
        const y = h - pad - bh;
        return (
          <g key={b.key} data-testid={`bar-${b.key}`} data-value={b.value}>
            <rect x={x} y={y} width={bw * 0.7} height={bh} fill={color} />
            <text x={x + bw * 0.35} y={y - 4} text-anchor="middle" class="bar-value">
              {b.value}
            </text>
            <text x={x + bw * 0.35} y={h - 8} text-anchor="middle" class="bar-label">
              {b.label}
            </text>
          </g>
        );
      })}
      <line x1={pad} x2={w - pad} y1={h - pad} y2={h - pad} stroke="#999" />
    </svg>
  );
}

export function Section({ title, children, right, testid }) {
  return (
    <section class="panel" data-testid={testid}>
      <div class="panel-head">
        <h3>{title}</h3>
        {right}
      </div>
      {children}
    </section>
  );
}
