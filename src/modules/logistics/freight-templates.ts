import { and, asc, eq, ne } from 'drizzle-orm';
import type { Platform } from '../../platform/index.ts';
import { inTransaction, isUniqueViolation, type Db } from '../../platform/db/index.ts';
import { conflict, notFound, validationFailed } from '../../platform/errors/index.ts';
import { registerIdPrefix } from '../../platform/ids/index.ts';
import type { Money } from '../../platform/money/index.ts';
import { actorOf, authorize, requireSeller, type Caller } from '../identity/index.ts';
import type { QuoteResult, ServiceQuote } from './quote.ts';
import { freightTermsProblems, ruleFor, shipsFree, type FreightTemplateTerms } from './rules.ts';
import { freightTemplates } from './schema.ts';

const TEMPLATE_PREFIX = registerIdPrefix('frt', 'freight template');

/**
 * A seller's freight templates changed. Created, changed and deleted carry
 * { sellerId, templateId, isDefault, wasDefault }: whether the template is the seller's default
 * after the change and was before it, so a reader can tell whether what buyers are offered moved.
 * defaultChanged follows any of them that moved the default: { sellerId, templateId, previousTemplateId },
 * either null when the seller has (or had) no default.
 */
export const FREIGHT_TEMPLATE_EVENTS = {
  created: 'logistics.freight_template.created',
  changed: 'logistics.freight_template.changed',
  deleted: 'logistics.freight_template.deleted',
  defaultChanged: 'logistics.freight_template.default_changed',
} as const;

export interface FreightTemplate extends FreightTemplateTerms {
  id: string;
  sellerId: string;
  name: string;
  isDefault: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface FreightTemplateInput extends FreightTemplateTerms {
  name: string;
  isDefault?: boolean;
}

/** What the buyer is offered for one service under a template: the price they pay and when it arrives. */
export interface ShippingOffer {
  serviceCode: string;
  serviceName: string;
  /** Zero when the seller ships free. */
  buyerPays: Money;
  free: boolean;
  /** The carrier's window plus the seller's handling time. */
  deliveryDays: { min: number; max: number };
  /** The service's own quote: what the seller pays for the label, line by line. */
  quote: ServiceQuote;
}

export type TemplateOffers = { ships: true; offers: ShippingOffer[] } | { ships: false; reason: string };

type Row = typeof freightTemplates.$inferSelect;

const toTemplate = (row: Row): FreightTemplate => ({ ...row, rules: row.rules as FreightTemplate['rules'] });

export function createFreightTemplates(
  platform: Platform,
  deps: { serviceCodes: () => Promise<ReadonlySet<string>> },
) {
  const { db, clock, ids, audit, events } = platform;

  async function checked(input: FreightTemplateInput): Promise<void> {
    const problems = freightTermsProblems(input, await deps.serviceCodes());
    if (problems.length > 0) throw validationFailed(problems.map((p) => ({ in: 'body', ...p })));
  }

  async function loadOwn(tx: Db, caller: Caller, templateId: string, action: 'read' | 'update' | 'delete'): Promise<Row> {
    const seller = requireSeller(caller.principal);
    const [row] = await tx.select().from(freightTemplates).where(and(eq(freightTemplates.sellerId, seller.sellerId), eq(freightTemplates.id, templateId)));
    if (!row) throw notFound('freight template', templateId);
    authorize(seller, action, 'Product', { sellerId: row.sellerId });
    return row;
  }

  /** Only one template is the default: making one the default unmakes the other, whose id it returns. */
  async function clearDefault(tx: Db, sellerId: string, keep: string): Promise<string | null> {
    const [previous] = await tx
      .update(freightTemplates)
      .set({ isDefault: false })
      .where(and(eq(freightTemplates.sellerId, sellerId), eq(freightTemplates.isDefault, true), ne(freightTemplates.id, keep)))
      .returning({ id: freightTemplates.id });
    return previous?.id ?? null;
  }

  /**
   * The change's event and, when the seller's default template moved, the default's own event.
   * `previousDefault` is the other template that was the default before the change, if any.
   */
  async function publish(tx: Db, type: (typeof FREIGHT_TEMPLATE_EVENTS)['created' | 'changed' | 'deleted'], template: { sellerId: string; id: string }, change: { isDefault: boolean; wasDefault: boolean; previousDefault: string | null }): Promise<void> {
    const { sellerId, id: templateId } = template;
    const subject = { type: 'freight_template', id: templateId };
    await events.publish(tx, { type, subject, sellerId, payload: { sellerId, templateId, isDefault: change.isDefault, wasDefault: change.wasDefault } });
    if (change.isDefault === change.wasDefault) return;
    const payload = { sellerId, templateId: change.isDefault ? templateId : null, previousTemplateId: change.wasDefault ? templateId : change.previousDefault };
    await events.publish(tx, { type: FREIGHT_TEMPLATE_EVENTS.defaultChanged, subject, sellerId, payload });
  }

  const nameTaken = (error: unknown) => {
    if (isUniqueViolation(error, 'freight_templates_name_idx')) throw conflict('template_name_taken', 'Another of your freight templates has this name.');
    throw error;
  };

  return {
    async create(caller: Caller, input: FreightTemplateInput): Promise<FreightTemplate> {
      const seller = requireSeller(caller.principal);
      authorize(seller, 'create', 'Product', { sellerId: seller.sellerId });
      await checked(input);
      return inTransaction(db, async (tx) => {
        const now = clock.now();
        const [existing] = await tx.select({ id: freightTemplates.id }).from(freightTemplates).where(eq(freightTemplates.sellerId, seller.sellerId)).limit(1);
        const id = ids(TEMPLATE_PREFIX);
        // A seller's first template is their default.
        const isDefault = input.isDefault ?? !existing;
        const previousDefault = isDefault ? await clearDefault(tx, seller.sellerId, id) : null;
        const [row] = await tx
          .insert(freightTemplates)
          .values({ sellerId: seller.sellerId, id, name: input.name, isDefault, handlingDays: input.handlingDays, rules: input.rules, version: 1, createdAt: now, updatedAt: now })
          .returning()
          .catch(nameTaken);
        await audit.record(tx, { actor: actorOf(caller), action: 'freight_template.create', subject: { type: 'freight_template', id }, sellerId: seller.sellerId, to: { name: input.name, isDefault } });
        await publish(tx, FREIGHT_TEMPLATE_EVENTS.created, row!, { isDefault, wasDefault: false, previousDefault });
        return toTemplate(row!);
      });
    },

    async replace(caller: Caller, templateId: string, input: FreightTemplateInput): Promise<FreightTemplate> {
      await checked(input);
      return inTransaction(db, async (tx) => {
        const row = await loadOwn(tx, caller, templateId, 'update');
        const isDefault = input.isDefault ?? row.isDefault;
        const previousDefault = isDefault ? await clearDefault(tx, row.sellerId, row.id) : null;
        const [updated] = await tx
          .update(freightTemplates)
          .set({ name: input.name, isDefault, handlingDays: input.handlingDays, rules: input.rules, version: row.version + 1, updatedAt: clock.now() })
          .where(and(eq(freightTemplates.sellerId, row.sellerId), eq(freightTemplates.id, row.id)))
          .returning()
          .catch(nameTaken);
        await audit.record(tx, { actor: actorOf(caller), action: 'freight_template.update', subject: { type: 'freight_template', id: row.id }, sellerId: row.sellerId, from: { version: row.version }, to: { version: row.version + 1 } });
        await publish(tx, FREIGHT_TEMPLATE_EVENTS.changed, row, { isDefault, wasDefault: row.isDefault, previousDefault });
        return toTemplate(updated!);
      });
    },

    /** The template a seller's buyers are quoted under when none is named; null when the seller has none. */
    async defaultOf(tx: Db, sellerId: string): Promise<FreightTemplate | null> {
      const [row] = await tx.select().from(freightTemplates).where(and(eq(freightTemplates.sellerId, sellerId), eq(freightTemplates.isDefault, true)));
      return row ? toTemplate(row) : null;
    },

    async get(caller: Caller, templateId: string): Promise<FreightTemplate> {
      return toTemplate(await loadOwn(db, caller, templateId, 'read'));
    },

    async list(caller: Caller): Promise<FreightTemplate[]> {
      const seller = requireSeller(caller.principal);
      authorize(seller, 'read', 'Product', { sellerId: seller.sellerId });
      const rows = await db.select().from(freightTemplates).where(eq(freightTemplates.sellerId, seller.sellerId)).orderBy(asc(freightTemplates.name));
      return rows.map(toTemplate);
    },

    async remove(caller: Caller, templateId: string): Promise<void> {
      await inTransaction(db, async (tx) => {
        const row = await loadOwn(tx, caller, templateId, 'delete');
        await tx.delete(freightTemplates).where(and(eq(freightTemplates.sellerId, row.sellerId), eq(freightTemplates.id, row.id)));
        await audit.record(tx, { actor: actorOf(caller), action: 'freight_template.delete', subject: { type: 'freight_template', id: row.id }, sellerId: row.sellerId, from: { name: row.name } });
        await publish(tx, FREIGHT_TEMPLATE_EVENTS.deleted, row, { isDefault: false, wasDefault: row.isDefault, previousDefault: null });
      });
    },

    /**
     * The buyer's offers under a template for a quoted parcel: the services the seller offers to that
     * destination that can carry it, in the seller's order, each at its price or free, with the
     * handling time added to the delivery window.
     */
    offers(template: FreightTemplateTerms, quoted: QuoteResult, destination: string, orderValue: Money, convert: (value: Money, currency: string) => Money | null): TemplateOffers {
      const rule = ruleFor(template, destination);
      if (!rule) return { ships: false, reason: `The seller does not ship to ${destination}.` };
      const byCode = new Map(quoted.quotes.map((q) => [q.serviceCode, q]));
      const threshold = rule.freeShipping.kind === 'over' ? rule.freeShipping.threshold : null;
      const comparable = threshold ? (convert(orderValue, threshold.currency)?.amount ?? null) : null;
      const offers = rule.services.flatMap((code): ShippingOffer[] => {
        const quote = byCode.get(code);
        if (!quote) return [];
        const free = shipsFree(rule.freeShipping, code, comparable);
        return [
          {
            serviceCode: code,
            serviceName: quote.serviceName,
            buyerPays: free ? { amount: 0, currency: quote.currency } : { amount: quote.total.amount, currency: quote.currency },
            free,
            deliveryDays: { min: quote.deliveryDays.min + template.handlingDays, max: quote.deliveryDays.max + template.handlingDays },
            quote,
          },
        ];
      });
      if (offers.length === 0) return { ships: false, reason: 'None of the services the seller offers there can carry this parcel.' };
      return { ships: true, offers };
    },
  };
}

export type FreightTemplatesService = ReturnType<typeof createFreightTemplates>;
