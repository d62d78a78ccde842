import { existsSync } from 'node:fs';
import path from 'node:path';
import { and, asc, eq } from 'drizzle-orm';
import type { Platform } from '../../platform/index.ts';
import { BusinessCalendar, loadCalendarFile, type CalendarData, type CalendarOverride } from '../../platform/calendar/index.ts';
import { inTransaction, type Db } from '../../platform/db/index.ts';
import { notFound } from '../../platform/errors/index.ts';
import { DATA_DIR } from '../../platform/paths.ts';
import { actorOf, authorize, requireOperator, type Caller } from '../identity/index.ts';
import { shippedMarkets, type Market } from './countries.ts';
import { createFxSnapshots } from './fx-service.ts';
import { calendarOverrides } from './schema.ts';

export interface CalendarDetails {
  data: CalendarData;
  overrides: (CalendarOverride & { createdBy: string; createdAt: Date })[];
}

export function createMarketsService(platform: Platform) {
  const { db, clock, audit } = platform;
  const shipped = new Map<string, CalendarData>();
  const directory = shippedMarkets();
  const fx = createFxSnapshots(platform, directory);

  function shippedCalendar(country: string): CalendarData {
    let data = shipped.get(country);
    if (!data) {
      const file = path.join(DATA_DIR, 'calendars', `${country}.json`);
      if (!/^[A-Z]{2}$/.test(country) || !existsSync(file)) throw notFound('business calendar', country);
      data = loadCalendarFile(file);
      shipped.set(country, data);
    }
    return data;
  }

  async function overridesOf(tx: Db, country: string) {
    return tx.select().from(calendarOverrides).where(eq(calendarOverrides.country, country)).orderBy(asc(calendarOverrides.date));
  }

  return {
    /** Countries the marketplace sells to, and their groups. */
    directory,

    /** The market of a country, or 404 when the marketplace does not sell there. */
    market(country: string): Market {
      const market = directory.get(country);
      if (!market) throw notFound('market', country);
      return market;
    },

    ...fx,

    /** The business-day calendar of a country: shipped data with operators' overrides on top. */
    async calendar(tx: Db, country: string): Promise<BusinessCalendar> {
      const data = shippedCalendar(country);
      const overrides = await overridesOf(tx, country);
      return new BusinessCalendar(data, overrides.map((o) => ({ date: o.date, kind: o.kind as CalendarOverride['kind'], name: o.name })));
    },

    async calendarDetails(caller: Caller, country: string): Promise<CalendarDetails> {
      requireOperator(caller.principal);
      const data = shippedCalendar(country);
      const overrides = await overridesOf(db, country);
      return {
        data,
        overrides: overrides.map((o) => ({ date: o.date, kind: o.kind as CalendarOverride['kind'], name: o.name, createdBy: o.createdBy, createdAt: o.createdAt })),
      };
    },

    async setCalendarDay(caller: Caller, country: string, date: string, change: { kind: CalendarOverride['kind']; name: string; reason: string }): Promise<void> {
      authorize(requireOperator(caller.principal), 'update', 'BusinessCalendar');
      shippedCalendar(country);
      await inTransaction(db, async (tx) => {
        const [before] = await tx.select().from(calendarOverrides).where(and(eq(calendarOverrides.country, country), eq(calendarOverrides.date, date))).for('update');
        const values = { kind: change.kind, name: change.name, createdBy: caller.principal.accountId, createdAt: clock.now() };
        await tx
          .insert(calendarOverrides)
          .values({ country, date, ...values })
          .onConflictDoUpdate({ target: [calendarOverrides.country, calendarOverrides.date], set: values });
        await audit.record(tx, {
          actor: actorOf(caller),
          action: 'business_calendar.set_day',
          subject: { type: 'business_calendar', id: `${country}:${date}` },
          from: before ? { kind: before.kind, name: before.name } : null,
          to: { kind: change.kind, name: change.name },
          reason: change.reason,
        });
      });
    },

    async removeCalendarDay(caller: Caller, country: string, date: string, reason: string): Promise<void> {
      authorize(requireOperator(caller.principal), 'update', 'BusinessCalendar');
      await inTransaction(db, async (tx) => {
        const [removed] = await tx.delete(calendarOverrides).where(and(eq(calendarOverrides.country, country), eq(calendarOverrides.date, date))).returning();
        if (!removed) throw notFound('calendar override', `${country}:${date}`);
        await audit.record(tx, {
          actor: actorOf(caller),
          action: 'business_calendar.remove_day',
          subject: { type: 'business_calendar', id: `${country}:${date}` },
          from: { kind: removed.kind, name: removed.name },
          to: null,
          reason,
        });
      });
    },
  };
}

export type MarketsService = ReturnType<typeof createMarketsService>;
