import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalDiskStorage, sha256Hex } from './index.ts';

describe('LocalDiskStorage', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'caravan-storage-'));
  const storage = new LocalDiskStorage(root);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('stores, reads and deletes files under its root, readable by the owner only', async () => {
    await storage.put('seller-documents/sel_1/doc_1', Buffer.from('licence'));
    expect((await storage.get('seller-documents/sel_1/doc_1')).toString()).toBe('licence');
    expect(statSync(path.join(root, 'seller-documents/sel_1/doc_1')).mode & 0o077).toBe(0);
    await storage.delete('seller-documents/sel_1/doc_1');
    await expect(storage.get('seller-documents/sel_1/doc_1')).rejects.toThrow();
  });

  it.each(['../escape', 'a/../../b', '/absolute', 'UPPER', 'a//b', ''])('refuses the unsafe key %j', async (key) => {
    await expect(storage.put(key, Buffer.from('x'))).rejects.toThrow(/unsafe storage key/);
  });

  it('hashes content with SHA-256', () => {
    expect(sha256Hex(Buffer.from('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
