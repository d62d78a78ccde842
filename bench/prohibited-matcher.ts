/**
 * Speed of the prohibited-items matcher: compiling the shipped list, and scanning one realistic
 * product (titles and descriptions in five languages, about 4 KB) the way a product save does.
 * Writes a table to bench/results/prohibited-matcher.md.
 *
 *   npx tsx bench/prohibited-matcher.ts
 *   BENCH_SECONDS=10 npx tsx bench/prohibited-matcher.ts
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { compileProhibitedList, loadProhibitedListFile, type TextField } from '../src/modules/compliance/prohibited.ts';
import { DATA_DIR, PACKAGE_ROOT } from '../src/platform/paths.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const COMMAND = 'npx tsx bench/prohibited-matcher.ts';

const EN_DESCRIPTION =
  'Brighten your desk with this dimmable LED desk lamp. The aluminium arm folds flat and rotates 270 degrees, and the head tilts ' +
  'so the light falls exactly where you read, write or sketch. Five colour temperatures from warm 2700 K to daylight 6500 K and ten ' +
  'brightness levels are set from the touch panel, and the lamp remembers your last setting. The flicker-free driver and a diffuser ' +
  'with a high colour rendering index (CRI 95) are kind to your eyes during long evenings. A Qi wireless charger in the base tops up ' +
  'your phone while you work, and a USB-C port charges a second device. In the box: lamp, 24 V adapter with EU, UK and US plugs, USB-C ' +
  'cable and a printed manual. Certified CE and UKCA; two-year warranty and 30-day returns.';
const ZH_DESCRIPTION =
  '这款可调光LED护眼台灯采用铝合金折叠灯臂，可旋转270度，灯头角度可自由调节，阅读、写字、绘画都能照到需要的位置。触控面板可选择五档色温' +
  '（2700K暖光至6500K日光）和十档亮度，并记忆上次设置。无频闪驱动和高显色指数（Ra95）柔光罩，长时间使用也不伤眼。底座内置无线充电，工作' +
  '时即可为手机充电，另有USB-C接口可为第二台设备供电。包装内含：台灯、24V适配器（欧规、英规、美规插头）、USB-C数据线及说明书。通过CE及' +
  'UKCA认证，两年保修，30天无理由退货。';
const ES_DESCRIPTION =
  'Ilumina tu escritorio con esta lámpara LED regulable. El brazo de aluminio se pliega y gira 270 grados, y el cabezal se inclina para ' +
  'que la luz caiga justo donde lees, escribes o dibujas. Cinco temperaturas de color, de 2700 K cálida a 6500 K luz día, y diez niveles ' +
  'de brillo desde el panel táctil; la lámpara recuerda el último ajuste. El driver sin parpadeo y el difusor con alto índice de ' +
  'reproducción cromática cuidan tu vista. La base incluye un cargador inalámbrico Qi y un puerto USB-C. Certificada CE; dos años de garantía.';
const RU_DESCRIPTION =
  'Настольная светодиодная лампа с регулировкой яркости. Алюминиевый кронштейн складывается и поворачивается на 270 градусов, плафон ' +
  'наклоняется, чтобы свет падал туда, где вы читаете, пишете или рисуете. Пять цветовых температур от тёплой 2700 К до дневной 6500 К ' +
  'и десять уровней яркости на сенсорной панели; лампа запоминает последнюю настройку. Драйвер без мерцания и рассеиватель с высоким ' +
  'индексом цветопередачи берегут глаза. В основании беспроводная зарядка Qi и порт USB-C. Сертификат CE, гарантия два года.';
const AR_DESCRIPTION =
  'أضئ مكتبك بهذا المصباح المكتبي LED القابل للتعتيم. الذراع المصنوعة من الألومنيوم تطوى وتدور 270 درجة، ورأس المصباح يميل لتسقط ' +
  'الإضاءة حيث تقرأ أو تكتب أو ترسم. خمس درجات حرارة لونية من الدافئ 2700 كلفن إلى ضوء النهار 6500 كلفن وعشرة مستويات سطوع من ' +
  'لوحة اللمس، ويتذكر المصباح آخر إعداد. مشغل بدون وميض وناشر بمؤشر تجسيد لوني عالٍ يحمي عينيك. القاعدة مزودة بشاحن لاسلكي Qi ' +
  'ومنفذ USB-C. حاصل على شهادة CE وضمان لمدة سنتين.';

const PRODUCT: TextField[] = [
  { path: '/titles/en', text: 'LED Desk Lamp with Wireless Charger, Dimmable, 5 Colour Modes, Eye-Caring' },
  { path: '/descriptions/en', text: EN_DESCRIPTION },
  { path: '/titles/zh', text: 'LED护眼台灯 无线充电 五档调光 学生宿舍卧室书桌' },
  { path: '/descriptions/zh', text: ZH_DESCRIPTION },
  { path: '/titles/es', text: 'Lámpara de escritorio LED con cargador inalámbrico, regulable, 5 modos de color' },
  { path: '/descriptions/es', text: ES_DESCRIPTION },
  { path: '/titles/ru', text: 'Настольная лампа LED с беспроводной зарядкой, 5 режимов' },
  { path: '/descriptions/ru', text: RU_DESCRIPTION },
  { path: '/titles/ar', text: 'مصباح مكتب LED مع شاحن لاسلكي قابل للتعتيم' },
  { path: '/descriptions/ar', text: AR_DESCRIPTION },
];

/** The same product with two findings planted, so the cost of verifying and reporting shows. */
const PRODUCT_WITH_FINDINGS: TextField[] = PRODUCT.map((field) =>
  field.path === '/descriptions/en'
    ? { ...field, text: `${field.text} Bonus: a spare 18650 battery and a butterfly knife.` }
    : field.path === '/descriptions/ru'
      ? { ...field, text: `${field.text} В подарок вейп.` }
      : field,
);

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number;
}

function measure(fields: TextField[], scan: (fields: TextField[]) => number) {
  for (let i = 0; i < 500; i += 1) scan(fields);
  const samples: number[] = [];
  const deadline = performance.now() + SECONDS * 1000;
  let hits = 0;
  while (performance.now() < deadline) {
    const start = performance.now();
    hits = scan(fields);
    samples.push(performance.now() - start);
  }
  const sorted = Float64Array.from(samples).sort();
  const total = samples.reduce((sum, value) => sum + value, 0);
  return {
    scans: samples.length,
    hits,
    perSecond: Math.round(samples.length / (total / 1000)),
    meanUs: (total / samples.length) * 1000,
    p50Us: percentile(sorted, 0.5) * 1000,
    p99Us: percentile(sorted, 0.99) * 1000,
  };
}

function main() {
  // Other work on the machine shows in the tail latencies; the load average says how much there was.
  const loadAtStart = loadavg()[0] ?? 0;
  const file = path.join(DATA_DIR, 'compliance', 'prohibited-items.json');
  const list = loadProhibitedListFile(file);
  const phrases = list.items.reduce(
    (sum, item) => sum + Object.values(item.keywords).flat().length + Object.values(item.exclusions).flat().length,
    0,
  );

  let start = performance.now();
  const matcher = compileProhibitedList(list);
  const coldCompileMs = performance.now() - start;
  const warm: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    start = performance.now();
    compileProhibitedList(list);
    warm.push(performance.now() - start);
  }
  const warmCompileMs = warm.sort((a, b) => a - b)[2] as number;

  const chars = PRODUCT.reduce((sum, field) => sum + field.text.length, 0);
  const bytes = PRODUCT.reduce((sum, field) => sum + Buffer.byteLength(field.text, 'utf8'), 0);
  const scan = (fields: TextField[]) => matcher.scan(fields, '9405.21').length;
  const clean = measure(PRODUCT, scan);
  const planted = measure(PRODUCT_WITH_FINDINGS, scan);

  const cores = cpus();
  const cpu = cores[0]?.model.trim() ?? 'unknown CPU';
  const date = new Date().toISOString().slice(0, 10);
  const row = (name: string, r: ReturnType<typeof measure>) =>
    `| ${name} | ${r.hits} | ${r.perSecond.toLocaleString('en-US')} | ${r.meanUs.toFixed(1)} | ${r.p50Us.toFixed(1)} | ${r.p99Us.toFixed(1)} |`;

  const report = [
    '# Prohibited-items matcher benchmark',
    '',
    `Measured ${date} with \`${COMMAND}\` (${SECONDS} s per scenario after 500 warm-up scans), one Node.js ${process.version} process on ${cores.length} CPU cores (${cpu}); the matcher is single-threaded, so one core does the work. One-minute load average when the run started: ${loadAtStart.toFixed(2)}.`,
    '',
    `List ${list.version}: ${list.categories.length} categories, ${list.items.length} items, ${phrases.toLocaleString('en-US')} keywords and exclusion phrases in ${list.languages.length} languages.`,
    '',
    `Compile: ${coldCompileMs.toFixed(1)} ms for the first compile in the process, ${warmCompileMs.toFixed(1)} ms warm (median of 5). It happens once per list version.`,
    '',
    `Product: an LED desk lamp, title and description in English, Chinese, Spanish, Russian and Arabic (10 fields, ${chars.toLocaleString('en-US')} characters, ${bytes.toLocaleString('en-US')} bytes UTF-8), plus its HS code.`,
    '',
    '| scenario | hits | scans/s | mean µs/scan | p50 µs | p99 µs |',
    '|---|---:|---:|---:|---:|---:|',
    row('clean product', clean),
    row('same product with 3 prohibited or restricted phrases planted', planted),
    '',
  ].join('\n');

  console.log(report);
  const out = path.join(PACKAGE_ROOT, 'bench', 'results', 'prohibited-matcher.md');
  writeFileSync(out, report);
  console.log(`written to ${path.relative(PACKAGE_ROOT, out)}`);
}

main();
