import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Where uploaded files live. The default keeps them on local disk under the data folder, outside
 * anything the HTTP server serves; an object-store adapter implements the same three calls.
 */
export interface ObjectStorage {
  put(key: string, content: Buffer): Promise<void>;
  get(key: string): Promise<Buffer>;
  delete(key: string): Promise<void>;
}

const SAFE_KEY = /^[a-z0-9][a-z0-9_/-]{0,200}$/;

export class LocalDiskStorage implements ObjectStorage {
  constructor(private readonly root: string) {}

  #resolve(key: string): string {
    if (!SAFE_KEY.test(key) || key.includes('..') || key.includes('//')) throw new Error(`unsafe storage key "${key}"`);
    return path.join(this.root, key);
  }

  async put(key: string, content: Buffer): Promise<void> {
    const file = this.#resolve(key);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content, { mode: 0o600 });
  }

  async get(key: string): Promise<Buffer> {
    return readFile(this.#resolve(key));
  }

  async delete(key: string): Promise<void> {
    await rm(this.#resolve(key), { force: true });
  }
}

export function sha256Hex(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}
export { contentTypeOf } from './content-type.ts';
