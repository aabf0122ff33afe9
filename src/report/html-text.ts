/** Escaping and number formats shared by the HTML renderer and its charts. */

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and quoted attribute values. Everything from the CRM goes through it. */
export const esc = (v: string | number | null | undefined): string => String(v ?? '').replace(/[&<>"']/g, (c) => ESC[c] as string);

/** A ratio 0..1 as a percentage with one decimal ("50.0%"); "–" when unknown. */
export const ratioText = (r: number | null): string => (r === null ? '–' : `${(r * 100).toFixed(1)}%`);

export const daysText = (d: number | null): string => (d === null ? '–' : `${d.toFixed(1)} d`);

const OP_TEXT = { eq: '=', gt: '>', gte: '≥', lt: '<', lte: '≤' } as const;
export const opText = (op: keyof typeof OP_TEXT): string => OP_TEXT[op];

/** A KPI figure in its unit: percent "66.7%", score "25.0". */
export const kpiText = (v: number | null, unit: 'percent' | 'score'): string => (v === null ? 'no data' : unit === 'percent' ? `${v.toFixed(1)}%` : v.toFixed(1));
