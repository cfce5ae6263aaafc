// Messages: every message the hub holds, newest first, paged; each opens its trace.
import { useState } from 'preact/hooks';

import { api, qs } from '../api.js';
import { ErrorBox, Pager, useFetch } from '../components.jsx';
import { href, navigate } from '../router.js';
import { fmt, shortId } from '../util.js';

const PAGE = 50;

export function Messages({ params }) {
  const { partner = '', correlation_id = '', before = '', trail = '' } = params;
  const go = (c) => navigate('/messages', { partner, correlation_id, before, trail, ...c });
  const partners = useFetch(() => api.get('/v1/partners'), []);
  const [corr, setCorr] = useState(correlation_id);
  const { data, error, loading } = useFetch(
    () => api.get(`/v1/messages${qs({ partner, correlation_id, before, limit: PAGE })}`),
    [partner, correlation_id, before],
  );
  return (
    <div class="page" data-testid="page-messages" data-ready={String(!loading && !!(data || error))}>
      <div class="page-head">
        <h2>Messages</h2>
        <span class="muted">newest first · {PAGE} per page</span>
      </div>
      <div class="toolbar filters">
        <select value={partner} onChange={(e) => go({ partner: e.currentTarget.value, before: '', trail: '' })} data-testid="filter-partner">
          <option value="">all partners</option>
          {(partners.data?.items || []).map((p) => (
            <option key={p.id} value={p.id}>
              {p.id}
            </option>
          ))}
        </select>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            go({ correlation_id: corr.trim(), before: '', trail: '' });
          }}
        >
          <input type="text" value={corr} onInput={(e) => setCorr(e.currentTarget.value)} placeholder="correlation id" data-testid="filter-correlation" />
        </form>
      </div>
      <ErrorBox error={error} />
      {data ? (
        <>
          <table class="grid" data-testid="messages">
            <thead>
              <tr>
                <th>Received</th>
                <th>Message</th>
                <th>Partner</th>
                <th>Dir</th>
                <th>Kind</th>
                <th>Content type</th>
                <th class="num">Size</th>
                <th>Correlation</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((m) => (
                <tr key={m.id} data-testid="message-row" data-id={m.id}>
                  <td class="muted nowrap">{fmt.time(m.received_at)}</td>
                  <td>
                    <a href={href('/trace', { message_id: m.id })} class="mono" data-testid="message-trace">
                      {shortId(m.id)}
                    </a>
                    {m.replay_of ? <span class="tag">replay</span> : null}
                  </td>
                  <td>{m.partner}</td>
                  <td>{m.direction}</td>
                  <td>{m.kind}</td>
                  <td class="muted">{m.content_type}</td>
                  <td class="num">{fmt.bytes(m.size)}</td>
                  <td>
                    <a href={href('/messages', { correlation_id: m.correlation_id })} class="mono muted">
                      {shortId(m.correlation_id)}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {!data.items.length ? <div class="muted">No messages.</div> : null}
          <Pager before={before} trail={trail} next={data.next_before} go={(b, t) => go({ before: b, trail: t })} count={data.items.length} />
        </>
      ) : null}
    </div>
  );
}
