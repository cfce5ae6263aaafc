// Search by any business key (GET /v1/search); a hit opens its end-to-end trace.
import { ApiError, api } from '../api.js';
import { ErrorBox, settle, useFetch } from '../components.jsx';
import { href } from '../router.js';
import { fmt, shortId } from '../util.js';

export function traceParams(hit) {
  if (hit.aggregate) return { aggregate: `${hit.aggregate.type}:${hit.aggregate.id}` };
  if (hit.message_id) return { message_id: hit.message_id };
  if (hit.correlation_id) return { correlation_id: hit.correlation_id };
  return {};
}

const enc = encodeURIComponent;

// A hub without /v1/search: exact lookups on the routes it has (a handful of requests).
async function fallbackSearch(q) {
  const hits = [];
  const [po, msg, corr, so] = await Promise.all([
    settle(api.get(`/v1/purchase-orders/${enc(q)}`)),
    settle(api.get(`/v1/messages/${enc(q)}`)),
    settle(api.get(`/v1/messages?correlation_id=${enc(q)}&limit=20`)),
    q.includes('/') ? settle(api.get(`/v1/orders/${q.split('/').map(enc).join('/')}`)) : { ok: false },
  ]);
  if (po.ok) {
    hits.push({
      kind: 'purchase_order',
      key: q,
      label: `purchase_order ${q} (${po.value.state})`,
      aggregate: { type: 'purchase_order', id: q, status: po.value.state, partner: po.value.supplier },
      partner: po.value.supplier,
      at: po.value.updated_at,
    });
  }
  if (so.ok) {
    hits.push({
      kind: 'sales_order',
      key: q,
      label: `sales_order ${q} (${so.value.state})`,
      aggregate: { type: 'sales_order', id: q, status: so.value.state },
      at: so.value.updated_at,
    });
  }
  if (msg.ok) {
    hits.push({
      kind: 'message',
      key: q,
      label: `${msg.value.direction} ${msg.value.kind} message (${msg.value.status})`,
      message_id: q,
      correlation_id: msg.value.correlation_id,
      partner: msg.value.partner,
      at: msg.value.received_at,
    });
  }
  if (corr.ok && corr.value.items.length) {
    hits.push({
      kind: 'correlation',
      key: q,
      label: `correlation ${q}: ${corr.value.items.length}${corr.value.next_before ? '+' : ''} messages`,
      correlation_id: q,
      message_id: corr.value.items[0].id,
      at: corr.value.items[0].received_at,
    });
  }
  return { query: q, items: hits, fallback: true };
}

export function Search({ params }) {
  const q = (params.q || '').trim();
  const { data, error, loading } = useFetch(
    async () => {
      if (!q) return { query: '', items: [] };
      try {
        return await api.get(`/v1/search?q=${enc(q)}&limit=50`);
      } catch (e) {
        if (e instanceof ApiError && e.noRoute) return fallbackSearch(q);
        throw e;
      }
    },
    [q],
  );
  return (
    <div class="page" data-testid="page-search" data-ready={String(!loading)}>
      <div class="page-head">
        <h2>Search</h2>
        <span class="muted">exact match on a business key: PO number, order id, ICN, document id, SKU, correlation or message id</span>
      </div>
      <ErrorBox error={error} />
      {data?.fallback ? (
        <div class="note" data-testid="search-fallback">
          This hub has no /v1/search: looked the key up as a PO number, order id, message id and correlation id.
        </div>
      ) : null}
      {!q ? <div class="muted">Type a key in the search box above.</div> : null}
      {data && q ? (
        data.items.length ? (
          <table class="grid" data-testid="search-results">
            <thead>
              <tr>
                <th>Kind</th>
                <th>Key</th>
                <th>What</th>
                <th>Partner</th>
                <th>When</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((h, i) => (
                <tr key={`${h.kind}/${h.key}/${i}`} data-testid="search-hit" data-kind={h.kind}>
                  <td>
                    <span class="tag">{h.kind}</span>
                  </td>
                  <td>
                    <a href={href('/trace', traceParams(h))} data-testid="search-hit-link">
                      {h.key.length > 30 ? shortId(h.key) : h.key}
                    </a>
                  </td>
                  <td>{h.label}</td>
                  <td>{h.partner || h.aggregate?.partner || ''}</td>
                  <td class="muted">{fmt.time(h.at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <div class="muted" data-testid="search-empty">
            Nothing matches “{q}”.
          </div>
        )
      ) : null}
    </div>
  );
}
