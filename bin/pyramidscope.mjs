#!/usr/bin/env node
// `npx pyramidscope <command>`: the same CLI as `npm run cli -- <command>` (TypeScript run through tsx).
import { register } from 'tsx/esm/api';

register();
await import('../src-main/cli/main.ts');
