import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import type { SheetRow } from './bulk.ts';

export type SheetFormat = 'csv' | 'xlsx';

/** A spreadsheet is a zip archive; anything else is read as UTF-8 CSV. */
export function detectFormat(content: Buffer): SheetFormat {
  return content.length >= 4 && content.readUInt32LE(0) === 0x04034b50 ? 'xlsx' : 'csv';
}

function text(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((part) => part.text).join('');
    if ('text' in value && typeof value.text === 'string') return value.text;
    if ('result' in value) return text(value.result as ExcelJS.CellValue);
    if ('hyperlink' in value) return String(value.hyperlink);
    return '';
  }
  return String(value);
}

/** The file itself is broken (an unclosed quote, a truncated archive): no row of it can be trusted. */
export class SheetReadError extends Error {
  override name = 'SheetReadError';
}

/** The parser's items, its failures turned into SheetReadError so that they are told apart from ours. */
async function* parsed<T>(items: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    for await (const item of items) yield item;
  } catch (error) {
    throw new SheetReadError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

const isBlank = (values: readonly string[]) => values.every((v) => v.trim() === '');

/**
 * Streams the rows of the first worksheet (or of the CSV), header first, without holding the
 * whole file's rows in memory. Rows are numbered as a spreadsheet program shows them, and rows
 * with nothing in them are skipped, whatever the format.
 */
export async function* readSheet(content: Buffer, format: SheetFormat): AsyncGenerator<{ header: string[] } | SheetRow> {
  if (format === 'csv') {
    const parser = Readable.from(content).pipe(parse({ bom: true, relax_quotes: false, skip_empty_lines: true, info: true }));
    let header: string[] | undefined;
    for await (const { record, info } of parsed(parser as AsyncIterable<{ record: string[]; info: { records: number; empty_lines: number } }>)) {
      if (!header) {
        header = record.map((h) => h.trim());
        yield { header };
        continue;
      }
      if (isBlank(record)) continue;
      // A spreadsheet shows one row per record (however many lines its cells span) and one per empty line.
      yield { row: info.records + info.empty_lines, cells: Object.fromEntries(header.map((column, i) => [column, record[i] ?? ''])) };
    }
    return;
  }
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from(content), { sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'ignore', worksheets: 'emit', entries: 'ignore' });
  for await (const worksheet of parsed(reader)) {
    let header: string[] | undefined;
    for await (const row of parsed(worksheet as AsyncIterable<ExcelJS.Row>)) {
      // Empty cells are holes in the row's values: Array.from reads them as blanks, where map would keep the holes.
      const values = Array.from((row.values as ExcelJS.CellValue[]).slice(1), text);
      if (!header) {
        header = values.map((h) => h.trim());
        yield { header };
        continue;
      }
      if (isBlank(values)) continue;
      yield { row: row.number, cells: Object.fromEntries(header.map((column, i) => [column, values[i] ?? ''])) };
    }
    return; // the first worksheet only
  }
}

export function writeCsv(columns: readonly string[], rows: readonly Record<string, string>[]): Buffer {
  return Buffer.from(stringify([columns, ...rows.map((row) => columns.map((c) => row[c] ?? ''))]), 'utf8');
}

export async function writeXlsx(columns: readonly string[], rows: readonly Record<string, string>[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('products');
  sheet.addRow([...columns]);
  for (const row of rows) sheet.addRow(columns.map((c) => row[c] ?? ''));
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
