import path from 'node:path';
import type { Platform } from '../../platform/index.ts';
import type { Db } from '../../platform/db/index.ts';
import { validationFailed } from '../../platform/errors/index.ts';
import { DATA_DIR } from '../../platform/paths.ts';
import { ReferenceCollection } from '../../platform/reference/index.ts';
import { actorOf, authorize, requireOperator, type Caller } from '../identity/index.ts';
import { evaluateAdmission, loadAdmissionRules, type AdmissionProduct, type ContentHit, type MarketDecision } from './admission.ts';
import type { CertificatesService } from './certificates.ts';
import { compileDiversionRules, loadDiversionRulesFile } from './diversion.ts';
import { appliesIn, compileProhibitedList, loadProhibitedListFile, parseProhibitedList, type ProhibitedHit, type ProhibitedItem, type ProhibitedList, type TextField } from './prohibited.ts';

export const PROHIBITED_LIST_EVENTS = { changed: 'compliance.prohibited_list.changed' } as const;

/** What the prohibited-items collection keeps per item (its key is the item id). */
export type ProhibitedItemDefinition = Omit<ProhibitedItem, 'id'> & { categoryNames: Record<string, string> };

export interface ProductForAdmission {
  productId: string;
  product: AdmissionProduct;
  /** Every text buyers see: titles, descriptions, warnings, brand, attribute texts, with their paths. */
  texts: TextField[];
  hsCode: string | null;
}

export interface MarketsView {
  groups: Readonly<Record<string, readonly string[]>>;
  expand(code: string): string[];
  languageOf(market: string): string | undefined;
}

export function createAdmissionService(platform: Platform, deps: { certificates: CertificatesService; markets: MarketsView }) {
  const { db, clock, audit, events } = platform;
  const rules = loadAdmissionRules(path.join(DATA_DIR, 'compliance', 'admission-rules.json'));
  const diversion = compileDiversionRules(loadDiversionRulesFile(path.join(DATA_DIR, 'compliance', 'diversion-rules.json')));
  const groups = deps.markets.groups as Record<string, string[]>;

  const toList = (items: ReadonlyMap<string, ProhibitedItemDefinition>, revision: number): ProhibitedList => {
    const categories = new Map<string, Record<string, string>>();
    for (const item of items.values()) categories.set(item.categoryCode, item.categoryNames);
    return {
      version: String(revision),
      published: clock.now().toISOString().slice(0, 10),
      languages: ['en', 'zh', 'es', 'fr', 'ru', 'pt', 'ar', 'ko'],
      categories: [...categories].map(([code, names]) => ({ code, names })),
      items: [...items].map(([id, item]) => ({ id, categoryCode: item.categoryCode, names: item.names, keywords: item.keywords, exclusions: item.exclusions, hsCodes: item.hsCodes, jurisdictions: item.jurisdictions, action: item.action, ...(item.licence ? { licence: item.licence } : {}) })),
    };
  };

  const prohibited = new ReferenceCollection<ProhibitedItemDefinition>('prohibited_items', { clock, audit }, (items) => {
    // The whole list must still parse as a list after any change.
    parseProhibitedList(listJson(toList(items, 0)));
  });

  const covers = (listed: readonly string[], market: string) => listed.some((code) => code === market || (groups[code]?.includes(market) ?? false));

  async function matcher(tx: Db) {
    const { revision, value } = await prohibited.derive(tx, 'matcher', (items, rev) => compileProhibitedList(toList(items, rev)));
    return { revision, matcher: value };
  }

  return {
    rules,
    prohibited,

    /** Judges products for every market they are offered in; certificates are loaded in one query. */
    async evaluate(tx: Db, sellerId: string, products: readonly ProductForAdmission[]): Promise<Map<string, MarketDecision[]>> {
      const certificates = await deps.certificates.factsFor(tx, sellerId, products.map((p) => p.productId));
      const { revision, matcher: prohibitedMatcher } = await matcher(tx);
      const today = clock.now().toISOString().slice(0, 10);
      const decisions = new Map<string, MarketDecision[]>();
      for (const entry of products) {
        const hits: ContentHit[] = [
          ...prohibitedMatcher.scan(entry.texts, entry.hsCode ?? undefined).map((hit: ProhibitedHit) => ({
            kind: hit.action,
            ruleKey: hit.itemId,
            label: hit.keyword,
            field: hit.field,
            matched: hit.matched,
            appliesIn: (market: string) => appliesIn(hit, market, groups),
            ...(hit.licence ? { licence: hit.licence } : {}),
          })),
          ...diversion.scan(entry.texts).map((hit) => ({
            kind: 'diversion' as const,
            ruleKey: hit.rule,
            label: hit.kind.replace(/_/g, ' '),
            field: hit.field,
            matched: hit.matched,
            appliesIn: () => true,
          })),
        ];
        decisions.set(
          entry.productId,
          evaluateAdmission(entry.product, certificates.get(entry.productId) ?? [], hits, {
            rules,
            prohibitedListVersion: revision,
            today,
            covers,
            languageOf: (market) => deps.markets.languageOf(market),
          }),
        );
      }
      return decisions;
    },

    /** Installs the shipped prohibited list (operators' edits are kept). */
    async installReferenceData(): Promise<void> {
      const shipped = loadProhibitedListFile(path.join(DATA_DIR, 'compliance', 'prohibited-items.json'));
      const categoryNames = new Map(shipped.categories.map((c) => [c.code, c.names]));
      await prohibited.install(
        db,
        shipped.items.map(({ id, ...item }) => ({ key: id, definition: { ...item, categoryNames: categoryNames.get(item.categoryCode) ?? {} } })),
        `Prohibited list ${shipped.version} (${shipped.published})`,
      );
    },

    async prohibitedItems(caller: Caller) {
      authorize(requireOperator(caller.principal), 'read', 'ComplianceCase');
      return prohibited.all(db);
    },

    async putProhibitedItem(caller: Caller, id: string, definition: ProhibitedItemDefinition, reason: string) {
      authorize(requireOperator(caller.principal), 'update', 'ComplianceCase');
      try {
        const item = await prohibited.put(db, actorOf(caller), id, definition, reason);
        await events.publish(db, { type: PROHIBITED_LIST_EVENTS.changed, subject: { type: 'prohibited_item', id }, payload: { itemId: id, version: item.version } });
        return item;
      } catch (error) {
        if (error instanceof Error && !('status' in error)) {
          throw validationFailed([{ in: 'body', path: '', code: 'invalid_prohibited_item', message: error.message }]);
        }
        throw error;
      }
    },

    async deactivateProhibitedItem(caller: Caller, id: string, reason: string) {
      authorize(requireOperator(caller.principal), 'update', 'ComplianceCase');
      const item = await prohibited.deactivate(db, actorOf(caller), id, reason);
      await events.publish(db, { type: PROHIBITED_LIST_EVENTS.changed, subject: { type: 'prohibited_item', id }, payload: { itemId: id, version: item.version } });
      return item;
    },

    async prohibitedItemHistory(caller: Caller, id: string) {
      authorize(requireOperator(caller.principal), 'read', 'ComplianceCase');
      return prohibited.history(db, id);
    },
  };
}

/** The list in the shipped file's own shape, so operator edits are checked by the same parser. */
function listJson(list: ProhibitedList): unknown {
  return {
    version: list.version,
    published: list.published,
    languages: list.languages,
    categories: list.categories.map((category) => ({
      code: category.code,
      names: category.names,
      items: list.items
        .filter((item) => item.categoryCode === category.code)
        .map((item) => ({
          id: item.id,
          names: item.names,
          keywords: item.keywords,
          exclusions: item.exclusions,
          hs_codes: item.hsCodes,
          jurisdictions: item.jurisdictions,
          action: item.action,
          ...(item.licence ? { licence: item.licence } : {}),
        })),
    })),
  };
}

export type AdmissionService = ReturnType<typeof createAdmissionService>;
