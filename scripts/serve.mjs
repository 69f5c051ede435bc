// npm run serve -- [--port 5199] [--host 127.0.0.1] [--allow-remote]: web mode.
import { ensureBuilt } from './ensureBuilt.mjs';

ensureBuilt();
await import('../out/main/server.js');
