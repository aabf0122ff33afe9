/**
 * The journey map as one self-contained HTML file: inline CSS and SVG only (no script, no font,
 * no CDN), so it opens offline and prints. Every CRM-provided string is escaped.
 */
import { durationSvg, emotionSvg, funnelSvg, heatmapSvg, segmentSvg } from './charts.ts';
import { daysText, esc, kpiText, opText, pctText, ratioText } from './html-text.ts';
import { channelLabel } from './labels.ts';
import type { RecordUrl } from './record-links.ts';
import { JourneyMapSchema, type ActionsGroup, type ActionsReport, type JourneyMap, type LinkReport, type JourneyReport, type KpiResult } from './schema.ts';

export interface HtmlOptions {
  /** Builds CRM links for records (e.g. `hubspotRecordUrl(portalId)`); the document's own `url` otherwise, else plain ids. */
  recordUrl?: RecordUrl;
  title?: string;
}

const CRM_NAME = { hubspot: 'HubSpot', salesforce: 'Salesforce', linked: 'HubSpot + Salesforce' } as const;

const CSS = `
:root{--ink:#1d2330;--muted:#5c6475;--line:#d9dde5;--ok:#1a7f37;--ok-bg:#e6f4ea;--bad:#b42318;--bad-bg:#fdecea;--bar:#3b6fd8}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--ink);margin:0 auto;max-width:980px;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 8px;border-bottom:2px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:22px 0 6px}
.meta,.muted,.def{color:var(--muted)}.def{font-size:12px;margin:4px 0 10px}
svg{max-width:100%;height:auto;display:block;font-size:12px}svg text{fill:var(--ink)}svg text.muted{fill:var(--muted)}svg text.conv{fill:var(--muted);font-size:11px}svg text.on-dark{fill:#fff}
svg .bar{fill:var(--bar)}svg .whisker{stroke:#777;stroke-width:2}svg .box{fill:#9fb8ec;stroke:var(--bar)}svg .avg{fill:#111}
svg .entered{fill:var(--ok)}svg .exited{fill:var(--bad)}svg .axis{stroke:#999}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:10px}
.tile{border:1px solid var(--line);border-left:6px solid #999;border-radius:6px;padding:10px 12px;background:#f7f8fa}
.tile.met{border-left-color:var(--ok);background:var(--ok-bg)}.tile.missed{border-left-color:var(--bad);background:var(--bad-bg)}
.tile .fig{font-size:26px;font-weight:650}.tile .status{font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.tile.met .status{color:var(--ok)}.tile.missed .status{color:var(--bad)}.tile p{margin:4px 0;font-size:12px}
table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:13px}th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top;overflow-wrap:break-word}td.n{white-space:nowrap}
.few{color:var(--muted);font-style:italic}.caveat{border-left:4px solid #9a6700;background:#fff8e6;padding:6px 10px;font-size:12px;margin:4px 0 10px}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.sev-high{color:var(--bad);font-weight:600}.sev-medium{color:#9a6700}.sev-low{color:var(--muted)}
@media print{body{max-width:none;padding:0;font-size:11px}table{font-size:10px}th,td{padding:3px 3px}h2{break-after:avoid}section.journey>div,figure,table,.tiles{break-inside:avoid}
.tile{print-color-adjust:exact;-webkit-print-color-adjust:exact}a{color:inherit;text-decoration:none}a[href]::after{content:" (" attr(href) ")";font-size:9px;color:var(--muted)}}
`;

export function renderHtml(input: JourneyMap, options: HtmlOptions = {}): string {
  const doc = JourneyMapSchema.parse(input);
  const crm = CRM_NAME[doc.crm];
  const title = options.title ?? `${crm} journey map`;
  const filters = [doc.filter.journey ? `journey ${doc.filter.journey}` : null, doc.filter.segment ? `segment ${doc.filter.segment}` : null].filter(Boolean).join(', ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body data-testid="journey-map" data-crm="${doc.crm}">
<header><h1>${esc(title)}</h1>
<p class="meta">Period <time data-testid="period-from">${esc(day(doc.period.from))}</time> – <time data-testid="period-to">${esc(day(doc.period.to))}</time> · generated ${esc(doc.generatedAt.replace('T', ' ').slice(0, 16))} UTC${filters ? ` · filtered to ${esc(filters)}` : ''}</p></header>
${disabledSection(doc)}
${doc.link ? linkSection(doc.link) : ''}
${doc.journeys.map((j) => journeySection(j, options)).join('\n')}
${doc.actions ? actionsSection(doc.actions) : ''}
${doc.journeys.length === 0 ? '<p class="muted">No journey to show.</p>' : ''}
</body></html>
`;
}

const day = (iso: string): string => iso.slice(0, 10);

function journeySection(j: JourneyReport, o: HtmlOptions): string {
  const id = esc(j.id);
  return `<section class="journey" data-testid="journey-${id}">
<h2>${esc(j.label)} <span class="muted">· <span data-testid="customers-${id}">${j.customers}</span> customers</span></h2>
<h3>KPIs against targets</h3>
<div class="tiles" data-testid="kpis-${id}">${j.kpis.map((k) => kpiTile(j.id, k, j)).join('')}</div>
<h3>Satisfaction per stage</h3>
<p class="def">${esc(j.definitions.satisfaction)}</p>
${satisfactionTable(j)}
<h3>Emotion line</h3>
<p class="def">${esc(j.definitions.emotion)}</p>
${emotionSvg(j, csatTarget(j))}
<h3>Funnel</h3>
<p class="def">Bars: customers in each stage now. Arrows: ${esc(j.definitions.conversion)}</p>
${funnelSvg(j)}
<h3>Time in stage</h3>
<p class="def">${esc(j.definitions.duration)}</p>
${durationSvg(j)}
${stagesTable(j)}
<h3>Friction heat map</h3>
<p class="def">${esc(j.definitions.friction)} Cells: flagged customers summed over flags.</p>
${heatmapSvg(j)}
${frictionTable(j)}
<h3>Most affected records</h3>
${affectedTable(j, o)}
<h3>Touchpoints by stage and channel</h3>
<p class="def">${esc(j.definitions.stageChannels)}</p>
${stageChannelTable(j)}
<h3>Moments of truth</h3>
<p class="caveat" data-testid="moments-caveat-${id}"><strong>Association, not cause.</strong> ${esc(j.definitions.momentsOfTruth)}</p>
${momentsTable(j)}
<h3>How customers came in and where they asked for help</h3>
<p class="def">${esc(j.definitions.touchpoints)}</p>
${touchpointTable(j)}
<h3>Segment movement</h3>
${segmentSvg(j)}
</section>`;
}

/** Follow-up tasks: the totals, then one table per flag and one per owner. */
function actionsSection(a: ActionsReport): string {
  const row = (scope: string, g: ActionsGroup): string =>
    `<tr data-testid="actions-${scope}-${esc(g.id)}" data-opened="${g.opened}" data-completed="${g.completed}" data-open="${g.open}" data-overdue="${g.overdue}"><td>${esc(g.label)}</td><td class="n">${g.opened}</td><td class="n">${g.completed}</td><td class="n">${g.open}</td><td class="n${g.overdue > 0 ? ' sev-high' : ''}">${g.overdue}</td><td class="n">${daysText(g.medianDaysToCompletion)}</td></tr>`;
  const head = (first: string): string => `<thead><tr><th>${first}</th><th class="n">Opened</th><th class="n">Completed</th><th class="n">Open now</th><th class="n">Overdue</th><th class="n">Median days to complete</th></tr></thead>`;
  return `<section data-testid="actions"><h2>Actions</h2>
<p class="def">${esc(a.definition)}</p>
<table data-testid="actions-total">${head('')}<tbody>${row('all', a)}</tbody></table>
<h3>Per flag</h3>
<table data-testid="actions-by-flag">${head('Flag')}<tbody>${a.byFlag.map((g) => row('flag', g)).join('')}</tbody></table>
<h3>Per owner</h3>
<table data-testid="actions-by-owner">${head('Owner (CRM user id)')}<tbody>${a.byOwner.map((g) => row('owner', g)).join('')}</tbody></table>
</section>`;
}

/** Rules the CRM cannot feed: which, the field each needs, and how to map it. */
function disabledSection(doc: JourneyMap): string {
  if (doc.disabled.length === 0) return '';
  const rows = doc.disabled.map((d) => `<tr data-testid="disabled-${esc(d.rule)}"><td>${esc(d.rule)}</td><td>${esc(d.needs.join(', '))}</td><td>${esc(d.fix)}</td></tr>`);
  return `<section data-testid="disabled-rules"><h2>Rules switched off</h2>
<p class="def">The CRM lacks a field these rules read, so they count as not holding in every figure below.</p>
<table><thead><tr><th>Rule</th><th>Needs</th><th>How to turn it on</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function kpiTile(journeyId: string, k: KpiResult, j: JourneyReport): string {
  const few = k.enough === false && k.value !== null;
  const state = k.disabled ? 'off' : k.met === null ? 'nodata' : k.met ? 'met' : 'missed';
  const status = k.disabled ? `off — needs ${k.disabled.needs.join(', ')}` : few ? 'not enough answers' : k.met === null ? 'no data' : k.met ? 'on target' : 'off target';
  const target = `${opText(k.op)} ${kpiText(k.target, k.unit)}`;
  const label = new Map(j.stages.map((s) => [s.id, s.label]));
  const sourceText = { answers: 'answers', contact_rollup: 'contact rollup', none: 'no data' } as const;
  const stages = k.byStage
    ? `<p>${Object.entries(k.byStage).map(([s, v]) => {
      const name = esc(label.get(s) ?? s);
      const src = v.source ? `, ${sourceText[v.source]}` : '';
      return v.enough === false && v.n > 0 ? `${name}: <span class="few">not enough answers</span> (${esc(kpiText(v.value, k.unit))}, n ${v.n}${src})` : `${name}: ${esc(kpiText(v.value, k.unit))} (n ${v.n}${src})`;
    }).join(' · ')}</p>`
    : '';
  const sources = k.sources ? `<p data-testid="kpi-sources-${esc(journeyId)}-${esc(k.id)}">from ${Object.entries(k.sources).map(([name, n]) => `${esc(name.replace(/_/g, ' '))} ${n}`).join(' · ')}</p>` : '';
  return `<div class="tile ${state}" data-testid="kpi-${esc(journeyId)}-${esc(k.id)}" data-value="${k.value ?? ''}" data-met="${k.met ?? ''}" data-target="${k.target}">
<div>${esc(k.label)}</div><div class="fig" data-testid="kpi-value-${esc(journeyId)}-${esc(k.id)}">${esc(kpiText(k.value, k.unit))}</div>
<div class="status">${status}</div><p>target <span data-testid="kpi-target-${esc(journeyId)}-${esc(k.id)}">${esc(target)}</span> · n ${k.n}</p>${stages}${sources}<p class="muted">${esc(k.definition)}</p></div>`;
}

/** The csat_by_stage KPI's target in percent, for the emotion line's dashed line. */
function csatTarget(j: JourneyReport): number | null {
  const k = j.kpis.find((x) => x.metric === 'csat_by_stage' && !x.disabled);
  return k ? k.target : null;
}

function satisfactionTable(j: JourneyReport): string {
  const label = new Map(j.stages.map((s) => [s.id, s.label]));
  const min = j.satisfaction.minAnswers;
  const figure = (v: number | null, n: number, enough: boolean, text: (v: number | null) => string): string =>
    n === 0 ? '–' : enough ? esc(text(v)) : `<span class="few">not enough answers</span> (${esc(text(v))})`;
  const source = { answers: 'answers', contact_rollup: 'contact rollup (latest CSAT, current stage)', none: '–' } as const;
  const rows = j.satisfaction.stages.map((s) => `<tr data-testid="satisfaction-${esc(j.id)}-${esc(s.stage)}" data-csat="${s.csat.value ?? ''}" data-n="${s.csat.n}" data-source="${s.csat.source}" data-enough="${s.csat.enough}">`
    + `<td>${esc(label.get(s.stage) ?? s.stage)}</td><td class="n">${figure(s.csat.value, s.csat.n, s.csat.enough, pctText)}</td><td class="n">${s.csat.n}</td><td>${source[s.csat.source]}</td>`
    + `<td class="n">${figure(s.nps.value, s.nps.n, s.nps.enough, (v) => (v === null ? '–' : v.toFixed(1)))}</td><td class="n">${s.nps.n}</td>`
    + `<td class="n">${figure(s.ces.value, s.ces.n, s.ces.enough, (v) => (v === null ? '–' : v.toFixed(2)))}</td><td class="n">${s.ces.n}</td>`
    + `<td>${s.placedBy.ledger + s.placedBy.evidence === 0 ? '–' : `ledger ${s.placedBy.ledger} · CRM history ${s.placedBy.evidence}`}</td></tr>`);
  const note = `Minimum ${min} answers per figure. ${j.satisfaction.customersWithTouchpoints} customers have touchpoints pulled${j.satisfaction.unplaced > 0 ? `; ${j.satisfaction.unplaced} answers predate any dated stage and are left out` : ''}.`;
  return `<table data-testid="satisfaction-${esc(j.id)}"><thead><tr><th>Stage (when answered)</th><th class="n">CSAT satisfied</th><th class="n">n</th><th>Source</th><th class="n">NPS</th><th class="n">n</th><th class="n">CES (1–7)</th><th class="n">n</th><th>Placed by</th></tr></thead><tbody>${rows.join('')}</tbody></table><p class="def">${esc(note)}</p>`;
}

function stageChannelTable(j: JourneyReport): string {
  if (j.stageChannels.length === 0) return `<p class="muted" data-testid="stage-channels-${esc(j.id)}" data-empty="true">No touchpoint in the period (touchpoints not pulled, or none recorded).</p>`;
  const label = new Map(j.stages.map((s) => [s.id, s.label]));
  const hours = (h: number | null): string => (h === null ? '–' : h < 48 ? `${h.toFixed(1)} h` : `${(h / 24).toFixed(1)} d`);
  const rows = j.stageChannels.map((r) => `<tr data-testid="stage-channel-${esc(j.id)}-${esc(r.stage)}-${esc(r.channel)}" data-touchpoints="${r.touchpoints}" data-customers="${r.customers}" data-conversion="${r.conversionToNext ?? ''}">`
    + `<td>${esc(label.get(r.stage) ?? r.stage)}</td><td>${esc(channelLabel(r.channel))}</td><td class="n">${r.touchpoints}</td><td class="n">${r.customers}</td><td class="n">${r.inbound} / ${r.outbound}</td>`
    + `<td class="n">${hours(r.responseHours.median)}${r.responseHours.n > 0 ? ` (n ${r.responseHours.n})` : ''}</td><td class="n">${r.unanswered}</td>`
    + `<td class="n">${ratioText(r.conversionToNext)}${r.touchedStays > 0 ? ` (${r.movedOn} of ${r.touchedStays})` : ''}</td><td class="n">${r.satisfaction.n === 0 ? '–' : `${pctText(r.satisfaction.value)} (n ${r.satisfaction.n})`}</td></tr>`);
  return `<table data-testid="stage-channels-${esc(j.id)}"><thead><tr><th>Stage</th><th>Channel</th><th class="n">Touchpoints</th><th class="n">Customers</th><th class="n">In / out</th><th class="n">Median response</th><th class="n">Unanswered</th><th class="n">Conversion to next</th><th class="n">Satisfaction</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function momentsTable(j: JourneyReport): string {
  if (j.momentsOfTruth.length === 0) return `<p class="muted" data-testid="moments-${esc(j.id)}" data-empty="true">No touchpoint kind with enough customers on both sides to compare.</p>`;
  const label = new Map(j.stages.map((s) => [s.id, s.label]));
  const rows = j.momentsOfTruth.map((m) => `<tr data-testid="moment-${esc(j.id)}-${esc(m.stage)}-${esc(m.kind)}-${m.metric}" data-difference="${m.difference}">`
    + `<td>${esc(label.get(m.stage) ?? m.stage)}</td><td>${esc(m.label)}</td><td>${m.metric === 'conversion' ? 'moved on to a later stage' : 'satisfied CSAT answers'}</td>`
    + `<td class="n">${pctText(m.with.value)} (n ${m.with.n})</td><td class="n">${pctText(m.without.value)} (n ${m.without.n})</td><td class="n">${m.difference > 0 ? '+' : ''}${m.difference.toFixed(1)} pts</td></tr>`);
  return `<table data-testid="moments-${esc(j.id)}"><thead><tr><th>Stage</th><th>Touchpoint</th><th>Measure</th><th class="n">With</th><th class="n">Without</th><th class="n">Difference</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function stagesTable(j: JourneyReport): string {
  const rows = j.stages.map((s) => `<tr data-testid="stage-row-${esc(j.id)}-${esc(s.id)}"><td>${esc(s.label)}</td><td class="n">${s.customers}</td><td class="n">${s.enteredInPeriod}</td><td class="n">${s.movedOn}</td><td class="n">${ratioText(s.conversionToNext)}</td>`
    + `<td class="n">${daysText(s.durationDays.avg)}</td><td class="n">${daysText(s.durationDays.median)}</td><td class="n">${daysText(s.durationDays.min)}</td><td class="n">${daysText(s.durationDays.max)}</td><td class="n">${daysText(s.durationDays.p90)}</td><td class="n">${s.durationDays.n}</td><td>${s.durationSource === 'history' ? 'ledger' : 'CRM dates'}</td>`
    + `<td data-testid="stage-backfilled-${esc(j.id)}-${esc(s.id)}" data-entered="${s.backfilled.entered}" data-moved-on="${s.backfilled.movedOn}" data-durations="${s.backfilled.durations}">${backfilledText(s.backfilled)}</td></tr>`);
  const any = j.stages.some((s) => s.backfilled.entered + s.backfilled.movedOn + s.backfilled.durations > 0);
  const note = any ? `<p class="def" data-testid="backfilled-note-${esc(j.id)}">${esc(j.definitions.backfilled)}</p>` : '';
  return `<table data-testid="stages-${esc(j.id)}"><thead><tr><th>Stage</th><th class="n">Now</th><th class="n">Entered</th><th class="n">Moved on</th><th class="n">Conversion</th><th class="n">Avg</th><th class="n">Median</th><th class="n">Min</th><th class="n">Max</th><th class="n">p90</th><th class="n">n</th><th>Source</th><th>From backfilled history</th></tr></thead><tbody>${rows.join('')}</tbody></table>${note}`;
}

function backfilledText(b: JourneyReport['stages'][number]['backfilled']): string {
  if (b.entered + b.movedOn + b.durations === 0) return '–';
  return `${b.entered} entered · ${b.movedOn} moved on · ${b.durations} stays`;
}

function frictionTable(j: JourneyReport): string {
  const rows = j.friction.map((f) => `<tr data-testid="friction-${esc(j.id)}-${esc(f.id)}" data-customers="${f.customers}"><td>${esc(f.label)}</td><td class="sev-${f.severity}">${f.severity}</td><td class="n">${f.customers}</td>`
    + `<td>${Object.entries(f.byChannel).map(([c, n]) => `${esc(channelLabel(c))} ${n}`).join(', ') || '–'}</td><td>${f.sampleReasons.map((r) => esc(r)).join('<br>') || '–'}</td></tr>`);
  return `<table><thead><tr><th>Flag (most customers first)</th><th>Severity</th><th class="n">Customers</th><th>By channel</th><th>Example reasons</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** A linked installation's map: who is linked, how, the conflicts, and which CRM each record came from. */
function linkSection(l: LinkReport): string {
  const side = (x: { hubspot: number; salesforce: number }): string => `<td class="n">${x.hubspot}</td><td class="n">${x.salesforce}</td>`;
  const rows = l.bySource.map((r) => `<tr data-testid="link-source-${esc(r.journey)}-${esc(r.stage)}"><td>${esc(r.journey)}</td><td>${esc(r.stage)}</td><td class="n">${r.customers}</td><td class="n">${r.linked}</td>${side(r.deals)}${side(r.tickets)}${side(r.touchpoints)}</tr>`).join('');
  const conflicts = l.conflicts.slice(0, 50).map((c) => `<li>${esc(CRM_NAME[c.side])} <code>${esc(c.email)}</code>: ${c.records.map((r) => `${esc(r.objectType)} ${esc(r.id)}`).join(', ')}</li>`).join('');
  return `<section data-testid="link"><h2>Linked installation ${esc(l.id)} <span class="muted">· ${esc(l.hubspot)} + ${esc(l.salesforce)}</span></h2>
<p><span data-testid="link-customers">${l.customers}</span> customers, each person once: <span data-testid="link-linked">${l.linked}</span> linked in both CRMs (${l.matchedBy['integration-id']} by the integration's ids, ${l.matchedBy.email} by e-mail), <span data-testid="link-unlinked">${l.unlinked}</span> in one CRM only (HubSpot ${l.unlinkedBySide.hubspot}, Salesforce ${l.unlinkedBySide.salesforce}), <span data-testid="link-conflicting">${l.conflicting}</span> evaluated per CRM because of ${l.conflicts.length} conflicting e-mail${l.conflicts.length === 1 ? '' : 's'}.</p>
<p class="def">${esc(l.definition)}</p>
<table data-testid="link-sources"><thead><tr><th>Journey</th><th>Stage now</th><th class="n">Customers</th><th class="n">Linked</th><th class="n">Deals HubSpot</th><th class="n">Deals Salesforce</th><th class="n">Tickets HubSpot</th><th class="n">Cases Salesforce</th><th class="n">Touchpoints HubSpot</th><th class="n">Touchpoints Salesforce</th></tr></thead><tbody>${rows}</tbody></table>
${conflicts ? `<h3>Conflicts (not merged)</h3><ul data-testid="link-conflicts">${conflicts}</ul>` : ''}
</section>`;
}

function affectedTable(j: JourneyReport, o: HtmlOptions): string {
  if (j.mostAffected.length === 0) return '<p class="muted">No flagged record.</p>';
  const rows = j.mostAffected.map((r) => {
    const url = o.recordUrl?.(r.kind, r.id, r.objectType) ?? r.url;
    const name = `${esc(r.objectType)} ${esc(r.id)}`;
    const link = url && /^https?:\/\//.test(url) ? `<a href="${esc(url)}" rel="noreferrer">${name}</a>` : name;
    return `<tr data-testid="affected-${esc(j.id)}-${esc(r.kind)}-${esc(r.id)}"><td>${r.crm ? `${esc(CRM_NAME[r.crm])} ` : ''}${link}</td><td>${esc(r.flags.join(', '))}</td><td class="n">${r.score}</td><td>${r.reasons.map((x) => esc(x)).join('<br>')}</td></tr>`;
  });
  return `<table data-testid="affected-${esc(j.id)}"><thead><tr><th>Record</th><th>Flags</th><th class="n">Score</th><th>Why</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function touchpointTable(j: JourneyReport): string {
  const label = new Map(j.stages.map((s) => [s.id, s.label]));
  if (j.touchpoints.length === 0) return '<p class="muted">No touchpoint.</p>';
  const rows = j.touchpoints.map((t) => `<tr data-testid="touchpoint-${esc(j.id)}-${esc(t.stage)}-${t.kind}-${esc(t.channel)}" data-customers="${t.customers}"><td>${esc(label.get(t.stage) ?? t.stage)}</td><td>${t.kind === 'source' ? 'came through' : 'support'}</td><td>${esc(channelLabel(t.channel))}</td><td class="n">${t.customers}</td></tr>`);
  return `<table data-testid="touchpoints-${esc(j.id)}"><thead><tr><th>Stage</th><th>Kind</th><th>Channel</th><th class="n">Customers</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}
