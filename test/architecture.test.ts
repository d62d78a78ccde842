import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/platform/paths.ts';

/**
 * The house rules of the modular monolith, checked on the source: the platform knows no module;
 * a module reaches another only through its index.ts; tests and bench may look inside.
 */
const SRC = path.join(PACKAGE_ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [full] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]!).filter((s) => s.startsWith('.'));
}

const moduleOf = (file: string) => /src\/modules\/([^/]+)\//.exec(file)?.[1];

describe('architecture', () => {
  const files = sourceFiles(SRC);

  it('finds the source', () => {
    expect(files.length).toBeGreaterThan(40);
  });

  it('keeps the platform free of business modules', () => {
    const offenders = files
      .filter((file) => file.includes(`${path.sep}platform${path.sep}`))
      .flatMap((file) => imports(file).map((spec) => ({ file, target: path.resolve(path.dirname(file), spec) })))
      .filter(({ target }) => target.includes(`${path.sep}modules${path.sep}`) || target.endsWith(`${path.sep}app.ts`))
      .map(({ file, target }) => `${path.relative(SRC, file)} → ${path.relative(SRC, target)}`);
    expect(offenders).toEqual([]);
  });

  it('lets modules and the rest of src reach a module only through its index.ts', () => {
    const offenders = files
      .flatMap((file) => imports(file).map((spec) => ({ file, target: path.resolve(path.dirname(file), spec) })))
      .filter(({ file, target }) => {
        const targetModule = moduleOf(target);
        return targetModule !== undefined && targetModule !== moduleOf(file) && path.basename(target) !== 'index.ts';
      })
      .map(({ file, target }) => `${path.relative(SRC, file)} → ${path.relative(SRC, target)}`);
    expect(offenders).toEqual([]);
  });

  it('gives every module the same anatomy', () => {
    const modules = readdirSync(path.join(SRC, 'modules'));
    for (const name of modules) {
      const dir = path.join(SRC, 'modules', name);
      for (const part of ['index.ts', 'service.ts']) {
        expect(readdirSync(dir), `${name} has ${part}`).toContain(part);
      }
      // The tables a module owns are declared in its schema.ts, and nowhere else.
      const declaresTables = (file: string) => /\bpgTable\(/.test(readFileSync(path.join(dir, file), 'utf8'));
      const sources = readdirSync(dir).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'));
      expect(sources.filter((file) => file !== 'schema.ts' && declaresTables(file)), `${name} declares tables outside schema.ts`).toEqual([]);
      if (sources.includes('schema.ts')) expect(declaresTables('schema.ts'), `${name}/schema.ts declares tables`).toBe(true);
      // A module that serves HTTP does it from routes.ts; one that serves only other modules has none.
      const servesHttp = readFileSync(path.join(dir, 'index.ts'), 'utf8').includes('registerRoutes');
      expect(readdirSync(dir).includes('routes.ts'), `${name}: routes.ts present exactly when index.ts registers routes`).toBe(servesHttp);
    }
  });
});
