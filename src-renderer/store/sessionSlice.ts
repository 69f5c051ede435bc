import type { SessionSlice, SliceCreator } from './types';
import { SESSION_FORMAT, SESSION_VERSION, base64ToBytes, bytesToBase64, type Session, type ViewSettings } from '../../src-shared/export/session';

export const createSessionSlice: SliceCreator<SessionSlice> = (set, get) => ({
  sessionError: undefined,
  setSessionError: (sessionError) => set({ sessionError }),
  currentView: (): ViewSettings => {
    const s = get();
    return {
      viewMode: s.viewMode,
      channel: s.channel,
      valueSign: s.valueSign,
      colormap: s.colormap,
      normScope: s.normScope,
      fixedRange: { ...s.fixedRange },
      zeroCentre: s.zeroCentre,
      overlay: s.overlay,
      opacity: s.opacity,
      upsampling: s.upsampling,
      pcaFit: s.pcaFit,
      rankBy: s.rankBy,
      topK: s.topK,
      pinned: s.pinned.map((p) => ({ ...p })),
    };
  },
  exportSession: (): Session | undefined => {
    const s = get();
    const r = s.result;
    if (!r || !s.image) return undefined;
    const w = r.weights ?? { kind: 'random' as const };
    const weights: Session['weights'] =
      w.kind === 'pretrained'
        ? { kind: 'pretrained', tag: w.tag, hfHubId: w.hfHubId, label: r.weightsLabel }
        : w.kind === 'file'
          ? { kind: 'file', name: w.name, sha256: w.sha256, label: r.weightsLabel }
          : { kind: 'random', label: r.weightsLabel };
    return {
      format: SESSION_FORMAT,
      version: SESSION_VERSION,
      savedAt: new Date().toISOString(),
      model: r.model,
      weights,
      settings: { outIndices: [...r.outIndices], outputStride: r.outputStride, inputSize: s.inputSize },
      preprocessing: { inputSize: [r.inputSize[0], r.inputSize[1]], ...(r.preprocessing ?? {}) },
      image: s.image.kind === 'sample' ? { kind: 'sample', name: s.image.name } : { kind: 'file', name: s.image.name, base64: bytesToBase64(s.image.bytes) },
      view: s.currentView(),
      compare:
        s.compareOn && s.compare
          ? {
              model: s.compare.model,
              outIndices: [...s.compare.outIndices],
              outputStride: s.compare.outputStride,
              inputSize: s.compare.inputSize,
              sample: s.compare.image.kind === 'sample' ? s.compare.image.name : undefined,
              sharedScale: s.compareSharedScale,
            }
          : undefined,
    };
  },
  importSession: (session) => {
    const s = get();
    const model = s.models.find((m) => m.name === session.model);
    if (!model) {
      set({ sessionError: `session file: model '${session.model}' is not in this build's zoo` });
      return;
    }
    const image =
      session.image.kind === 'sample'
        ? { source: { kind: 'sample' as const, name: session.image.name }, label: s.samples.find((x) => x.name === session.image.name)?.file ?? session.image.name }
        : { source: { kind: 'file' as const, name: session.image.name, bytes: base64ToBytes(session.image.base64) }, label: session.image.name };
    // Weights: random and hub tags reopen as they were; a local file's bytes are not in the session.
    const w = session.weights;
    const weights = w.kind === 'pretrained' ? { kind: 'pretrained' as const, tag: w.tag } : { kind: 'random' as const };
    set({
      sessionError: w.kind === 'file' ? `session used the weights file '${w.name}' (sha256 ${w.sha256.slice(0, 12)}…): load it under Weights to reproduce the numbers` : undefined,
      weights,
      selected: model.name,
      outIndices: [...session.settings.outIndices],
      outputStride: session.settings.outputStride,
      inputSize: session.settings.inputSize,
      image: image.source,
      imageLabel: image.label,
      ...session.view,
      fixedRange: { ...session.view.fixedRange },
      pinned: session.view.pinned.map((p) => ({ ...p })),
      detail: undefined,
      probe: undefined,
      probeLocked: false,
      erf: undefined,
    });
    void get().run();
    const c = session.compare;
    if (c) {
      const sample = c.sample ? get().samples.find((x) => x.name === c.sample) : undefined;
      set({
        compareOn: true,
        compareSharedScale: c.sharedScale,
        compare: {
          model: c.model,
          outIndices: [...c.outIndices],
          outputStride: c.outputStride,
          inputSize: c.inputSize,
          image: sample ? { kind: 'sample', name: sample.name } : image.source,
          imageLabel: sample ? sample.file : image.label,
        },
      });
      void get().runCompare();
    } else if (get().compareOn) {
      get().setCompareOn(false);
    }
  },
});
