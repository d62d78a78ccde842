import type { HttpApp } from './server.ts';

/**
 * Registers routes that receive the body exactly as sent, as a Buffer, whatever its content type:
 * a signature over the raw body (webhooks) cannot be checked against a re-serialised parse. The
 * parser lives in its own scope so the rest of the API keeps parsing JSON.
 */
export function withRawBodies(app: HttpApp, register: (scope: HttpApp) => void, bodyLimitBytes = 1024 * 1024): void {
  // Fastify loads registered scopes when the server gets ready, in registration order.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: bodyLimitBytes }, (_request, body, done) => done(null, body));
    register(scope as HttpApp);
  });
}
