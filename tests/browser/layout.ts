/**
 * Layout checks run inside the page: every visible run of text (a text node's line boxes, in HTML and in
 * SVG) must not overlap another run, and must stay inside its container (the table cell, paragraph or
 * block it sits in; for SVG text, its <svg>), and every block must stay inside the page's width.
 * Written as a string so the test's tsconfig needs no DOM types.
 */
import type { Page } from 'playwright-core';

export interface LayoutProblem {
  kind: 'overlap' | 'overflow';
  text: string;
  other: string;
  detail: string;
}

const CHECK = String.raw`(() => {
  const TOL = 1;
  const problems = [];
  const runs = [];
  const skip = new Set(['TITLE', 'STYLE', 'SCRIPT', 'HEAD']);
  const blockOf = (el) => {
    if (el.closest('svg')) return el.closest('svg');
    let e = el;
    while (e && e !== document.body) {
      const d = getComputedStyle(e).display;
      if (d !== 'inline' && d !== 'contents') return e;
      e = e.parentElement;
    }
    return document.body;
  };
  const name = (el) => (el.getAttribute && (el.getAttribute('data-testid') || el.closest('[data-testid]')?.getAttribute('data-testid'))) || el.tagName;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.nodeValue || !n.nodeValue.trim()) continue;
    const el = n.parentElement;
    if (!el || el.closest('title,style,script') || skip.has(el.tagName)) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    for (const r of range.getClientRects()) {
      if (r.width < 0.5 || r.height < 0.5) continue;
      runs.push({ text: n.nodeValue.trim().slice(0, 60), el, r, block: blockOf(el) });
    }
  }
  // Overflow: a run outside its container (a clipped SVG label, a cell narrower than its words).
  for (const x of runs) {
    const c = x.block.getBoundingClientRect();
    if (x.r.left < c.left - TOL || x.r.right > c.right + TOL || x.r.top < c.top - TOL || x.r.bottom > c.bottom + TOL) {
      problems.push({ kind: 'overflow', text: x.text, other: name(x.block), detail: 'text [' + [x.r.left, x.r.top, x.r.right, x.r.bottom].map(Math.round) + '] container [' + [c.left, c.top, c.right, c.bottom].map(Math.round) + ']' });
    }
  }
  // Overlap: two runs whose boxes intersect (sorted by top, so only near neighbours are compared).
  runs.sort((a, b) => a.r.top - b.r.top);
  for (let i = 0; i < runs.length; i++) {
    const a = runs[i];
    for (let j = i + 1; j < runs.length && runs[j].r.top < a.r.bottom - TOL; j++) {
      const b = runs[j];
      const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
      const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
      if (w > TOL && h > TOL) problems.push({ kind: 'overlap', text: a.text, other: b.text, detail: name(a.el) + ' / ' + name(b.el) });
    }
  }
  // Nothing wider than the page: tables, charts and tiles fit the viewport (or the printed page).
  const width = document.documentElement.clientWidth;
  for (const el of document.querySelectorAll('table, svg, .tiles, p, h1, h2, h3')) {
    const r = el.getBoundingClientRect();
    if (r.right > width + TOL || r.left < -TOL) problems.push({ kind: 'overflow', text: el.tagName, other: 'page', detail: name(el) + ' spans ' + Math.round(r.left) + '–' + Math.round(r.right) + ' of ' + width });
  }
  return { problems, runs: runs.length };
})()`;

/** The layout problems on the page as it is laid out now (screen or print media), and how many text runs were checked. */
export async function layoutProblems(page: Page): Promise<{ problems: LayoutProblem[]; runs: number }> {
  return (await page.evaluate(CHECK)) as { problems: LayoutProblem[]; runs: number };
}
