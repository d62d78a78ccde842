import type { Platform } from '../../platform/index.ts';
import { inTransaction, type Db } from '../../platform/db/index.ts';
import { notFound, validationFailed } from '../../platform/errors/index.ts';
import { ReferenceCollection, type ReferenceItem } from '../../platform/reference/index.ts';
import { actorOf, authorize, requireOperator, type Caller } from '../identity/index.ts';
import { LOGISTICS_FILES, LogisticsDataError, parseLogisticsData, readLogisticsFiles, type LogisticsData, type LogisticsFile, type LogisticsFiles } from './rate-sheets.ts';

/** The files as operators name them in URLs. */
export const LOGISTICS_DATA_FILES = { services: 'services', zones: 'zones', 'rate-sheets': 'rateSheets', surcharges: 'surcharges' } as const satisfies Record<string, LogisticsFile>;
export type LogisticsDataFileName = keyof typeof LOGISTICS_DATA_FILES;

/**
 * One file of the logistics data was replaced, by an operator or by a release's shipped files:
 * { file, version, revision } — the file as named in URLs, its new version, and the revision of the
 * whole data set after the change, which files changed together share.
 */
export const LOGISTICS_DATA_EVENTS = { changed: 'logistics.data.changed' } as const;

const FILE_NAMES = Object.fromEntries(Object.entries(LOGISTICS_DATA_FILES).map(([name, key]) => [key, name])) as Record<LogisticsFile, LogisticsDataFileName>;

const filesOf = (items: ReadonlyMap<string, unknown>): LogisticsFiles =>
  Object.fromEntries((Object.keys(LOGISTICS_FILES) as LogisticsFile[]).map((key) => [key, items.get(key)])) as LogisticsFiles;

/**
 * Services, zones, rate sheets and surcharges: shipped in data/logistics, editable by operators one
 * file at a time, each change checked against the other three as the shipped files are, versioned
 * and audited. Quotes read the parsed data of the current revision.
 */
export function createLogisticsReference(platform: Platform) {
  const { db, clock, audit, events } = platform;
  const collection = new ReferenceCollection<unknown>('logistics_data', { clock, audit }, (items) => {
    parseLogisticsData(filesOf(items));
  });

  async function announce(tx: Db, changed: readonly { key: string; version: number }[]): Promise<void> {
    const revision = await collection.revision(tx);
    for (const { key, version } of changed) {
      const file = FILE_NAMES[key as LogisticsFile];
      await events.publish(tx, { type: LOGISTICS_DATA_EVENTS.changed, subject: { type: 'logistics_data', id: file }, payload: { file, version, revision } });
    }
  }

  return {
    async current(tx: Db = db): Promise<LogisticsData> {
      return (await collection.derive(tx, 'parsed', (items) => parseLogisticsData(filesOf(items)))).value;
    },

    async installReferenceData(): Promise<void> {
      const { files } = readLogisticsFiles();
      const version = (files.rateSheets as { version?: string }).version ?? 'unversioned';
      const keys = Object.keys(LOGISTICS_FILES) as LogisticsFile[];
      await inTransaction(db, async (tx) => {
        const before = new Map((await collection.all(tx)).items.map((item) => [item.key, item.version]));
        if ((await collection.install(tx, keys.map((key) => ({ key, definition: files[key] })), `Logistics data ${version}`)) === 0) return;
        // A release's new files reach what was priced with the old ones (search's index) as an operator's
        // edit does. Versions are read from the history, not the cached snapshot, until this commits.
        const changed: { key: string; version: number }[] = [];
        for (const key of keys) {
          const latest = (await collection.history(tx, key)).at(-1)?.version ?? 0;
          if (latest !== before.get(key)) changed.push({ key, version: latest });
        }
        await announce(tx, changed);
      });
    },

    /** One file as it stands, with every version it had. */
    async file(caller: Caller, name: LogisticsDataFileName) {
      authorize(requireOperator(caller.principal), 'read', 'LogisticsRates');
      const key = LOGISTICS_DATA_FILES[name];
      const item = await collection.get(db, key);
      if (!item) throw notFound('logistics data file', name);
      return { ...item, history: await collection.history(db, key) };
    },

    /** An operator's new version of one file (a new dated rate sheet, this month's fuel), checked with the rest. */
    async put(caller: Caller, name: LogisticsDataFileName, definition: unknown, reason: string): Promise<ReferenceItem<unknown>> {
      authorize(requireOperator(caller.principal), 'update', 'LogisticsRates');
      const key = LOGISTICS_DATA_FILES[name];
      try {
        return await inTransaction(db, async (tx) => {
          const item = await collection.put(tx, actorOf(caller), key, definition, reason);
          await announce(tx, [item]);
          return item;
        });
      } catch (error) {
        if (!(error instanceof LogisticsDataError)) throw error;
        const field = [error.record, error.field].filter(Boolean).join('.');
        throw validationFailed([{ in: 'body', path: '/definition', code: 'invalid_logistics_data', message: `${field ? `${field}: ` : ''}${error.problem}` }], error.message);
      }
    },
  };
}

export type LogisticsReference = ReturnType<typeof createLogisticsReference>;
