/**
 * The session file: everything needed to reopen the exact view — model,
 * weights, pyramid settings, preprocessing, the image (a bundled sample by
 * name, a user's file embedded), and every view setting. Validated with zod
 * on the way in, so a hand-edited file fails with the field it got wrong.
 */
import { z } from 'zod';
import { COLORMAPS } from '../maps/colormaps';
import { DISPLAY_MODES, VALUE_SIGNS } from '../maps/display';
import { NORM_SCOPES } from '../maps/normalize';
import { RANK_BY } from '../maps/channelStats';
import { InputSizeSchema } from '../contract';

export const SESSION_FORMAT = 'pyramidscope-session';
export const SESSION_VERSION = 1;

export const UPSAMPLING = ['nearest', 'smooth'] as const;
export type Upsampling = (typeof UPSAMPLING)[number];
export const PCA_FITS = ['level', 'joint'] as const;
export type PcaFitScope = (typeof PCA_FITS)[number];

const finite = () => z.number().refine(Number.isFinite, 'expected a finite number');

export const ViewSettingsSchema = z.object({
  viewMode: z.enum(DISPLAY_MODES),
  channel: z.number().int().min(0),
  valueSign: z.enum(VALUE_SIGNS),
  colormap: z.enum(COLORMAPS),
  normScope: z.enum(NORM_SCOPES),
  fixedRange: z.object({ min: finite(), max: finite() }),
  zeroCentre: z.boolean(),
  overlay: z.boolean(),
  opacity: z.number().min(0).max(1),
  upsampling: z.enum(UPSAMPLING),
  pcaFit: z.enum(PCA_FITS),
  rankBy: z.enum(RANK_BY),
  topK: z.number().int().min(1).max(256),
  pinned: z.array(z.object({ level: z.number().int().min(0), channel: z.number().int().min(0) })).max(256),
});
export type ViewSettings = z.infer<typeof ViewSettingsSchema>;

export const DEFAULT_VIEW: ViewSettings = {
  viewMode: 'mean',
  channel: 0,
  valueSign: 'signed',
  colormap: 'viridis',
  normScope: 'map',
  fixedRange: { min: 0, max: 1 },
  zeroCentre: false,
  overlay: false,
  opacity: 0.6,
  upsampling: 'nearest',
  pcaFit: 'level',
  rankBy: 'energy',
  topK: 16,
  pinned: [],
};

const SessionImageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('sample'), name: z.string().min(1).max(200) }),
  z.object({ kind: z.literal('file'), name: z.string().max(1000), base64: z.string() }),
]);

const SessionWeightsSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('random'), label: z.string() }),
  z.object({ kind: z.literal('pretrained'), tag: z.string(), hfHubId: z.string().optional(), label: z.string() }),
  z.object({ kind: z.literal('file'), name: z.string(), sha256: z.string(), label: z.string() }),
]);

export const SessionSchema = z.object({
  format: z.literal(SESSION_FORMAT),
  version: z.literal(SESSION_VERSION),
  savedAt: z.string(),
  model: z.string().min(1).max(200),
  weights: SessionWeightsSchema,
  settings: z.object({
    outIndices: z.array(z.number().int()).min(1).max(64),
    outputStride: z.number().int(),
    /** The user's input-size override; absent = the model's pretrained size. */
    inputSize: InputSizeSchema.optional(),
  }),
  /** What the engine applied (informational: the engine derives it from model and weights). */
  preprocessing: z
    .object({ inputSize: z.tuple([z.number(), z.number()]), mean: z.array(z.number()), std: z.array(z.number()), cropPct: z.number(), cropMode: z.string().optional(), interpolation: z.string() })
    .partial()
    .optional(),
  image: SessionImageSchema,
  view: ViewSettingsSchema,
  /** The compare view's pane B, when it was on. */
  compare: z
    .object({
      model: z.string().min(1).max(200),
      outIndices: z.array(z.number().int()).min(1).max(64),
      outputStride: z.number().int(),
      inputSize: InputSizeSchema.optional(),
      /** Pane B's image, when it is not pane A's (absent: pane A's image). */
      image: SessionImageSchema.optional(),
      /** Older session files: a bundled sample's name for pane B. */
      sample: z.string().max(200).optional(),
      sharedScale: z.boolean(),
    })
    .optional(),
});
export type Session = z.infer<typeof SessionSchema>;

/** Parses a session file's text; throws an Error naming the first bad field. */
export function parseSession(text: string): Session {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error('session file is not JSON');
  }
  const r = SessionSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`session file: ${i.path.map(String).join('.') || 'file'}: ${i.message}`);
  }
  return r.data;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function bytesToBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < bytes.length ? B64[n & 63] : '=');
  }
  return out;
}

export function base64ToBytes(text: string): Uint8Array {
  const clean = text.replace(/[^A-Za-z0-9+/]/g, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let o = 0;
  for (let i = 0; i < clean.length; i += 4) {
    const n = (B64.indexOf(clean[i]) << 18) | (B64.indexOf(clean[i + 1]) << 12) | ((B64.indexOf(clean[i + 2] ?? 'A') & 63) << 6) | (B64.indexOf(clean[i + 3] ?? 'A') & 63);
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}
