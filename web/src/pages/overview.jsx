// Overview: the measures at a glance, refreshed every 10 seconds.
import { useMemo } from 'preact/hooks';

import { api } from '../api.js';
import { BarChart, ErrorBox, Kpi, Section, TimeChart, Unavailable, settle, useFetch } from '../components.jsx';
import { href, navigate } from '../router.js';
import { AGE_BUCKETS, fmt } from '../util.js';

const RANGES = ['1h', '6h', '24h'];
const PALETTE = ['#3867d6', '#20bf6b', '#eb3b5a', '#f7b731', '#8854d0', '#0fb9b1', '#fa8231', '#4b6584'];

function maxBy(list, key) {
  let best = null;
  for (const x of list || []) {
    if (x[key] !== null && x[key] !== undefined && (best === null || x[key] > best[key])) best = x;
  }
  return best;
}

export function kpis(m) {
  const ack = maxBy(m.po_ack_latency, 'p95_seconds');
  const lag = maxBy(m.inventory_sync_lag, 'lag_seconds');
  const q = m.queues || {};
  const oa = m.order_acceptance || {};
  const inv = m.invoice_posting || {};
  const depth = q.work_pending === undefined ? null : (q.work_pending || 0) + (q.deliveries_pending || 0);
  return [
    {
      id: 'order-acceptance',
      label: 'Order acceptance',
      value: oa.rate ?? null,
      display: fmt.rate(oa.rate),
      sub: oa.received !== undefined ? `${fmt.int(oa.accepted)} of ${fmt.int(oa.received)}; ${fmt.int(oa.held)} held` : '',
      tone: oa.rate !== null && oa.rate !== undefined && oa.rate < 0.9 ? 'warn' : '',
    },
    {
      id: 'po-ack-p95',
      label: 'PO ack p95',
      value: ack ? ack.p95_seconds : null,
      display: fmt.seconds(ack ? ack.p95_seconds : null),
      sub: ack ? `${ack.partner}, p50 ${fmt.seconds(ack.p50_seconds)}` : 'no acknowledgments yet',
    },
    {
      id: 'overdue-acks',
      label: 'Overdue acks',
      value: m.overdue_acks ? m.overdue_acks.count : null,
      display: fmt.int(m.overdue_acks ? m.overdue_acks.count : null),
      sub: (m.overdue_acks?.items || []).slice(0, 2).map((i) => i.po_number).join(', '),
      tone: m.overdue_acks?.count > 0 ? 'bad' : '',
    },
    {
      id: 'sync-lag',
      label: 'Max inventory sync lag',
      value: lag ? lag.lag_seconds : null,
      display: fmt.seconds(lag ? lag.lag_seconds : null),
      sub: lag ? lag.source : 'no source has synced',
      tone: lag && lag.lag_seconds > 900 ? 'warn' : '',
    },
    {
      id: 'invoice-posting',
      label: 'Invoice posting success',
      value: inv.rate ?? null,
      display: fmt.rate(inv.rate),
      sub: inv.succeeded !== undefined ? `${fmt.int(inv.succeeded)} posted, ${fmt.int(inv.failed)} failed` : '',
      tone: inv.failed > 0 ? 'warn' : '',
    },
    {
      id: 'open-exceptions',
      label: 'Open exceptions',
      value: m.exceptions ? m.exceptions.open : null,
      display: fmt.int(m.exceptions ? m.exceptions.open : null),
      sub: m.exceptions?.by_age ? `${fmt.int(m.exceptions.by_age.gt_24h)} older than a day` : '',
      tone: m.exceptions?.open > 0 ? 'warn' : '',
    },
    {
      id: 'dead-letters',
      label: 'Dead letters',
      value: q.dead_letters_open ?? null,
      display: fmt.int(q.dead_letters_open),
      sub: q.retries_window !== undefined ? `${fmt.int(q.retries_window)} retries in the window` : '',
      tone: q.dead_letters_open > 0 ? 'bad' : '',
    },
    {
      id: 'queue-depth',
      label: 'Queue depth',
      value: depth,
      display: fmt.int(depth),
      sub: q.work_pending !== undefined ? `${fmt.int(q.work_pending)} steps, ${fmt.int(q.deliveries_pending)} deliveries` : '',
    },
  ];
}

function seriesData(series) {
  const pts = series?.points || [];
  const xs = pts.map((p) => Date.parse(p.t) / 1000);
  const col = (k) => pts.map((p) => (p[k] === undefined ? null : p[k]));
  return {
    throughput: [xs, col('received'), col('processed')],
    latency: [xs, col('latency_p50_ms'), col('latency_p95_ms')],
    depth: [xs, col('queue_depth')],
  };
}

function slaTrend(cards) {
  const items = cards?.items || [];
  const days = [...new Set(items.flatMap((i) => (i.trend || []).map((t) => t.day)))].sort();
  const xs = days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
  const withAcks = items.filter((i) => (i.trend || []).some((t) => t.acks && t.compliance !== null && t.compliance !== undefined));
  const ys = withAcks.map((i) => {
    // A day with no acknowledgment due has no compliance figure: a gap, not 0 %.
    const by = Object.fromEntries((i.trend || []).map((t) => [t.day, t.acks ? (t.compliance ?? null) : null]));
    return days.map((d) => (by[d] == null ? null : by[d] * 100));
  });
  return { partners: withAcks.map((i) => i.partner), data: [xs, ...ys] };
}

export function Overview({ params }) {
  const range = RANGES.includes(params.range) ? params.range : '1h';
  const { data, error, at } = useFetch(
    async () => {
      const [measures, series, cards, alerts] = await Promise.all([
        settle(api.get('/v1/measures')),
        settle(api.get(`/v1/measures/series?range=${range}`)),
        settle(api.get('/v1/partners/scorecards?days=7')),
        settle(api.get('/v1/alerts')),
      ]);
      return { measures, series, cards, alerts };
    },
    [range],
    { interval: 10000 },
  );
  const charts = useMemo(() => (data?.series.ok ? seriesData(data.series.value) : null), [data?.series]);
  const sla = useMemo(() => (data?.cards.ok ? slaTrend(data.cards.value) : null), [data?.cards]);
  if (!data) return <div class="page" data-testid="page-overview" data-ready="false">{error ? <ErrorBox error={error} /> : 'Loading…'}</div>;
  const m = data.measures.ok ? data.measures.value : null;
  // GET /v1/alerts lists rules with their instances (one per scope); the measures carry the
  // firing instances already flat.
  const firing = data.alerts.ok
    ? (data.alerts.value.items || []).flatMap((r) =>
        (r.instances || [])
          .filter((i) => i.state === 'firing')
          .map((i) => ({ ...i, rule: r.id, op: r.op, threshold: r.threshold, severity: r.severity, measure: r.measure })),
      )
    : (m?.alerts || []).filter((a) => a.state === 'firing');
  return (
    <div class="page" data-testid="page-overview" data-ready="true">
      <div class="page-head">
        <h2>Overview</h2>
        <span class="muted" data-testid="overview-updated" data-at={m ? m.at : ''}>
          {m ? `measures as of ${fmt.time(m.at)}` : ''} · refreshed {new Date(at).toISOString().slice(11, 19)} UTC
        </span>
      </div>
      <ErrorBox error={error} />
      {m ? (
        <div class="kpis" data-testid="kpis">
          {kpis(m).map((k) => (
            <Kpi key={k.id} {...k} />
          ))}
        </div>
      ) : (
        <Unavailable what="Measures (GET /v1/measures)" error={data.measures.error} />
      )}
      <div class="toolbar">
        <span>Range</span>
        {RANGES.map((r) => (
          <button
            type="button"
            key={r}
            class={`btn ${r === range ? 'on' : ''}`}
            onClick={() => navigate('/overview', { range: r })}
            data-testid={`range-${r}`}
          >
            {r}
          </button>
        ))}
        {data.series.ok ? <span class="muted">one point per {fmt.seconds(data.series.value.step_seconds)}</span> : null}
      </div>
      {charts ? (
        <div class="grid3">
          <TimeChart
            title="Throughput (per bucket)"
            testid="chart-throughput"
            series={[
              { label: 'received', color: '#3867d6' },
              { label: 'processed', color: '#20bf6b' },
            ]}
            data={charts.throughput}
          />
          <TimeChart
            title="Step latency"
            testid="chart-latency"
            series={[
              { label: 'p50 ms', color: '#0fb9b1' },
              { label: 'p95 ms', color: '#eb3b5a' },
            ]}
            data={charts.latency}
            fmtValue={(v) => fmt.ms(v)}
          />
          <TimeChart
            title="Queue depth"
            testid="chart-queue"
            series={[{ label: 'pending', color: '#8854d0', fill: 'rgba(136,84,208,0.12)' }]}
            data={charts.depth}
          />
        </div>
      ) : (
        <Unavailable what="Charts (GET /v1/measures/series)" error={data.series.error} />
      )}
      <div class="grid3">
        <Section title="Open exceptions by age" testid="exceptions-by-age">
          {m?.exceptions?.by_age ? (
            <>
              <BarChart
                testid="chart-exception-age"
                color="#fa8231"
                bars={AGE_BUCKETS.map(([key, label]) => ({ key, label, value: m.exceptions.by_age[key] || 0 }))}
              />
              <table class="dense">
                <tbody>
                  {(m.exceptions.by_type_partner || []).slice(0, 6).map((r) => (
                    <tr key={`${r.type}/${r.partner}`}>
                      <td>
                        <a href={href('/exceptions', { status: 'open', type: r.type, partner: r.partner })}>{r.type}</a>
                      </td>
                      <td>{r.partner}</td>
                      <td class="num">{r.count}</td>
                      <td class="muted">oldest {fmt.ago(r.oldest_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          ) : (
            <Unavailable what="Exception aging" error={data.measures.error} />
          )}
        </Section>
        {sla ? (
          sla.partners.length ? (
            <TimeChart
              title="Partner SLA compliance, daily (%)"
              testid="chart-sla"
              yRange={[0, 100]}
              series={sla.partners.map((p, i) => ({ label: p, color: PALETTE[i % PALETTE.length] }))}
              data={sla.data}
            />
          ) : (
            <Section title="Partner SLA compliance" testid="chart-sla">
              <div class="muted">No acknowledgments were due in the last 7 days.</div>
            </Section>
          )
        ) : (
          <Section title="Partner SLA compliance" testid="chart-sla">
            <Unavailable what="Scorecards (GET /v1/partners/scorecards)" error={data.cards.error} />
          </Section>
        )}
        <Section title={`Firing alerts (${firing.length})`} testid="alerts">
          {!data.alerts.ok && !m ? (
            <Unavailable what="Alerts (GET /v1/alerts)" error={data.alerts.error} />
          ) : firing.length ? (
            <table class="dense">
              <tbody>
                {firing.map((a) => (
                  <tr key={`${a.rule}/${a.scope}`} class={`sev-${a.severity}`} data-testid="alert-row">
                    <td>
                      <b>{a.rule}</b> {a.scope ? <span class="muted">{a.scope}</span> : null}
                    </td>
                    <td class="num">
                      {a.value} {a.op} {a.threshold}
                    </td>
                    <td class="muted">since {fmt.ago(a.since)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <div class="ok" data-testid="alerts-none">
              No alert is firing.
            </div>
          )}
        </Section>
      </div>
    </div>
  );
}
