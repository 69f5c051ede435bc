/**
 * Feature transfer time: a ResNet-50 pyramid at 224 (all five levels, ≈9 MB
 * float32) from the engine to a client over web mode's WebSocket, when the
 * engine already has the features (so this is transfer, not compute).
 * `npm run build && npx tsx scripts/transferBench.ts [runs]` — prints median and p90.
 */
import WebSocket from 'ws';
import { encodeFrame } from '../src-shared/wire';
import { FrameAssembler } from '../src-shared/wireParts';
import { startWebMode } from './bench/webMode';

const runs = Number(process.argv[2] ?? 15);
const server = await startWebMode();
const url = server.url;
const ws = new WebSocket(url.replace('http', 'ws') + 'ws');
await new Promise((r) => ws.once('open', r));

let nextId = 1;
const assembler = new FrameAssembler();
function compute(): Promise<{ ms: number; bytes: number }> {
  const id = nextId++;
  const t0 = performance.now();
  return new Promise((resolve) => {
    ws.on('message', function onMessage(data: Buffer) {
      const m = assembler.push(new Uint8Array(data)) as { id: number; result: { levels: Array<{ data: Float32Array }> } } | undefined;
      if (m?.id !== id) return;
      ws.off('message', onMessage);
      resolve({ ms: performance.now() - t0, bytes: m.result.levels.reduce((s, l) => s + l.data.byteLength, 0) });
    });
    ws.send(encodeFrame({ id, channel: 'features:compute', payload: { model: 'resnet50', image: { kind: 'sample', name: 'chelsea' } } }));
  });
}

await compute(); // computes and caches the pyramid
const times: number[] = [];
let bytes = 0;
for (let i = 0; i < runs; i++) {
  const r = await compute();
  times.push(r.ms);
  bytes = r.bytes;
}
times.sort((a, b) => a - b);
const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
console.log(`ResNet-50 pyramid at 224: ${(bytes / 2 ** 20).toFixed(1)} MiB float32, engine → client over WebSocket (cached features)`);
console.log(`median ${q(0.5).toFixed(1)} ms, p90 ${q(0.9).toFixed(1)} ms over ${runs} runs`);
ws.close();
server.stop();
