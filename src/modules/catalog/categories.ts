import path from 'node:path';
import type { Platform } from '../../platform/index.ts';
import type { Db } from '../../platform/db/index.ts';
import { notFound, validationFailed } from '../../platform/errors/index.ts';
import { DATA_DIR } from '../../platform/paths.ts';
import { ReferenceCollection, type ReferenceItem } from '../../platform/reference/index.ts';
import { actorOf, authorize, requireOperator, type Caller } from '../identity/index.ts';
import { attributeJson, loadTaxonomyFile, parseTaxonomy, resolveCategories, type CategoryDefinition, type ResolvedCategory, type Taxonomy } from './taxonomy.ts';

export const CATEGORY_EVENTS = { changed: 'catalog.category.changed' } as const;

/** The file's own shape, so an operator's edit is checked by the same parser as the shipped tree. */
function taxonomyJson(source: Pick<Taxonomy, 'version' | 'source' | 'marketGroups'>, categories: readonly CategoryDefinition[]): unknown {
  return {
    version: source.version,
    source: source.source,
    languages: ['en', 'zh', 'es', 'fr', 'ru', 'pt', 'ar', 'ko'],
    market_groups: source.marketGroups,
    categories: categories.map((c) => ({
      code: c.code,
      parent: c.parent,
      names: c.names,
      commission: c.commission,
      certifications: c.certifications.map((r) => ({ markets: r.markets, any_of: r.anyOf, basis: r.basis })),
      qualification_required: c.qualificationRequired,
      ...(c.hsHeading ? { hs_heading: c.hsHeading } : {}),
      attributes: c.attributes.map(attributeJson),
    })),
  };
}

/** Parents sort before their children because a child's code extends its parent's. */
const inTreeOrder = (items: Iterable<CategoryDefinition>) => [...items].sort((a, b) => (a.code < b.code ? -1 : 1));

/**
 * The category tree: shipped in data/catalog, editable by operators, versioned per category.
 * Products and compliance read the resolved tree (inheritance applied), cached per revision.
 */
export function createCategoriesService(platform: Platform) {
  const { db, clock, audit, events } = platform;
  const shipped = loadTaxonomyFile(path.join(DATA_DIR, 'catalog', 'categories.json'));
  const collection = new ReferenceCollection<CategoryDefinition>('categories', { clock, audit }, (items) => {
    parseTaxonomy(taxonomyJson(shipped, inTreeOrder(items.values())));
  });

  async function resolved(tx: Db): Promise<{ revision: number; categories: ReadonlyMap<string, ResolvedCategory> }> {
    const { revision, value } = await collection.derive(tx, 'resolved', (items) =>
      resolveCategories({ version: shipped.version, source: shipped.source, marketGroups: shipped.marketGroups, categories: inTreeOrder(items.values()) }),
    );
    return { revision, categories: value };
  }

  return {
    marketGroups: shipped.marketGroups,
    resolved,

    async installReferenceData(): Promise<void> {
      await collection.install(db, shipped.categories.map((definition) => ({ key: definition.code, definition })), `Category tree ${shipped.version}`);
    },

    async list(tx: Db = db): Promise<ResolvedCategory[]> {
      return [...(await resolved(tx)).categories.values()];
    },

    /** A category's own definition in the taxonomy file's shape, with every version it had. */
    async definition(caller: Caller, code: string) {
      requireOperator(caller.principal);
      const item = await collection.get(db, code);
      if (!item) throw notFound('category', code);
      const [fileShape] = (taxonomyJson(shipped, [item.definition]) as { categories: unknown[] }).categories;
      return { ...item, definition: fileShape, history: await collection.history(db, code) };
    },

    /**
     * An operator's edit of one category (or a new one), in the taxonomy file's shape. The whole
     * tree with the change is parsed as the shipped file is, so every rule of the tree holds.
     */
    async put(caller: Caller, code: string, raw: Record<string, unknown>, reason: string): Promise<ReferenceItem<CategoryDefinition>> {
      authorize(requireOperator(caller.principal), 'update', 'Category');
      if (raw.code !== code) throw validationFailed([{ in: 'body', path: '/definition/code', code: 'code_mismatch', message: `must be ${code}, the category in the URL` }]);
      const { items } = await collection.current(db);
      const others = inTreeOrder([...items.values()].filter((c) => c.code !== code));
      const tree = taxonomyJson(shipped, others) as { categories: unknown[] };
      let parsed: CategoryDefinition | undefined;
      try {
        const candidates = [...(tree.categories as { code: string }[]), raw as { code: string }].sort((a, b) => (String(a.code) < String(b.code) ? -1 : 1));
        parsed = parseTaxonomy({ ...tree, categories: candidates }).categories.find((c) => c.code === code);
      } catch (error) {
        throw validationFailed([{ in: 'body', path: '/definition', code: 'invalid_category', message: (error as Error).message }]);
      }
      const item = await collection.put(db, actorOf(caller), code, parsed!, reason);
      await events.publish(db, { type: CATEGORY_EVENTS.changed, subject: { type: 'category', id: code }, payload: { code, version: item.version } });
      return item;
    },
  };
}

export type CategoriesService = ReturnType<typeof createCategoriesService>;
