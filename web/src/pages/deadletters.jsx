// Dead letters: what failed for good, with every attempt's error, and replay.
import { useState } from 'preact/hooks';

import { api, qs } from '../api.js';
import { ActButton, ErrorBox, Pager, settle, useFetch } from '../components.jsx';
import { href, navigate } from '../router.js';
import { fmt, shortId } from '../util.js';

const PAGE = 50;

function Row({ d, who, reload, setFlash }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const replay = async () => {
    setBusy(true);
    const r = await settle(api.post(`/v1/dead-letters/${encodeURIComponent(d.id)}/replay`, {}));
    setBusy(false);
    if (r.ok) {
      setFlash({ ok: true, text: `replayed ${d.name}: new item ${r.value.new_item_id}` });
      reload();
    } else {
      setFlash({ ok: false, text: r.error.message });
    }
  };
  const errors = Array.isArray(d.errors) ? d.errors : [];
  const last = errors[errors.length - 1];
  return (
    <>
      <tr data-testid="dead-letter-row" data-id={d.id} data-replayed={String(!!d.replayed_at)}>
        <td>
          <button type="button" class="linkbtn" onClick={() => setOpen(!open)} data-testid="dead-letter-expand">
            {open ? '▾' : '▸'}
          </button>
        </td>
        <td class="nowrap" title={fmt.time(d.dead_at)}>
          {fmt.ago(d.dead_at)}
        </td>
        <td>
          <span class="tag">{d.queue}</span> {d.name}
          {d.event_type ? <div class="muted">{d.event_type}</div> : null}
        </td>
        <td>{d.partner}</td>
        <td class="num">{d.attempts}</td>
        <td class="msg">
          {d.reason}
          {last && last.message !== d.reason ? <div class="muted">last attempt: {last.message}</div> : null}
        </td>
        <td class="nowrap">
          {d.message_id ? (
            <a href={href('/trace', { message_id: d.message_id })} class="tlink">
              {shortId(d.message_id)}
            </a>
          ) : null}
        </td>
        <td class="nowrap">
          {d.replayed_at ? (
            <span class="status st-done" data-testid="replayed">
              replayed {fmt.ago(d.replayed_at)}
            </span>
          ) : (
            <ActButton can={!!who.can_act} busy={busy} testid="act-replay" onClick={replay} kind="primary">
              Replay
            </ActButton>
          )}
        </td>
      </tr>
      {open ? (
        <tr class="sub" data-testid="dead-letter-errors">
          <td />
          <td colSpan={7}>
            <table class="dense history">
              <thead>
                <tr>
                  <th>At</th>
                  <th class="num">Attempt</th>
                  <th>Code</th>
                  <th>HTTP</th>
                  <th>Error</th>
                  <th class="num">Took</th>
                </tr>
              </thead>
              <tbody>
                {errors.map((e, i) => (
                  <tr key={i} data-testid="dead-letter-error">
                    <td class="muted nowrap">{fmt.time(e.at)}</td>
                    <td class="num">{e.attempt}</td>
                    <td>{e.code}</td>
                    <td>{e.http_status || ''}</td>
                    <td>{e.message}</td>
                    <td class="num">{e.duration_ms !== undefined ? fmt.ms(e.duration_ms) : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div class="kv">
              <span>id</span> <code>{d.id}</code> <span>ordering key</span> <code>{d.ordering_key}</code>
              <span>created</span> {fmt.time(d.created_at)}
              {d.idempotency_key ? (
                <>
                  <span>idempotency key</span> <code>{d.idempotency_key}</code>
                </>
              ) : null}
            </div>
          </td>
        </tr>
      ) : null}
    </>
  );
}

export function DeadLetters({ params, who }) {
  const { before = '', trail = '', partner = '' } = params;
  const replayed = params.replayed === 'true';
  const [flash, setFlash] = useState(null);
  const go = (c) => navigate('/dead-letters', { partner, replayed: replayed ? 'true' : '', before, trail, ...c });
  const { data, error, loading, reload } = useFetch(
    () => api.get(`/v1/dead-letters${qs({ partner, include_replayed: replayed ? 'true' : '', before, limit: PAGE })}`),
    [partner, replayed, before],
    { interval: 15000 },
  );
  return (
    <div class="page" data-testid="page-dead-letters" data-ready={String(!loading && !!(data || error))}>
      <div class="page-head">
        <h2>Dead letters</h2>
        <label class="toolbar">
          <input
            type="checkbox"
            checked={replayed}
            onChange={(e) => go({ replayed: e.currentTarget.checked ? 'true' : '', before: '', trail: '' })}
            data-testid="include-replayed"
          />
          include replayed
        </label>
      </div>
      {flash ? (
        <div class={flash.ok ? 'flash ok' : 'flash error'} data-testid="action-result" role="status">
          {flash.text}
        </div>
      ) : null}
      <ErrorBox error={error} />
      {data ? (
        <>
          <table class="grid" data-testid="dead-letters">
            <thead>
              <tr>
                <th />
                <th>Dead since</th>
                <th>What</th>
                <th>Partner</th>
                <th class="num">Attempts</th>
                <th>Reason / last error</th>
                <th>Message</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {data.items.map((d) => (
                <Row key={`${d.id}/${d.replayed_at}`} d={d} who={who} reload={reload} setFlash={setFlash} />
              ))}
            </tbody>
          </table>
          {!data.items.length ? <div class="muted" data-testid="dead-letters-empty">No dead letters.</div> : null}
          <Pager before={before} trail={trail} next={data.next_before} go={(b, t) => go({ before: b, trail: t })} count={data.items.length} />
        </>
      ) : null}
    </div>
  );
}
