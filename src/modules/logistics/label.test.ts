import { inflateSync } from 'node:zlib';
import bwipjs from 'bwip-js';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors/index.ts';
import { customsFormFor, printableText, renderLabel, type CustomsItem, type ShippingLabel } from './label.ts';

// ─── Reading the PDF back ─────────────────────────────────────────────────────────────────────

interface PdfObject {
  dict: string;
  stream?: Buffer;
}

/** Walks the objects of an uncompressed PDFKit file in order, slicing streams by their /Length. */
function readObjects(pdf: Buffer): Map<number, PdfObject> {
  const text = pdf.toString('latin1');
  const objects = new Map<number, PdfObject>();
  const header = /(\d+) 0 obj\n/g;
  let match: RegExpExecArray | null;
  while ((match = header.exec(text)) !== null) {
    const start = match.index + match[0].length;
    const streamAt = text.indexOf('\nstream\n', start);
    const endAt = text.indexOf('\nendobj', start);
    if (streamAt !== -1 && streamAt < endAt) {
      const dict = text.slice(start, streamAt);
      const length = Number(/\/Length (\d+)/.exec(dict)?.[1]);
      const dataStart = streamAt + '\nstream\n'.length;
      objects.set(Number(match[1]), { dict, stream: pdf.subarray(dataStart, dataStart + length) });
      header.lastIndex = dataStart + length;
    } else {
      objects.set(Number(match[1]), { dict: text.slice(start, endAt) });
      header.lastIndex = endAt;
    }
  }
  return objects;
}

function ref(dict: string, key: string): number {
  const found = new RegExp(`/${key} (\\d+) 0 R`).exec(dict);
  if (!found) throw new Error(`no /${key} reference in ${dict}`);
  return Number(found[1]);
}

function pages(objects: Map<number, PdfObject>): PdfObject[] {
  return [...objects.values()].filter((object) => /\/Type \/Page\n/.test(object.dict));
}

function pageContent(pdf: Buffer): string {
  const objects = readObjects(pdf);
  const [page] = pages(objects);
  const content = objects.get(ref(page!.dict, 'Contents'))!;
  expect(content.dict).not.toMatch(/FlateDecode/);
  return content.stream!.toString('latin1');
}

/**
 * The text PDFKit shows with standard fonts: each `[<hex> kern <hex> …] TJ` array is one string,
 * its hex runs concatenated (kerning splits words) and decoded as Windows-1252.
 */
function shownText(content: string): string[] {
  const decoder = new TextDecoder('windows-1252');
  return [...content.matchAll(/\[([^\]]*)\] TJ/g)].map(([, array]) =>
    decoder.decode(Buffer.from([...array!.matchAll(/<([0-9a-f]*)>/g)].map(([, hex]) => hex).join(''), 'hex')),
  );
}

async function labelText(label: ShippingLabel): Promise<string[]> {
  return shownText(pageContent(await renderLabel(label, { compress: false })));
}

/** The bar/space widths, in pixels, along the middle row of the barcode image embedded in the page. */
function embeddedBarcodeRuns(pdf: Buffer): { runs: number[]; width: number } {
  const objects = readObjects(pdf);
  const [page] = pages(objects);
  const resources = objects.get(ref(page!.dict, 'Resources'))!;
  const imageId = Number(/\/XObject <<\s*\/I1 (\d+) 0 R/.exec(resources.dict)?.[1]);
  const image = objects.get(imageId)!;
  expect(image.dict).toMatch(/\/Subtype \/Image/);
  expect(image.dict).toMatch(/\/ColorSpace \/DeviceRGB/);
  const width = Number(/\/Width (\d+)/.exec(image.dict)?.[1]);
  const height = Number(/\/Height (\d+)/.exec(image.dict)?.[1]);
  const pixels = inflateSync(image.stream!);
  expect(pixels.length).toBe(width * height * 3); // plain RGB rows: PDFKit split the PNG's alpha off
  const row = Math.floor(height / 2) * width * 3;
  const runs: number[] = [];
  let dark = true;
  let run = 0;
  for (let x = 0; x < width; x++) {
    const isDark = pixels[row + x * 3]! < 128;
    if (x === 0) expect(isDark).toBe(true); // the symbol starts with a bar, no padding
    if (isDark === dark) run++;
    else {
      runs.push(run);
      dark = isDark;
      run = 1;
    }
  }
  runs.push(run);
  return { runs, width };
}

function code128Widths(text: string): number[] {
  const [symbol] = bwipjs.raw('code128', text, '');
  if (!symbol || !('sbs' in symbol)) throw new Error('bwip-js gave no linear symbol');
  return symbol.sbs;
}

// ─── Fixtures ─────────────────────────────────────────────────────────────────────────────────

const item = (index: number, overrides: Partial<CustomsItem> = {}): CustomsItem => ({
  description: `Bluetooth earphones model ${index}`,
  quantity: 2,
  netWeightGrams: 20,
  value: { amount: 1000, currency: 'USD' },
  hsCode: '8518.30',
  originCountry: 'CN',
  ...overrides,
});

function international(overrides: Partial<ShippingLabel> = {}): ShippingLabel {
  return {
    trackingNumber: 'RR123456785CN',
    service: { code: 'CRV-STD-RU', name: 'Caravan Standard Shipping' },
    sender: {
      name: '深圳市星河电子有限公司',
      nameLatin: 'Shenzhen Xinghe Electronics Co., Ltd.',
      lines: ['Building 5, 18 Keji Road', 'Nanshan District'],
      city: 'Shenzhen',
      region: 'Guangdong',
      postalCode: '518057',
      country: 'CN',
    },
    recipient: {
      name: 'Иван Петров',
      nameLatin: 'Ivan Petrov',
      lines: ['ul. Tverskaya, d. 7, kv. 12'],
      city: 'Moskva',
      postalCode: '125009',
      country: 'RU',
      phone: '+7 915 123 45 67',
    },
    weightGrams: 1234,
    piece: { number: 1, of: 2 },
    orderReference: '8150123456789012',
    date: '2025-03-14',
    customs: {
      category: 'sale_of_goods',
      items: [item(1, { value: { amount: 2999, currency: 'USD' } }), item(2, { quantity: 1, value: { amount: 9346, currency: 'USD' } })],
      sdr: { sdrPerUnit: '0.75' },
    },
    ...overrides,
  };
}

function domestic(overrides: Partial<ShippingLabel> = {}): ShippingLabel {
  const { customs: _customs, ...rest } = international();
  return {
    ...rest,
    service: { code: 'ES-LOCAL-24', name: 'Madrid warehouse next day' },
    sender: { name: 'Caravan Fulfilment Madrid', lines: ['Calle de Alcalá 100'], city: 'Madrid', postalCode: '28009', country: 'ES' },
    recipient: { name: 'Lucía Martínez', lines: ['Avenida Diagonal 211, 4º 2ª'], city: 'Barcelona', postalCode: '08018', country: 'ES', phone: '+34 600 123 456' },
    ...overrides,
  };
}

async function rejection(label: unknown): Promise<AppError> {
  const error = await renderLabel(label as ShippingLabel).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

// ─── The document ─────────────────────────────────────────────────────────────────────────────

describe('renderLabel', () => {
  it('makes a one-page 4×6 inch PDF', async () => {
    for (const compress of [true, false]) {
      const pdf = await renderLabel(international(), { compress });
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      const text = pdf.toString('latin1');
      expect(text.match(/\/Type \/Page\n/g)).toHaveLength(1);
      expect(text).toMatch(/\/Type \/Pages\n\/Count 1\n/);
      expect(text).toMatch(/\/MediaBox \[0 0 288 432\]/);
    }
  });

  it('is a pure function of its input: the same label gives the same bytes', async () => {
    const [first, second] = await Promise.all([renderLabel(international()), renderLabel(international())]);
    expect(first.equals(second)).toBe(true);
  });

  it('prints the tracking number, service, both addresses and the parcel facts', async () => {
    const text = await labelText(international());
    expect(text).toEqual(
      expect.arrayContaining([
        'RR123456785CN',
        'Caravan Standard Shipping',
        'Service code CRV-STD-RU',
        'Shenzhen Xinghe Electronics Co., Ltd.',
        'Building 5, 18 Keji Road',
        '518057  Shenzhen, Guangdong',
        'CHINA',
        'Ivan Petrov',
        'ul. Tverskaya, d. 7, kv. 12',
        '125009  Moskva',
        'RUSSIA',
        'Tel +7 915 123 45 67',
        '1.234 kg',
        '1/2',
        '8150123456789012',
        '2025-03-14',
      ]),
    );
  });

  it('prints a CN 22 customs declaration for an international parcel', async () => {
    const text = await labelText(international());
    expect(text).toEqual(
      expect.arrayContaining([
        'CUSTOMS DECLARATION CN 22',
        '[X] Sale of goods',
        '[ ] Gift',
        '[ ] Documents',
        '[ ] Commercial sample',
        '[ ] Returned goods',
        '[ ] Other',
        'Value USD',
        '2 × Bluetooth earphones model 1',
        '29.99',
        '1 × Bluetooth earphones model 2',
        '93.46',
        '0.020',
        '851830',
        'CN',
        'Total gross weight 1.234 kg',
        'Total value USD 123.45',
        "Date and sender's signature: 2025-03-14   Shenzhen Xinghe Electronics Co., Ltd.",
      ]),
    );
    expect(text.join(' ')).toContain('certify that the particulars given in this declaration');
  });

  it('names the explanation of an "other" category and the signer the caller gives', async () => {
    const label = international();
    label.customs = { ...label.customs!, category: 'other', categoryExplanation: 'Warranty replacement', signedBy: 'Li Wei' };
    const text = await labelText(label);
    expect(text).toContain('[X] Other: Warranty replacement');
    expect(text).toContain('[ ] Sale of goods');
    expect(text).toContain("Date and sender's signature: 2025-03-14   Li Wei");
  });

  it('embeds a Code 128 barcode image that encodes the tracking number', async () => {
    const pdf = await renderLabel(international(), { compress: false });
    const { runs, width } = embeddedBarcodeRuns(pdf);
    const expected = code128Widths('RR123456785CN');
    const pixelsPerModule = width / expected.reduce((sum, w) => sum + w, 0);
    expect(Number.isInteger(pixelsPerModule)).toBe(true);
    const modules = runs.map((run) => run / pixelsPerModule);
    expect(modules).toEqual(expected);
    // Independent of bwip-js: Code 128 starts with a Start A/B/C pattern and ends with the stop pattern.
    expect(['211412', '211214', '211232']).toContain(modules.slice(0, 6).join(''));
    expect(modules.slice(-7).join('')).toBe('2331112');
    // And it is not just any Code 128 symbol.
    expect(modules).not.toEqual(code128Widths('RR123456794CN'));
  });

  it('places the barcode inside the label with its quiet zones and keeps its bars at least 0.25 mm', async () => {
    const content = pageContent(await renderLabel(international(), { compress: false }));
    const placement = /([\d.]+) 0 0 -([\d.]+) ([\d.]+) ([\d.]+) cm\n\/I1 Do/.exec(content);
    expect(placement).not.toBeNull();
    const [, width, height, x] = placement!.map(Number);
    const moduleWidth = width! / code128Widths('RR123456785CN').reduce((sum, w) => sum + w, 0);
    expect(moduleWidth).toBeGreaterThanOrEqual(0.72);
    expect(x).toBeGreaterThanOrEqual(10 * moduleWidth);
    expect(x! + width!).toBeLessThanOrEqual(288 - 10 * moduleWidth);
    expect(height).toBeGreaterThanOrEqual(36);
  });

  it('switches from CN 22 to CN 23 wording above 300 SDR', async () => {
    const at = (sdr: NonNullable<ShippingLabel['customs']>['sdr']) => {
      const label = international();
      label.customs = { ...label.customs!, sdr };
      return labelText(label);
    };
    // Items total USD 123.45: at 2.43013 SDR per USD that is 299.99… SDR, at 2.43014 it is 300.0007 SDR.
    expect(await at({ sdrPerUnit: '2.43013' })).toContain('CUSTOMS DECLARATION CN 22');
    const cn23 = await at({ sdrPerUnit: '2.43014' });
    expect(cn23).toContain('CUSTOMS DECLARATION CN 23');
    expect(cn23.join(' ')).not.toContain('CN 22');
    expect(await at({ declaredValueInSdr: '300' })).toContain('CUSTOMS DECLARATION CN 22');
    expect(await at({ declaredValueInSdr: '300.01' })).toContain('CUSTOMS DECLARATION CN 23');
  });

  it('prints no customs block on a domestic parcel', async () => {
    const text = await labelText(domestic());
    expect(text).toContain('Lucía Martínez');
    expect(text).toContain('SPAIN');
    expect(text.join(' ')).not.toMatch(/CUSTOMS|CN 2[23]|Total value/);
  });

  it('prints no customs block when the caller says an international route needs none', async () => {
    const label = domestic({ customs: null });
    label.recipient = { ...label.recipient, postalCode: '75011', city: 'Paris', country: 'FR' };
    const text = await labelText(label);
    expect(text).toContain('FRANCE');
    expect(text.join(' ')).not.toContain('CUSTOMS');
  });

  it('shows as many items as fit and counts the rest, keeping all text on the one page', async () => {
    const items = Array.from({ length: 40 }, (_, index) => item(index + 1, { netWeightGrams: 10 }));
    const label = international();
    label.customs = { ...label.customs!, items, sdr: { declaredValueInSdr: '400' } };
    const pdf = await renderLabel(label, { compress: false });
    const content = pageContent(pdf);
    const text = shownText(content);

    const shown = text.filter((line) => /^2 × Bluetooth earphones model \d+$/.test(line));
    const more = text.map((line) => /^\+(\d+) more items \(see attached CN 23\)$/.exec(line)).find(Boolean);
    expect(more).toBeTruthy();
    expect(shown.length).toBeGreaterThan(3);
    expect(shown.length + Number(more![1])).toBe(40);
    expect(shown[0]).toBe('2 × Bluetooth earphones model 1');
    // Totals cover every item, not only the ones shown.
    expect(text).toContain('Total value USD 400.00');

    expect(pdf.toString('latin1').match(/\/Type \/Page\n/g)).toHaveLength(1);
    const origins = [...content.matchAll(/1 0 0 1 (-?[\d.]+) (-?[\d.]+) Tm/g)].map(([, x, y]) => [Number(x), Number(y)] as const);
    expect(origins.length).toBe(text.length);
    for (const [x, y] of origins) {
      expect(x).toBeGreaterThanOrEqual(8);
      expect(x).toBeLessThan(280);
      expect(y).toBeGreaterThanOrEqual(8); // baselines stay above the bottom margin
      expect(y).toBeLessThan(432);
    }
  });

  it('still fits a list with the largest address blocks, and points a CN 22 to an attached list', async () => {
    const big = {
      company: 'Importadora e Exportadora Atlântica Ltda. c/o Armazém 12',
      lines: ['Rua Doutor Alberto Torres de Albuquerque, 1234, Bloco B', 'Jardim Botânico das Palmeiras Imperiais', 'Caixa Postal 99999, perto do mercado'],
      phone: '+55 12 99999-9999',
    };
    const label = international();
    label.sender = { ...label.sender, ...big };
    label.recipient = { ...label.recipient, ...big, name: 'Maria Fernanda de los Ángeles Gonçalves-Rodríguez', region: 'Moskovskaya oblast' };
    label.customs = { ...label.customs!, items: Array.from({ length: 25 }, (_, index) => item(index, { netWeightGrams: 10, value: { amount: 100, currency: 'USD' } })) };
    const pdf = await renderLabel(label, { compress: false });
    const text = shownText(pageContent(pdf));
    expect(text).toContain('CUSTOMS DECLARATION CN 22');
    const shown = text.filter((line) => /^2 × Bluetooth/.test(line)).length;
    expect(shown).toBeGreaterThanOrEqual(2);
    expect(text).toContain(`+${25 - shown} more items (see attached item list)`);
    expect(text).toContain('Rua Doutor Alberto Torres de Albuquerque, 1234, Bloco B');
    expect(pdf.toString('latin1').match(/\/Type \/Page\n/g)).toHaveLength(1);
  });

  it('prints every item without a "more" line when they fit', async () => {
    const text = await labelText(international());
    expect(text.join(' ')).not.toMatch(/more items?/);
  });

  it('folds Latin letters the standard fonts lack and keeps the ones they have', async () => {
    const label = international();
    label.recipient = { ...label.recipient, nameLatin: 'Łukasz Żółć', lines: ['ulica Świętokrzyska 12'], city: 'Warszawa', postalCode: '00-916', country: 'PL' };
    const text = await labelText(label);
    expect(text).toContain('Lukasz Zólc');
    expect(text).toContain('ulica Swietokrzyska 12');
    expect(text).toContain('POLAND');
  });
});

// ─── Invalid input ────────────────────────────────────────────────────────────────────────────

describe('renderLabel refuses labels it cannot print', () => {
  it('refuses an empty tracking number', async () => {
    const error = await rejection(international({ trackingNumber: '  ' }));
    expect(error.status).toBe(422);
    expect(error.message).toMatch(/trackingNumber must not be empty/);
    expect(error.errors.map((e) => e.path)).toEqual(['/trackingNumber']);
  });

  it('refuses tracking numbers with characters Code 128 labels cannot carry', async () => {
    for (const [trackingNumber, what] of [
      ['RR12345678é', /"é"/],
      ['RR 123 456 785 CN', /a space/],
      ['RR123\n', /U\+000A/],
      ['运单123456', /"运"/],
    ] as const) {
      const error = await rejection(international({ trackingNumber }));
      expect(error.message).toMatch(/trackingNumber contains/);
      expect(error.message).toMatch(what);
      expect(error.errors[0]).toMatchObject({ path: '/trackingNumber', code: 'unsupported_character' });
    }
  });

  it('names each missing recipient field', async () => {
    for (const field of ['name', 'lines', 'city', 'postalCode', 'country', 'phone'] as const) {
      const label = international();
      const recipient: Record<string, unknown> = { ...label.recipient };
      delete recipient[field];
      if (field === 'name') delete recipient.nameLatin;
      const error = await rejection({ ...label, recipient });
      expect(error.message).toContain(`recipient.${field}`);
      expect(error.errors.map((e) => e.path)).toEqual([`/recipient/${field}`]);
    }
    const error = await rejection({ ...international(), recipient: undefined });
    expect(error.errors.map((e) => e.path)).toEqual(['/recipient']);
  });

  it('lets a recipient in a country without postcodes go without one', async () => {
    const label = international();
    const { postalCode: _postalCode, ...recipient } = label.recipient;
    const text = await labelText({ ...label, recipient: { ...recipient, city: 'Dubai', country: 'AE' } });
    expect(text).toContain('UNITED ARAB EMIRATES');
  });

  it('asks for the Latin-script name when a name is in Chinese, Cyrillic, Arabic or Korean', async () => {
    const label = international();
    const { nameLatin: _sender, ...sender } = label.sender;
    let error = await rejection({ ...label, sender });
    expect(error.message).toMatch(/sender\.name is written in Chinese \(Han\) script/);
    expect(error.message).toMatch(/set sender\.nameLatin/);

    for (const [name, script] of [
      ['Иван Петров', 'Cyrillic'],
      ['محمد العتيبي', 'Arabic'],
      ['김민준', 'Korean \\(Hangul\\)'],
    ] as const) {
      error = await rejection({ ...label, recipient: { ...label.recipient, name, nameLatin: undefined } });
      expect(error.message).toMatch(new RegExp(`recipient\\.name is written in ${script} script`));
      expect(error.errors.map((e) => e.path)).toEqual(['/recipient/name']);
    }
  });

  it('refuses address lines that are not in Latin script', async () => {
    const label = international();
    const error = await rejection({ ...label, recipient: { ...label.recipient, lines: ['ул. Тверская, д. 7'] } });
    expect(error.message).toMatch(/recipient\.lines\[0\] is written in Cyrillic script/);
    expect(error.errors[0]?.path).toBe('/recipient/lines/0');
  });

  it('requires a customs declaration across a border and refuses one at home', async () => {
    let error = await rejection(international({ customs: undefined }));
    expect(error.message).toMatch(/customs is required for an international parcel \(CN → RU\)/);
    error = await rejection(domestic({ customs: international().customs }));
    expect(error.message).toMatch(/customs must be absent: a domestic parcel \(ES → ES\)/);
  });

  it('names invalid customs fields', async () => {
    const label = international();
    label.customs = {
      category: 'sale_of_goods',
      sdr: { sdrPerUnit: 'about one' },
      items: [
        item(1, { hsCode: undefined, originCountry: 'XX' }),
        item(2, { quantity: 0, value: { amount: 100, currency: 'EUR' } }),
        item(3, { description: '蓝牙耳机' }),
      ],
    };
    const error = await rejection(label);
    expect(error.errors.map((e) => e.path).sort()).toEqual(
      [
        '/customs/items/0/hsCode',
        '/customs/items/0/originCountry',
        '/customs/items/1/quantity',
        '/customs/items/1/value/currency',
        '/customs/items/2/description',
        '/customs/sdr/sdrPerUnit',
      ].sort(),
    );
    expect(error.message).toContain('customs.items[0].hsCode is required for commercial items');
    expect(error.message).toContain('customs.sdr.sdrPerUnit must be a decimal string');
  });

  it('refuses net weights heavier than the parcel and a piece number beyond the count', async () => {
    const label = international({ weightGrams: 30, piece: { number: 3, of: 2 } });
    const error = await rejection(label);
    expect(error.errors.map((e) => e.path).sort()).toEqual(['/customs/items', '/piece/number']);
  });

  it('refuses a date that is not a calendar date', async () => {
    const error = await rejection(international({ date: '2025-02-30' }));
    expect(error.errors.map((e) => e.path)).toEqual(['/date']);
  });
});

// ─── Pure decisions ───────────────────────────────────────────────────────────────────────────

describe('customsFormFor', () => {
  it.each([
    ['0', 'CN22'],
    ['299.99', 'CN22'],
    ['300', 'CN22'],
    ['300.000', 'CN22'],
    ['300.0001', 'CN23'],
    ['1250', 'CN23'],
  ] as const)('declared %s SDR → %s', (declaredValueInSdr, form) => {
    expect(customsFormFor({ declaredValueInSdr })).toBe(form);
  });

  it.each([
    [40000, 'USD', '0.75', 'CN22'], // USD 400.00 × 0.75 = 300 SDR exactly
    [40001, 'USD', '0.75', 'CN23'],
    [300000, 'KRW', '0.001', 'CN22'], // no minor unit: KRW 300,000 × 0.001 = 300
    [300001, 'KRW', '0.001', 'CN23'],
    [1000000, 'KWD', '0.3', 'CN22'], // three decimals: KWD 1,000.000 × 0.3 = 300
    [1000001, 'KWD', '0.3', 'CN23'],
  ] as const)('%i minor units of %s at %s SDR each → %s', (amount, currency, sdrPerUnit, form) => {
    expect(customsFormFor({ totalValue: { amount, currency }, sdrPerUnit })).toBe(form);
  });

  it('refuses values and rates it cannot compare', () => {
    expect(() => customsFormFor({ declaredValueInSdr: '-1' })).toThrow(/declaredValueInSdr must not be negative/);
    expect(() => customsFormFor({ declaredValueInSdr: '3e2' })).toThrow(/declaredValueInSdr must be a decimal string/);
    expect(() => customsFormFor({ totalValue: { amount: 100, currency: 'USD' }, sdrPerUnit: '0' })).toThrow(/sdrPerUnit must be positive/);
    expect(() => customsFormFor({ totalValue: { amount: 1.5, currency: 'USD' }, sdrPerUnit: '0.7' })).toThrow(/totalValue/);
  });
});

describe('printableText', () => {
  it.each([
    ['Calle de Alcalá 100, 4º', 'Calle de Alcalá 100, 4º'],
    ['Łódź', 'Lódz'],
    ['Ștefan cel Mare', 'Stefan cel Mare'],
    ['Iğdır', 'Igdir'],
    ['Straße  \t 5', 'Straße 5'],
    ['“Quoted” – €5', '“Quoted” – €5'],
  ])('%s → %s', (input, printed) => {
    expect(printableText(input)).toEqual({ ok: true, text: printed });
  });

  it.each([
    ['深圳', 'Chinese (Han)'],
    ['Москва', 'Cyrillic'],
    ['الرياض', 'Arabic'],
    ['서울', 'Korean (Hangul)'],
  ])('refuses %s as %s', (input, script) => {
    const result = printableText(input);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toContain(`${script} script`);
  });

  it('refuses symbols outside the fonts with their code point', () => {
    expect(printableText('Box 📦')).toEqual({ ok: false, message: expect.stringContaining('U+1F4E6') });
  });
});
