// Drives the crossdock dashboard in Debian's Chromium (headless) with playwright-core, against a
// hub that tests/e2e/test_dashboard.py started and seeded. The scenario (URL, tokens, the PO,
// exception and dead letters to act on) comes as JSON on stdin; the last line printed is a JSON
// result with the page render times. Any failed check exits non-zero with what was seen.
//
// playwright-core is resolved from scenario.modules (the build tree's web/node_modules); the
// browser is never downloaded.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const sc = JSON.parse(fs.readFileSync(0, 'utf8'));
const { chromium } = createRequire(path.join(sc.modules, 'noop.js'))('playwright-core');
const base = sc.url.replace(/\/$/, '');
const render = {};
const problems = [];
const foreign = [];
const result = { render_ms: render };

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

async function api(p, token = sc.admin) {
  const res = await fetch(base + p, { headers: { Authorization: `Bearer ${token}` } });
  const text = await res.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

const log = (...a) => console.error('[dashboard]', ...a);

const ready = (page, name, timeout = 20000) =>
  page.waitForSelector(`[data-testid="page-${name}"][data-ready="true"]`, { timeout });

// Navigates by hash and records how long the page took to show its data.
async function visit(page, hash, name) {
  const t0 = Date.now();
  await page.evaluate((h) => {
    location.hash = h;
  }, hash);
  await ready(page, name);
  const ms = Date.now() - t0;
  render[name] = Math.max(render[name] || 0, ms);
  log(`${name} rendered in ${ms} ms`);
  return ms;
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(sc.artifacts, `${name}.png`), fullPage: true });
}

async function login(page, token) {
  await page.waitForSelector('[data-testid="login"]');
  await page.fill('[data-testid="login-token"]', token);
  const t0 = Date.now();
  await page.click('[data-testid="login-submit"]');
  await ready(page, 'overview');
  render['login->overview'] = Date.now() - t0;
}

function kpiExpect(m) {
  const max = (list, k) => (list || []).reduce((best, x) => (x[k] !== null && x[k] !== undefined && (best === null || x[k] > best) ? x[k] : best), null);
  const q = m.queues || {};
  return {
    'order-acceptance': m.order_acceptance?.rate ?? null,
    'po-ack-p95': max(m.po_ack_latency, 'p95_seconds'),
    'overdue-acks': m.overdue_acks?.count ?? null,
    'sync-lag': max(m.inventory_sync_lag, 'lag_seconds'),
    'invoice-posting': m.invoice_posting?.rate ?? null,
    'open-exceptions': m.exceptions?.open ?? null,
    'dead-letters': q.dead_letters_open ?? null,
    'queue-depth': q.work_pending === undefined ? null : (q.work_pending || 0) + (q.deliveries_pending || 0),
  };
}

async function checkOverview(page) {
  const measures = await api('/v1/measures');
  if (measures.status !== 200) {
    check(measures.status === 404, `GET /v1/measures answered ${measures.status}`);
    await page.waitForSelector('[data-testid="page-overview"] [data-testid="unavailable"]');
    result.overview = 'measures unavailable on this hub (404): the page shows it';
    return;
  }
  // The tiles show what the API says: compare against the same computation (same `at`).
  let matched = false;
  for (let i = 0; i < 20 && !matched; i++) {
    if (i) {
      const t0 = Date.now();
      await page.reload();
      await ready(page, 'overview');
      render.overview_reload = Math.max(render.overview_reload || 0, Date.now() - t0);
    }
    const uiAt = await page.getAttribute('[data-testid="overview-updated"]', 'data-at');
    const m = (await api('/v1/measures')).body;
    if (m.at !== uiAt) {
      await page.waitForTimeout(300);
      continue;
    }
    const want = kpiExpect(m);
    for (const [id, v] of Object.entries(want)) {
      const raw = await page.getAttribute(`[data-testid="kpi-${id}"]`, 'data-value');
      check(raw !== null, `KPI tile ${id} is shown`);
      check(JSON.stringify(JSON.parse(raw)) === JSON.stringify(v), `KPI ${id}: page ${raw}, API ${JSON.stringify(v)}`);
    }
    const open = await page.textContent('[data-testid="kpi-open-exceptions"] .kpi-value');
    check(open.trim() === Number(want['open-exceptions']).toLocaleString('en-US'), `open exceptions shown as ${open}`);
    check(want['open-exceptions'] >= 1, 'the seeded exceptions are counted');
    check(want['dead-letters'] >= 2, 'the seeded dead letters are counted');
    for (const [key, n] of Object.entries(m.exceptions.by_age)) {
      const v = await page.getAttribute(`[data-testid="chart-exception-age"] [data-testid="bar-${key}"]`, 'data-value');
      check(Number(v) === n, `exceptions aged ${key}: bar ${v}, API ${n}`);
    }
    matched = true;
    result.kpis = want;
  }
  check(matched, 'the overview and GET /v1/measures agree on one snapshot');
  const series = await api('/v1/measures/series?range=1h');
  check(series.status === 200, `GET /v1/measures/series answered ${series.status}`);
  const received = series.body.points.reduce((s, p) => s + (p.received || 0), 0);
  check(received > 0, 'the last hour shows the seeded traffic');
  for (const c of ['chart-throughput', 'chart-latency', 'chart-queue']) {
    check((await page.locator(`[data-testid="${c}"] canvas`).count()) >= 1, `${c} is drawn`);
    const legend = await page.textContent(`[data-testid="${c}"]`);
    check(legend.length > 10, `${c} has a legend`);
  }
  await page.waitForSelector('[data-testid="chart-sla"]');
  await page.waitForSelector('[data-testid="alerts"]');
  // Firing alerts name their rule and scope, as GET /v1/alerts lists them.
  const alerts = await api('/v1/alerts');
  check(alerts.status === 200, `GET /v1/alerts answered ${alerts.status}`);
  const firing = alerts.body.items.flatMap((r) => r.instances.filter((i) => i.state === 'firing').map((i) => r.id));
  check(firing.length >= 1, 'the seeded dead letters fire an alert');
  const rows = await page.locator('[data-testid="alert-row"]').allTextContents();
  for (const id of firing) check(rows.some((t) => t.includes(id)), `firing alert ${id} is listed (rows: ${rows.join(' | ')})`);
  await page.click('[data-testid="range-6h"]');
  await ready(page, 'overview');
  await page.waitForSelector('[data-testid="chart-throughput"] canvas');
  await page.click('[data-testid="range-1h"]');
  await ready(page, 'overview');
  result.overview = 'KPI tiles match GET /v1/measures; charts drawn';
}

async function payloadOf(page, id) {
  await page.click(`[data-testid="trace-message"][data-message-id="${id}"]`);
  const sel = `[data-testid="payload-viewer"][data-message-id="${id}"] [data-testid="payload"]`;
  await page.waitForSelector(sel);
  return page.textContent(sel);
}

async function checkTrace(page) {
  const subject = await page.textContent('[data-testid="trace-subject"]');
  check(subject.includes(sc.po_number), `trace subject ${subject}`);
  check((await page.locator('[data-testid="timeline-row"]').count()) >= 3, 'the timeline has entries');
  check((await page.locator('[data-testid="lineage-node"]').count()) >= 2, 'the lineage shows messages');
  const ids = await page.$$eval('[data-testid="trace-message"]', (rows) => rows.map((r) => r.dataset.messageId));
  let x850 = null;
  let x855 = null;
  let json = null;
  for (const id of ids) {
    const text = await payloadOf(page, id);
    if (text.includes('ST*850') && text.includes(`BEG*00*SA*${sc.po_number}*`)) x850 = { id, text };
    if (text.includes('ST*855') && text.includes(`*${sc.po_number}*`)) x855 = { id, text };
    if (!json && /^\{\n {2}"/.test(text)) json = id;
    if (x850 && x855 && json) break;
  }
  check(x850, `the trace holds the 850 for ${sc.po_number} (messages: ${ids.length})`);
  check(x855, `the trace holds the supplier's 855 for ${sc.po_number}`);
  check(json, 'a canonical JSON payload is shown pretty-printed');
  for (const x of [x850, x855]) {
    const lines = x.text.trim().split('\n');
    check(lines[0].startsWith('ISA*') && lines[1].startsWith('GS*') && lines[2].startsWith('ST*'), 'X12 is shown one segment per line');
    check(lines.every((l) => l.endsWith('~')), 'each X12 line is one whole segment');
  }
  const dir = await page.getAttribute(`[data-testid="lineage-node"][data-message-id="${x850.id}"]`, 'data-direction');
  check(dir === 'out', `the 850 is drawn as outbound (${dir})`);
  await payloadOf(page, x855.id);
  result.trace = { messages: ids.length, x850: x850.id, x855: x855.id };
}

async function resolveException(page) {
  await visit(page, '#/exceptions?status=open', 'exceptions');
  const row = page.locator(`[data-testid="exception-row"][data-id="${sc.exception_id}"]`);
  await row.waitFor();
  check(/ago$/.test((await row.locator('[data-testid="exception-age"]').textContent()).trim()), 'aging is shown');
  await row.locator('[data-testid="act-resolve"]').click();
  await page.fill('[data-testid="action-form"] [data-testid="note-input"]', sc.note);
  await shot(page, 'exceptions');
  await page.click('[data-testid="action-form"] [data-testid="action-confirm"]');
  await page.waitForSelector('[data-testid="action-result"]:has-text("resolved")');
  await page.waitForSelector(`[data-testid="exception-row"][data-id="${sc.exception_id}"]`, { state: 'detached' });
  const e = await api(`/v1/exceptions/${sc.exception_id}`);
  check(e.body.status === 'resolved', `the API shows the exception ${e.body.status}`);
  // It is under "Resolved", with its note in the history.
  await visit(page, '#/exceptions?status=resolved', 'exceptions');
  const done = page.locator(`[data-testid="exception-row"][data-id="${sc.exception_id}"]`);
  await done.locator('[data-testid="exception-expand"]').click();
  await page.waitForSelector(`[data-testid="exception-detail"]:has-text("${sc.note}")`);
}

async function replayDeadLetter(page) {
  await visit(page, '#/dead-letters', 'dead-letters');
  const row = page.locator(`[data-testid="dead-letter-row"][data-id="${sc.dead_letter_id}"]`);
  await row.waitFor();
  await row.locator('[data-testid="dead-letter-expand"]').click();
  const errors = page.locator('[data-testid="dead-letter-error"]');
  check((await errors.count()) >= 1, 'the error history is shown');
  check((await errors.first().textContent()).includes('400'), 'the error history names the 400');
  await shot(page, 'dead-letters');
  await row.locator('[data-testid="act-replay"]').click();
  await page.waitForSelector('[data-testid="action-result"]:has-text("replayed")');
  await page.waitForSelector(`[data-testid="dead-letter-row"][data-id="${sc.dead_letter_id}"]`, { state: 'detached' });
  const d = await api(`/v1/dead-letters/${sc.dead_letter_id}`);
  check(d.body.replayed_at, 'the API shows the dead letter replayed');
  await page.check('[data-testid="include-replayed"]');
  await ready(page, 'dead-letters');
  await page.waitForSelector(`[data-testid="dead-letter-row"][data-id="${sc.dead_letter_id}"] [data-testid="replayed"]`);
}

async function checkViewer(page, strict) {
  await login(page, sc.viewer);
  const canAct = await page.getAttribute('[data-testid="whoami"]', 'data-can-act');
  if (!strict) {
    result.viewer = 'not checked: this hub has no /v1/whoami';
    await visit(page, '#/exceptions?status=open', 'exceptions');
    await shot(page, 'viewer-exceptions');
    return;
  }
  check(canAct === 'false', `a viewer is shown read only (data-can-act=${canAct})`);
  await visit(page, '#/exceptions?status=open', 'exceptions');
  const buttons = page.locator('[data-testid="exception-row"] button[data-testid^="act-"]');
  check((await buttons.count()) >= 1, 'open exceptions have action buttons');
  for (const b of await buttons.all()) {
    check(await b.isDisabled(), 'a viewer cannot act on exceptions');
    check(/operator/.test(await b.getAttribute('title')), 'the tooltip says an operator token is needed');
  }
  await shot(page, 'viewer-exceptions');
  await visit(page, '#/dead-letters', 'dead-letters');
  const replay = page.locator(`[data-testid="dead-letter-row"][data-id="${sc.other_dead_letter_id}"] [data-testid="act-replay"]`);
  await replay.waitFor();
  check(await replay.isDisabled(), 'a viewer cannot replay a dead letter');
  result.viewer = 'actions disabled with an operator-token tooltip';
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-chromium-'));
  const t0 = Date.now();
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: sc.chromium,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  result.launch_ms = Date.now() - t0;
  try {
    const page = ctx.pages()[0] || (await ctx.newPage());
    page.setDefaultTimeout(20000);
    page.on('console', (m) => {
      // Chrome logs every non-2xx fetch ("Failed to load resource"); those are expected here.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      if (new URL(r.url()).origin !== base) foreign.push(r.url());
    });

    // Login: a bad token is refused, an admin token opens the overview.
    let t = Date.now();
    await page.goto(`${base}/`);
    await page.waitForSelector('[data-testid="login"]');
    render.first_load = Date.now() - t;
    await shot(page, 'login');
    await page.fill('[data-testid="login-token"]', 'not-a-token');
    await page.click('[data-testid="login-submit"]');
    await page.waitForSelector('[data-testid="login"] [data-testid="error"]:has-text("not valid")');
    await login(page, sc.admin);
    await checkOverview(page);
    // The range switch re-fetches: the screenshot waits for the tiles and charts to be back.
    await page.waitForSelector('[data-testid="page-overview"][data-ready="true"] [data-testid="kpi-open-exceptions"]');
    await page.waitForSelector('[data-testid="chart-throughput"] canvas');
    await shot(page, 'overview');

    // Search a PO number; its trace shows the 850 and the 855 and their payloads.
    await page.fill('[data-testid="search-input"]', sc.po_number);
    t = Date.now();
    await page.press('[data-testid="search-input"]', 'Enter');
    await ready(page, 'search');
    render.search = Date.now() - t;
    const hit = page.locator('[data-testid="search-hit"][data-kind="purchase_order"] [data-testid="search-hit-link"]').first();
    check((await hit.textContent()).includes(sc.po_number), 'the PO is found');
    await shot(page, 'search');
    t = Date.now();
    await hit.click();
    await ready(page, 'trace');
    render.trace = Date.now() - t;
    await checkTrace(page);
    await shot(page, 'trace');

    await resolveException(page);
    await replayDeadLetter(page);

    await visit(page, '#/messages', 'messages');
    check((await page.locator('[data-testid="message-row"]').count()) >= 5, 'messages are listed');
    await shot(page, 'messages');
    await page.locator('[data-testid="message-trace"]').first().click();
    await ready(page, 'trace');

    await visit(page, '#/partners', 'partners');
    const rows = await page.locator('[data-testid="scorecard-row"], [data-testid="partner-row"]').count();
    check(rows >= 4, `partners are listed (${rows})`);
    result.partners = (await page.locator('[data-testid="scorecard-row"]').count()) ? 'scorecards' : 'partners (no scorecards)';
    await shot(page, 'partners');

    // A token that stops being valid sends the user back to the login page.
    await page.evaluate(() => sessionStorage.setItem('crossdock.token', 'revoked'));
    await page.evaluate(() => {
      location.hash = '#/exceptions';
    });
    await page.waitForSelector('[data-testid="login"]');

    const whoami = await api('/v1/whoami');
    await checkViewer(page, whoami.status === 200);
    await page.click('[data-testid="logout"]');
    await page.waitForSelector('[data-testid="login"]');
    check((await page.evaluate(() => sessionStorage.getItem('crossdock.token'))) === null, 'logout forgets the token');

    check(foreign.length === 0, `nothing is loaded from elsewhere: ${foreign.join(', ')}`);
    check(problems.length === 0, `no script errors or CSP violations: ${problems.join(' | ')}`);
  } catch (e) {
    try {
      const page = ctx.pages()[0];
      if (page) await shot(page, 'failure');
      result.url = page?.url();
    } catch {
      /* best effort */
    }
    console.error(`[dashboard] FAILED: ${e.stack || e.message}`);
    console.error(`[dashboard] browser problems: ${JSON.stringify(problems)}`);
    console.log(JSON.stringify({ ...result, failed: e.message }));
    process.exitCode = 1;
  } finally {
    await ctx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (!process.exitCode) console.log(JSON.stringify(result));
}

await main();
