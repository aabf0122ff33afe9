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

/** Rough width of text in px at the map's 12 px SVG font (wide enough for capitals and digits). */
export const textPx = (text: string, fontPx = 12): number => text.length * fontPx * 0.62;

/** Text cut to fit `maxPx` with an ellipsis (the full text goes in a <title> beside it). */
export function fit(text: string, maxPx: number, fontPx = 12): string {
  if (textPx(text, fontPx) <= maxPx) return text;
  const keep = Math.max(1, Math.floor(maxPx / (fontPx * 0.62)) - 1);
  return `${text.slice(0, keep).trimEnd()}…`;
}

/** Text broken into at most `maxLines` lines of at most `maxPx` each, by words; the last line is cut to fit. */
export function wrap(text: string, maxPx: number, maxLines = 2, fontPx = 12): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (textPx(next, fontPx) <= maxPx || !line) line = next;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    kept[maxLines - 1] = `${kept[maxLines - 1]} ${lines.slice(maxLines).join(' ')}`;
    lines.splice(0, lines.length, ...kept);
  }
  return lines.map((l) => fit(l, maxPx, fontPx));
}

/** A percentage 0–100 with one decimal ("80.0%"); "–" when unknown. */
export const pctText = (v: number | null): string => (v === null ? '–' : `${v.toFixed(1)}%`);
