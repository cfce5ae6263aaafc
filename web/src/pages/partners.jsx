// Partners: one SLA scorecard per partner (GET /v1/partners/scorecards); without it, the
// configured partners (GET /v1/partners).
import { api } from '../api.js';
import { ErrorBox, Unavailable, settle, useFetch } from '../components.jsx';
import { href } from '../router.js';
import { fmt } from '../util.js';

const DAYS = [7, 14, 30];

// The contract names it dead_letters_open; hubs that count dead letters in the window say dead_letters.
const deadLetters = (p) => p.dead_letters_open ?? p.dead_letters ?? null;

function Spark({ trend }) {
  const pts = (trend || []).map((t) => (t.acks ? t.compliance : null));
  if (!pts.some((v) => v !== null && v !== undefined)) return <span class="muted">—</span>;
  const w = 90;
  const h = 22;
  const step = pts.length > 1 ? w / (pts.length - 1) : w;
  const d = pts
    .map((v, i) => (v === null || v === undefined ? null : `${i * step},${h - 2 - v * (h - 4)}`))
    .filter(Boolean)
    .join(' ');
  return (
    <svg width={w} height={h} class="spark" role="img">
      <title>{(trend || []).map((t) => `${t.day}: ${t.compliance === null || t.compliance === undefined ? '—' : fmt.rate(t.compliance)}`).join('\n')}</title>
      <polyline points={d} fill="none" stroke="#3867d6" stroke-width="1.5" />
      {pts.map((v, i) => (v === null || v === undefined ? null : <circle key={i} cx={i * step} cy={h - 2 - v * (h - 4)} r="1.8" fill="#3867d6" />))}
    </svg>
  );
}

export function Partners({ params }) {
  const days = DAYS.includes(Number(params.days)) ? Number(params.days) : 7;
  const { data, error } = useFetch(
    async () => {
      const cards = await settle(api.get(`/v1/partners/scorecards?days=${days}`));
      const partners = cards.ok ? null : await api.get('/v1/partners');
      return { cards, partners };
    },
    [days],
    { interval: 30000 },
  );
  if (!data) return <div class="page" data-testid="page-partners" data-ready="false">{error ? <ErrorBox error={error} /> : 'Loading…'}</div>;
  return (
    <div class="page" data-testid="page-partners" data-ready="true">
      <div class="page-head">
        <h2>Partners</h2>
        <span class="toolbar">
          {DAYS.map((d) => (
            <a key={d} class={`btn ${d === days ? 'on' : ''}`} href={href('/partners', { days: d })}>
              {d} days
            </a>
          ))}
        </span>
      </div>
      <ErrorBox error={error} />
      {data.cards.ok ? (
        <table class="grid" data-testid="scorecards">
          <thead>
            <tr>
              <th>Partner</th>
              <th>Kind</th>
              <th class="num">Docs in</th>
              <th class="num">Docs out</th>
              <th class="num">Open exceptions</th>
              <th class="num">Dead letters</th>
              <th class="num">Acks</th>
              <th class="num">Ack p50</th>
              <th class="num">Ack p95</th>
              <th class="num">Overdue</th>
              <th class="num" title="orders accepted of those received">Orders OK</th>
              <th class="num" title="shipments with every expected event">Ship. complete</th>
              <th class="num">SLA</th>
              <th>Trend</th>
            </tr>
          </thead>
          <tbody>
            {data.cards.value.items.map((p) => (
              <tr key={p.partner} data-testid="scorecard-row" data-partner={p.partner}>
                <td>
                  <b>{p.name || p.partner}</b> <span class="muted">{p.partner}</span>
                  {p.strategic ? <span class="tag">strategic</span> : null}
                </td>
                <td>{p.kind}</td>
                <td class="num">{fmt.int(p.documents_in)}</td>
                <td class="num">{fmt.int(p.documents_out)}</td>
                <td class="num">
                  {p.exceptions_open ? (
                    <a href={href('/exceptions', { status: 'open', partner: p.partner })}>{fmt.int(p.exceptions_open)}</a>
                  ) : (
                    fmt.int(p.exceptions_open)
                  )}
                </td>
                <td class={`num ${deadLetters(p) ? 'bad' : ''}`}>{fmt.int(deadLetters(p))}</td>
                <td class="num">{fmt.int(p.acks)}</td>
                <td class="num">{fmt.seconds(p.ack_p50_seconds)}</td>
                <td class="num">{fmt.seconds(p.ack_p95_seconds)}</td>
                <td class={`num ${p.overdue_acks ? 'bad' : ''}`}>{fmt.int(p.overdue_acks)}</td>
                <td class="num">{fmt.rate(p.order_acceptance)}</td>
                <td class="num">{fmt.rate(p.shipment_completeness)}</td>
                <td class={`num ${p.sla_compliance !== null && p.sla_compliance < 0.95 ? 'warn' : ''}`} data-testid="sla">
                  {fmt.rate(p.sla_compliance)}
                </td>
                <td>
                  <Spark trend={p.trend} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <>
          <Unavailable what="Scorecards (GET /v1/partners/scorecards)" error={data.cards.error} />
          <table class="grid" data-testid="partners">
            <thead>
              <tr>
                <th>Partner</th>
                <th>Kind</th>
                <th>Formats</th>
                <th>Transport</th>
                <th class="num">Ack due (h)</th>
              </tr>
            </thead>
            <tbody>
              {(data.partners?.items || []).map((p) => (
                <tr key={p.id} data-testid="partner-row">
                  <td>
                    <b>{p.name}</b> <span class="muted">{p.id}</span>
                    {p.strategic ? <span class="tag">strategic</span> : null}
                  </td>
                  <td>{p.kind}</td>
                  <td>{(p.formats || []).join(', ')}</td>
                  <td>{p.transport}</td>
                  <td class="num">{p.sla?.ack_due_hours || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
