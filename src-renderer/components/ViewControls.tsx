import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../store';
import { ChoiceRow } from './ChoiceRow';
import { DISPLAY_MODES, VALUE_SIGNS, type DisplayMode } from '../../src-shared/maps/display';
import { COLORMAPS } from '../../src-shared/maps/colormaps';
import { NORM_SCOPES, type NormScope } from '../../src-shared/maps/normalize';
import { PCA_FITS, UPSAMPLING } from '../../src-shared/export/session';

const MODE_LABELS: Record<DisplayMode, string> = { channel: 'one channel', mean: 'mean', max: 'max', l2: 'L2 norm', std: 'std', abssum: 'sum of |x|', pca: 'PCA → RGB' };
const SCOPE_LABELS: Record<NormScope, string> = { map: 'per map', level: 'per level', shared: 'shared across levels', fixed: 'fixed range' };

/** What is shown and how: every control here is display-only. */
export function ViewControls() {
  const s = useApp(
    useShallow((st) => ({
      viewMode: st.viewMode,
      channel: st.channel,
      valueSign: st.valueSign,
      colormap: st.colormap,
      normScope: st.normScope,
      fixedRange: st.fixedRange,
      zeroCentre: st.zeroCentre,
      overlay: st.overlay,
      opacity: st.opacity,
      upsampling: st.upsampling,
      pcaFit: st.pcaFit,
      widest: Math.max(1, ...(st.result?.levels.map((l) => l.numChs) ?? [1])),
      setViewMode: st.setViewMode,
      setChannel: st.setChannel,
      setValueSign: st.setValueSign,
      setColormap: st.setColormap,
      setNormScope: st.setNormScope,
      setFixedRange: st.setFixedRange,
      setZeroCentre: st.setZeroCentre,
      setOverlay: st.setOverlay,
      setOpacity: st.setOpacity,
      setUpsampling: st.setUpsampling,
      setPcaFit: st.setPcaFit,
    })),
  );
  const scalar = s.viewMode !== 'pca';
  return (
    <section className="panel" data-testid="view-controls">
      <h2>View</h2>
      <ChoiceRow
        label="show"
        testId="view-mode"
        value={s.viewMode}
        choices={DISPLAY_MODES}
        labelOf={(m) => (m === 'channel' || m === 'pca' ? MODE_LABELS[m] : `${MODE_LABELS[m]} over channels`)}
        onChange={s.setViewMode}
      />
      <div className={s.viewMode === 'channel' ? 'channel-pick' : 'channel-pick inactive'}>
        <label className="row">
          channel
          <input
            data-testid="channel-index"
            type="number"
            min={0}
            max={s.widest - 1}
            step={1}
            value={s.channel}
            onChange={(e) => {
              s.setChannel(Number(e.target.value));
              if (s.viewMode !== 'channel') s.setViewMode('channel');
            }}
          />
        </label>
        <input
          data-testid="channel-slider"
          aria-label="channel"
          type="range"
          min={0}
          max={s.widest - 1}
          value={Math.min(s.channel, s.widest - 1)}
          onChange={(e) => {
            s.setChannel(Number(e.target.value));
            if (s.viewMode !== 'channel') s.setViewMode('channel');
          }}
        />
        <p className="hint">← → step the channel; levels narrower than the index show their last channel.</p>
      </div>
      <ChoiceRow label="values" testId="value-sign" value={s.valueSign} choices={VALUE_SIGNS} labelOf={(v) => (v === 'signed' ? 'signed' : 'after ReLU')} onChange={s.setValueSign} />
      {scalar ? (
        <>
          <ChoiceRow label="colormap" testId="colormap" value={s.colormap} choices={COLORMAPS} labelOf={(c) => (c === 'diverging' ? 'diverging (signed)' : c)} onChange={s.setColormap} />
          <ChoiceRow label="normalise" testId="norm-scope" value={s.normScope} choices={NORM_SCOPES} labelOf={(n) => SCOPE_LABELS[n]} onChange={s.setNormScope} />
          {s.normScope === 'fixed' && (
            <div className="row">
              <input data-testid="fixed-min" aria-label="fixed minimum" type="number" step="any" value={s.fixedRange.min} onChange={(e) => s.setFixedRange({ ...s.fixedRange, min: Number(e.target.value) })} />
              …
              <input data-testid="fixed-max" aria-label="fixed maximum" type="number" step="any" value={s.fixedRange.max} onChange={(e) => s.setFixedRange({ ...s.fixedRange, max: Number(e.target.value) })} />
            </div>
          )}
          <label className="check">
            <input data-testid="zero-centre" type="checkbox" checked={s.zeroCentre} onChange={(e) => s.setZeroCentre(e.target.checked)} />
            centre the range on 0
          </label>
        </>
      ) : (
        <ChoiceRow label="fit PCA" testId="pca-fit" value={s.pcaFit} choices={PCA_FITS} labelOf={(f) => (f === 'level' ? 'per level' : 'jointly across levels')} onChange={s.setPcaFit} />
      )}
      <label className="check">
        <input data-testid="overlay-toggle" type="checkbox" checked={s.overlay} onChange={(e) => s.setOverlay(e.target.checked)} />
        overlay on the input
      </label>
      <label className="row">
        opacity
        <input data-testid="opacity" type="range" min={0} max={1} step={0.05} value={s.opacity} disabled={!s.overlay} onChange={(e) => s.setOpacity(Number(e.target.value))} />
      </label>
      <ChoiceRow label="upsampling" testId="upsampling" value={s.upsampling} choices={UPSAMPLING} onChange={s.setUpsampling} />
    </section>
  );
}
