// Formatting helpers: numbers, rates, durations, times, payloads.

export const fmt = {
  int(v) {
    return v === null || v === undefined ? '—' : Number(v).toLocaleString('en-US');
  },
  rate(v) {
    if (v === null || v === undefined || Number.isNaN(v)) return '—';
    return `${(v * 100).toFixed(1)} %`;
  },
  seconds(v) {
    if (v === null || v === undefined || Number.isNaN(v)) return '—';
    const s = Number(v);
    if (s < 1) return `${Math.round(s * 1000)} ms`;
    if (s < 120) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
    if (s < 7200) return `${(s / 60).toFixed(1)} min`;
    if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
    return `${(s / 86400).toFixed(1)} d`;
  },
  ms(v) {
    if (v === null || v === undefined || Number.isNaN(v)) return '—';
    return v < 1000 ? `${Number(v).toFixed(v < 10 ? 1 : 0)} ms` : `${(v / 1000).toFixed(2)} s`;
  },
  bytes(n) {
    if (n === null || n === undefined) return '—';
    if (n < 1024) return `${n} B`;
    if (n < 1048576) return `${(n / 1024).toFixed(1)} KiB`;
    return `${(n / 1048576).toFixed(1)} MiB`;
  },
  // "2026-11-23 10:15:00" in UTC (the hub's time), from an ISO string.
  time(iso) {
    if (!iso) return '—';
    return String(iso).replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
  },
  // "5 min ago"
  ago(iso, now = Date.now()) {
    if (!iso) return '—';
    const t = Date.parse(iso);
    if (Number.isNaN(t)) return '—';
    const s = Math.max(0, (now - t) / 1000);
    return `${fmt.seconds(s)} ago`;
  },
};

// Age in seconds of an ISO time.
export function ageSeconds(iso, now = Date.now()) {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : Math.max(0, (now - t) / 1000);
}

// The aging bucket the measures use: lt_1h, 1h_4h, 4h_24h, gt_24h.
export function ageBucket(iso, now = Date.now()) {
  const s = ageSeconds(iso, now);
  if (s === null) return '';
  if (s < 3600) return 'lt_1h';
  if (s < 4 * 3600) return '1h_4h';
  if (s < 24 * 3600) return '4h_24h';
  return 'gt_24h';
}

export const AGE_BUCKETS = [
  ['lt_1h', '< 1 h'],
  ['1h_4h', '1–4 h'],
  ['4h_24h', '4–24 h'],
  ['gt_24h', '> 24 h'],
];

// X12 one segment per line: the segment terminator is the character after ISA16.
export function formatX12(text) {
  const t = text.replace(/^\s+/, '');
  if (!t.startsWith('ISA') || t.length < 106) return null;
  const term = t[105];
  const sep = term === '\n' || term === '\r' ? /\r?\n/ : term;
  return t
    .split(sep)
    .map((s) => s.replace(/^[\r\n]+|[\r\n]+$/g, ''))
    .filter((s) => s.length)
    .map((s) => (term === '\n' || term === '\r' ? s : s + term))
    .join('\n');
}

export function formatPayload(text, contentType = '') {
  const x12 = formatX12(text);
  if (x12 !== null) return { kind: 'X12', text: x12 };
  if (/json/i.test(contentType) || /^\s*[[{]/.test(text)) {
    try {
      return { kind: 'JSON', text: JSON.stringify(JSON.parse(text), null, 2) };
    } catch {
      /* not JSON after all */
    }
  }
  return { kind: contentType.split(';')[0] || 'text', text };
}

export function shortId(id) {
  return id && id.length > 14 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id || '';
}
