/**
 * Screening against a list in the US Treasury's SDN file format (sdn.csv with optional alt.csv),
 * matching only names whose normalised words are the same. It is the simple screener: it finds a
 * seller who is on the list under a listed name, whatever the case, punctuation, word order or
 * legal-form words; misspellings and transliteration variants are the fuzzy screener's job.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { nameTokens } from '../screening.ts';
import type { SanctionsScreener, ScreeningHit, ScreeningSubject, SubjectKind } from '../screening.ts';

export type SanctionsEntryType = 'person' | 'entity' | 'vessel' | 'aircraft';

export interface SanctionsListEntry {
  /** ent_num */
  id: string;
  name: string;
  type: SanctionsEntryType;
  /** Programs separated by "; ", e.g. "SDGT; IRGC". */
  program: string;
  aliases: string[];
}

/** The SDN files write an empty field as "-0-", usually followed by a space. */
const EMPTY_FIELD = '-0-';
const END_OF_FILE_MARK = '\u001a';

const SDN_COLUMNS = { id: 0, name: 1, type: 2, program: 3 } as const;
const ALT_COLUMNS = { id: 0, name: 3 } as const;

function field(record: readonly string[], index: number): string {
  const value = (record[index] ?? '').trim();
  return value === EMPTY_FIELD ? '' : value;
}

/**
 * The published files end with a line holding only an MS-DOS end-of-file character, which would
 * otherwise parse as a one-field record.
 */
function withoutEndOfFileMark(text: string): string {
  let end = text.length;
  while (end > 0) {
    const char = text[end - 1];
    if (char === END_OF_FILE_MARK || char === '\n' || char === '\r' || char === ' ' || char === '\t') end -= 1;
    else break;
  }
  return text.slice(0, end);
}

function parseRecords(text: string, file: string, minColumns: number): string[][] {
  const records = parse(withoutEndOfFileMark(text), {
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true,
    trim: true,
  });
  records.forEach((record, index) => {
    if (record.length < minColumns) {
      throw new Error(`${file} record ${index + 1} has ${record.length} fields, expected at least ${minColumns}`);
    }
  });
  return records;
}

function entryType(raw: string, id: string): SanctionsEntryType {
  switch (raw.toLowerCase()) {
    case 'individual':
      return 'person';
    case '':
    case 'entity':
      return 'entity';
    case 'vessel':
      return 'vessel';
    case 'aircraft':
      return 'aircraft';
    default:
      // Failing loudly beats guessing: a new type means the publication changed, and screening
      // a type wrongly would silently miss or invent hits.
      throw new Error(`sdn.csv entry ${id} has unknown SDN_Type "${raw}"`);
  }
}

/** Several programs come as "SDGT] [IRGC", the remains of a bracketed list. */
function programList(raw: string): string {
  return raw
    .split(/\]\s*\[/)
    .map((program) => program.replace(/[[\]]/g, '').trim())
    .filter((program) => program !== '')
    .join('; ');
}

export function parseSdnFiles(files: { sdn: string; alt?: string }): SanctionsListEntry[] {
  const entries: SanctionsListEntry[] = [];
  const byId = new Map<string, SanctionsListEntry>();
  for (const record of parseRecords(files.sdn, 'sdn.csv', SDN_COLUMNS.program + 1)) {
    const id = field(record, SDN_COLUMNS.id);
    const name = field(record, SDN_COLUMNS.name);
    if (id === '' || name === '') throw new Error(`sdn.csv has a record without ent_num or SDN_Name: ${record.join(',')}`);
    if (byId.has(id)) throw new Error(`sdn.csv lists ent_num ${id} more than once`);
    const entry: SanctionsListEntry = {
      id,
      name,
      type: entryType(field(record, SDN_COLUMNS.type), id),
      program: programList(field(record, SDN_COLUMNS.program)),
      aliases: [],
    };
    entries.push(entry);
    byId.set(id, entry);
  }
  if (files.alt !== undefined) {
    for (const record of parseRecords(files.alt, 'alt.csv', ALT_COLUMNS.name + 1)) {
      const alias = field(record, ALT_COLUMNS.name);
      // An alias for an ent_num missing from sdn.csv has nothing to point a hit at.
      const entry = byId.get(field(record, ALT_COLUMNS.id));
      if (entry && alias !== '' && !entry.aliases.includes(alias)) entry.aliases.push(alias);
    }
  }
  return entries;
}

interface IndexedName {
  entry: SanctionsListEntry;
  matchedName: string;
}

/** Equal token sets give equal keys, whatever the order or repetition of the words. */
function tokenSetKey(name: string, kind: SubjectKind): string {
  return [...new Set(nameTokens(name, kind))].sort().join(' ');
}

/** Vessels and aircraft are left out: sellers are companies and people, never ships or planes. */
function subjectKindFor(type: SanctionsEntryType): SubjectKind | undefined {
  if (type === 'person') return 'person';
  if (type === 'entity') return 'entity';
  return undefined;
}

export class ListSanctionsScreener implements SanctionsScreener {
  readonly name = 'list-exact';
  readonly listVersion: string;
  private readonly index: Record<SubjectKind, Map<string, IndexedName[]>> = {
    person: new Map(),
    entity: new Map(),
  };

  constructor(entries: readonly SanctionsListEntry[], listVersion: string) {
    this.listVersion = listVersion;
    for (const entry of entries) {
      const kind = subjectKindFor(entry.type);
      if (!kind) continue;
      for (const listedName of [entry.name, ...entry.aliases]) {
        const key = tokenSetKey(listedName, kind);
        if (key === '') continue;
        const bucket = this.index[kind].get(key) ?? [];
        // One entry whose primary name and alias normalise alike is still one hit, reported
        // under the first of its names.
        if (bucket.some((indexed) => indexed.entry === entry)) continue;
        bucket.push({ entry, matchedName: listedName });
        this.index[kind].set(key, bucket);
      }
    }
  }

  /** Reads sdn.csv and, when present, alt.csv; the version is a digest of exactly what was read. */
  static fromDirectory(dir: string): ListSanctionsScreener {
    const sdn = readFileSync(path.join(dir, 'sdn.csv'));
    const altPath = path.join(dir, 'alt.csv');
    const alt = existsSync(altPath) ? readFileSync(altPath) : undefined;
    const hash = createHash('sha256').update(sdn);
    // The separator keeps "no alt.csv" distinct from an empty one, and bytes from moving
    // between files from giving the same digest.
    if (alt) hash.update('\0alt.csv\0').update(alt);
    const listVersion = `sha256:${hash.digest('hex').slice(0, 16)}`;
    const entries = parseSdnFiles({ sdn: sdn.toString('utf8'), alt: alt?.toString('utf8') });
    return new ListSanctionsScreener(entries, listVersion);
  }

  async screen(subjects: readonly ScreeningSubject[]): Promise<ScreeningHit[]> {
    const hits: ScreeningHit[] = [];
    for (const subject of subjects) {
      const key = tokenSetKey(subject.name, subject.kind);
      if (key === '') continue;
      for (const { entry, matchedName } of this.index[subject.kind].get(key) ?? []) {
        hits.push({
          subjectRef: subject.ref,
          subjectName: subject.name,
          entryId: entry.id,
          entryName: entry.name,
          matchedName,
          program: entry.program,
          score: 1,
        });
      }
    }
    return hits;
  }
}
