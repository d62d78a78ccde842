import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DATA_DIR } from '../../../platform/paths.ts';
import type { ScreeningSubject } from '../screening.ts';
import { ListSanctionsScreener, parseSdnFiles } from './sdn-list.ts';
import type { SanctionsListEntry } from './sdn-list.ts';

const SAMPLE_DIR = path.join(DATA_DIR, 'sanctions', 'sample');

const SDN = [
  '101,"EXAMPLE ""QUOTED"" TRADING CO., LTD.",-0- ,"SAMPLE",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"Line one;',
  'line two, with a comma."',
  '102,"SAMPLE, Listed Person","individual","SAMPLE] [SAMPLE-2","Director",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ',
  '103,"ORIENT EXAMPLE",vessel,"SAMPLE",-0- ,"XX0000","General Cargo","5000","4800","Exampleland",-0- ,-0- ',
  '104,"SAMPLE AIR CARGO 1","aircraft","SAMPLE",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ',
  '105,"PLAIN ENTITY","-0- ",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ',
  '\u001a',
].join('\r\n');

const ALT = [
  '101,1,"aka","示例贸易有限公司",-0- ',
  '101,2,"fka","OLD EXAMPLE TRADING LIMITED",-0- ',
  '102,3,"aka","SAMPEL, Listed",-0- ',
  '999,4,"aka","ORPHAN ALIAS",-0- ',
  '',
].join('\r\n');

describe('parseSdnFiles', () => {
  it('reads quoted fields, -0- as empty, every type and the aliases, ignoring the end-of-file line', () => {
    expect(parseSdnFiles({ sdn: SDN, alt: ALT })).toEqual([
      {
        id: '101',
        name: 'EXAMPLE "QUOTED" TRADING CO., LTD.',
        type: 'entity',
        program: 'SAMPLE',
        aliases: ['示例贸易有限公司', 'OLD EXAMPLE TRADING LIMITED'],
      },
      { id: '102', name: 'SAMPLE, Listed Person', type: 'person', program: 'SAMPLE; SAMPLE-2', aliases: ['SAMPEL, Listed'] },
      { id: '103', name: 'ORIENT EXAMPLE', type: 'vessel', program: 'SAMPLE', aliases: [] },
      { id: '104', name: 'SAMPLE AIR CARGO 1', type: 'aircraft', program: 'SAMPLE', aliases: [] },
      { id: '105', name: 'PLAIN ENTITY', type: 'entity', program: '', aliases: [] },
    ]);
  });

  it('works without alt.csv', () => {
    const entries = parseSdnFiles({ sdn: SDN });
    expect(entries.map((entry) => entry.aliases)).toEqual([[], [], [], [], []]);
  });

  it('accepts a file that ends with the end-of-file mark right after the last record', () => {
    const sdn = '1,"ONLY ENTRY",-0- ,"SAMPLE",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \u001a';
    expect(parseSdnFiles({ sdn })).toEqual([
      { id: '1', name: 'ONLY ENTRY', type: 'entity', program: 'SAMPLE', aliases: [] },
    ]);
  });

  it('rejects an unknown SDN_Type rather than guessing', () => {
    const sdn = '1,"SOMETHING",spacecraft,"SAMPLE",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ';
    expect(() => parseSdnFiles({ sdn })).toThrow('sdn.csv entry 1 has unknown SDN_Type "spacecraft"');
  });

  it('rejects a truncated record', () => {
    expect(() => parseSdnFiles({ sdn: '1,"SHORT"' })).toThrow('sdn.csv record 1 has 2 fields, expected at least 4');
  });

  it('rejects an ent_num listed twice', () => {
    const row = '7,"TWICE",-0- ,"SAMPLE",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ';
    expect(() => parseSdnFiles({ sdn: `${row}\n${row}` })).toThrow('sdn.csv lists ent_num 7 more than once');
  });
});

function entry(partial: Partial<SanctionsListEntry> & Pick<SanctionsListEntry, 'id' | 'name'>): SanctionsListEntry {
  return { type: 'entity', program: 'SAMPLE', aliases: [], ...partial };
}

describe('ListSanctionsScreener', () => {
  const screener = new ListSanctionsScreener(
    [
      entry({ id: '1', name: 'EXAMPLE SANCTIONED TRADING CO., LTD.', aliases: ['示例制裁贸易有限公司', 'EST GLOBAL TRADING LIMITED'] }),
      entry({ id: '2', name: 'SAMPLE, Listed Person', type: 'person', aliases: ['SAMPEL, Listed'] }),
      entry({ id: '3', name: 'ORIENT EXAMPLE', type: 'vessel' }),
      entry({ id: '4', name: 'SAMPLE AIR CARGO 1', type: 'aircraft' }),
      entry({ id: '5', name: 'MOCK LOGISTICS & SHIPPING S.A.', program: 'SAMPLE-2', aliases: ['MOCK LOGISTICS, S.A.'] }),
      entry({ id: '6', name: 'MOCK LOGISTICS AND SHIPPING', program: 'SAMPLE-3' }),
    ],
    'test-version',
  );

  const company = (name: string): ScreeningSubject => ({ ref: 'company', name, kind: 'entity' });
  const person = (name: string): ScreeningSubject => ({ ref: 'legal_representative', name, kind: 'person' });

  it('names itself and its list', () => {
    expect(screener.name).toBe('list-exact');
    expect(screener.listVersion).toBe('test-version');
  });

  it.each([
    'EXAMPLE SANCTIONED TRADING CO., LTD.',
    'Example Sanctioned Trading Co Ltd',
    'example-sanctioned trading company limited',
    'Trading Example Sanctioned Limited',
    'ＥＸＡＭＰＬＥ　ＳＡＮＣＴＩＯＮＥＤ　ＴＲＡＤＩＮＧ',
  ])('hits the primary name as %s', async (name) => {
    expect(await screener.screen([company(name)])).toEqual([
      {
        subjectRef: 'company',
        subjectName: name,
        entryId: '1',
        entryName: 'EXAMPLE SANCTIONED TRADING CO., LTD.',
        matchedName: 'EXAMPLE SANCTIONED TRADING CO., LTD.',
        program: 'SAMPLE',
        score: 1,
      },
    ]);
  });

  it('hits an alias and reports the entry by its primary name', async () => {
    expect(await screener.screen([company('EST Global Trading Ltd.')])).toEqual([
      {
        subjectRef: 'company',
        subjectName: 'EST Global Trading Ltd.',
        entryId: '1',
        entryName: 'EXAMPLE SANCTIONED TRADING CO., LTD.',
        matchedName: 'EST GLOBAL TRADING LIMITED',
        program: 'SAMPLE',
        score: 1,
      },
    ]);
  });

  it.each(['示例制裁贸易有限公司', '示例制裁贸易有限责任公司', '示例制裁贸易股份有限公司', '示例制裁贸易公司', '示例制裁贸易'])(
    'hits the Chinese alias as %s',
    async (name) => {
      const hits = await screener.screen([company(name)]);
      expect(hits.map((hit) => [hit.entryId, hit.matchedName, hit.score])).toEqual([['1', '示例制裁贸易有限公司', 1]]);
    },
  );

  it.each([
    'Example Sanctioned Trade Co., Ltd.',
    'Example Trading Co., Ltd.',
    'Example Sanctioned Trading Group Co., Ltd.',
    'Example Sanctioned Trading Shenzhen Co., Ltd.',
    '示例制裁贸易集团有限公司',
    '示例制裁贸',
  ])('does not hit the near-but-different %s', async (name) => {
    expect(await screener.screen([company(name)])).toEqual([]);
  });

  it('hits a person written in either name order, and by alias', async () => {
    const hits = await screener.screen([person('Listed Person Sample'), person('SAMPLE, LISTED PERSON'), person('Listed Sampel')]);
    expect(hits.map((hit) => [hit.subjectName, hit.entryId, hit.matchedName])).toEqual([
      ['Listed Person Sample', '2', 'SAMPLE, Listed Person'],
      ['SAMPLE, LISTED PERSON', '2', 'SAMPLE, Listed Person'],
      ['Listed Sampel', '2', 'SAMPEL, Listed'],
    ]);
  });

  it('keeps people and entities apart, and never matches vessels or aircraft', async () => {
    const hits = await screener.screen([
      company('Listed Person Sample'),
      person('Example Sanctioned Trading'),
      person('Orient Example'),
      company('Orient Example'),
      company('Sample Air Cargo 1'),
      person('Sample Air Cargo 1'),
    ]);
    expect(hits).toEqual([]);
  });

  it('reports one hit per entry even when several of its names match, and every entry that matches', async () => {
    const hits = await screener.screen([company('Mock Logistics & Shipping')]);
    expect(hits.map((hit) => [hit.entryId, hit.matchedName, hit.program])).toEqual([
      ['5', 'MOCK LOGISTICS & SHIPPING S.A.', 'SAMPLE-2'],
      ['6', 'MOCK LOGISTICS AND SHIPPING', 'SAMPLE-3'],
    ]);
  });

  it('returns hits in subject order and nothing for empty names', async () => {
    const hits = await screener.screen([
      company(''),
      person('Sampel, Listed'),
      company('Unrelated Honest Seller Ltd'),
      company('示例制裁贸易有限公司'),
    ]);
    expect(hits.map((hit) => [hit.subjectRef, hit.entryId])).toEqual([
      ['legal_representative', '2'],
      ['company', '1'],
    ]);
  });
});

describe('ListSanctionsScreener.fromDirectory', () => {
  const tempDirs: string[] = [];
  afterEach(() => {
    for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  function tempDir(): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sdn-list-'));
    tempDirs.push(dir);
    return dir;
  }

  it('screens against the sample list, aliases included', async () => {
    const screener = ListSanctionsScreener.fromDirectory(SAMPLE_DIR);
    const hits = await screener.screen([
      { ref: 'company', name: '示例制裁贸易股份有限公司', kind: 'entity' },
      { ref: 'legal_representative', name: 'Listed Person SAMPLE', kind: 'person' },
      { ref: 'company', name: 'Illustrative Mining & Metals J.S.C.', kind: 'entity' },
      { ref: 'company', name: 'Orient Example', kind: 'entity' },
      { ref: 'legal_representative', name: 'Anna Maria Placeholder', kind: 'person' },
    ]);
    expect(hits).toEqual([
      {
        subjectRef: 'company',
        subjectName: '示例制裁贸易股份有限公司',
        entryId: '90001',
        entryName: 'EXAMPLE SANCTIONED TRADING CO., LTD.',
        matchedName: '示例制裁贸易有限公司',
        program: 'SAMPLE',
        score: 1,
      },
      {
        subjectRef: 'legal_representative',
        subjectName: 'Listed Person SAMPLE',
        entryId: '90002',
        entryName: 'SAMPLE, Listed Person',
        matchedName: 'SAMPLE, Listed Person',
        program: 'SAMPLE',
        score: 1,
      },
      {
        subjectRef: 'company',
        subjectName: 'Illustrative Mining & Metals J.S.C.',
        entryId: '90008',
        entryName: 'ILLUSTRATIVE MINERALS OJSC',
        matchedName: 'ILLUSTRATIVE MINING AND METALS JSC',
        program: 'SAMPLE',
        score: 1,
      },
      {
        subjectRef: 'legal_representative',
        subjectName: 'Anna Maria Placeholder',
        entryId: '90005',
        entryName: 'PLACEHOLDER, Anna Maria',
        matchedName: 'PLACEHOLDER, Anna Maria',
        program: 'SAMPLE-2',
        score: 1,
      },
    ]);
  });

  it('gives the same version for the same files and a different one when a file changes', () => {
    const first = ListSanctionsScreener.fromDirectory(SAMPLE_DIR).listVersion;
    expect(first).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(ListSanctionsScreener.fromDirectory(SAMPLE_DIR).listVersion).toBe(first);

    const copy = tempDir();
    copyFileSync(path.join(SAMPLE_DIR, 'sdn.csv'), path.join(copy, 'sdn.csv'));
    copyFileSync(path.join(SAMPLE_DIR, 'alt.csv'), path.join(copy, 'alt.csv'));
    expect(ListSanctionsScreener.fromDirectory(copy).listVersion).toBe(first);

    writeFileSync(path.join(copy, 'alt.csv'), '90001,9001,"aka","ANOTHER NAME",-0- \n');
    const changed = ListSanctionsScreener.fromDirectory(copy).listVersion;
    expect(changed).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(changed).not.toBe(first);
  });

  it('reads a folder without alt.csv, screening primary names only', async () => {
    const dir = tempDir();
    copyFileSync(path.join(SAMPLE_DIR, 'sdn.csv'), path.join(dir, 'sdn.csv'));
    const screener = ListSanctionsScreener.fromDirectory(dir);
    const hits = await screener.screen([
      { ref: 'company', name: 'Example Sanctioned Trading Co., Ltd.', kind: 'entity' },
      { ref: 'company', name: '示例制裁贸易有限公司', kind: 'entity' },
    ]);
    expect(hits.map((hit) => hit.entryId)).toEqual(['90001']);
    expect(screener.listVersion).not.toBe(ListSanctionsScreener.fromDirectory(SAMPLE_DIR).listVersion);
  });
});
