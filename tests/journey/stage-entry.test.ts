import { describe, expect, it } from 'vitest';
import { compileEngine } from '../../src/journey/engine.ts';
import {
  chooseStageEntry,
  customerAsOf,
  FIRST_OBSERVED,
  KEPT_FROM_CRM,
  OBSERVED,
  sinceText,
  stageTimeline,
  type StageEntry,
} from '../../src/journey/stage-entry.ts';
import { loadMapping } from '../../src/mapping/load.ts';
import { DAY_MS, type Customer } from '../../src/model.ts';
import { customer, daysAgo, deal, NOW, ticket, won } from './builders.ts';

const hubspot = compileEngine(loadMapping('mappings/hubspot.yaml'));
const salesforce = compileEngine(loadMapping('mappings/salesforce.yaml'));

function timeline(c: Customer, engine = hubspot): Array<[string, number, string]> {
  const state = engine.evaluate(c, NOW);
  return stageTimeline(engine, c, { journeyId: state.journeyId, stage: state.stage.id }, NOW).map((e) => [e.stage, e.at, e.basis]);
}

describe('stage timeline from CRM evidence', () => {
  it('dates a lifecycle-based stage by the lifecycle-stage date, earlier stays by theirs', () => {
    const c = customer({ lifecycle: 'marketingqualifiedlead', createdAt: daysAgo(300), lifecycleDates: { subscriber: daysAgo(300), marketingqualifiedlead: daysAgo(40) } });
    expect(timeline(c)).toEqual([
      // Created and subscribed at the same instant: the lifecycle date is the more specific evidence.
      ['awareness', daysAgo(300), 'lifecycle stage subscriber'],
      ['consideration', daysAgo(40), 'lifecycle stage marketingqualifiedlead'],
    ]);
  });

  it('keeps the first instant of a stage reached through several lifecycle values', () => {
    const c = customer({ lifecycle: 'salesqualifiedlead', createdAt: daysAgo(300), lifecycleDates: { lead: daysAgo(300), marketingqualifiedlead: daysAgo(50), salesqualifiedlead: daysAgo(20) } });
    expect(timeline(c).at(-1)).toEqual(['consideration', daysAgo(50), 'lifecycle stage marketingqualifiedlead']);
  });

  it('dates a deal-based stage by the deal entering the stage that placed it there', () => {
    const d = deal({
      stage: 'contractsent', createdAt: daysAgo(60), stageEnteredAt: daysAgo(10),
      stageHistory: [{ stage: 'appointmentscheduled', at: daysAgo(60) }, { stage: 'qualifiedtobuy', at: daysAgo(30) }, { stage: 'contractsent', at: daysAgo(10) }],
    });
    expect(timeline(customer({ lifecycle: 'lead', createdAt: daysAgo(400) }, [d]))).toEqual([
      ['awareness', daysAgo(400), 'contact created'],
      ['consideration', daysAgo(60), 'deal entered appointmentscheduled'],
      ['decision', daysAgo(10), 'deal entered contractsent'],
    ]);
  });

  it('replays time windows: a win becomes post-purchase 90 days after it', () => {
    const d = won(120, { createdAt: daysAgo(150), stageHistory: [{ stage: 'appointmentscheduled', at: daysAgo(150) }, { stage: 'closedwon', at: daysAgo(120) }] });
    expect(timeline(customer({ lifecycle: null, createdAt: daysAgo(200) }, [d]))).toEqual([
      ['awareness', daysAgo(200), 'contact created'],
      ['consideration', daysAgo(150), 'deal entered appointmentscheduled'],
      ['purchase', daysAgo(120), 'deal entered closedwon'],
      ['post_purchase', daysAgo(120) + 90 * DAY_MS + 1, '90 days after deal entered closedwon'],
    ]);
  });

  it('falls back to the first observation only when nothing in the CRM is dated', () => {
    const c = customer({ lifecycle: 'opportunity', createdAt: null });
    expect(stageTimeline(hubspot, c, { journeyId: 'default', stage: 'decision' }, NOW)).toEqual([{ stage: 'decision', at: NOW, basis: FIRST_OBSERVED, kind: 'first_observed', evidence: false }]);
  });

  it('ignores dates after now and before the contact existed', () => {
    const d = deal({ stage: 'contractsent', createdAt: daysAgo(900), stageHistory: [{ stage: 'contractsent', at: daysAgo(900) }] });
    const c = customer({ lifecycle: 'lead', createdAt: daysAgo(30), lifecycleDates: { lead: NOW + DAY_MS } }, [d]);
    // The deal predates the contact: at the contact's creation it is already in contractsent.
    expect(timeline(c)).toEqual([['decision', daysAgo(30), 'contact created']]);
  });

  it('dates a Salesforce Lead by its creation (lead status has no history)', () => {
    const c = customer({ objectType: 'Lead', lifecycle: 'Working - Contacted', createdAt: daysAgo(100) });
    expect(timeline(c, salesforce)).toEqual([['consideration', daysAgo(100), 'Lead created']]);
  });

  it('ends on the stage the engine gives now, for every kind of customer', () => {
    const customers = [
      customer({ lifecycle: 'customer', createdAt: daysAgo(500), lifecycleDates: { customer: daysAgo(100) } }, [won(10)]),
      customer({ lifecycle: 'customer', lifecycleDates: { lead: daysAgo(300), customer: daysAgo(200) } }, [], [ticket({ createdAt: daysAgo(20) })]),
      customer({ lifecycle: 'lead' }, [deal({ stage: 'closedlost', isClosed: true, closedAt: daysAgo(3) })]),
      customer({ lifecycle: 'opportunity', createdAt: daysAgo(2) }, [won(200, { createdAt: daysAgo(300) })]),
    ];
    for (const c of customers) {
      const state = hubspot.evaluate(c, NOW);
      const t = stageTimeline(hubspot, c, { journeyId: state.journeyId, stage: state.stage.id }, NOW);
      expect(t.at(-1)?.stage).toBe(state.stage.id);
      for (let i = 1; i < t.length; i++) expect((t[i] as StageEntry).at).toBeGreaterThan((t[i - 1] as StageEntry).at);
    }
  });
});

describe('customer as of an earlier time', () => {
  it('drops records created later, reopens tickets closed later, rewinds deals and the lifecycle', () => {
    const d = deal({
      stage: 'closedwon', isClosed: true, isWon: true, closedAt: daysAgo(10), createdAt: daysAgo(50),
      stageHistory: [{ stage: 'appointmentscheduled', at: daysAgo(50) }, { stage: 'contractsent', at: daysAgo(30) }, { stage: 'closedwon', at: daysAgo(10) }],
    });
    const later = deal({ createdAt: daysAgo(5) });
    const t = ticket({ createdAt: daysAgo(40), closedAt: daysAgo(20), firstResponseAt: daysAgo(35), isOpen: false });
    const c = customer({ lifecycle: 'customer', lifecycleDates: { lead: daysAgo(60), opportunity: daysAgo(30), customer: daysAgo(10) } }, [d, later], [t]);
    const past = customerAsOf(c, daysAgo(25));
    expect(past.contact.lifecycle).toBe('opportunity');
    expect(past.deals).toHaveLength(1);
    expect(past.deals[0]).toMatchObject({ stage: 'contractsent', isClosed: false, isWon: false, closedAt: null, stageEnteredAt: daysAgo(30), stagesReached: ['appointmentscheduled', 'contractsent'] });
    expect(past.tickets[0]).toMatchObject({ isOpen: true, closedAt: null, firstResponseAt: daysAgo(35) });
    // Now is now: the same records.
    const present = customerAsOf(c, NOW);
    expect(present.deals[0]).toBe(d);
    expect(present.contact).toBe(c.contact);
    // The original is untouched.
    expect(d.stage).toBe('closedwon');
  });
});

describe('choosing a stage entry against the ledger', () => {
  const evidence = (stage: string, at: number, basis: string): StageEntry => ({ stage, at, basis, kind: basis.startsWith('deal') ? 'deal' : 'created', evidence: true });

  it('on first sight, records the whole timeline as backfilled', () => {
    const d = chooseStageEntry({ timeline: [evidence('awareness', 100, 'contact created'), evidence('decision', 500, 'deal entered contractsent')], open: undefined, crmEntered: null, now: 1_000 });
    expect(d).toEqual({
      at: 500,
      basis: 'deal entered contractsent',
      kind: 'deal',
      entries: [
        { stage: 'awareness', at: 100, basis: 'contact created', backfilled: true },
        { stage: 'decision', at: 500, basis: 'deal entered contractsent', backfilled: true },
      ],
    });
  });

  it('on first sight with no evidence, keeps a date the CRM already shows for that stage, else the observation', () => {
    const timeline: StageEntry[] = [evidence('awareness', 100, 'contact created'), { stage: 'decision', at: 1_000, basis: FIRST_OBSERVED, kind: 'first_observed', evidence: false }];
    expect(chooseStageEntry({ timeline, open: undefined, crmEntered: 700, now: 1_000 })).toMatchObject({ at: 700, basis: KEPT_FROM_CRM, kind: 'kept' });
    expect(chooseStageEntry({ timeline, open: undefined, crmEntered: null, now: 1_000 })).toMatchObject({ at: 1_000, basis: FIRST_OBSERVED, kind: 'first_observed' });
    // A kept date before the previous stay began cannot be this stay's start.
    expect(chooseStageEntry({ timeline, open: undefined, crmEntered: 50, now: 1_000 }).entries.at(-1)).toEqual({ stage: 'decision', at: 1_000, basis: FIRST_OBSERVED, backfilled: false });
  });

  it('after an open stay, takes the CRM date only if it is not older than that stay', () => {
    const timeline = [evidence('awareness', 100, 'contact created'), evidence('decision', 500, 'deal entered contractsent')];
    expect(chooseStageEntry({ timeline, open: { stage: 'awareness', enteredAt: 300, basis: null }, crmEntered: null, now: 1_000 })).toEqual({
      at: 500, basis: 'deal entered contractsent', kind: 'deal', entries: [{ stage: 'decision', at: 500, basis: 'deal entered contractsent', backfilled: false }],
    });
    expect(chooseStageEntry({ timeline, open: { stage: 'awareness', enteredAt: 600, basis: null }, crmEntered: null, now: 1_000 })).toEqual({
      at: 1_000, basis: OBSERVED, kind: 'observed', entries: [{ stage: 'decision', at: 1_000, basis: OBSERVED, backfilled: false }],
    });
  });

  it('says the date and the evidence', () => {
    expect(sinceText(Date.parse('2026-10-02T09:00:00Z'), 'deal entered contractsent')).toBe('since 2026-10-02, deal entered contractsent');
    expect(sinceText(Date.parse('2026-10-02T09:00:00Z'), null)).toBe('since 2026-10-02, recorded by Parcours');
  });
});

describe('engine helpers for replays', () => {
  it('stageOf agrees with evaluate, and stageWindows lists the stage rules\' time windows', () => {
    const c = customer({ lifecycle: 'lead' }, [deal({ stage: 'contractsent' })]);
    expect(hubspot.stageOf(c, NOW, 'default')).toBe(hubspot.evaluate(c, NOW).stage.id);
    expect(hubspot.stageWindows('default')).toEqual([90 * DAY_MS]);
  });
});
