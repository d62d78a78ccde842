import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/platform/paths.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';

const run = promisify(execFile);

/**
 * The `caravan` command line as an operator runs it: separate processes on one database (a data
 * folder of its own on PGlite; a fresh database on PostgreSQL), seeding the demo marketplace, then
 * exporting a seller's catalogue and importing an edited copy of it.
 */
describe('caravan command line', () => {
  let folder: string;
  let testDb: TestDatabase | undefined;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    folder = mkdtempSync(path.join(tmpdir(), 'caravan-cli-'));
    const { DATABASE_URL: _server, ...rest } = process.env;
    env = { ...rest, NODE_ENV: 'test', CARAVAN_DATA_DIR: path.join(folder, 'data'), CARAVAN_WORKERS: 'false' };
    if (process.env.DATABASE_URL) {
      testDb = await createTestDatabase();
      await testDb.database.close();
      env.DATABASE_URL = testDb.url;
    }
  });

  afterAll(async () => {
    await testDb?.drop();
    rmSync(folder, { recursive: true, force: true });
  });

  const caravan = async (...args: string[]) => {
    try {
      const { stdout } = await run(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'caravan.js'), ...args], { env, cwd: folder, timeout: 120_000 });
      return { code: 0, stdout };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: `${failed.stdout}${failed.stderr}` };
    }
  };

  it('seeds, exports a catalogue, and imports an edited copy: the change lands, a second import changes nothing', { timeout: 300_000 }, async () => {
    const seeded = await caravan('seed');
    expect(seeded.code, seeded.stdout).toBe(0);
    expect(seeded.stdout).toContain('lumen@sellers.caravan.demo');

    const csv = path.join(folder, 'lumen.csv');
    const exported = await caravan('export', 'products', '--seller', 'lumen@sellers.caravan.demo', '--format', 'csv', '--out', csv);
    expect(exported.code, exported.stdout).toBe(0);
    const rows = () => parse(readFileSync(csv), { bom: true }) as string[][];
    const [header, ...body] = rows();
    const column = (name: string) => header!.indexOf(name);
    expect(new Set(body.map((row) => row[column('product_ref')]))).toEqual(new Set(['LUMEN-A60', 'LUMEN-DESK-01']));

    // The seller renames the bulb's brand in every row of that product.
    const bulb = (row: string[]) => row[column('product_ref')] === 'LUMEN-A60';
    const edited = body.map((row) => (bulb(row) ? row.map((cell, i) => (i === column('brand') ? 'Lumen Pro' : cell)) : row));
    writeFileSync(csv, stringify([header!, ...edited]));

    const imported = await caravan('import', 'products', csv, '--seller', 'lumen@sellers.caravan.demo');
    expect(imported.code, imported.stdout).toBe(0);
    expect(imported.stdout).toMatch(/succeeded: \d+ rows imported, 0 refused; products: 0 new, 1 changed, 1 unchanged\./);
    const repeated = await caravan('import', 'products', csv, '--seller', 'lumen@sellers.caravan.demo');
    expect(repeated.stdout).toMatch(/products: 0 new, 0 changed, 2 unchanged\./);
    const again = await caravan('export', 'products', '--seller', 'lumen@sellers.caravan.demo', '--format', 'csv', '--out', csv);
    expect(again.code).toBe(0);
    const [, ...after] = rows();
    expect(after.filter(bulb).map((row) => row[column('brand')])).toEqual(edited.filter(bulb).map(() => 'Lumen Pro'));
    expect(after.filter((row) => !bulb(row))).toEqual(edited.filter((row) => !bulb(row)));

    const unknown = await caravan('export', 'products', '--seller', 'nobody@sellers.caravan.demo', '--format', 'csv', '--out', csv);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toContain('No active seller member nobody@sellers.caravan.demo');
  });

  it('rebuilds the search index from the catalogue', { timeout: 300_000 }, async () => {
    expect((await caravan('seed')).code).toBe(0);
    const rebuilt = await caravan('search', 'rebuild');
    expect(rebuilt.code, rebuilt.stdout).toBe(0);
    const [, listings, products] = /Search index rebuilt: (\d+) listings of (\d+) products/.exec(rebuilt.stdout) ?? [];
    expect(Number(products)).toBeGreaterThanOrEqual(2);
    expect(Number(listings)).toBeGreaterThanOrEqual(1);
  });
});
