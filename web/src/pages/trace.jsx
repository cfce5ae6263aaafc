// Trace: one business transaction end to end (GET /v1/trace): the aggregates and their events,
// the lineage of messages (raw bytes -> canonical document -> ERP call -> outbound document),
// a time-ordered timeline and the payload of any message.
import { useEffect, useMemo, useState } from 'preact/hooks';

import { ApiError, api } from '../api.js';
import { ErrorBox, Json, Status, settle, useFetch } from '../components.jsx';
import { href } from '../router.js';
import { fmt, formatPayload, shortId } from '../util.js';

const enc = encodeURIComponent;
const MAX_MESSAGES = 40;
const MAX_PAYLOAD_CHARS = 512 * 1024;

function messageFromView(v) {
  return {
    id: v.id,
    partner: v.partner,
    direction: v.direction,
    kind: v.kind,
    content_type: v.content_type,
    size: v.size,
    received_at: v.received_at,
    correlation_id: v.correlation_id,
    status: v.status,
    events: (v.steps || []).map((s) => ({ type: s.type, subject: s.name, at: s.at, attempt: s.attempt, detail: s.detail })),
    pending: v.pending || [],
    dead_letters: v.dead_letters || [],
    exceptions: v.exceptions || [],
    _lineage: v.lineage || { parents: [], children: [] },
  };
}

// A hub without /v1/trace: the same picture from the message and aggregate routes, bounded.
async function fallbackTrace(params) {
  const seeds = [];
  const aggregates = [];
  let subject;
  if (params.aggregate) {
    const i = params.aggregate.indexOf(':');
    const type = params.aggregate.slice(0, i);
    const id = params.aggregate.slice(i + 1);
    subject = { kind: 'aggregate', type, id };
    const path =
      type === 'purchase_order'
        ? `/v1/purchase-orders/${enc(id)}`
        : type === 'sales_order'
          ? `/v1/orders/${id.split('/').map(enc).join('/')}`
          : type === 'return'
            ? `/v1/returns/${id.split('/').map(enc).join('/')}`
            : null;
    if (!path) throw new ApiError(404, { detail: `no trace for ${type} without /v1/trace` }, '');
    const a = await api.get(path);
    aggregates.push({
      type,
      id,
      status: a.state,
      partner: a.supplier || a.customer || '',
      version: a.version,
      state: a,
      created_at: a.created_at,
      updated_at: a.updated_at,
      events: (a.timeline || []).map((e) => ({ version: e.version, type: e.event, at: e.at, message_id: e.message_id, detail: e.detail })),
    });
    for (const e of a.timeline || []) if (e.message_id) seeds.push(e.message_id);
    for (const x of a.exceptions || []) if (x.message_id) seeds.push(x.message_id);
  } else if (params.message_id) {
    subject = { kind: 'message', id: params.message_id };
    seeds.push(params.message_id);
  } else if (params.correlation_id) {
    subject = { kind: 'correlation', id: params.correlation_id };
    const list = await api.get(`/v1/messages?correlation_id=${enc(params.correlation_id)}&limit=${MAX_MESSAGES}`);
    for (const m of list.items) seeds.push(m.id);
  }
  const byId = new Map();
  let frontier = [...new Set(seeds)];
  let truncated = false;
  for (let depth = 0; depth < 3 && frontier.length; depth++) {
    const todo = frontier.filter((id) => !byId.has(id));
    if (byId.size + todo.length > MAX_MESSAGES) truncated = true;
    const batch = todo.slice(0, Math.max(0, MAX_MESSAGES - byId.size));
    const got = await Promise.all(batch.map((id) => settle(api.get(`/v1/messages/${enc(id)}`))));
    const next = [];
    for (const g of got) {
      if (!g.ok) continue;
      const m = messageFromView(g.value);
      byId.set(m.id, m);
      for (const l of [...m._lineage.parents, ...m._lineage.children]) next.push(l.id);
    }
    frontier = next;
  }
  const messages = [...byId.values()];
  const edges = [];
  const seen = new Set();
  for (const m of messages) {
    for (const p of m._lineage.parents) {
      const k = `${p.id}>${m.id}`;
      if (byId.has(p.id) && !seen.has(k)) {
        seen.add(k);
        edges.push({ parent: p.id, child: m.id, relation: p.relation });
      }
    }
    for (const c of m._lineage.children) {
      const k = `${m.id}>${c.id}`;
      if (byId.has(c.id) && !seen.has(k)) {
        seen.add(k);
        edges.push({ parent: m.id, child: c.id, relation: c.relation });
      }
    }
  }
  const timeline = [];
  for (const m of messages) {
    timeline.push({ at: m.received_at, kind: 'message', title: `${m.direction} ${m.kind} ${m.partner}`, message_id: m.id });
    for (const e of m.events) timeline.push({ at: e.at, kind: 'event', title: `${e.type} ${e.subject || ''}`, message_id: m.id });
    for (const x of m.exceptions) timeline.push({ at: x.created_at, kind: 'exception', title: `${x.type}: ${x.message}`, message_id: m.id });
    for (const d of m.dead_letters) timeline.push({ at: d.dead_at, kind: 'dead_letter', title: `dead letter ${d.name}: ${d.reason}`, message_id: m.id });
  }
  for (const a of aggregates) {
    for (const e of a.events) timeline.push({ at: e.at, kind: 'aggregate_event', title: `${a.type} ${e.type}`, message_id: e.message_id });
  }
  timeline.sort((x, y) => String(x.at).localeCompare(String(y.at)));
  return { subject, aggregates, messages, edges, timeline, truncated, fallback: true };
}

// Columns by depth (longest path from a root), rows by time.
function layout(messages, edges) {
  const ids = new Set(messages.map((m) => m.id));
  const parents = new Map(messages.map((m) => [m.id, []]));
  for (const e of edges) if (ids.has(e.parent) && ids.has(e.child)) parents.get(e.child).push(e.parent);
  const depth = new Map();
  const visiting = new Set();
  const d = (id) => {
    if (depth.has(id)) return depth.get(id);
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const v = Math.max(-1, ...parents.get(id).map(d)) + 1;
    visiting.delete(id);
    depth.set(id, v);
    return v;
  };
  const cols = [];
  const sorted = [...messages].sort((a, b) => String(a.received_at).localeCompare(String(b.received_at)));
  for (const m of sorted) {
    const c = d(m.id);
    (cols[c] = cols[c] || []).push(m);
  }
  const W = 200;
  const H = 46;
  const GX = 56;
  const GY = 14;
  const pos = new Map();
  cols.forEach((col, ci) => col.forEach((m, ri) => pos.set(m.id, { x: 8 + ci * (W + GX), y: 8 + ri * (H + GY) })));
  const width = 16 + cols.length * (W + GX) - GX;
  const height = 16 + Math.max(1, ...cols.map((c) => c.length)) * (H + GY) - GY;
  return { pos, W, H, width: Math.max(width, 200), height };
}

function Lineage({ messages, edges, selected, onSelect }) {
  const g = useMemo(() => layout(messages, edges), [messages, edges]);
  if (!messages.length) return <div class="muted">No messages.</div>;
  return (
    <div class="lineage-wrap">
      <svg class="lineage" width={g.width} height={g.height} data-testid="lineage" role="img">
        {edges.map((e) => {
          const a = g.pos.get(e.parent);
          const b = g.pos.get(e.child);
          if (!a || !b) return null;
          const x1 = a.x + g.W;
          const y1 = a.y + g.H / 2;
          const x2 = b.x;
          const y2 = b.y + g.H / 2;
          const mx = (x1 + x2) / 2;
          return (
            <g key={`${e.parent}>${e.child}`} data-testid="lineage-edge" data-relation={e.relation}>
              <path d={`M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`} class="edge" />
              <text x={mx} y={(y1 + y2) / 2 - 3} class="edge-label" text-anchor="middle">
                {e.relation}
              </text>
            </g>
          );
        })}
        {messages.map((m) => {
          const p = g.pos.get(m.id);
          return (
            <g
              key={m.id}
              transform={`translate(${p.x},${p.y})`}
              class={`node dir-${m.direction} ${selected === m.id ? 'sel' : ''} ${m.status === 'failed' ? 'failed' : ''}`}
              onClick={() => onSelect(m.id)}
              data-testid="lineage-node"
              data-message-id={m.id}
              data-kind={m.kind}
              data-direction={m.direction}
            >
              <title>{`${m.id}\n${m.content_type}\n${fmt.time(m.received_at)}`}</title>
              <rect width={g.W} height={g.H} rx="4" />
              <text x="8" y="18" class="n1">
                {m.direction === 'out' ? '→ ' : m.direction === 'in' ? '← ' : '· '}
                {m.kind}
                {m.dead_letters?.length ? ' ☠' : ''}
                {m.exceptions?.length ? ' ⚠' : ''}
              </text>
              <text x="8" y="36" class="n2">
                {m.partner} · {m.status || ''} · {fmt.bytes(m.size)}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}

export function PayloadViewer({ id }) {
  const { data, error, loading } = useFetch(async () => {
    const res = await api.raw(`/v1/messages/${enc(id)}/payload`);
    const ct = res.headers.get('Content-Type') || '';
    const text = await res.text();
    return { ct, size: text.length, ...formatPayload(text.slice(0, MAX_PAYLOAD_CHARS), ct), cut: text.length > MAX_PAYLOAD_CHARS };
  }, [id]);
  return (
    <section class="panel" data-testid="payload-viewer" data-message-id={id}>
      <div class="panel-head">
        <h3>
          Payload of <code>{id}</code>
        </h3>
        {data ? (
          <span class="muted" data-testid="payload-kind">
            {data.kind} · {data.ct} · {fmt.bytes(data.size)}
          </span>
        ) : null}
      </div>
      <ErrorBox error={error} />
      {loading && !data ? <div class="muted">Loading…</div> : null}
      {data ? (
        <pre class="payload" data-testid="payload" data-ready="true">
          {data.text}
          {data.cut ? '\n… (cut at 512 KiB)' : ''}
        </pre>
      ) : null}
    </section>
  );
}

function Aggregate({ a }) {
  return (
    <section class="panel" data-testid="aggregate" data-type={a.type} data-id={a.id}>
      <div class="panel-head">
        <h3>
          {a.type} <span class="key">{a.id}</span> <Status value={a.status} />
        </h3>
        <span class="muted">
          {a.partner} · version {a.version} · updated {fmt.time(a.updated_at)}
        </span>
      </div>
      <table class="dense" data-testid="aggregate-events">
        <tbody>
          {(a.events || []).map((e) => (
            <tr key={`${e.version}/${e.type}/${e.at}`}>
              <td class="muted nowrap">{fmt.time(e.at)}</td>
              <td class="num">v{e.version}</td>
              <td>{e.type}</td>
              <td class="muted">{e.detail && Object.keys(e.detail).length ? JSON.stringify(e.detail).slice(0, 140) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <details>
        <summary>State</summary>
        <Json value={a.state} />
      </details>
    </section>
  );
}

export function Trace({ params }) {
  const key = params.aggregate ? `aggregate=${params.aggregate}` : params.message_id ? `message_id=${params.message_id}` : params.correlation_id ? `correlation_id=${params.correlation_id}` : '';
  const [selected, setSelected] = useState(params.payload || null);
  useEffect(() => setSelected(params.payload || null), [key]);
  const { data, error, loading } = useFetch(async () => {
    if (!key) return null;
    const q = params.aggregate
      ? `aggregate=${enc(params.aggregate)}`
      : params.message_id
        ? `message_id=${enc(params.message_id)}`
        : `correlation_id=${enc(params.correlation_id)}`;
    try {
      return await api.get(`/v1/trace?${q}`);
    } catch (e) {
      if (e instanceof ApiError && e.noRoute) return fallbackTrace(params);
      throw e;
    }
  }, [key]);
  const select = (id) => setSelected(id);
  const msgs = data?.messages || [];
  const byId = useMemo(() => new Map(msgs.map((m) => [m.id, m])), [msgs]);
  return (
    <div class="page" data-testid="page-trace" data-ready={String(!loading && !!(data || error))}>
      <div class="page-head">
        <h2>
          Trace{' '}
          <span class="key" data-testid="trace-subject">
            {params.aggregate || params.message_id || params.correlation_id || ''}
          </span>
        </h2>
        {data?.truncated ? <span class="warn">only the first {msgs.length} messages are shown</span> : null}
      </div>
      {!key ? <div class="muted">Search for a key, or open a trace from a list.</div> : null}
      <ErrorBox error={error} />
      {data?.fallback ? (
        <div class="note" data-testid="trace-fallback">
          This hub has no /v1/trace: the trace was assembled from the purchase-order, order and message routes.
        </div>
      ) : null}
      {data ? (
        <>
          {(data.aggregates || []).map((a) => (
            <Aggregate key={`${a.type}:${a.id}`} a={a} />
          ))}
          <section class="panel">
            <div class="panel-head">
              <h3>Lineage</h3>
              <span class="muted">raw bytes → canonical document → ERP call → outbound document; click a message for its payload</span>
            </div>
            <Lineage messages={msgs} edges={data.edges || []} selected={selected} onSelect={select} />
          </section>
          {selected ? <PayloadViewer key={selected} id={selected} /> : null}
          <div class="grid2">
            <section class="panel">
              <div class="panel-head">
                <h3>Timeline ({(data.timeline || []).length})</h3>
              </div>
              <table class="dense" data-testid="timeline">
                <tbody>
                  {(data.timeline || []).map((t, i) => (
                    <tr key={i} data-testid="timeline-row" data-kind={t.kind} class={`tl-${t.kind}`}>
                      <td class="muted nowrap">{fmt.time(t.at)}</td>
                      <td>
                        <span class="tag">{t.kind}</span>
                      </td>
                      <td>{t.title}</td>
                      <td>
                        {t.message_id && byId.has(t.message_id) ? (
                          <button type="button" onClick={() => select(t.message_id)} class="linkbtn mono">
                            {shortId(t.message_id)}
                          </button>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
            <section class="panel">
              <div class="panel-head">
                <h3>Messages ({msgs.length})</h3>
              </div>
              <table class="dense" data-testid="trace-messages">
                <thead>
                  <tr>
                    <th>Received</th>
                    <th>Dir</th>
                    <th>Kind</th>
                    <th>Partner</th>
                    <th>Status</th>
                    <th class="num">Size</th>
                  </tr>
                </thead>
                <tbody>
                  {msgs.map((m) => (
                    <tr
                      key={m.id}
                      class={`clickable ${selected === m.id ? 'sel' : ''}`}
                      onClick={() => select(m.id)}
                      data-testid="trace-message"
                      data-message-id={m.id}
                    >
                      <td class="muted nowrap">{fmt.time(m.received_at)}</td>
                      <td>{m.direction}</td>
                      <td>{m.kind}</td>
                      <td>{m.partner}</td>
                      <td>
                        <Status value={m.status} />
                        {m.exceptions?.length ? <span class="tag warn">{m.exceptions.length} exc</span> : null}
                        {m.dead_letters?.length ? <span class="tag bad">{m.dead_letters.length} DL</span> : null}
                      </td>
                      <td class="num">{fmt.bytes(m.size)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          </div>
          <div class="muted">
            {data.subject?.kind === 'aggregate' ? null : (
              <a href={href('/messages', { correlation_id: msgs[0]?.correlation_id || '' })}>messages with this correlation id</a>
            )}
          </div>
        </>
      ) : null}
    </div>
  );
}
