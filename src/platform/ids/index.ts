import { monotonicFactory } from 'ulidx';
import type { Clock } from '../clock/index.ts';

/**
 * Identifiers are `<prefix>_<ULID>`: the prefix names the entity, the ULID sorts by creation time,
 * so ids double as a stable, time-ordered cursor. The registry keeps prefixes unique.
 */
const registeredPrefixes = new Map<string, string>();

export function registerIdPrefix(prefix: string, entity: string): string {
  if (!/^[a-z]{2,6}$/.test(prefix)) throw new Error(`id prefix "${prefix}" must be 2–6 lower-case letters`);
  const owner = registeredPrefixes.get(prefix);
  if (owner !== undefined && owner !== entity) {
    throw new Error(`id prefix "${prefix}" is already used by ${owner}`);
  }
  registeredPrefixes.set(prefix, entity);
  return prefix;
}

export type IdGenerator = (prefix: string) => string;

export function createIdGenerator(clock: Clock): IdGenerator {
  const ulid = monotonicFactory();
  return (prefix) => {
    if (!registeredPrefixes.has(prefix)) throw new Error(`id prefix "${prefix}" is not registered`);
    return `${prefix}_${ulid(clock.now().getTime())}`;
  };
}

const ID_PATTERN = /^([a-z]{2,6})_([0-9A-HJKMNP-TV-Z]{26})$/;

export function isId(value: string, prefix?: string): boolean {
  const match = ID_PATTERN.exec(value);
  return match !== null && (prefix === undefined || match[1] === prefix);
}

/** JSON-schema pattern for an id with the given prefix, for request validation. */
export function idPattern(prefix: string): string {
  return `^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`;
}
