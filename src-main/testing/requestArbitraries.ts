/**
 * fast-check generators for contract requests, for the fuzz tests:
 *
 * - `anyRequestArb`: any channel with a payload of any shape (JSON values,
 *   objects with the contract's own keys holding anything, typed arrays);
 * - `faultyRequestArb`: a valid, cheap request with exactly one field made
 *   wrong (wrong type, out of range, too long, unknown name, garbage bytes,
 *   missing), with the words the engine's answer must use to name it.
 *
 * Valid bases are small (16..64 px, resnet18/resnet50), so a fuzz run spends
 * its time in validation, not in forward passes. Test-only.
 */
import fc from 'fast-check';
import { CHANNELS } from '../../src-shared/contract';
import { typedArb } from '../../src-shared/wireArbitraries';

/** Models of the zoo the generators name (valid ones); a few are cheap enough to run. */
const KNOWN_MODELS = ['resnet18', 'resnet50', 'densenet121', 'regnetx_002', 'ese_vovnet19b_slim_dw', 'resnest14d', 'xception41'];
const SAMPLES = ['chelsea', 'coffee', 'astronaut', 'rocket'];
const KEYS = ['model', 'outIndices', 'outputStride', 'inputSize', 'image', 'weights', 'runId', 'cancelGroup', 'transfer', 'target', 'tag', 'repoId', 'sha256', 'kind', 'name', 'bytes', 'level', 'row', 'col', 'channel', 'classIndex', '__proto__', 'constructor'];

/** Values of every JSON type and then some, biased towards the edges validation must catch. */
export const oddValueArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -0, 1, -1, 0.5, 1e308, -1e308, 2 ** 53, 2 ** 31, -(2 ** 31), '', ' ', '0', 'NaN', 'null', '__proto__', '../../etc/passwd', '\u0000', '😀'),
  fc.integer(),
  fc.double({ noNaN: false }),
  fc.string({ maxLength: 30 }),
  fc.string({ minLength: 150, maxLength: 3000 }),
  fc.array(fc.integer({ min: -10, max: 10 }), { maxLength: 70 }),
  fc.jsonValue({ maxDepth: 3 }),
  typedArb,
);

const imageArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ kind: fc.constant('sample'), name: fc.oneof(fc.constantFrom(...SAMPLES), oddValueArb) }),
  fc.record({ kind: fc.constant('file'), name: fc.oneof(fc.constant('x.png'), oddValueArb), bytes: fc.oneof(fc.uint8Array({ maxLength: 64 }), oddValueArb) }),
  fc.record({ kind: oddValueArb }),
  oddValueArb,
);

/** Objects with the contract's keys (and others) holding anything: deeper validation paths than random JSON reaches. */
const keyedObjectArb: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(
  fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 })),
  fc.oneof({ weight: 3, arbitrary: oddValueArb }, { weight: 1, arbitrary: imageArb }, { weight: 1, arbitrary: fc.constantFrom(...KNOWN_MODELS, 'resnet51', 'vgg99') }),
  { maxKeys: 7 },
);

export interface AnyRequest {
  channel: string;
  payload: unknown;
}

/** Any channel (and some that are not), any payload. */
export const anyRequestArb: fc.Arbitrary<AnyRequest> = fc.record({
  channel: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...CHANNELS) }, { weight: 1, arbitrary: fc.constantFrom('test:crash-engine', 'shell:exec', '', 'zoo:List', '__proto__', 'constructor') }, { weight: 1, arbitrary: fc.string({ maxLength: 300 }) }),
  payload: fc.oneof({ weight: 3, arbitrary: keyedObjectArb }, { weight: 1, arbitrary: oddValueArb }, { weight: 1, arbitrary: fc.constant(undefined) }),
});

// ---------------------------------------------------------------- one wrong field

export interface FaultyRequest {
  channel: string;
  payload: unknown;
  /** The field made wrong, as a path. */
  field: string;
  value: unknown;
  /** The answer's message must contain one of these (case-insensitive). */
  mentions: string[];
}

const coffee = { kind: 'sample', name: 'coffee' };
const BASES: Record<string, Record<string, unknown>> = {
  'zoo:describe': { model: 'resnet50', outIndices: [1, 3], outputStride: 16, inputSize: 64 },
  'explore:geometry': { model: 'resnet50', outputStride: 16, inputSize: 64 },
  'features:compute': { model: 'resnet18', outIndices: [4], outputStride: 32, inputSize: 32, image: coffee, weights: { kind: 'random' }, transfer: 'auto', runId: 'fuzz' },
  'explore:penultimate': { model: 'resnet18', outputStride: 32, inputSize: 32, image: coffee, weights: { kind: 'random' } },
  'explore:gradient': { model: 'resnet18', outputStride: 32, inputSize: 32, image: coffee, weights: { kind: 'random' }, target: { kind: 'cell', level: 1, row: 0, col: 0 } },
  'weights:download': { tag: 'resnet18.a1_in1k' },
  'weights:remove': { repoId: 'timm/resnet18.a1_in1k' },
};
/** Channels whose base request runs a model (weighted down: validation is what is fuzzed). */
const RUNS_MODEL = new Set(['features:compute', 'explore:penultimate', 'explore:gradient']);

const wrongType = (not: 'string' | 'number' | 'array' | 'object') =>
  fc.constantFrom<unknown>(...([null, true, 'x', 7, 2.5, [], [1], {}, { a: 1 }, new Uint8Array(2)] as unknown[]).filter((v) => {
    const t = Array.isArray(v) ? 'array' : v === null || ArrayBuffer.isView(v) ? 'other' : typeof v;
    return t !== not;
  }));
const notInt = fc.oneof(fc.double({ noInteger: true, noDefaultInfinity: true, noNaN: true }), fc.constantFrom<unknown>('16', null, true, [], {}));
const longString = (min: number) => fc.string({ minLength: min, maxLength: min + 2000 });
/** A name that is no model of the zoo (random text; prefixes of real names are fine: they are not names either). */
const unknownModel = fc.oneof(fc.constantFrom('resnet51', 'vgg99', 'resnet', 'RESNET18', ' resnet18', 'resnet18 ', 'resnet18\u0000', '../../etc/passwd', '__proto__', 'constructor', 'toString'), fc.stringMatching(/^[a-z0-9_]{1,12}$/).map((s) => `zz${s}`));
const outOfRange = (levels: number) => fc.oneof(fc.integer({ min: levels, max: 2 ** 31 }), fc.integer({ min: -(2 ** 31), max: -levels - 1 }));

type FieldFault = { field: string; value: fc.Arbitrary<unknown>; mentions: string[] };

/** The wrong values each field of the bases can get, and how an answer names the field. */
function faultsFor(channel: string): FieldFault[] {
  const settings: FieldFault[] = [
    { field: 'model', value: fc.oneof(wrongType('string'), fc.constant(''), longString(201)), mentions: ['model'] },
    { field: 'model', value: unknownModel, mentions: ['model'] },
    { field: 'outIndices', value: fc.oneof(wrongType('array'), fc.array(notInt, { minLength: 1, maxLength: 3 }), fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 65, maxLength: 80 })), mentions: ['outIndices', 'out_indices'] },
    { field: 'outIndices', value: fc.oneof(fc.constant([]), outOfRange(5).map((i) => [i]), fc.integer({ min: 0, max: 4 }).map((i) => [i, i - 5])), mentions: ['outIndices', 'out_indices'] },
    { field: 'outputStride', value: fc.oneof(notInt, fc.integer().filter((s) => ![8, 16, 32].includes(s))), mentions: ['outputStride', 'output_stride'] },
    {
      field: 'inputSize',
      value: fc.oneof(notInt, fc.oneof(fc.integer({ max: 15 }), fc.integer({ min: 2049 })), fc.tuple(fc.integer({ min: 16, max: 64 }), fc.oneof(fc.integer({ max: 15 }), fc.integer({ min: 2049 }))), fc.constantFrom<unknown>([], [32], [32, 32, 32], ['32', 32])),
      mentions: ['inputSize', 'input size', 'input_size'],
    },
  ];
  const image: FieldFault[] = [
    { field: 'image', value: fc.oneof(wrongType('object'), fc.record({ kind: fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom<unknown>(null, 3, 'url')) })), mentions: ['image'] },
    { field: 'image.name', value: fc.oneof(fc.constantFrom('', 'Chelsea', 'dog', 'chelsea.png', '../chelsea'), longString(201)), mentions: ['image.name', 'sample'] },
    { field: 'image.bytes', value: fc.oneof(wrongType('object'), fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 8 }), typedArb.filter((t) => !(t instanceof Uint8Array))), mentions: ['image.bytes', 'image'] },
    // Garbage in a file: refused by the decoder, naming the file.
    { field: 'image.bytes', value: fc.uint8Array({ maxLength: 300 }), mentions: ['fuzz-image.png'] },
  ];
  const weights: FieldFault[] = [
    { field: 'weights', value: fc.oneof(wrongType('object'), fc.record({ kind: fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom<unknown>(null, 3, 'torrent')) })), mentions: ['weights'] },
    { field: 'weights', value: fc.constantFrom<unknown>({ kind: 'file', name: 'w.safetensors' }, { kind: 'file', name: 'w.safetensors', bytes: new Uint8Array(4), sha256: 'a'.repeat(64) }), mentions: ['weights', 'bytes'] },
    { field: 'weights', value: fc.oneof(fc.string({ maxLength: 64 }), fc.constant('A'.repeat(64))).filter((s) => !/^[0-9a-f]{64}$/.test(s)).map((sha256) => ({ kind: 'file', name: 'w.safetensors', sha256 })), mentions: ['weights.sha256', 'sha256'] },
    { field: 'weights', value: fc.stringMatching(/^[0-9a-f]{64}$/).map((sha256) => ({ kind: 'file', name: 'missing.safetensors', sha256 })), mentions: ['missing.safetensors'] },
    { field: 'weights', value: fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ kind: 'file', name: 'fuzz.safetensors', bytes })), mentions: ['fuzz.safetensors'] },
    { field: 'weights', value: fc.oneof(unknownModel, fc.constantFrom('a1_in1k_', 'resnet50.a1_in1k', 'in1k')).map((tag) => ({ kind: 'pretrained', tag })), mentions: ['tag', 'pretrained'] },
  ];
  const run: FieldFault[] = [
    { field: 'transfer', value: fc.oneof(fc.string({ maxLength: 10 }).filter((s) => !['auto', 'float32', 'float16'].includes(s)), wrongType('string')), mentions: ['transfer'] },
    { field: 'runId', value: fc.oneof(longString(101), wrongType('string')), mentions: ['runId'] },
    { field: 'cancelGroup', value: fc.oneof(longString(101), wrongType('string')), mentions: ['cancelGroup'] },
  ];
  const target: FieldFault[] = [
    { field: 'target', value: fc.oneof(wrongType('object'), fc.record({ kind: fc.string({ maxLength: 8 }) })), mentions: ['target'] },
    { field: 'target.level', value: fc.oneof(notInt, fc.integer({ max: -1 })), mentions: ['target.level', 'level'] },
    { field: 'target.level', value: fc.integer({ min: 5, max: 2 ** 31 }), mentions: ['level'] },
    { field: 'target.row', value: fc.oneof(notInt, fc.integer({ max: -1 }), fc.integer({ min: 8, max: 2 ** 31 })), mentions: ['target.row', 'row', 'cell'] },
    { field: 'target.channel', value: fc.oneof(notInt, fc.integer({ max: -1 }), fc.integer({ min: 64, max: 2 ** 31 })), mentions: ['target.channel', 'channel'] },
  ];
  switch (channel) {
    case 'zoo:describe':
      return settings;
    case 'explore:geometry':
      return settings.filter((f) => f.field !== 'outIndices');
    case 'features:compute':
      return [...settings, ...image, ...weights, ...run];
    case 'explore:penultimate':
      return [...settings.filter((f) => f.field !== 'outIndices'), ...image, ...weights];
    case 'explore:gradient':
      return [...settings.filter((f) => f.field !== 'outIndices'), ...target];
    case 'weights:download':
      return [
        { field: 'tag', value: fc.oneof(wrongType('string'), fc.constant(''), longString(201)), mentions: ['tag'] },
        { field: 'tag', value: fc.oneof(unknownModel, unknownModel.map((m) => `${m}.a1_in1k`), fc.constantFrom('resnet18.nope', 'resnet18.')), mentions: ['tag', 'model'] },
      ];
    case 'weights:remove':
      return [{ field: 'repoId', value: fc.oneof(wrongType('string'), fc.constant(''), longString(201)), mentions: ['repoId', 'sha256'] }];
  }
  return [];
}

/** Sets `path` (dotted) in a deep copy of `base`; the value `undefined` deletes the field. */
function withField(base: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(base);
  const keys = path.split('.');
  let at: Record<string, unknown> = copy;
  for (const k of keys.slice(0, -1)) {
    const next = at[k];
    at[k] = next && typeof next === 'object' ? { ...(next as Record<string, unknown>) } : {};
    at = at[k] as Record<string, unknown>;
  }
  at[keys[keys.length - 1]] = value;
  return copy;
}

const imageFileBase = { kind: 'file', name: 'fuzz-image.png', bytes: new Uint8Array() };

function faultyFor(c: string): fc.Arbitrary<FaultyRequest> {
  const faults = faultsFor(c);
  const missing = Object.keys(BASES[c]).filter((k) => ['model', 'image', 'target', 'tag', 'repoId'].includes(k));
  const choice = fc.oneof(
    { weight: 9, arbitrary: fc.constantFrom(...faults).chain((f) => f.value.map((value) => ({ field: f.field, value, mentions: f.mentions }))) },
    { weight: 1, arbitrary: fc.constantFrom(...missing).map((field) => ({ field, value: undefined as unknown, mentions: [field] })) },
  );
  return choice.map(({ field, value, mentions }) => {
    // Garbage bytes go into a file image of their own name; other wrong bytes into a plain file image.
    const base = field !== 'image.bytes' ? BASES[c] : withField(BASES[c], 'image', value instanceof Uint8Array ? imageFileBase : { kind: 'file', name: 'x.png' });
    return { channel: c, payload: withField(base, field, value), field, value, mentions };
  });
}

/** A valid cheap request with one field made wrong (or a required one missing). */
export const faultyRequestArb: fc.Arbitrary<FaultyRequest> = fc.oneof(...Object.keys(BASES).map((c) => ({ weight: RUNS_MODEL.has(c) ? 1 : 3, arbitrary: faultyFor(c) })));
