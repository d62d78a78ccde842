import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  LOGISTICS_DATA_DIR,
  LOGISTICS_FILES,
  LogisticsDataError,
  fuelSurchargeOn,
  inPostalRange,
  loadLogisticsData,
  normalizePostalCode,
  parseLogisticsData,
  pickPackFeeOn,
  rateSheetOn,
  remoteAreaOn,
  zoneFor,
  type LogisticsFile,
  type LogisticsFiles,
} from './rate-sheets.ts';

const data = loadLogisticsData();
const ON = '2026-11-25';

/** A fresh copy of the shipped files' JSON, for a test to break one thing in. */
function shippedFiles(): LogisticsFiles & Record<LogisticsFile, any> {
  const files = {} as Record<LogisticsFile, any>;
  for (const key of Object.keys(LOGISTICS_FILES) as LogisticsFile[]) {
    files[key] = JSON.parse(readFileSync(path.join(LOGISTICS_DATA_DIR, LOGISTICS_FILES[key]), 'utf8'));
  }
  return files;
}

function parseError(files: LogisticsFiles): LogisticsDataError {
  try {
    parseLogisticsData(files);
  } catch (error) {
    if (error instanceof LogisticsDataError) return error;
    throw error;
  }
  throw new Error('expected the data to be refused');
}

const indexOf = (list: { id?: string; code?: string }[], key: string) => {
  const index = list.findIndex((entry) => entry.id === key || entry.code === key);
  if (index < 0) throw new Error(`no ${key} in the shipped data`);
  return index;
};

describe('data/logistics', () => {
  it('is versioned and dated 2026-11-25, and says its figures are sample figures', () => {
    expect(data.versions).toEqual({ services: '2026-11-25', zones: '2026-11-25', rateSheets: '2026-11-25', surcharges: '2026-11-25' });
    const files = shippedFiles();
    for (const key of Object.keys(LOGISTICS_FILES) as LogisticsFile[]) {
      expect(files[key].recorded_on).toBe('2026-11-25');
      expect(files[key].source).toMatch(/SAMPLE DATA/);
    }
  });

  it('offers recommended, tracked platform standard shipping from China to every priority market', () => {
    const standard = data.services.filter((s) => s.path === 'standard');
    expect(standard).toHaveLength(1);
    const [service] = standard;
    expect(service!.recommended).toBe(true);
    expect(service!.tracking).toBe('end_to_end');
    expect(service!.origins).toEqual(['CN']);
    expect(service!.destinations.map((d) => d.country).sort()).toEqual(['BR', 'DE', 'ES', 'FR', 'GB', 'IT', 'KR', 'NL', 'PL', 'RU', 'SA', 'US']);
    expect(data.services.filter((s) => s.recommended)).toEqual([service]);
  });

  it('has one dedicated line per destination group, priced per kg plus a per-parcel fee, without volumetric weight under a size cap', () => {
    const lines = data.services.filter((s) => s.path === 'dedicated_line');
    const served = lines.map((s) => s.destinations.map((d) => d.country).sort().join('+')).sort();
    expect(served).toEqual(['BR', 'ES+FR', 'RU', 'SA']);
    for (const line of lines) {
      expect(line.volumetric.exemptUpTo, line.code).toBeDefined();
      const sheets = data.rateSheets.filter((s) => s.service === line.code);
      expect(sheets.length).toBeGreaterThan(0);
      for (const sheet of sheets) {
        for (const bracket of sheet.brackets) {
          expect(bracket.kind).toBe('per_kg');
          if (bracket.kind === 'per_kg') expect(bracket.perParcel?.amount).toBeGreaterThan(0);
        }
      }
    }
    expect(new Set(lines.map((l) => l.tracking))).toEqual(new Set(['end_to_end', 'to_border']));
  });

  it('has an express service with divisor 5000 and half-kilo steps', () => {
    const express = data.services.filter((s) => s.path === 'express');
    expect(express.length).toBeGreaterThan(0);
    expect(express[0]!.volumetric.divisor).toBe(5000);
    expect(express[0]!.billableWeight.stepG).toBe(500);
  });

  it('has local-delivery services from warehouses in ES, FR, BR, SA and RU, each with a pick/pack fee in local currency', () => {
    const warehouses = data.services.filter((s) => s.path === 'overseas_warehouse');
    expect(warehouses.map((s) => s.warehouse!.country).sort()).toEqual(['BR', 'ES', 'FR', 'RU', 'SA']);
    const local: Record<string, string> = { ES: 'EUR', FR: 'EUR', BR: 'BRL', SA: 'SAR', RU: 'RUB' };
    for (const service of warehouses) {
      expect(service.currency).toBe(local[service.warehouse!.country]);
      expect(service.destinations.map((d) => d.country)).toEqual([service.warehouse!.country]);
      expect(service.ddp).toBeNull();
      expect(pickPackFeeOn(data, service.code, ON)?.perOrder.amount).toBeGreaterThan(0);
    }
  });

  it.each([
    ['ES', '35001', 'Canarias'],
    ['ES', '38001', 'Canarias'],
    ['ES', '51001', 'Ceuta'],
    ['ES', '52001', 'Melilla'],
    ['ES', '07001', 'Balears'],
    ['FR', '20000', 'Corse'],
    ['FR', '97100', 'Overseas departments'],
    ['FR', '97400', 'Overseas departments'],
    ['BR', '69005-070', 'North'],
    ['BR', '66010-000', 'North'],
    ['BR', '76801-000', 'North'],
    ['BR', '77001-000', 'North'],
    ['RU', '690000', 'Far Eastern'],
    ['RU', '683000', 'Far Eastern'],
    ['SA', '73211', 'Remote'],
    ['US', '99501', 'Alaska'],
    ['US', '96813', 'Hawaii'],
  ])('charges standard shipping a remote-area fee in %s %s (%s)', (country, postalCode, name) => {
    expect(remoteAreaOn(data, 'caravan_standard', country, postalCode, ON)?.area.name).toContain(name);
  });

  it.each([
    ['ES', '28001'],
    ['FR', '75001'],
    ['BR', '01310-100'],
    ['BR', '76501-000'],
    ['RU', '101000'],
    ['RU', '630000'],
    ['SA', '11564'],
    ['US', '10001'],
  ])('charges no remote-area fee in %s %s', (country, postalCode) => {
    expect(remoteAreaOn(data, 'caravan_standard', country, postalCode, ON)).toBeUndefined();
  });

  it('has remote-area fees for each warehouse country, per shipment or per kg with a minimum', () => {
    const kinds = new Set(data.remoteAreas.map((r) => r.charge.kind));
    expect(kinds).toEqual(new Set(['per_shipment', 'per_kg']));
    for (const [service, country, postalCode] of [
      ['wh_es_local', 'ES', '35001'],
      ['wh_fr_local', 'FR', '20000'],
      ['wh_br_local', 'BR', '69005070'],
      ['wh_sa_local', 'SA', '73211'],
      ['wh_ru_local', 'RU', '690000'],
    ] as const) {
      expect(remoteAreaOn(data, service, country, postalCode, ON), service).toBeDefined();
    }
  });

  it('dates the express fuel surcharge month by month, applied to base and remote area', () => {
    expect(fuelSurchargeOn(data, 'express_integrator', '2026-11-30')?.rate).toBe('0.2650');
    expect(fuelSurchargeOn(data, 'express_integrator', '2026-12-01')?.rate).toBe('0.2825');
    expect(fuelSurchargeOn(data, 'express_integrator', '2026-12-01')?.appliesTo).toEqual(['base', 'remote_area', 'oversize']);
    expect(fuelSurchargeOn(data, 'line_cn_br', ON)).toBeUndefined();
  });
});

describe('zones and postal codes', () => {
  it('normalises postal codes', () => {
    expect(normalizePostalCode('01310-100')).toBe('01310100');
    expect(normalizePostalCode(' sw1a 1aa ')).toBe('SW1A1AA');
  });

  it('matches a range on the leading characters, as long as the range is', () => {
    expect(inPostalRange('69005070', { from: '66', to: '69' })).toBe(true);
    expect(inPostalRange('65999999', { from: '66', to: '69' })).toBe(false);
    expect(inPostalRange('70000000', { from: '66', to: '69' })).toBe(false);
    expect(inPostalRange('76899999', { from: '768', to: '779' })).toBe(true);
    expect(inPostalRange('76799999', { from: '768', to: '779' })).toBe(false);
    expect(inPostalRange('6', { from: '66', to: '69' })).toBe(false);
  });

  it.each([
    ['BR', '01310-100', 'BR-1'],
    ['BR', '90010-000', 'BR-1'],
    ['BR', '40010-000', 'BR-2'],
    ['BR', '69005-070', 'BR-2'],
    ['RU', '101000', 'RU-1'],
    ['RU', '190000', 'RU-1'],
    ['RU', '630000', 'RU-2'],
    ['ES', '28001', 'ES'],
  ])('puts %s %s in zone %s', (country, postalCode, zone) => {
    expect(zoneFor(data, country, postalCode)?.code).toBe(zone);
  });

  it('has no zone for a country no service delivers to', () => {
    expect(zoneFor(data, 'JP', '100-0001')).toBeUndefined();
  });
});

describe('picking the rate sheet in force', () => {
  it('switches the Spain standard sheet on 2026-06-01 and 2026-12-01, and has none before 2026', () => {
    expect(rateSheetOn(data, 'caravan_standard', 'ES', '2026-05-31')?.id).toBe('caravan_standard:ES:2026-01-01');
    expect(rateSheetOn(data, 'caravan_standard', 'ES', '2026-06-01')?.id).toBe('caravan_standard:ES:2026-06-01');
    expect(rateSheetOn(data, 'caravan_standard', 'ES', '2026-11-30')?.id).toBe('caravan_standard:ES:2026-06-01');
    expect(rateSheetOn(data, 'caravan_standard', 'ES', '2026-12-01')?.id).toBe('caravan_standard:ES:2026-12-01');
    expect(rateSheetOn(data, 'caravan_standard', 'ES', '2030-01-01')?.id).toBe('caravan_standard:ES:2026-12-01');
    expect(rateSheetOn(data, 'caravan_standard', 'ES', '2025-12-31')).toBeUndefined();
  });

  it('finds a sheet for every zone of every destination of every service on the recording date', () => {
    for (const service of data.services) {
      for (const destination of service.destinations) {
        for (const zone of data.zones.filter((z) => z.country === destination.country)) {
          expect(rateSheetOn(data, service.code, zone.code, ON), `${service.code} ${zone.code}`).toBeDefined();
        }
      }
    }
  });
});

describe('validation', () => {
  it('refuses overlapping dated sheets for the same service and zone', () => {
    const files = shippedFiles();
    const i = indexOf(files.rateSheets.sheets, 'caravan_standard:ES:2026-12-01');
    files.rateSheets.sheets[i].valid_from = '2026-11-30';
    const error = parseError(files);
    expect(error.file).toBe('rate-sheets.json');
    expect(error.record).toBe(`sheets[${i}] (caravan_standard:ES:2026-12-01)`);
    expect(error.field).toBe('valid_from');
    expect(error.message).toMatch(/2026-11-30 to open end overlaps sheets\[\d+\] \(caravan_standard:ES:2026-06-01\) \(2026-06-01 to 2026-11-30\)/);
  });

  it('accepts a new sheet that starts the day after the old one ends', () => {
    const files = shippedFiles();
    const i = indexOf(files.rateSheets.sheets, 'caravan_standard:FR:2026-10-01');
    files.rateSheets.sheets[i].valid_to = '2027-01-31';
    files.rateSheets.sheets.push({ ...structuredClone(files.rateSheets.sheets[i]), id: 'caravan_standard:FR:2027-02-01', valid_from: '2027-02-01', valid_to: null });
    const parsed = parseLogisticsData(files);
    expect(rateSheetOn(parsed, 'caravan_standard', 'FR', '2027-01-31')?.id).toBe('caravan_standard:FR:2026-10-01');
    expect(rateSheetOn(parsed, 'caravan_standard', 'FR', '2027-02-01')?.id).toBe('caravan_standard:FR:2027-02-01');
  });

  it('refuses brackets that leave a gap, overlap, or do not start at 0 g', () => {
    const gap = shippedFiles();
    const i = indexOf(gap.rateSheets.sheets, 'caravan_standard:FR:2026-10-01');
    gap.rateSheets.sheets[i].brackets[1].from_g = 2100;
    const error = parseError(gap);
    expect([error.file, error.record, error.field]).toEqual(['rate-sheets.json', `sheets[${i}] (caravan_standard:FR:2026-10-01)`, 'brackets[1].from_g']);
    expect(error.message).toContain('leaves a gap from 2000 g to 2100 g');

    const overlap = shippedFiles();
    overlap.rateSheets.sheets[i].brackets[1].from_g = 1900;
    expect(parseError(overlap).message).toContain('overlaps brackets[0], which runs to 2000 g');

    const late = shippedFiles();
    late.rateSheets.sheets[i].brackets[0].from_g = 100;
    expect(parseError(late).message).toMatch(/brackets\[0\]\.from_g is 100: the first bracket must start at 0 g/);
  });

  it('refuses a sheet for an unknown zone or service, or a zone its service does not deliver to', () => {
    const zone = shippedFiles();
    const i = indexOf(zone.rateSheets.sheets, 'line_cn_sa:SA:2026-10-01');
    zone.rateSheets.sheets[i].zone = 'SA-9';
    let error = parseError(zone);
    expect([error.file, error.record, error.field]).toEqual(['rate-sheets.json', `sheets[${i}] (line_cn_sa:SA:2026-10-01)`, 'zone']);
    expect(error.message).toContain('"SA-9" is not a zone in zones.json');

    const service = shippedFiles();
    service.rateSheets.sheets[i].service = 'line_cn_xx';
    error = parseError(service);
    expect(error.field).toBe('service');
    expect(error.message).toContain('"line_cn_xx" is not a service in services.json');

    const elsewhere = shippedFiles();
    elsewhere.rateSheets.sheets[i].zone = 'FR';
    expect(parseError(elsewhere).message).toContain('FR is in FR, which line_cn_sa does not deliver to');
  });

  it('refuses surcharges naming unknown services', () => {
    const fuel = shippedFiles();
    fuel.surcharges.fuel[0].service = 'nope';
    let error = parseError(fuel);
    expect([error.file, error.record, error.field]).toEqual(['surcharges.json', 'fuel[0] (fuel:caravan_standard:2026-01-01)', 'service']);

    const remote = shippedFiles();
    remote.surcharges.remote_areas[0].services.push('nope');
    error = parseError(remote);
    expect([error.file, error.record, error.field]).toEqual(['surcharges.json', 'remote_areas[0] (remote:cny:es-islands)', 'services[1]']);
  });

  it.each([
    ['rateSheets', ['sheets', 0, 'brackets', 0, 'per_kg'], 'sheets[0] (caravan_standard:RU-1:2026-01-01)', 'brackets[0].per_kg'],
    ['rateSheets', ['sheets', 0, 'brackets', 1, 'per_parcel'], 'sheets[0] (caravan_standard:RU-1:2026-01-01)', 'brackets[1].per_parcel'],
    ['services', ['services', 0, 'ddp', 'fee'], 'services[0] (caravan_standard)', 'ddp.fee'],
    ['surcharges', ['oversize', 0, 'fee'], 'oversize[0] (oversize:cny:standard-long)', 'fee'],
    ['surcharges', ['pick_pack', 0, 'per_order'], 'pick_pack[0] (pick_pack:wh_es_local:2026-01-01)', 'per_order'],
    ['surcharges', ['remote_areas', 0, 'charge', 'per_shipment'], 'remote_areas[0] (remote:cny:es-islands)', 'charge.per_shipment'],
  ] as const)('refuses a negative figure in %s at %j', (file, keys, record, field) => {
    const files = shippedFiles();
    // Walk to the figure's parent and turn the figure negative.
    let parent: any = files[file];
    for (const key of keys.slice(0, -1)) parent = parent[key];
    const last = keys[keys.length - 1]!;
    expect(parent[last]).toBeGreaterThan(0);
    parent[last] = -parent[last];
    const error = parseError(files);
    expect([error.file, error.record, error.field]).toEqual([LOGISTICS_FILES[file], record, field]);
    expect(error.message).toContain('must not be negative');
  });

  it('refuses a fuel rate given as a binary number, or above 100 %', () => {
    const number = shippedFiles();
    number.surcharges.fuel[0].rate = 0.08;
    expect(parseError(number).message).toContain('fuel[0] (fuel:caravan_standard:2026-01-01).rate must be a decimal string');
    const high = shippedFiles();
    high.surcharges.fuel[0].rate = '1.5';
    expect(parseError(high).field).toBe('rate');
  });

  it('refuses two fuel surcharges in force at once for one service', () => {
    const files = shippedFiles();
    const i = indexOf(files.surcharges.fuel, 'fuel:express_integrator:2026-12');
    files.surcharges.fuel[i].valid_from = '2026-11-15';
    const error = parseError(files);
    expect(error.record).toBe(`fuel[${i}] (fuel:express_integrator:2026-12)`);
    expect(error.message).toContain('can have only one fuel surcharge in force at a time');
  });

  it('refuses two remote-area fees for the same postal codes, service and dates', () => {
    const files = shippedFiles();
    files.surcharges.remote_areas.push({
      id: 'remote:cny:tenerife-again',
      services: ['caravan_standard'],
      currency: 'CNY',
      valid_from: '2026-11-01',
      valid_to: null,
      charge: { per_shipment: 100 },
      areas: [{ country: 'ES', name: 'Tenerife', postal_ranges: [{ from: '380', to: '389' }] }],
    });
    const error = parseError(files);
    expect(error.record).toMatch(/remote_areas\[\d+\] \(remote:cny:tenerife-again\)/);
    expect(error.field).toBe('areas[0].postal_ranges[0]');
    expect(error.message).toContain('ES 380–389 overlaps 38 in remote_areas[0] (remote:cny:es-islands).areas[0].postal_ranges[1] for caravan_standard');
  });

  it('refuses a surcharge in another currency than its service', () => {
    const files = shippedFiles();
    files.surcharges.remote_areas[0].currency = 'USD';
    expect(parseError(files).message).toContain('caravan_standard is priced in CNY, not in this record\'s USD');
  });

  it('refuses a country left partly without a zone, and a prefix claimed twice', () => {
    const noCatchAll = shippedFiles();
    noCatchAll.zones.zones = noCatchAll.zones.zones.filter((z: any) => z.code !== 'BR-2');
    let error = parseError(noCatchAll);
    expect(error.file).toBe('zones.json');
    expect(error.message).toContain('leaves part of BR without a zone');

    const twice = shippedFiles();
    twice.zones.zones.find((z: any) => z.code === 'RU-2').postal_prefixes = ['1'];
    error = parseError(twice);
    expect(error.message).toContain('"1" is already claimed by zones[0] (RU-1)');
  });

  it('refuses a destination whose zone has no rate sheet for the service', () => {
    const files = shippedFiles();
    files.rateSheets.sheets = files.rateSheets.sheets.filter((s: any) => s.id !== 'express_integrator:BR-2:2026-01-01');
    const error = parseError(files);
    expect(error.file).toBe('services.json');
    expect(error.record).toBe('services[5] (express_integrator)');
    expect(error.field).toBe('destinations[2].country');
    expect(error.message).toContain('zone BR-2 has no rate sheet for express_integrator');
  });

  it('insists on exactly one recommended service, and that it is standard shipping', () => {
    const none = shippedFiles();
    none.services.services[0].recommended = false;
    expect(parseError(none).message).toContain('must flag exactly one recommended standard service, found 0');
    const express = shippedFiles();
    express.services.services[5].recommended = true;
    expect(parseError(express).message).toContain('only platform standard shipping can be the recommended service');
  });

  it('refuses unknown fields and a warehouse service that claims to clear duties', () => {
    const typo = shippedFiles();
    typo.services.services[0].limits.max_wieght_g = 1;
    expect(parseError(typo).message).toBe('services.json: services[0] (caravan_standard).limits.max_wieght_g is not a known field');
    const ddp = shippedFiles();
    ddp.services.services[6].ddp = { fee: 100 };
    expect(parseError(ddp).field).toBe('ddp');
  });

  it('names the file on disk when loading fails', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'logistics-'));
    try {
      const files = shippedFiles();
      for (const key of Object.keys(LOGISTICS_FILES) as LogisticsFile[]) writeFileSync(path.join(dir, LOGISTICS_FILES[key]), JSON.stringify(files[key]));
      expect(loadLogisticsData(dir).services).toHaveLength(data.services.length);
      writeFileSync(path.join(dir, 'zones.json'), '{ "zones": [');
      expect(() => loadLogisticsData(dir)).toThrow(`${path.join(dir, 'zones.json')}: is not valid JSON`);
      files.rateSheets.sheets[0].brackets[1].from_g = 2500;
      writeFileSync(path.join(dir, 'zones.json'), JSON.stringify(files.zones));
      writeFileSync(path.join(dir, 'rate-sheets.json'), JSON.stringify(files.rateSheets));
      expect(() => loadLogisticsData(dir)).toThrow(`${path.join(dir, 'rate-sheets.json')}: sheets[0] (caravan_standard:RU-1:2026-01-01).brackets[1].from_g is 2500`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
