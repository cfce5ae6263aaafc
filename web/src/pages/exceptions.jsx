// Exceptions: the business exception queue, filtered and paged, with the operator actions
// (acknowledge, assign, resolve with a note, retry).
import { useState } from 'preact/hooks';

import { api, qs } from '../api.js';
import { ActButton, ErrorBox, Pager, Status, settle, useFetch } from '../components.jsx';
import { href, navigate } from '../router.js';
import { ageBucket, fmt } from '../util.js';

const PAGE = 50;
const STATUSES = [
  ['open', 'Open'],
  ['acknowledged', 'Acknowledged'],
  ['resolved', 'Resolved'],
  ['', 'All'],
];
// Documents whose id is the PO number (a shipment's or an invoice's is its own).
const PO_DOCS = new Set(['purchase_order', 'purchase_order_ack']);

function traceLinks(e) {
  const links = [];
  if (PO_DOCS.has(e.document_type) && e.document_id) {
    links.push(['PO', { aggregate: `purchase_order:${e.document_id}` }]);
  }
  if (e.document_type === 'sales_order' && e.document_id) {
    links.push(['order', { aggregate: `sales_order:${e.partner}/${e.document_id}` }]);
  }
  if (e.message_id) links.push(['message', { message_id: e.message_id }]);
  return links;
}

function ActionForm({ e, action, onDone, onCancel }) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const isAssign = action === 'assign';
  const submit = async (ev) => {
    ev.preventDefault();
    if (!text.trim()) return;
    setBusy(true);
    setError(null);
    try {
      const body = isAssign ? { assignee: text.trim() } : { note: text.trim() };
      const r = await api.post(`/v1/exceptions/${encodeURIComponent(e.id)}/${action}`, body);
      onDone(`${action} done: ${e.type} is ${r.status}${r.assigned_to ? `, assigned to ${r.assigned_to}` : ''}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <form class="inline-form" onSubmit={submit} data-testid="action-form" data-action={action}>
      <label>
        {isAssign ? 'Assign to' : 'Resolution note'}
        <input
          type="text"
          value={text}
          onInput={(x) => setText(x.currentTarget.value)}
          placeholder={isAssign ? 'who takes it' : 'what was done (required)'}
          data-testid={isAssign ? 'assignee-input' : 'note-input'}
          autofocus
        />
      </label>
      <button type="submit" class="btn primary" disabled={busy || !text.trim()} data-testid="action-confirm">
        {isAssign ? 'Assign' : 'Resolve'}
      </button>
      <button type="button" class="btn" onClick={onCancel}>
        Cancel
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

function Row({ e, who, now, reload, setFlash }) {
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState(null);
  const [busy, setBusy] = useState(false);
  const can = !!who.can_act;
  const resolved = e.status === 'resolved';
  const quick = async (action) => {
    setBusy(true);
    const r = await settle(api.post(`/v1/exceptions/${encodeURIComponent(e.id)}/${action}`, {}));
    setBusy(false);
    if (r.ok) {
      setFlash({ ok: true, text: action === 'retry' ? `retried as message ${r.value.retry_message_id}` : `${action} done: ${e.type} is ${r.value.status}` });
      reload();
    } else {
      setFlash({ ok: false, text: r.error.message });
    }
  };
  const done = (text) => {
    setForm(null);
    setFlash({ ok: true, text });
    reload();
  };
  return (
    <>
      <tr data-testid="exception-row" data-id={e.id} data-status={e.status} data-type={e.type} class={`age-${ageBucket(e.created_at, now)}`}>
        <td>
          <button type="button" class="linkbtn" onClick={() => setOpen(!open)} aria-expanded={open} data-testid="exception-expand">
            {open ? '▾' : '▸'}
          </button>
        </td>
        <td class="nowrap" title={fmt.time(e.created_at)} data-testid="exception-age">
          {fmt.ago(e.created_at, now)}
        </td>
        <td>
          <span class={`sev sev-${e.severity}`}>{e.type}</span>
        </td>
        <td>{e.partner}</td>
        <td>
          {e.document_type} <span class="key">{e.document_id}</span>
        </td>
        <td class="msg">{e.message}</td>
        <td>
          <Status value={e.status} />
          {e.assigned_to ? <span class="tag">@{e.assigned_to}</span> : null}
        </td>
        <td class="nowrap">
          {traceLinks(e).map(([label, p]) => (
            <a key={label} href={href('/trace', p)} class="tlink" data-testid="exception-trace">
              {label}
            </a>
          ))}
        </td>
        <td class="nowrap actions">
          {!resolved ? (
            <>
              <ActButton can={can} busy={busy} testid="act-resolve" onClick={() => setForm('resolve')} kind="primary">
                Resolve…
              </ActButton>
              {e.status === 'open' ? (
                <ActButton can={can} busy={busy} testid="act-acknowledge" onClick={() => quick('acknowledge')}>
                  Ack
                </ActButton>
              ) : null}
              <ActButton can={can} busy={busy} testid="act-assign" onClick={() => setForm('assign')}>
                Assign…
              </ActButton>
              <ActButton can={can} busy={busy} testid="act-retry" onClick={() => quick('retry')} title="Reprocess the raw document (after a profile fix)">
                Retry
              </ActButton>
            </>
          ) : null}
        </td>
      </tr>
      {form ? (
        <tr class="sub">
          <td />
          <td colSpan={8}>
            <ActionForm e={e} action={form} onDone={done} onCancel={() => setForm(null)} />
          </td>
        </tr>
      ) : null}
      {open ? (
        <tr class="sub" data-testid="exception-detail">
          <td />
          <td colSpan={8}>
            <div class="kv">
              <span>rule</span> {e.rule || '—'} <span>line</span> {e.line || '—'} <span>field</span> {e.field || '—'}
              <span>value</span> <code>{e.value || '—'}</code> <span>id</span> <code>{e.id}</code>
            </div>
            <table class="dense history">
              <tbody>
                {(e.history || []).map((h, i) => (
                  <tr key={i}>
                    <td class="muted nowrap">{fmt.time(h.at)}</td>
                    <td>{h.action}</td>
                    <td>{h.by}</td>
                    <td>{h.note || h.assignee || ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </td>
        </tr>
      ) : null}
    </>
  );
}

export function Exceptions({ params, who }) {
  const status = params.status ?? 'open';
  const { type = '', partner = '', before = '', trail = '' } = params;
  const [flash, setFlash] = useState(null);
  const go = (changes) => navigate('/exceptions', { status, type, partner, before, trail, ...changes });
  const partners = useFetch(() => api.get('/v1/partners'), []);
  const { data, error, loading, reload, at } = useFetch(
    () => api.get(`/v1/exceptions${qs({ status, type, partner, before, limit: PAGE })}`),
    [status, type, partner, before],
    { interval: 15000 },
  );
  const [typeText, setTypeText] = useState(type);
  return (
    <div class="page" data-testid="page-exceptions" data-ready={String(!loading && !!(data || error))}>
      <div class="page-head">
        <h2>Exceptions</h2>
        <span class="muted">newest first · {PAGE} per page</span>
      </div>
      <div class="toolbar filters">
        {STATUSES.map(([s, label]) => (
          <button
            type="button"
            key={s || 'all'}
            class={`btn ${s === status ? 'on' : ''}`}
            onClick={() => go({ status: s, before: '', trail: '' })}
            data-testid={`filter-status-${s || 'all'}`}
          >
            {label}
          </button>
        ))}
        <form
          onSubmit={(e) => {
            e.preventDefault();
            go({ type: typeText.trim(), before: '', trail: '' });
          }}
        >
          <input
            type="text"
            value={typeText}
            onInput={(e) => setTypeText(e.currentTarget.value)}
            placeholder="type, e.g. price_out_of_tolerance"
            data-testid="filter-type"
          />
        </form>
        <select value={partner} onChange={(e) => go({ partner: e.currentTarget.value, before: '', trail: '' })} data-testid="filter-partner">
          <option value="">all partners</option>
          {(partners.data?.items || []).map((p) => (
            <option key={p.id} value={p.id}>
              {p.id}
            </option>
          ))}
        </select>
      </div>
      {flash ? (
        <div class={flash.ok ? 'flash ok' : 'flash error'} data-testid="action-result" role="status">
          {flash.text}
        </div>
      ) : null}
      <ErrorBox error={error} />
      {data ? (
        <>
          <table class="grid" data-testid="exceptions">
            <thead>
              <tr>
                <th />
                <th>Age</th>
                <th>Type</th>
                <th>Partner</th>
                <th>Document</th>
                <th>What</th>
                <th>Status</th>
                <th>Trace</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((e) => (
                <Row key={`${e.id}/${e.status}/${e.updated_at}`} e={e} who={who} now={at} reload={reload} setFlash={setFlash} />
              ))}
            </tbody>
          </table>
          {!data.items.length ? <div class="muted" data-testid="exceptions-empty">No exceptions match.</div> : null}
          <Pager before={before} trail={trail} next={data.next_before} go={(b, t) => go({ before: b, trail: t })} count={data.items.length} />
        </>
      ) : null}
    </div>
  );
}
