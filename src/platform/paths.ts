import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folders the package ships, found from this file so any working directory will do. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const MIGRATIONS_DIR = path.join(PACKAGE_ROOT, 'migrations');
export const DATA_DIR = path.join(PACKAGE_ROOT, 'data');
