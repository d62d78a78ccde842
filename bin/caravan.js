#!/usr/bin/env node
// Caravan runs its TypeScript sources directly: tsx compiles them on load.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
