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
  const { db, clock, ids, audit } = platform;

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

  /** Only one template is the default: making one the default unmakes the other. */
  async function clearDefault(tx: Db, sellerId: string, keep: string): Promise<void> {
    await tx.update(freightTemplates).set({ isDefault: false }).where(and(eq(freightTemplates.sellerId, sellerId), eq(freightTemplates.isDefault, true), ne(freightTemplates.id, keep)));
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
        if (isDefault) await clearDefault(tx, seller.sellerId, id);
        const [row] = await tx
          .insert(freightTemplates)
          .values({ sellerId: seller.sellerId, id, name: input.name, isDefault, handlingDays: input.handlingDays, rules: input.rules, version: 1, createdAt: now, updatedAt: now })
          .returning()
          .catch(nameTaken);
        await audit.record(tx, { actor: actorOf(caller), action: 'freight_template.create', subject: { type: 'freight_template', id }, sellerId: seller.sellerId, to: { name: input.name, isDefault } });
        return toTemplate(row!);
      });
    },

    async replace(caller: Caller, templateId: string, input: FreightTemplateInput): Promise<FreightTemplate> {
      await checked(input);
      return inTransaction(db, async (tx) => {
        const row = await loadOwn(tx, caller, templateId, 'update');
        const isDefault = input.isDefault ?? row.isDefault;
        if (isDefault) await clearDefault(tx, row.sellerId, row.id);
        const [updated] = await tx
          .update(freightTemplates)
          .set({ name: input.name, isDefault, handlingDays: input.handlingDays, rules: input.rules, version: row.version + 1, updatedAt: clock.now() })
          .where(and(eq(freightTemplates.sellerId, row.sellerId), eq(freightTemplates.id, row.id)))
          .returning()
          .catch(nameTaken);
        await audit.record(tx, { actor: actorOf(caller), action: 'freight_template.update', subject: { type: 'freight_template', id: row.id }, sellerId: row.sellerId, from: { version: row.version }, to: { version: row.version + 1 } });
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
