import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';

// main: the Electron main process, the engine worker (utility process / worker
// thread) and the web-mode server, all ESM for Node. preload: CommonJS, since a
// sandboxed preload cannot load ESM. renderer: the React UI. The main bundle targets
// Node 22, the oldest Node the CLI and web mode support (Electron 45 itself runs Node 24).
export default defineConfig({
  main: {
    build: {
      target: 'node22',
      rollupOptions: {
        input: {
          index: resolve('src-main/electron/main.ts'),
          engineWorker: resolve('src-main/engine/host/engineWorker.ts'),
          server: resolve('src-main/server/main.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      rollupOptions: {
        input: { index: resolve('src-main/electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src-renderer',
    build: {
      rollupOptions: { input: resolve('src-renderer/index.html') },
    },
    plugins: [react()],
  },
});
