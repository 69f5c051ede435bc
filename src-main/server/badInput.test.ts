/**
 * Bad input over the real WebSocket contract: a real loopback server, the real
 * engine in a worker. Every row gets its own error code and a message naming
 * the bad value and what is allowed; after each, a valid request succeeds.
 *
 * PYRAMIDSCOPE_BAD_INPUT_REPORT=DIR writes what each row returned to DIR/websocket.md, as a table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { EngineHost, workerSpawner } from '../engine/host/engineHost';
import { startWebServer, type RunningServer } from './webServer';
import { encodeFrame } from '../../src-shared/wire';
import { sendFrame } from '../testing/wsReplies';
import { images, text, weightFiles } from '../testing/badInputFixtures';

const chelsea = { kind: 'sample', name: 'chelsea' };
const file = (name: string, bytes: Uint8Array) => ({ kind: 'file', name, bytes });
const weights = (name: string, bytes: Uint8Array) => ({ model: 'resnet18', inputSize: 32, image: chelsea, weights: { kind: 'file', name, bytes } });

// ---------------------------------------------------------------- the table

interface Row {
  label: string;
  channel?: string;
  payload: unknown;
  /** The error code, or 'ok' for inputs that are valid edge cases. */
  code: string;
  /** Texts the message must contain: the bad value, what is allowed. */
  mentions?: string[];
}

const compute = (over: Record<string, unknown>) => ({ model: 'resnet18', image: chelsea, ...over });

const ROWS: Row[] = [
  // The request's shape
  { label: 'payload is a number', payload: 42, code: 'BAD_REQUEST', mentions: ['request', 'expected object, received number'] },
  { label: 'payload is an array', payload: [], code: 'BAD_REQUEST', mentions: ['expected object, received array'] },
  { label: 'model: wrong type (50)', payload: compute({ model: 50 }), code: 'BAD_REQUEST', mentions: ['model', 'expected string, received number'] },
  { label: 'outIndices: wrong type ("1,3")', payload: compute({ outIndices: '1,3' }), code: 'BAD_REQUEST', mentions: ['outIndices', 'expected array, received string'] },
  { label: 'inputSize: wrong type ("224")', payload: compute({ inputSize: '224' }), code: 'BAD_REQUEST', mentions: ['inputSize', 'expected number, received string', 'expected tuple'] },
  { label: 'image: wrong type (a file name)', payload: compute({ image: 'chelsea.png' }), code: 'BAD_REQUEST', mentions: ['image', 'expected object, received string'] },
  { label: 'image bytes as a number list', payload: compute({ image: { kind: 'file', name: 'a.png', bytes: [137, 80, 78, 71] } }), code: 'BAD_REQUEST', mentions: ['image.bytes', 'Uint8Array'] },
  { label: 'image kind unknown (url)', payload: compute({ image: { kind: 'url', url: 'http://example.org/cat.png' } }), code: 'BAD_REQUEST', mentions: ['image.kind', "'sample' | 'file'"] },
  { label: 'weights kind unknown', payload: compute({ weights: { kind: 'torrent' } }), code: 'BAD_REQUEST', mentions: ['weights.kind', "'random'"] },
  { label: 'missing model', payload: { image: chelsea }, code: 'BAD_REQUEST', mentions: ['model', 'expected string, received undefined'] },
  { label: 'missing image', payload: { model: 'resnet18' }, code: 'BAD_REQUEST', mentions: ['image'] },
  { label: 'huge string: model (100 000 chars)', payload: compute({ model: 'x'.repeat(100_000) }), code: 'BAD_REQUEST', mentions: ['model', '<=200 characters'] },
  { label: 'huge string: sample name (100 000 chars)', payload: compute({ image: { kind: 'sample', name: 'x'.repeat(100_000) } }), code: 'BAD_REQUEST', mentions: ['image.name', '<=200 characters'] },
  { label: 'huge string: file name (2 000 chars)', payload: compute({ image: file('a'.repeat(2000) + '.png', images.onePixel) }), code: 'BAD_REQUEST', mentions: ['image.name', '<=1000 characters'] },
  { label: 'huge string: runId (10 000 chars)', payload: compute({ runId: 'r'.repeat(10_000) }), code: 'BAD_REQUEST', mentions: ['runId', '<=100 characters'] },
  // The model and its settings
  { label: 'unknown model', payload: compute({ model: 'resnet51' }), code: 'UNKNOWN_MODEL', mentions: ["'resnet51'"] },
  { label: 'unknown model (path-like)', payload: compute({ model: '../../etc/passwd' }), code: 'UNKNOWN_MODEL', mentions: ["'../../etc/passwd'"] },
  { label: 'unknown model (zoo:describe)', channel: 'zoo:describe', payload: { model: 'vgg99' }, code: 'UNKNOWN_MODEL', mentions: ["'vgg99'"] },
  { label: 'out_indices out of range (7)', payload: compute({ model: 'resnet50', outIndices: [7] }), code: 'BAD_OUT_INDICES', mentions: ['7', 'allowed: 0..4'] },
  { label: 'out_indices out of range (-7)', payload: compute({ model: 'resnet50', outIndices: [-7] }), code: 'BAD_OUT_INDICES', mentions: ['-7', 'allowed: 0..4 (or -5..-1 from the end)'] },
  { label: 'out_indices duplicated ([2, -3])', payload: compute({ model: 'resnet50', outIndices: [2, -3] }), code: 'BAD_OUT_INDICES', mentions: ['names level 2 twice'] },
  { label: 'out_indices empty', payload: compute({ model: 'resnet50', outIndices: [] }), code: 'BAD_OUT_INDICES', mentions: ['out_indices is empty'] },
  { label: 'out_indices not whole (1.5)', payload: compute({ outIndices: [1.5] }), code: 'BAD_REQUEST', mentions: ['outIndices.0', 'expected int'] },
  { label: 'out_indices 65 entries', payload: compute({ outIndices: Array(65).fill(0) }), code: 'BAD_REQUEST', mentions: ['outIndices', '<=64 items'] },
  { label: 'output_stride unsupported by the model (densenet121, 8)', payload: compute({ model: 'densenet121', outputStride: 8 }), code: 'BAD_OUTPUT_STRIDE', mentions: ['output_stride 8', 'allowed: 32'] },
  { label: 'output_stride 12', payload: compute({ model: 'resnet50', outputStride: 12 }), code: 'BAD_OUTPUT_STRIDE', mentions: ['output_stride 12', 'allowed: 8, 16, 32'] },
  { label: 'output_stride 0', payload: compute({ outputStride: 0 }), code: 'BAD_OUTPUT_STRIDE', mentions: ['output_stride 0', 'allowed: 8, 16, 32'] },
  { label: 'output_stride negative (-32)', payload: compute({ outputStride: -32 }), code: 'BAD_OUTPUT_STRIDE', mentions: ['output_stride -32', 'allowed: 8, 16, 32'] },
  { label: 'input size 0', payload: compute({ inputSize: 0 }), code: 'BAD_INPUT_SIZE', mentions: ['input size 0', 'allowed: whole numbers 16..2048'] },
  { label: 'input size 1', payload: compute({ inputSize: 1 }), code: 'BAD_INPUT_SIZE', mentions: ['input size 1', 'allowed: whole numbers 16..2048'] },
  { label: 'input size 16 (the smallest allowed)', payload: compute({ inputSize: 16 }), code: 'ok' },
  { label: 'input size 10000', payload: compute({ inputSize: 10000 }), code: 'BAD_INPUT_SIZE', mentions: ['input size 10000', 'allowed: whole numbers 16..2048'] },
  { label: 'input size negative (-5)', payload: compute({ inputSize: -5 }), code: 'BAD_INPUT_SIZE', mentions: ['input size -5', 'allowed: whole numbers 16..2048'] },
  { label: 'input size not whole (2.5)', payload: compute({ inputSize: 2.5 }), code: 'BAD_REQUEST', mentions: ['inputSize', 'expected int'] },
  { label: 'input size H×W (33, 47)', payload: compute({ inputSize: [33, 47] }), code: 'ok' },
  { label: 'input size H×W with a side too small', payload: compute({ inputSize: [33, 4] }), code: 'BAD_INPUT_SIZE', mentions: ['input size 33×4', 'per side'] },
  { label: 'input size of three values', payload: compute({ inputSize: [33, 47, 5] }), code: 'BAD_REQUEST', mentions: ['inputSize', 'expected array to have <=2 items'] },
  // JSON has no NaN or Infinity: the wire carries them as null.
  { label: 'input size NaN (arrives as null)', payload: compute({ inputSize: Number.NaN }), code: 'BAD_REQUEST', mentions: ['inputSize', 'received null'] },
  { label: 'input size Infinity (arrives as null)', payload: compute({ inputSize: Number.POSITIVE_INFINITY }), code: 'BAD_REQUEST', mentions: ['inputSize', 'received null'] },
  // Images
  { label: 'unknown sample', payload: compute({ image: { kind: 'sample', name: 'dog' } }), code: 'UNKNOWN_SAMPLE', mentions: ["'dog'", 'allowed: ', 'chelsea'] },
  { label: 'image empty (0 bytes)', payload: compute({ image: file('empty.png', images.empty) }), code: 'BAD_IMAGE', mentions: ['"empty.png"', '0 bytes', 'PNG, JPEG or WebP'] },
  { label: 'PNG truncated (first 1000 bytes)', payload: compute({ image: file('chelsea.png', images.truncatedPng) }), code: 'BAD_IMAGE', mentions: ['"chelsea.png"', 'truncated'] },
  { label: 'PNG truncated inside its header (20 bytes)', payload: compute({ image: file('chelsea.png', images.truncatedPngHeader) }), code: 'BAD_IMAGE', mentions: ['"chelsea.png"', 'truncated'] },
  { label: 'JPEG truncated (first half)', payload: compute({ image: file('rocket.jpg', images.truncatedJpeg) }), code: 'BAD_IMAGE', mentions: ['"rocket.jpg"', 'truncated'] },
  { label: 'text file named .png', payload: compute({ image: file('notes.png', images.notes) }), code: 'BAD_IMAGE', mentions: ['"notes.png"', 'PNG, JPEG or WebP'] },
  { label: 'SVG (named .png)', payload: compute({ image: file('logo.png', images.svg) }), code: 'UNSUPPORTED_IMAGE', mentions: ['"logo.png"', 'SVG', 'PNG, JPEG or WebP'] },
  { label: 'GIF (named .png)', payload: compute({ image: file('anim.png', images.gif) }), code: 'UNSUPPORTED_IMAGE', mentions: ['"anim.png"', 'GIF', 'PNG, JPEG or WebP'] },
  { label: 'PNG header declaring 0×0', payload: compute({ image: file('zero.png', images.zeroByZero) }), code: 'BAD_IMAGE', mentions: ['"zero.png"', '0×0'] },
  { label: 'PNG header declaring 30000×30000', payload: compute({ image: file('huge.png', images.hugeHeader) }), code: 'IMAGE_TOO_LARGE', mentions: ['"huge.png"', '30000×30000', '16384 pixels a side'] },
  { label: '1×1 image', payload: compute({ image: file('dot.png', images.onePixel) }), code: 'ok' },
  // Weights files, through the engine
  { label: 'weights: header length 2^63', payload: weights('w.safetensors', weightFiles.headerLength2pow63), code: 'BAD_SAFETENSORS', mentions: ['w.safetensors', '9223372036854775808', 'limit'] },
  { label: 'weights: header longer than the file', payload: weights('w.safetensors', weightFiles.headerPastEnd), code: 'BAD_SAFETENSORS', mentions: ['w.safetensors', '4096', 'runs past the end'] },
  {
    label: 'weights: overlapping offsets',
    payload: weights('w.safetensors', weightFiles.overlapping),
    code: 'BAD_SAFETENSORS',
    mentions: ['w.safetensors'],
  },
  {
    label: 'weights: out-of-bounds offsets',
    payload: weights('w.safetensors', weightFiles.outOfBounds),
    code: 'BAD_SAFETENSORS',
    mentions: ['w.safetensors', '1000'],
  },
  {
    label: 'weights: unknown dtype',
    payload: weights('w.safetensors', weightFiles.unknownDtype),
    code: 'BAD_SAFETENSORS',
    mentions: ['w.safetensors', 'F99', 'F32'],
  },
  {
    label: 'weights: trailing bytes',
    payload: weights('w.safetensors', weightFiles.trailingBytes),
    code: 'BAD_SAFETENSORS',
    mentions: ['w.safetensors'],
  },
  {
    label: "weights: another model's keys (regnet's, for resnet18)",
    payload: weights('regnet.safetensors', weightFiles.otherModel),
    code: 'WEIGHTS_MISMATCH',
    mentions: ['regnet.safetensors'],
  },
  { label: 'weights: a PyTorch zip checkpoint', payload: weights('resnet18.pth', weightFiles.pytorchZip), code: 'PICKLE_REFUSED', mentions: ['resnet18.pth', 'safetensors'] },
  // The channel
  { label: 'unknown channel', channel: 'shell:exec', payload: { cmd: 'rm -rf /' }, code: 'UNKNOWN_CHANNEL', mentions: ["'shell:exec'", 'allowed: ', 'features:compute'] },
];

// ---------------------------------------------------------------- the server

let host: EngineHost;
let server: RunningServer;
let ws: WebSocket;
let nextId = 1;
const returned: Array<{ label: string; code: string; message: string }> = [];

type Reply = { ok: boolean; result?: { levels?: Array<{ shape: number[] }> }; error?: { code: string; message: string } };


const send = (frame: Uint8Array, id: number | null) => sendFrame(ws, frame, id) as Promise<Reply>;
const call = (channel: string, payload: unknown) => {
  const id = nextId++;
  return send(encodeFrame({ id, channel, payload }), id);
};

const valid = () => call('features:compute', { model: 'resnet18', inputSize: 32, outIndices: [4], image: { kind: 'sample', name: 'coffee' } });

beforeAll(async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-ui-'));
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>t</title>');
  host = new EngineHost({ spawn: workerSpawner({ workerUrl: new URL('../engine/host/engineWorker.dev.mjs', import.meta.url) }) });
  server = await startWebServer({ engine: host, rendererDir: root, port: 0 });
  ws = await new Promise<WebSocket>((resolve, reject) => {
    const s = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { origin: `http://127.0.0.1:${server.port}` });
    s.once('open', () => resolve(s));
    s.once('error', reject);
  });
  expect((await valid()).ok).toBe(true);
});

afterAll(async () => {
  ws?.close();
  await server?.close();
  await host?.close();
  const report = process.env.PYRAMIDSCOPE_BAD_INPUT_REPORT;
  if (report) {
    const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');
    writeFileSync(path.join(report, 'websocket.md'), ['| input | code | message |', '| --- | --- | --- |', ...returned.map((r) => `| ${cell(r.label)} | ${r.code} | ${cell(r.message)} |`)].join('\n') + '\n');
  }
});

describe('the RSS stays bounded for an image whose header declares 30000×30000', () => {
  // First in the file, so the process's peak RSS so far is the engine's warm-up, not an earlier row.
  it('is refused from its header without allocating its pixels', async () => {
    const peakBefore = process.resourceUsage().maxRSS * 1024;
    const r = await call('features:compute', compute({ image: file('huge.png', images.hugeHeader) }));
    const peakAfter = process.resourceUsage().maxRSS * 1024;
    const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
    returned.push({ label: 'PNG header declaring 30000×30000: peak RSS of the process', code: r.error?.code ?? 'ok', message: `${mib(peakBefore)} before → ${mib(peakAfter)} after` });
    expect(r.error?.code).toBe('IMAGE_TOO_LARGE');
    // Decoding would need 30000 × 30000 × 3 bytes = 2.7 GB; allow 64 MB of noise.
    expect(peakAfter - peakBefore, `peak RSS ${(peakBefore / 2 ** 20).toFixed(0)} → ${(peakAfter / 2 ** 20).toFixed(0)} MiB`).toBeLessThan(64 * 2 ** 20);
    expect((await valid()).ok).toBe(true);
  });
});

describe('bad input over the WebSocket contract', () => {
  it.each(ROWS.map((r) => [r.label, r] as const))('%s', async (_label, row) => {
    const r = await call(row.channel ?? 'features:compute', row.payload);
    returned.push({ label: row.label, code: r.ok ? 'ok' : (r.error?.code ?? '?'), message: r.ok ? `levels ${r.result?.levels?.map((l) => l.shape.join('×')).join(', ')}` : (r.error?.message ?? '') });
    if (row.code === 'ok') {
      expect(r.error).toBeUndefined();
      expect(r.ok).toBe(true);
    } else {
      expect(r.ok).toBe(false);
      expect(r.error?.code).toBe(row.code);
      for (const m of row.mentions ?? []) expect(r.error?.message).toContain(m);
      // Messages stay short even when the input was huge.
      expect(r.error?.message.length).toBeLessThan(1000);
    }
    const next = await valid();
    expect(next.error).toBeUndefined();
    expect(next.result?.levels?.[0].shape).toEqual([512, 1, 1]);
  });

  /** A frame with a hand-written JSON header and no blobs: [u32 length][header][pad to 8][u32 blob count = 0]. */
  function rawFrame(json: string): Uint8Array {
    const header = text(json);
    const frame = new Uint8Array(((4 + header.length + 7) & ~7) + 4);
    new DataView(frame.buffer).setUint32(0, header.length, true);
    frame.set(header, 4);
    return frame;
  }
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

  it.each([
    // Too deep to decode: the server cannot read the id either, so the answer carries id null.
    ['payload nested 100 000 deep (unreadable frame)', 100_000, null, 'BAD_FRAME', 'unreadable frame'],
    ['payload nested 1 000 deep', 1_000, 1, 'BAD_REQUEST', 'expected object, received array'],
  ] as const)('%s', async (label, depth, withId, code, mention) => {
    const id = withId === null ? null : nextId++;
    const r = await send(rawFrame(`{"id":${id},"channel":"features:compute","payload":${nested(depth)}}`), id);
    returned.push({ label, code: r.error?.code ?? 'ok', message: r.error?.message ?? '' });
    expect(r.error?.code).toBe(code);
    expect(r.error?.message).toContain(mention);
    expect((await valid()).ok).toBe(true);
  });

  it('kept the engine up throughout (no restarts)', () => {
    expect(host.restartCount).toBe(0);
  });
});
