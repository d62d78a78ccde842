import { defineConfig } from 'drizzle-kit';

// Schema files are the source of truth; `npm run db:generate` writes the next numbered migration.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/**/schema.ts',
  out: './migrations',
  migrations: { prefix: 'index' },
});
