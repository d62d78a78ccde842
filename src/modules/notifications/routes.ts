import { Type } from 'typebox';
import type { HttpApp } from '../../platform/http/server.ts';
import { IdOf, NullableTimestamp, Page, pageQuery, Timestamp } from '../../platform/http/schemas.ts';
import { callerOf } from '../identity/index.ts';
import type { Notification, NotificationsService } from './service.ts';

const NotificationSchema = Type.Object({
  id: IdOf('ntf'),
  type: Type.String(),
  title: Type.String(),
  body: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
  created_at: Timestamp,
  read_at: NullableTimestamp,
});

const view = (n: Notification) => ({ id: n.id, type: n.type, title: n.title, body: n.body, data: n.data, created_at: n.createdAt.toISOString(), read_at: n.readAt?.toISOString() ?? null });

export function registerNotificationsRoutes(app: HttpApp, service: NotificationsService): void {
  for (const surface of ['seller', 'ops'] as const) {
    const tags = [surface === 'seller' ? 'seller: account' : 'ops: access'];
    app.get(
      `/v1/${surface}/notifications`,
      {
        schema: {
          tags,
          summary: 'Messages for the signed-in account, newest first',
          querystring: pageQuery({ unread: Type.Optional(Type.Boolean()) }),
          response: { 200: Page(NotificationSchema) },
        },
      },
      async (request) => {
        const { limit = 20, cursor, unread } = request.query;
        const page = await service.list(callerOf(request), surface, { limit, ...(cursor ? { cursor } : {}), ...(unread ? { unreadOnly: true } : {}) });
        return { data: page.data.map(view), next_cursor: page.nextCursor };
      },
    );

    app.post(
      `/v1/${surface}/notifications/:notificationId/read`,
      { schema: { tags, summary: 'Mark a message read', params: Type.Object({ notificationId: IdOf('ntf') }), response: { 200: NotificationSchema } } },
      async (request) => view(await service.markRead(callerOf(request), surface, request.params.notificationId)),
    );
  }
}
