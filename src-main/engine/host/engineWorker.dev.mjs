// Runs the TypeScript engine worker straight from source (tests, `tsx` runs):
// registers tsx's loader inside this worker thread, then loads the real entry.
import { register } from 'tsx/esm/api';

register();
await import('./engineWorker.ts');
