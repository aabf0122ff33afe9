/**
 * Inline SVG charts for the HTML journey map: funnel, duration ranges, friction heat map, segment
 * movement. Pure string builders; every figure drawn also appears as text (and a data attribute)
 * so the map reads without colour and can be checked by a browser test.
 */
import { daysText, esc, fit, pctText, ratioText, wrap } from './html-text.ts';
import { channelLabel } from './labels.ts';
import type { JourneyReport } from './schema.ts';

const W = 760;
const LABEL_W = 170;

/** A stage or segment label right-aligned before the plot, cut to fit (full text in its <title>). */
function rowLabel(label: string, y: number): string {
  const shown = fit(label, LABEL_W - 14);
  return `<text x="${LABEL_W - 8}" y="${y}" text-anchor="end">${esc(shown)}${shown === label ? '' : `<title>${esc(label)}</title>`}</text>`;
}

export function funnelSvg(j: JourneyReport): string {
  const rowH = 58;
  const max = Math.max(1, ...j.stages.map((s) => s.customers));
  const barMax = W - LABEL_W - 90;
  const rows = j.stages.map((s, i) => {
    const y = i * rowH + 8;
    const w = Math.max(2, (s.customers / max) * barMax);
    const conv = i === j.stages.length - 1 ? '' : `<text class="conv" x="${LABEL_W}" y="${y + 48}" data-testid="conversion-${esc(j.id)}-${esc(s.id)}" data-conversion="${s.conversionToNext ?? ''}">↓ ${ratioText(s.conversionToNext)} moved on (${s.movedOn} of ${s.enteredInPeriod} entered in period)</text>`;
    return `<g>${rowLabel(s.label, y + 20)}`
      + `<rect class="bar" x="${LABEL_W}" y="${y + 4}" width="${w.toFixed(1)}" height="24" rx="3" data-testid="funnel-bar-${esc(j.id)}-${esc(s.id)}" data-customers="${s.customers}"><title>${esc(s.label)}: ${s.customers} customers</title></rect>`
      + `<text class="num" x="${LABEL_W + w + 6}" y="${y + 21}">${s.customers}</text>${conv}</g>`;
  });
  const h = j.stages.length * rowH + 8;
  return `<svg role="img" aria-label="Funnel: customers per stage and conversion" data-testid="funnel-${esc(j.id)}" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}">${rows.join('')}</svg>`;
}

export function durationSvg(j: JourneyReport): string {
  // The figures go on their own line under each range, so they never run past the right edge.
  const rowH = 48;
  const top = 22;
  const max = Math.max(1, ...j.stages.map((s) => s.durationDays.max ?? 0));
  const plotW = W - LABEL_W - 40;
  const x = (d: number): number => LABEL_W + (d / max) * plotW;
  const rows = j.stages.map((s, i) => {
    const y = top + i * rowH;
    const d = s.durationDays;
    const attrs = `data-testid="duration-${esc(j.id)}-${esc(s.id)}" data-n="${d.n}" data-median="${d.median ?? ''}" data-p90="${d.p90 ?? ''}" data-avg="${d.avg ?? ''}" data-min="${d.min ?? ''}" data-max="${d.max ?? ''}" data-source="${s.durationSource}"`;
    const label = rowLabel(s.label, y + 14);
    if (d.n === 0 || d.min === null || d.max === null || d.median === null || d.p90 === null || d.avg === null) {
      return `<g ${attrs}>${label}<text class="muted" x="${LABEL_W}" y="${y + 14}">no stays to measure</text></g>`;
    }
    const summary = `median ${daysText(d.median)} · p90 ${daysText(d.p90)} · n ${d.n}${s.durationSource === 'crm_dates' ? ' · CRM dates' : ''}`;
    return `<g ${attrs}>${label}`
      + `<line class="whisker" x1="${x(d.min).toFixed(1)}" x2="${x(d.max).toFixed(1)}" y1="${y + 10}" y2="${y + 10}"/>`
      + `<rect class="box" x="${x(d.median).toFixed(1)}" y="${y + 2}" width="${Math.max(2, x(d.p90) - x(d.median)).toFixed(1)}" height="16"/>`
      + `<circle class="avg" cx="${x(d.avg).toFixed(1)}" cy="${y + 10}" r="4"><title>average ${daysText(d.avg)}</title></circle>`
      + `<text class="num muted" x="${LABEL_W}" y="${y + 36}">${esc(summary)}</text></g>`;
  });
  const h = top + j.stages.length * rowH;
  const axis = `<text class="muted" x="${LABEL_W}" y="12">0 d</text><text class="muted" x="${LABEL_W + plotW}" y="12" text-anchor="end">${daysText(max)}</text>`;
  return `<svg role="img" aria-label="Time in stage: min–max line, median–p90 box, average dot" data-testid="durations-${esc(j.id)}" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}">${axis}${rows.join('')}</svg>`;
}

/** Flag-customer pairs per (stage, channel), summed over flags. */
export function heatCells(j: JourneyReport): { channels: string[]; value: (stage: string, channel: string) => number; max: number } {
  const m = new Map<string, number>();
  const channels = new Set<string>();
  for (const f of j.friction) {
    for (const c of f.cells) {
      channels.add(c.channel);
      const k = `${c.stage}\u0000${c.channel}`;
      m.set(k, (m.get(k) ?? 0) + c.customers);
    }
  }
  return { channels: [...channels].sort(), value: (s, c) => m.get(`${s}\u0000${c}`) ?? 0, max: Math.max(1, ...m.values()) };
}

export function heatmapSvg(j: JourneyReport): string {
  const { channels, value, max } = heatCells(j);
  if (channels.length === 0) return `<p class="muted" data-testid="heatmap-${esc(j.id)}" data-empty="true">No friction flags raised.</p>`;
  // Headers are channel labels wrapped on up to two lines within their column: they never overprint.
  const cellW = Math.max(64, Math.min(110, Math.floor((W - LABEL_W) / channels.length)));
  const width = LABEL_W + channels.length * cellW;
  const cellH = 34;
  const top = 46;
  const head = channels.map((c, i) => {
    const label = channelLabel(c);
    const lines = wrap(label, cellW - 8, 2);
    const x = LABEL_W + i * cellW + cellW / 2;
    const tspans = lines.map((l, k) => `<tspan x="${x}" dy="${k === 0 ? 0 : 14}">${esc(l)}</tspan>`).join('');
    return `<text class="muted" x="${x}" y="${lines.length > 1 ? top - 24 : top - 10}" text-anchor="middle" data-testid="heat-head-${esc(j.id)}-${esc(c)}">${tspans}<title>${esc(label)} (${esc(c)})</title></text>`;
  });
  const rows = j.stages.map((s, r) => {
    const y = top + r * cellH;
    const cells = channels.map((c, i) => {
      const v = value(s.id, c);
      const alpha = v === 0 ? 0.04 : 0.15 + 0.85 * (v / max);
      return `<g data-testid="heat-${esc(j.id)}-${esc(s.id)}-${esc(c)}" data-value="${v}"><rect x="${LABEL_W + i * cellW + 1}" y="${y + 1}" width="${cellW - 2}" height="${cellH - 2}" fill="rgba(200,40,40,${alpha.toFixed(3)})"><title>${esc(s.label)} × ${esc(channelLabel(c))}: ${v}</title></rect>`
        + `<text x="${LABEL_W + i * cellW + cellW / 2}" y="${y + 22}" text-anchor="middle" class="${alpha > 0.55 ? 'on-dark' : ''}">${v}</text></g>`;
    });
    return `${rowLabel(s.label, y + 22)}${cells.join('')}`;
  });
  const h = top + j.stages.length * cellH + 4;
  return `<svg role="img" aria-label="Friction heat map: flagged customers by stage and channel" data-testid="heatmap-${esc(j.id)}" viewBox="0 0 ${width} ${h}" width="${width}" height="${h}">${head.join('')}${rows.join('')}</svg>`;
}

export function segmentSvg(j: JourneyReport): string {
  const rowH = 30;
  const max = Math.max(1, ...j.segments.flatMap((s) => [s.entered, s.exited]));
  const mid = LABEL_W + (W - LABEL_W) / 2;
  const half = (W - LABEL_W) / 2 - 50;
  const rows = j.segments.map((s, i) => {
    const y = 24 + i * rowH;
    const we = (s.entered / max) * half;
    const wx = (s.exited / max) * half;
    return `<g data-testid="segment-${esc(j.id)}-${esc(s.id)}" data-entered="${s.entered}" data-exited="${s.exited}" data-customers="${s.customers}">`
      + rowLabel(`${s.label} (${s.customers})`, y + 15)
      + `<rect class="exited" x="${(mid - wx).toFixed(1)}" y="${y + 3}" width="${wx.toFixed(1)}" height="16"/><text class="num" x="${(mid - wx - 6).toFixed(1)}" y="${y + 15}" text-anchor="end">−${s.exited}</text>`
      + `<rect class="entered" x="${mid}" y="${y + 3}" width="${we.toFixed(1)}" height="16"/><text class="num" x="${(mid + we + 6).toFixed(1)}" y="${y + 15}">+${s.entered}</text></g>`;
  });
  const h = 24 + j.segments.length * rowH;
  const legend = `<text class="muted" x="${mid - 8}" y="14" text-anchor="end">exited</text><text class="muted" x="${mid + 8}" y="14">entered</text><line class="axis" x1="${mid}" x2="${mid}" y1="18" y2="${h}"/>`;
  return `<svg role="img" aria-label="Segment movement: entries and exits in the period" data-testid="segments-${esc(j.id)}" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}">${legend}${rows.join('')}</svg>`;
}

/**
 * The emotion line: CSAT satisfaction per stage across the journey (solid point: enough answers; hollow:
 * fewer than the minimum; none: no data), the KPI target as a dashed line, and under each stage a red
 * marker with the customers carrying friction flags there now.
 */
export function emotionSvg(j: JourneyReport, target: number | null): string {
  const n = j.stages.length;
  if (n === 0) return '';
  const left = 64;
  const right = 24;
  const colW = (W - left - right) / n;
  const top = 34;
  const plotH = 140;
  const y = (v: number): number => top + plotH - (v / 100) * plotH;
  const x = (i: number): number => left + colW * (i + 0.5);
  const sat = new Map(j.satisfaction.stages.map((s) => [s.stage, s]));
  const flagged = new Map<string, number>();
  for (const f of j.friction) for (const [stage, c] of Object.entries(f.byStage)) flagged.set(stage, (flagged.get(stage) ?? 0) + c);
  const grid = [0, 50, 100].map((v) => `<line class="axis" x1="${left}" x2="${W - right}" y1="${y(v)}" y2="${y(v)}" stroke-opacity="0.35"/><text class="muted" x="${left - 8}" y="${y(v) + 4}" text-anchor="end">${v}%</text>`).join('');
  const goal = target === null ? '' : `<line x1="${left}" x2="${W - right}" y1="${y(target).toFixed(1)}" y2="${y(target).toFixed(1)}" stroke="#1a7f37" stroke-dasharray="5 4"/>`;
  const legend = `<text class="muted" x="${left}" y="14">${target === null ? '' : `- - target ${target}% · `}● ${j.satisfaction.minAnswers}+ answers · ○ and *: fewer · ▲ flagged customers now</text>`;
  const segments: string[] = [];
  let prev: { x: number; y: number } | null = null;
  const points = j.stages.map((stage, i) => {
    const s = sat.get(stage.id);
    const v = s?.csat.value ?? null;
    const px = x(i);
    const flags = flagged.get(stage.id) ?? 0;
    const nameLines = wrap(stage.label, colW - 10, 2);
    const base = top + plotH + 42;
    const name = `<text x="${px.toFixed(1)}" y="${base}" text-anchor="middle">${nameLines.map((l, k) => `<tspan x="${px.toFixed(1)}" dy="${k === 0 ? 0 : 14}">${esc(l)}</tspan>`).join('')}</text>`;
    const src = s === undefined || s.csat.source === 'none' ? 'no answers' : `n ${s.csat.n}${s.csat.source === 'contact_rollup' ? ' · rollup' : ''}`;
    const detail = `<text class="muted" x="${px.toFixed(1)}" y="${base + 14 * nameLines.length}" text-anchor="middle">${esc(fit(src, colW - 10))}</text>`;
    const marker = flags === 0 ? '' : `<g class="friction-marker" data-testid="emotion-friction-${esc(j.id)}-${esc(stage.id)}" data-flagged="${flags}"><path d="M${(px - 6).toFixed(1)} ${top + plotH + 20} l6 -10 l6 10 z" fill="#b42318"/><text x="${(px + 10).toFixed(1)}" y="${top + plotH + 20}" class="muted">${flags}</text><title>${flags} flagged customers in ${esc(stage.label)} now</title></g>`;
    const attrs = `data-testid="emotion-${esc(j.id)}-${esc(stage.id)}" data-value="${v ?? ''}" data-n="${s?.csat.n ?? 0}" data-source="${s?.csat.source ?? 'none'}" data-enough="${s?.csat.enough ?? false}"`;
    if (v === null) {
      prev = null;
      return `<g ${attrs}>${name}${detail}${marker}</g>`;
    }
    const py = y(v);
    if (prev !== null) segments.push(`<line x1="${(prev as { x: number }).x.toFixed(1)}" y1="${(prev as { y: number }).y.toFixed(1)}" x2="${px.toFixed(1)}" y2="${py.toFixed(1)}" stroke="#3b6fd8" stroke-width="2.5"/>`);
    prev = { x: px, y: py };
    const enough = s?.csat.enough ?? false;
    const dot = `<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="5" fill="${enough ? '#3b6fd8' : '#fff'}" stroke="#3b6fd8" stroke-width="2"><title>${esc(stage.label)}: ${pctText(v)} satisfied${enough ? '' : ' (not enough answers)'}</title></circle>`;
    const label = `<text x="${px.toFixed(1)}" y="${(py - 10).toFixed(1)}" text-anchor="middle">${pctText(v)}${enough ? '' : '*'}</text>`;
    return `<g ${attrs}>${dot}${label}${name}${detail}${marker}</g>`;
  });
  const h = top + plotH + 42 + 14 * 2 + 6;
  return `<svg role="img" aria-label="Emotion line: satisfied share of CSAT answers per stage, with friction markers" data-testid="emotion-${esc(j.id)}" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}">${legend}${grid}${goal}${segments.join('')}${points.join('')}</svg>`;
}
