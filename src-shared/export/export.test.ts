import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy } from './npy';
import { timmPython } from './timmPython';
import { DEFAULT_VIEW, SESSION_FORMAT, base64ToBytes, bytesToBase64, parseSession } from './session';

describe('npy', () => {
  it('round-trips float32 NCHW with a 64-byte aligned header', () => {
    const data = Float32Array.from({ length: 24 }, (_, i) => i - 7.25);
    const bytes = encodeNpy(data, [1, 2, 3, 4]);
    expect((10 + new DataView(bytes.buffer).getUint16(8, true)) % 64).toBe(0);
    const back = decodeNpy(bytes);
    expect(back.shape).toEqual([1, 2, 3, 4]);
    expect([...back.data]).toEqual([...data]);
    expect(() => encodeNpy(data, [5])).toThrow(/holds 5 values/);
  });
});

describe('timm Python', () => {
  it('writes the create_model call, with output_stride only when not 32', () => {
    const code = timmPython({ model: 'resnet50', outIndices: [1, 3], outputStride: 16, inputSize: [256, 256], pretrainedTag: 'resnet50.a1_in1k' });
    expect(code).toContain("timm.create_model('resnet50.a1_in1k', pretrained=True, features_only=True, out_indices=(1, 3), output_stride=16)");
    expect(code).toContain("config['input_size'] = (3, 256, 256)");
    const one = timmPython({ model: 'densenet121', outIndices: [4], outputStride: 32, inputSize: [224, 224] });
    expect(one).toContain("timm.create_model('densenet121', pretrained=False, features_only=True, out_indices=(4,))");
    expect(one).toContain('random init');
  });
});

describe('session', () => {
  const session = {
    format: SESSION_FORMAT,
    version: 1,
    savedAt: '2026-01-01T00:00:00Z',
    model: 'resnet18',
    weights: { kind: 'random', label: 'random init (formula-v1)' },
    settings: { outIndices: [1, 2], outputStride: 16 },
    image: { kind: 'file', name: 'x.png', base64: bytesToBase64(Uint8Array.from([137, 80, 78, 71, 0, 255])) },
    view: { ...DEFAULT_VIEW, viewMode: 'channel', channel: 5 },
  };
  it('parses a valid file and names the bad field of a broken one', () => {
    const s = parseSession(JSON.stringify(session));
    expect(s.view.channel).toBe(5);
    expect(() => parseSession(JSON.stringify({ ...session, view: { ...session.view, normScope: 'global' } }))).toThrow(/view\.normScope/);
    expect(() => parseSession(JSON.stringify({ ...session, version: 2 }))).toThrow(/version/);
    expect(() => parseSession('{')).toThrow(/not JSON/);
  });
  it('base64 round-trips every length', () => {
    for (let n = 0; n < 10; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + 13) & 255);
      expect([...base64ToBytes(bytesToBase64(bytes))]).toEqual([...bytes]);
    }
    expect(bytesToBase64(new TextEncoder().encode('Man'))).toBe('TWFu');
    expect(bytesToBase64(new TextEncoder().encode('Ma'))).toBe('TWE=');
  });
});
