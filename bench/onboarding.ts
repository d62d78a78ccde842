/**
 * Load benchmark of the onboarding API: the review queue, application reads and draft saves, and
 * sign-in (argon2id-bound by design). Runs the real app on a fresh database — embedded PGlite, or
 * PostgreSQL when DATABASE_URL is set — and writes a table to bench/results/.
 *
 *   npm run bench:onboarding                 # PGlite
 *   DATABASE_URL=postgres://… npm run bench:onboarding
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/platform/config/index.ts';
import { PACKAGE_ROOT } from '../src/platform/paths.ts';
import { jpegFile, pdfFile, pngFile } from '../src/seed/sample-files.ts';
import type { Caller } from '../src/modules/identity/index.ts';
import { residentIdCheckCharacter, usccCheckCharacter } from '../src/modules/sellers/index.ts';

const SELLERS = Number(process.env.BENCH_SELLERS ?? 300);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

async function main() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'caravan-bench-'));
  let databaseUrl: string | undefined;
  let dropDatabase = async () => {};
  if (process.env.DATABASE_URL) {
    const name = `caravan_bench_${Date.now()}`;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    dropDatabase = async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    };
  }
  const config = loadConfig({ NODE_ENV: 'test', CARAVAN_DATA_DIR: dataDir, LOG_LEVEL: 'silent', CARAVAN_WORKERS: 'false', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });
  const app = await createApp(config);
  const { identity, sellers } = app.modules;
  const address = await app.http.listen({ port: 0, host: '127.0.0.1' });

  console.log(`seeding ${SELLERS} sellers with submitted applications…`);
  const operator = await identity.service.createOperator(null, { email: 'bench-admin@ops.example', password: 'bench password 1', displayName: 'Bench', roles: ['admin'], dataTier: 'full' });
  const admin: Caller = { principal: { kind: 'operator', accountId: operator.account.id, sessionId: 'bench', roles: ['admin'], dataTier: 'full' } };
  await sellers.service.createFeePolicy(admin, { effectiveFrom: '2026-01-01', effectiveTo: null, entryFee: { amount: 0, currency: 'CNY' }, note: 'bench' });
  let someApplication = '';
  let sellerToken = '';
  let draftId = '';
  for (let i = 0; i < SELLERS; i++) {
    const n = String(i).padStart(6, '0');
    const signUp = await sellers.service.signUp({ email: `bench-${n}@sellers.example`, password: 'bench password 1', displayName: `Seller ${n}`, sellerName: `Bench ${n}` }, {});
    const owner: Caller = { principal: { kind: 'seller', accountId: signUp.account.id, sessionId: 'bench', sellerId: signUp.seller.id, role: 'owner', permissions: [] } };
    const uscc17 = `91440300MA${n}0XY`.slice(0, 17);
    const id17 = `44030819900101${String(i % 1000).padStart(3, '0')}`;
    const mobile = `+86138${n.padStart(8, '0')}`;
    const form = {
      entity: { name: `深圳市基准${n}贸易有限公司`, uscc: `${uscc17}${usccCheckCharacter(uscc17)}`, registered_address: '深圳市南山区', business_scope: '货物进出口', licence_valid_until: null },
      representative: { name: '王芳', id_number: `${id17}${residentIdCheckCharacter(id17)}`, mobile },
      bank_account: { holder_name: `深圳市基准${n}贸易有限公司`, bank_name: '招商银行', account_number: `7559${n}12345` },
      payment_account: { account_id: `bench-${n}`, bound_mobile: mobile },
      store: { name: `Bench Store ${n}`, type: 'standard' as const },
    };
    const draft = await sellers.service.createApplication(owner, { kind: 'enterprise', form });
    for (const [kind, file] of [['business_licence', pdfFile], ['id_card_front', pngFile], ['id_card_back', jpegFile]] as const) {
      await sellers.service.uploadDocument(owner, draft.application.id, { kind, filename: `${kind}.bin`, content: file() });
    }
    if (i === 0) {
      sellerToken = (await identity.service.startSession(app.platform.db, signUp.account.id)).token;
      draftId = draft.application.id;
      continue;
    }
    await sellers.service.submitApplication(owner, draft.application.id);
    someApplication = draft.application.id;
  }
  const adminToken = (await identity.service.startSession(app.platform.db, operator.account.id)).token;

  const scenarios: { name: string; options: autocannon.Options }[] = [
    { name: 'GET review queue (50 per page)', options: { url: `${address}/v1/ops/seller-applications?limit=50`, headers: { authorization: `Bearer ${adminToken}` } } },
    { name: 'GET application (operator, full tier, audited)', options: { url: `${address}/v1/ops/seller-applications/${someApplication}`, headers: { authorization: `Bearer ${adminToken}` } } },
    { name: 'GET application (seller owner)', options: { url: `${address}/v1/seller/applications/${draftId}`, headers: { authorization: `Bearer ${sellerToken}` } } },
    {
      name: 'PATCH draft (merge patch, re-validated)',
      options: { url: `${address}/v1/seller/applications/${draftId}`, method: 'PATCH', headers: { authorization: `Bearer ${sellerToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ form: { entity: { registered_address: '深圳市南山区科技园' } } }) },
    },
    {
      name: 'POST sign-in (argon2id)',
      options: { url: `${address}/v1/auth/sign-in`, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'bench-admin@ops.example', password: 'bench password 1' }) },
    },
  ];

  const rows: string[] = [];
  for (const scenario of scenarios) {
    const result = await autocannon({ ...scenario.options, connections: CONNECTIONS, duration: DURATION });
    const errors = result.non2xx + result.errors;
    rows.push(`| ${scenario.name} | ${result.requests.average.toFixed(0)} | ${result.latency.p50} | ${result.latency.p99} | ${result.latency.max} | ${errors} |`);
    console.log(rows.at(-1));
  }

  const database = databaseUrl ? 'PostgreSQL' : 'PGlite (embedded)';
  const report = [
    `# Onboarding API benchmark — ${database}`,
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} with \`${databaseUrl ? 'DATABASE_URL=… ' : ''}npm run bench:onboarding\`: ${SELLERS} sellers with submitted applications, ` +
      `${CONNECTIONS} connections, ${DURATION} s per scenario, one Node.js process on ${cpus().length} CPU cores (${cpus()[0]?.model ?? 'unknown CPU'}), load generator in the same process.`,
    '',
    '| scenario | req/s | p50 ms | p99 ms | max ms | non-2xx |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows,
    '',
  ].join('\n');
  const file = path.join(PACKAGE_ROOT, 'bench', 'results', `onboarding-${databaseUrl ? 'postgres' : 'pglite'}.md`);
  writeFileSync(file, report);
  console.log(`\n${report}\nwritten to ${path.relative(PACKAGE_ROOT, file)}`);

  await app.close();
  await dropDatabase();
  rmSync(dataDir, { recursive: true, force: true });
}

await main();
