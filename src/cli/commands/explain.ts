import type { Command } from 'commander';
import { compileEngine } from '../../journey/engine.ts';
import { sinceText, stageTimeline } from '../../journey/stage-entry.ts';
import { formatDate } from '../../journey/trace.ts';
import { loadMapping } from '../../mapping/load.ts';
import { ParcoursError } from '../../errors.ts';
import type { FieldHistoryEntry } from '../../../connectors/port.ts';
import type { ContactRecord, Customer, DealRecord, TicketRecord } from '../../model.ts';
import { checkFields } from '../../sync/field-check.ts';
import { fieldNeeds } from '../../sync/field-spec.ts';
import { openContext } from '../context.ts';
import { readCustomerFile, sortTouchpoints } from '../customer-file.ts';
import type { CliIo } from '../io.ts';

interface ExplainFlags { mapping?: string; customer?: string; crm?: string; contact?: string; at?: string; json?: boolean }

export function registerExplain(program: Command, io: CliIo): void {
  program
    .command('explain')
    .description('evaluate one customer and print its stage, segments, flags and the rule trace')
    .option('--mapping <file>', 'mapping file (default mappings/<crm>.yaml, or mappings/hubspot.yaml with --customer)')
    .option('--customer <file>', 'the customer as canonical JSON (contact, deals, tickets)')
    .option('--crm <crm>', 'fetch the customer live from this CRM (with --contact)')
    .option('--contact <id>', 'CRM id of the contact (HubSpot contact id; Salesforce Contact or Lead id)')
    .option('--at <date>', 'evaluation time (ISO 8601); default now')
    .option('--json', 'print the journey state as JSON')
    .action(async (opts: ExplainFlags) => {
      const now = opts.at ? Date.parse(opts.at) : Date.now();
      if (Number.isNaN(now)) throw new ParcoursError('INPUT_INVALID', `--at: not a date: "${opts.at}"`);
      let customer: Customer;
      let engine;
      let touchpointSource: string | null = null;
      // The stage field's history as the CRM keeps it (what a rep sees on the record), live runs only.
      let crmHistory: { field: string; entries: FieldHistoryEntry[] } | { field: string; error: string } | null = null;
      if (opts.customer) {
        engine = compileEngine(loadMapping(opts.mapping ?? 'mappings/hubspot.yaml'));
        customer = readCustomerFile(opts.customer);
      } else if (opts.crm && opts.contact) {
        const ctx = openContext(opts.crm, opts);
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
            customer.touchpoints = ctx.store.touchpointsOf(ctx.installation, opts.contact);
            touchpointSource = 'as stored by the last sync (this connector cannot read one customer\'s touchpoints live)';
          }
        } finally {
          ctx.close();
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
