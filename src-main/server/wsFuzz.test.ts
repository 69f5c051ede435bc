/**
 * Property-based fuzzing of web mode over its real WebSocket (fast-check): a
 * real server on 127.0.0.1 (port 0), the real engine in a worker. Thousands of
 * generated requests, requests with one wrong field, mutated and lying frames,
 * mutated images and weights files, and lying WebSocket lengths on a raw
 * socket. For every one:
 * - the server answers (never a crash, never a hang: every wait is bounded);
 * - an error is `{ code, message }`, never `INTERNAL`, and with one wrong
 *   field its message names that field (or the value);
 * - the next valid request on the same connection succeeds;
 * and the engine never restarts. Runs are sized to keep the file near 30 s on
 * two cores: almost every case stops in validation, and the few that run a
 * model run resnet18 at 16–32 px. PYRAMIDSCOPE_FUZZ_SEED picks another seed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { EngineHost, workerSpawner } from '../engine/host/engineHost';
import { startWebServer, type RunningServer } from './webServer';
import { requestSchemas, type Channel } from '../../src-shared/contract';
import { encodeFrame } from '../../src-shared/wire';
import { BLOB_INDICES, BLOB_TYPES, mutate, mutationArb, rawFrame, u32 } from '../../src-shared/wireArbitraries';
import { fuzzSuite } from '../testing/fuzzSuite';
import { FuzzClient } from '../testing/fuzzClient';
import { anyRequestArb, faultyRequestArb } from '../testing/requestArbitraries';
import { png, safetensors, sampleBytes, weightFiles } from '../testing/badInputFixtures';
import type { Reply } from '../testing/wsReplies';

const MAX_MESSAGE = 1024 * 1024;
const { property, stats } = fuzzSuite('websocket');

let host: EngineHost;
let server: RunningServer;
let client: FuzzClient;

beforeAll(async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-ui-'));
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>t</title>');
  // The hub is never reached: offline, an unroutable endpoint, and caches of our own.
  const env = {
    ...process.env,
    HF_HUB_OFFLINE: '1',
    HF_ENDPOINT: 'http://127.0.0.1:9',
    HF_HUB_CACHE: mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-fuzz-hub-')),
    PYRAMIDSCOPE_WEIGHTS_DIR: mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-fuzz-local-')),
  };
  host = new EngineHost({ spawn: workerSpawner({ workerUrl: new URL('../engine/host/engineWorker.dev.mjs', import.meta.url), env }) });
  server = await startWebServer({ engine: host, rendererDir: root, port: 0, maxMessageBytes: MAX_MESSAGE });
  client = await FuzzClient.connect(server.port);
  // Warm the engine (backend, first session) so the properties time validation, not start-up.
  expect((await client.call('features:compute', { model: 'resnet18', inputSize: 16, outIndices: [0], image: { kind: 'sample', name: 'coffee' } })).ok).toBe(true);
});

afterAll(async () => {
  client?.close();
  await server?.close();
  await host?.close();
});

/** Whatever came back for a fuzzed message: a result, and an error has a code other than INTERNAL and a message. */
function checkAnswer(r: Reply | undefined, what: string): void {
  expect(r, `no answer for ${what}`).toBeDefined();
  expect(r!.type).toBe('result');
  if (r!.ok) return;
  expect(typeof r!.error?.code, `error without a code for ${what}`).toBe('string');
  expect(r!.error!.code, `${what}: ${r!.error!.message}`).not.toBe('INTERNAL');
  expect(r!.error!.code.length).toBeGreaterThan(0);
  expect(typeof r!.error!.message).toBe('string');
  expect(r!.error!.message.length).toBeGreaterThan(0);
  expect(r!.error!.message.length, 'a message stays readable').toBeLessThan(2000);
}

/** Sends one fuzzed message, then a valid request: one answer for each, and the valid one succeeds. */
async function fuzzOnce(message: Uint8Array | string, what: string): Promise<Reply> {
  client.clear();
  const { others, followUp } = await client.exchange(message);
  expect(client.closeCode, `the connection closed after ${what}`).toBeUndefined();
  expect(others.length, `answers to ${what}`).toBe(1);
  checkAnswer(others[0], what);
  expect(followUp?.ok, `the valid request after ${what} failed: ${JSON.stringify(followUp?.error)}`).toBe(true);
  return others[0];
}

const RUNS_MODEL = new Set<string>(['features:compute', 'explore:penultimate', 'explore:gradient']);


describe('web mode under fuzzing (real server, real engine)', () => {
  it('answers any request on any channel with a result or a coded error, and serves the next one', async () => {
    // A generated payload that happens to be a valid model run would cost a forward pass at 224 px: those are left out.
    const arb = anyRequestArb.filter((r) => !(RUNS_MODEL.has(r.channel) && requestSchemas[r.channel as Channel].safeParse(r.payload ?? {}).success));
    let id = 0;
    await property('any request', 1000, arb, async (r) => {
      await fuzzOnce(encodeFrame({ id: ++id, channel: r.channel, payload: r.payload }), `${r.channel} ${JSON.stringify(r.payload)?.slice(0, 200)}`);
    });
  });

  it('names the one wrong field of an otherwise valid request', async () => {
    let id = 0;
    let gradientsUnavailable = 0;
    await property('one wrong field', 1000, faultyRequestArb, async (r) => {
      const what = `${r.channel} with ${r.field} = ${JSON.stringify(r.value)?.slice(0, 120)}`;
      const answer = await fuzzOnce(encodeFrame({ id: ++id, channel: r.channel, payload: r.payload }), what);
      expect(answer.ok, `${what} was accepted`).toBe(false);
      // Where the engine runs without tfjs's gradients (the tsx worker), a valid-looking gradient request stops there.
      if (answer.error!.code === 'GRADIENTS_UNAVAILABLE' && requestSchemas[r.channel as Channel].safeParse(r.payload).success) {
        gradientsUnavailable++;
        return;
      }
      const message = answer.error!.message.toLowerCase();
      expect(
        r.mentions.some((m) => message.includes(m.toLowerCase())),
        `${what}: '${answer.error!.message}' names none of ${r.mentions.join(', ')}`,
      ).toBe(true);
    });
    if (gradientsUnavailable) console.log(`[fuzz] websocket: ${gradientsUnavailable} gradient targets checked only by the schema: this engine has no tfjs gradients (GRADIENTS_UNAVAILABLE)`);
  });

  it('refuses mutated, lying and deeply nested frames with a coded error, and serves the next request', async () => {
    const bases = [
      encodeFrame({ id: 1, channel: 'zoo:describe', payload: { model: 'resnet50', outIndices: [1, 3], outputStride: 16, inputSize: 64 } }),
      encodeFrame({ id: 2, channel: 'features:compute', payload: { model: 'resnet18', inputSize: 16, outIndices: [0], image: { kind: 'file', name: 'dot.png', bytes: png(1, 1, deflateSync(Buffer.from([0, 1, 2, 3]))) } } }),
      encodeFrame({ id: 3, channel: 'weights:list', payload: {} }),
      encodeFrame({ id: 4, channel: 'explore:geometry', payload: { model: 'resnet18', inputSize: 32 } }),
    ];
    const nested = (depth: number, open: string, close: string) => open.repeat(depth) + close.repeat(depth);
    const frameArb: fc.Arbitrary<{ what: string; message: Uint8Array | string }> = fc.oneof(
      { weight: 6, arbitrary: fc.tuple(fc.nat(bases.length - 1), mutationArb).map(([b, m]) => ({ what: `base ${b} mutated ${JSON.stringify(m)}`, message: mutate(bases[b], m) })) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => ({ what: `random bytes ${Buffer.from(b).toString('hex').slice(0, 80)}`, message: b })) },
      { weight: 1, arbitrary: fc.string({ maxLength: 100 }).map((s) => ({ what: `text ${JSON.stringify(s)}`, message: s })) },
      {
        weight: 2,
        arbitrary: fc
          .tuple(fc.constantFrom(...BLOB_TYPES), fc.constantFrom(...BLOB_INDICES), fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 3 }), fc.option(fc.array(fc.tuple(u32, u32), { maxLength: 4 }), { nil: undefined }), fc.option(u32, { nil: undefined }))
          .map(([type, index, blobs, table, count]) => ({
            what: `blob ref ${JSON.stringify({ type, index, table, count })}`,
            message: rawFrame(JSON.stringify({ id: 9, channel: 'features:compute', payload: { model: 'resnet18', inputSize: 16, image: { kind: 'file', name: 'b.png', bytes: { $blob: index, type } } } }), blobs, table, count),
          })),
      },
      {
        weight: 1,
        arbitrary: fc.tuple(fc.constantFrom(10, 500, 1500, 3000, 20_000, 100_000), fc.constantFrom(['[', ']'], ['{"a":', '}']), fc.constantFrom('payload', 'id', 'channel')).map(([depth, [o, c], where]) => {
          const fields: Record<string, string> = { id: '7', channel: '"features:compute"', payload: '{"model":"resnet18"}', [where]: nested(depth, o, c === '}' ? '' : c) + (c === '}' ? `1${'}'.repeat(depth)}` : '') };
          return { what: `${where} nested ${depth} deep`, message: rawFrame(`{"id":${fields.id},"channel":${fields.channel},"payload":${fields.payload}}`) };
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ bytes: fc.oneof(fc.nat(), fc.constantFrom(2 ** 32, 2 ** 40, -1, 1e300)), count: fc.oneof(fc.nat(), fc.constantFrom(2 ** 31, 0, -5)) }).map((a) => ({ what: `parts announcement ${JSON.stringify(a)}`, message: encodeFrame({ type: 'parts', ...a }) })),
      },
      { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 0, 'x', [], [1, 2], true).map((m) => ({ what: `frame holding ${JSON.stringify(m)}`, message: encodeFrame(m) })) },
    );
    await property('mutated and lying frames', 1200, frameArb, async ({ what, message }) => {
      await fuzzOnce(message, what);
    });
  });

  it('decodes or refuses mutated images, naming the file', async () => {
    const rgb = Buffer.alloc((5 * 3 + 1) * 4);
    for (let i = 0; i < rgb.length; i++) rgb[i] = i % 16 === 0 ? 0 : (i * 37) & 0xff;
    const jpeg = sampleBytes('rocket.jpg');
    const images = [png(5, 4, deflateSync(rgb)), jpeg.subarray(0, 4096)];
    // Mutations land in the first 600 bytes (headers, tables), where decoders branch.
    const flips = fc.array(fc.record({ at: fc.nat(600), xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 4 });
    const arb = fc.tuple(fc.nat(images.length - 1), fc.oneof(flips.map((f) => ({ f })), fc.nat(700).map((t) => ({ t }))));
    await property('mutated images', 250, arb, async ([i, m]) => {
      const bytes = new Uint8Array(images[i]);
      if ('f' in m) for (const { at, xor } of m.f) bytes[at % bytes.length] ^= xor;
      const name = `fuzz-${i}.${i === 0 ? 'png' : 'jpg'}`;
      const image = { kind: 'file', name, bytes: 't' in m ? bytes.subarray(0, m.t) : bytes };
      const r = await fuzzOnce(encodeFrame({ id: 1, channel: 'features:compute', payload: { model: 'resnet18', inputSize: 16, outIndices: [0], image } }), `${name} ${JSON.stringify(m)}`);
      if (!r.ok) {
        expect(['BAD_IMAGE', 'UNSUPPORTED_IMAGE', 'IMAGE_TOO_LARGE']).toContain(r.error!.code);
        expect(r.error!.message).toContain(name);
      }
    });
  });

  it('refuses mutated weights files, naming the file', async () => {
    const t = (shape: number[], begin: number, end: number, dtype = 'F32') => ({ dtype, shape, data_offsets: [begin, end] });
    const files = [safetensors({ 'conv1.weight': t([2, 2], 0, 16), 'bn1.bias': t([2], 16, 24) }, new Uint8Array(24)), weightFiles.otherModel.subarray(0, 400), weightFiles.pytorchZip];
    const arb = fc.tuple(fc.nat(files.length - 1), fc.array(fc.record({ at: fc.nat(300), xor: fc.integer({ min: 1, max: 255 }) }), { maxLength: 4 }), fc.option(fc.nat(400), { nil: undefined }));
    await property('mutated weights files', 250, arb, async ([i, flips, cut]) => {
      const bytes = new Uint8Array(files[i]);
      for (const { at, xor } of flips) bytes[at % bytes.length] ^= xor;
      const name = `fuzz-${i}.safetensors`;
      const weights = { kind: 'file', name, bytes: cut === undefined ? bytes : bytes.subarray(0, cut) };
      const r = await fuzzOnce(encodeFrame({ id: 1, channel: 'features:compute', payload: { model: 'resnet18', inputSize: 16, outIndices: [0], image: { kind: 'sample', name: 'coffee' }, weights } }), `${name} ${JSON.stringify({ flips, cut })}`);
      expect(r.ok).toBe(false);
      expect(['BAD_SAFETENSORS', 'WEIGHTS_MISMATCH', 'PICKLE_REFUSED', 'BAD_DTYPE', 'BAD_TENSOR']).toContain(r.error!.code);
      expect(r.error!.message).toContain(name);
    });
  });

  it('survives lying WebSocket frame lengths on a raw socket, and serves new connections', async () => {
    const arb = fc.record({
      // The length the frame header claims, and how many payload bytes really follow.
      claimed: fc.oneof(fc.nat(125), fc.integer({ min: 126, max: 65535 }), fc.constantFrom(MAX_MESSAGE, MAX_MESSAGE + 1, 2 ** 32, 2 ** 53, 2 ** 62)),
      sent: fc.nat(300),
      opcode: fc.constantFrom(0x1, 0x2, 0x0, 0x8, 0x3, 0xf),
      masked: fc.boolean(),
    });
    await property('lying WebSocket lengths', 40, arb, async (f) => {
      await rawWebSocketFrame(server.port, f);
      const fresh = await FuzzClient.connect(server.port);
      try {
        expect((await fresh.call('zoo:describe', { model: 'resnet18' })).ok).toBe(true);
      } finally {
        fresh.close();
      }
    });
  });

  it('kept the engine up throughout (no restarts) and still lists the zoo', async () => {
    expect(host.restartCount).toBe(0);
    const r = await client.call('zoo:list', {});
    expect(r.ok).toBe(true);
    console.log(stats.join('\n'));
  });
});

/** Opens a WebSocket by hand and sends one frame whose header claims `claimed` payload bytes, then `sent` bytes, then hangs up. */
async function rawWebSocketFrame(port: number, f: { claimed: number; sent: number; opcode: number; masked: boolean }): Promise<void> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.write(
      [`GET /ws HTTP/1.1`, `Host: 127.0.0.1:${port}`, `Origin: http://127.0.0.1:${port}`, 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Version: 13', '', ''].join('\r\n'),
    );
    await new Promise<void>((resolve, reject) => {
      let head = '';
      const timer = setTimeout(() => reject(new Error('no handshake answer within 5 s')), 5000);
      socket.on('data', function onData(d: Buffer) {
        head += d.toString('latin1');
        if (head.includes('\r\n\r\n')) {
          clearTimeout(timer);
          socket.off('data', onData);
          if (!head.startsWith('HTTP/1.1 101')) reject(new Error(`handshake refused: ${head.split('\r\n')[0]}`));
          else resolve();
        }
      });
    });
    const len = f.claimed;
    const header = len < 126 ? Buffer.from([0x80 | f.opcode, (f.masked ? 0x80 : 0) | len]) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
    if (len >= 126) {
      header[0] = 0x80 | f.opcode;
      header[1] = (f.masked ? 0x80 : 0) | (len < 65536 ? 126 : 127);
      if (len < 65536) header.writeUInt16BE(len, 2);
      else header.writeBigUInt64BE(BigInt(len), 2);
    }
    socket.write(Buffer.concat([header, f.masked ? randomBytes(4) : Buffer.alloc(0), randomBytes(f.sent)]));
    // Give the server a moment to read it (it may close first), then hang up.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 30);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  } finally {
    socket.destroy();
  }
}
