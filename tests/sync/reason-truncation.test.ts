/**
 * The reason truncation rule (src/sync/desired.ts): Salesforce reasons are Text(255), so every CRM gets
 * reasons of at most 255 UTF-16 code units, cut before the diff so the value compared is the value written.
 */
import { describe, expect, it } from 'vitest';
import { REASON_MAX, sameValue, truncate } from '../../src/sync/desired.ts';

describe('reason truncation', () => {
  it('keeps a reason that fits, and cuts a longer one to 254 code units plus an ellipsis', () => {
    const fits = 'x'.repeat(REASON_MAX);
    expect(truncate(fits)).toBe(fits);
    const long = 'stalled_deal: opportunity "A" | '.repeat(20);
    const cut = truncate(long);
    expect(cut).toHaveLength(255);
    expect(cut).toBe(`${long.slice(0, 254)}…`);
    // Idempotent: what Salesforce holds after a write compares equal to the next run's desired value.
    expect(truncate(cut)).toBe(cut);
    expect(sameValue('text', cut, truncate(long))).toBe(true);
  });

  it('never splits a surrogate pair', () => {
    const s = `${'a'.repeat(253)}😀${'b'.repeat(10)}`; // the emoji takes code units 253 and 254
    const cut = truncate(s);
    expect(cut).toBe(`${'a'.repeat(253)}…`);
    expect(cut.length).toBeLessThanOrEqual(255);
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(cut)).toBe(false);
  });
});
