import pino from 'pino';

/** Tests log nothing unless LOG_LEVEL asks for it. */
export const testLogger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
