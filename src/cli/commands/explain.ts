import type { Command } from 'commander';
import { compileEngine } from '../../journey/engine.ts';
import { sinceText, stageTimeline } from '../../journey/stage-entry.ts';
import { formatDate } from '../../journey/trace.ts';
import { loadMapping } from '../../mapping/load.ts';
import { ParcoursError } from '../../errors.ts';
import type { FieldHistoryEntry } from '../../../connectors/port.ts';
import type { ContactRecord, Customer, DealRecord, LinkedCustomer, TicketRecord } from '../../model.ts';
import { mergeLinkedCustomer } from '../../journey/linked.ts';
import { openLink } from '../link-context.ts';
import { defaultLinkedMapping } from '../../config.ts';
import { checkFields } from '../../sync/field-check.ts';
import { fieldNeeds } from '../../sync/field-spec.ts';
import { openContext } from '../context.ts';
import { readCustomerFile, sortTouchpoints } from '../customer-file.ts';
import type { CliIo } from '../io.ts';

interface ExplainFlags { mapping?: string; customer?: string; crm?: string; contact?: string; link?: string | true; email?: string; at?: string; json?: boolean }

const normEmail = (e: string | null | undefined): string => (e ?? '').trim().toLowerCase();

/** The addresses a side's contact answers to (HubSpot: `email` and `hs_additional_emails`). */
function addresses(c: ContactRecord): string[] {
  return [c.email, ...(c.additionalEmails ?? [])].map(normEmail).filter(Boolean);
}

/** How a linked customer's two records were matched, in words. */
function matchText(lc: LinkedCustomer): string {
  if (lc.match && lc.hubspot && lc.salesforce) {
    if (lc.match.reason === 'email') return `linked by e-mail: ${lc.match.email ?? '?'} on both records`;
    const ids = lc.hubspot.contact.integrationIds;
    const property = ids?.salesforceContactId === lc.salesforce.contact.id ? 'salesforcecontactid' : ids?.salesforceLeadId === lc.salesforce.contact.id ? 'salesforceleadid' : 'salesforcecontactid / salesforceleadid';
    return `linked by the integration's id: HubSpot ${property} = ${lc.salesforce.contact.id}`;
  }
  if (lc.conflict) return `not merged: ${lc.conflict.email} is on ${lc.conflict.records.length} ${lc.conflict.side} records (${lc.conflict.records.map((r) => `${r.objectType} ${r.id}`).join(', ')}) — a conflict, evaluated per record`;
  return `not linked: only in ${lc.hubspot ? 'HubSpot' : 'Salesforce'} (no integration id, no record with this e-mail on the other side)`;
}

function recordText(crm: 'HubSpot' | 'Salesforce', c: Customer): string[] {
  const k = c.contact;
  const lines = [`  ${crm} ${k.objectType} ${k.id}: ${[k.email, ...(k.additionalEmails ?? [])].filter(Boolean).join(', ') || '(no e-mail)'}; lifecycle ${k.lifecycle ?? '—'}; created ${k.createdAt === null ? '—' : formatDate(k.createdAt)}; ${c.deals.length} deal${c.deals.length === 1 ? '' : 's'}, ${c.tickets.length} ticket${c.tickets.length === 1 ? '' : 's'}, ${c.touchpoints?.length ?? 0} touchpoints`];
  for (const d of c.deals) lines.push(`    deal ${d.objectType} ${d.id} "${d.name ?? ''}": ${d.stage ?? '—'}${d.isWon ? ', won' : d.isClosed ? ', lost' : ''}${d.closedAt !== null ? ` ${formatDate(d.closedAt)}` : ''}`);
  for (const t of c.tickets) lines.push(`    ticket ${t.objectType} ${t.id} "${t.subject ?? ''}": ${t.isOpen ? 'open' : 'closed'}`);
  return lines;
}

/** `explain --link [ID] --email x`: both records as the mirrors hold them, how they were matched, the merged evaluation. */
async function explainLinked(io: CliIo, opts: ExplainFlags, now: number): Promise<void> {
  if (!opts.email) throw new ParcoursError('INPUT_INVALID', 'explain --link needs --email <address> (the person\'s e-mail on either side)');
  const ctx = await openLink(opts.link ?? true);
  try {
    const engine = compileEngine(loadMapping(opts.mapping ?? defaultLinkedMapping(ctx.env)));
    const wanted = normEmail(opts.email);
    const found: LinkedCustomer[] = [];
    for await (const lc of ctx.store.iterateLinkedCustomers(ctx.link.id, { touchpoints: true })) {
      const sides = [lc.hubspot, lc.salesforce].filter((c): c is Customer => c !== null);
      if (sides.some((c) => addresses(c.contact).includes(wanted))) found.push(lc);
    }
    if (found.length === 0) throw new ParcoursError('NOT_FOUND', `no customer of link ${ctx.link.id} has the e-mail ${opts.email} (as the last sync stored them: run "parcours sync --link${ctx.link.id === 'default' ? '' : ` ${ctx.link.id}`}" first)`, { link: ctx.link.id });
    const results = found.map((lc) => {
      const merged = mergeLinkedCustomer(lc);
      return { lc, merged, explained: engine.explain(merged, now) };
    });
    if (opts.json) {
      io.out(JSON.stringify({
        link: ctx.link.id,
        email: wanted,
        customers: results.map(({ lc, explained }) => ({
          key: lc.key,
          matched: matchText(lc),
          match: lc.match,
          conflict: lc.conflict,
          hubspot: lc.hubspot,
          salesforce: lc.salesforce,
          state: explained.state,
          touchpointsUsed: explained.touchpointsUsed,
        })),
      }, null, 2));
      return;
    }
    io.out(`link ${ctx.link.id} (${ctx.link.hubspot} + ${ctx.link.salesforce}): ${results.length} customer${results.length === 1 ? '' : 's'} with ${wanted}`);
    for (const { lc, explained } of results) {
      io.out('');
      io.out(`customer ${lc.key} — ${matchText(lc)}`);
      if (lc.hubspot) for (const line of recordText('HubSpot', lc.hubspot)) io.out(line);
      if (lc.salesforce) for (const line of recordText('Salesforce', lc.salesforce)) io.out(line);
      io.out(lc.hubspot && lc.salesforce ? 'merged evaluation (both records as one customer; written to both):' : 'evaluation (this record alone):');
      for (const line of explained.lines) io.out(`  ${line}`);
    }
  } finally {
    await ctx.close();
  }
}

export function registerExplain(program: Command, io: CliIo): void {
  program
    .command('explain')
    .description('evaluate one customer and print its stage, segments, flags and the rule trace')
    .option('--mapping <file>', 'mapping file (default mappings/<crm>.yaml, or mappings/hubspot.yaml with --customer)')
    .option('--customer <file>', 'the customer as canonical JSON (contact, deals, tickets)')
    .option('--crm <crm>', 'fetch the customer live from this CRM (with --contact)')
    .option('--link [id]', 'a customer of a link (with --email): both records, how they were matched, the merged evaluation (default: the environment link)')
    .option('--email <address>', 'with --link: the person\'s e-mail on either side')
    .option('--contact <id>', 'CRM id of the contact (HubSpot contact id; Salesforce Contact or Lead id)')
    .option('--at <date>', 'evaluation time (ISO 8601); default now')
    .option('--json', 'print the journey state as JSON')
    .action(async (opts: ExplainFlags) => {
      const now = opts.at ? Date.parse(opts.at) : Date.now();
      if (Number.isNaN(now)) throw new ParcoursError('INPUT_INVALID', `--at: not a date: "${opts.at}"`);
      if (opts.link !== undefined) return await explainLinked(io, opts, now);
      let customer: Customer;
      let engine;
      let touchpointSource: string | null = null;
      // The stage field's history as the CRM keeps it (what a rep sees on the record), live runs only.
      let crmHistory: { field: string; entries: FieldHistoryEntry[] } | { field: string; error: string } | null = null;
      if (opts.customer) {
        engine = compileEngine(loadMapping(opts.mapping ?? 'mappings/hubspot.yaml'));
        customer = readCustomerFile(opts.customer);
      } else if (opts.crm && opts.contact) {
        const ctx = await openContext(opts.crm, opts);
        try {
          // Rules on fields the CRM lacks are off (the trace says so), and are not asked for.
          engine = (await checkFields(ctx.connector, ctx.engine)).engine;
          // Owned fields are not needed to explain, and may not exist yet (explain before setup).
          const needs = { ...fieldNeeds(ctx.engine.mapping), owned: { contact: [], deal: [], ticket: [] } };
          const records = await ctx.connector.fetchCustomer(opts.contact, needs).catch((error: unknown) => {
            if (error instanceof ParcoursError && error.code === 'NOT_FOUND') {
              throw new ParcoursError('NOT_FOUND', `contact ${opts.contact} was not found in ${ctx.crm}: ${error.message}`, { ...error.context, recordId: opts.contact });
            }
            throw error;
          });
          customer = toCustomer(opts.contact, records);
          const stageField = ctx.engine.mapping.writeback.contact.stage;
          if (ctx.connector.fieldHistory && stageField) {
            const ref = { kind: 'contact' as const, objectType: customer.contact.objectType, id: customer.contact.id };
            crmHistory = await ctx.connector.fieldHistory(ref, stageField).then(
              (entries) => ({ field: stageField, entries }),
              (error: unknown) => ({ field: stageField, error: error instanceof Error ? error.message : String(error) }),
            );
          }
          // Touchpoints live when the connector can fetch one customer's; else what the last sync stored.
          if (ctx.connector.fetchTouchpoints) {
            customer.touchpoints = sortTouchpoints(await ctx.connector.fetchTouchpoints(opts.contact));
            touchpointSource = 'read live from the CRM';
          } else if (ctx.connector.pullTouchpoints) {
            customer.touchpoints = await ctx.store.touchpointsOf(ctx.installation, opts.contact);
            touchpointSource = 'as stored by the last sync (this connector cannot read one customer\'s touchpoints live)';
          }
        } finally {
          await ctx.close();
        }
      } else {
        throw new ParcoursError('INPUT_INVALID', 'explain needs --customer <json-file>, or --crm <crm> --contact <id>');
      }
      const result = engine.explain(customer, now);
      // What the CRM's dated history says (what a first sync writes and backfills); the ledger is not read here.
      const history = stageTimeline(engine, customer, { journeyId: result.state.journeyId, stage: result.state.stage.id }, now);
      const entered = history.at(-1);
      if (opts.json) {
        const touchpoints = customer.touchpoints ? { touchpoints: customer.touchpoints, touchpointsUsed: result.touchpointsUsed } : {};
        io.out(JSON.stringify({ ...result.state, stageHistory: history, ...touchpoints, ...(crmHistory ? { crmStageHistory: crmHistory } : {}) }, null, 2));
      } else {
        for (const line of result.lines) io.out(line);
        if (touchpointSource) io.out(`touchpoints: ${touchpointSource}`);
        io.out('');
        io.out(`stage entry by the CRM's dates: ${entered ? sinceText(entered.at, entered.basis) : 'none'}`);
        io.out('stage history the CRM dates (a first sync backfills the ledger with it):');
        for (const e of history) io.out(`  ${formatDate(e.at)} ${e.stage} — ${e.basis}`);
        if (crmHistory) {
          io.out(`stage history reps see in the CRM (${crmHistory.field}, the CRM's own field history):`);
          if ('error' in crmHistory) io.out(`  unavailable: ${crmHistory.error}`);
          else if (crmHistory.entries.length === 0) io.out('  none yet (Parcours has not written this record, or history tracking is off)');
          else for (const e of crmHistory.entries) io.out(`  ${formatDate(e.at)} ${e.value ?? '(cleared)'}${e.source ? ` — ${e.source}` : ''}`);
        }
      }
    });
}

function toCustomer(contactId: string, records: Awaited<ReturnType<import('../../../connectors/port.ts').CrmConnector['fetchCustomer']>>): Customer {
  const contact = records.find((r): r is ContactRecord => r.kind === 'contact' && r.id === contactId);
  if (!contact) throw new ParcoursError('NOT_FOUND', `contact ${contactId} was not found in the CRM`, { recordId: contactId });
  return {
    contact,
    deals: records.filter((r): r is DealRecord => r.kind === 'deal'),
    tickets: records.filter((r): r is TicketRecord => r.kind === 'ticket'),
  };
}
