import type { SessionSlice, SliceCreator } from './types';
import type { ImageSource, SampleInfo, WeightsChoice } from '../../src-shared/contract';
import { SESSION_FORMAT, SESSION_VERSION, base64ToBytes, bytesToBase64, type Session, type ViewSettings } from '../../src-shared/export/session';

type SessionImage = Session['image'];

function sessionImage(image: ImageSource): SessionImage {
  return image.kind === 'sample' ? { kind: 'sample', name: image.name } : { kind: 'file', name: image.name, base64: bytesToBase64(image.bytes) };
}

function imageFromSession(image: SessionImage, samples: readonly SampleInfo[]): { source: ImageSource; label: string } {
  return image.kind === 'sample'
    ? { source: { kind: 'sample', name: image.name }, label: samples.find((x) => x.name === image.name)?.file ?? image.name }
    : { source: { kind: 'file', name: image.name, bytes: base64ToBytes(image.base64) }, label: image.name };
}

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
      image: sessionImage(s.image),
      view: s.currentView(),
      compare:
        s.compareOn && s.compare
          ? {
              model: s.compare.model,
              outIndices: [...s.compare.outIndices],
              outputStride: s.compare.outputStride,
              inputSize: s.compare.inputSize,
              // Pane A's own image object is not embedded twice.
              image: s.compare.image === s.image ? undefined : sessionImage(s.compare.image),
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
    const image = imageFromSession(session.image, s.samples);
    // Weights: random and hub tags reopen as they were; a local file by its sha256 from the
    // engine's local weights store (if it is not there, the run says so: load the file again).
    const w = session.weights;
    const weights: WeightsChoice =
      w.kind === 'pretrained' ? { kind: 'pretrained', tag: w.tag } : w.kind === 'file' ? { kind: 'file', name: w.name, sha256: w.sha256 } : { kind: 'random' };
    set({
      sessionError: undefined,
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
      const own = c.image ?? (c.sample ? { kind: 'sample' as const, name: c.sample } : undefined);
      const paneB = own ? imageFromSession(own, get().samples) : image;
      set({
        compareOn: true,
        compareSharedScale: c.sharedScale,
        compare: {
          model: c.model,
          outIndices: [...c.outIndices],
          outputStride: c.outputStride,
          inputSize: c.inputSize,
          image: paneB.source,
          imageLabel: paneB.label,
        },
      });
      void get().runCompare();
    } else if (get().compareOn) {
      get().setCompareOn(false);
    }
  },
});
