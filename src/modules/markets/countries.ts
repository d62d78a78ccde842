import { readFileSync } from 'node:fs';

/** The countries the marketplace sells to, and the groups (EU) that rules name instead of countries. */
export interface Market {
  code: string;
  name: string;
  currency: string;
  /** Main language for buyer-facing text in this market (BCP 47 primary subtag). */
  language: string;
  groups: string[];
  priority: boolean;
}

export interface MarketDirectory {
  markets: readonly Market[];
  groups: Readonly<Record<string, readonly string[]>>;
  get(code: string): Market | undefined;
  /** Whether a code names a market, or a group of markets. */
  isMarketOrGroup(code: string): boolean;
  /** The markets a code stands for: itself, or the members of a group. */
  expand(code: string): string[];
}

export function marketDirectory(file: string): MarketDirectory {
  const data = JSON.parse(readFileSync(file, 'utf8')) as { markets: Market[]; groups: Record<string, string[]> };
  const byCode = new Map(data.markets.map((market) => [market.code, market]));
  for (const [group, members] of Object.entries(data.groups)) {
    const unknown = members.filter((code) => !byCode.has(code));
    if (unknown.length > 0) throw new Error(`market group ${group} names unknown markets: ${unknown.join(', ')}`);
  }
  return {
    markets: data.markets,
    groups: data.groups,
    get: (code) => byCode.get(code),
    isMarketOrGroup: (code) => byCode.has(code) || code in data.groups,
    expand: (code) => (code in data.groups ? [...(data.groups[code] ?? [])] : byCode.has(code) ? [code] : []),
  };
}
