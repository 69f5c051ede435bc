import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../store';
import { DISPLAY_MODES, VALUE_SIGNS, type DisplayMode, type ValueSign } from '../../src-shared/maps/display';
import { COLORMAPS, type ColormapName } from '../../src-shared/maps/colormaps';
import { NORM_SCOPES, type NormScope } from '../../src-shared/maps/normalize';
import { PCA_FITS, UPSAMPLING, type PcaFitScope, type Upsampling } from '../../src-shared/export/session';

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
      <label className="row">
        show
        <select data-testid="view-mode" value={s.viewMode} onChange={(e) => s.setViewMode(e.target.value as DisplayMode)}>
          {DISPLAY_MODES.map((m) => (
            <option key={m} value={m}>
              {m === 'channel' || m === 'pca' ? MODE_LABELS[m] : `${MODE_LABELS[m]} over channels`}
            </option>
          ))}
        </select>
      </label>
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
      <label className="row">
        values
        <select data-testid="value-sign" value={s.valueSign} onChange={(e) => s.setValueSign(e.target.value as ValueSign)}>
          {VALUE_SIGNS.map((v) => (
            <option key={v} value={v}>
              {v === 'signed' ? 'signed' : 'after ReLU'}
            </option>
          ))}
        </select>
      </label>
      {scalar ? (
        <>
          <label className="row">
            colormap
            <select data-testid="colormap" value={s.colormap} onChange={(e) => s.setColormap(e.target.value as ColormapName)}>
              {COLORMAPS.map((c) => (
                <option key={c} value={c}>
                  {c === 'diverging' ? 'diverging (signed)' : c}
                </option>
              ))}
            </select>
          </label>
          <label className="row">
            normalise
            <select data-testid="norm-scope" value={s.normScope} onChange={(e) => s.setNormScope(e.target.value as NormScope)}>
              {NORM_SCOPES.map((n) => (
                <option key={n} value={n}>
                  {SCOPE_LABELS[n]}
                </option>
              ))}
            </select>
          </label>
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
        <label className="row">
          fit PCA
          <select data-testid="pca-fit" value={s.pcaFit} onChange={(e) => s.setPcaFit(e.target.value as PcaFitScope)}>
            {PCA_FITS.map((f) => (
              <option key={f} value={f}>
                {f === 'level' ? 'per level' : 'jointly across levels'}
              </option>
            ))}
          </select>
        </label>
      )}
      <label className="check">
        <input data-testid="overlay-toggle" type="checkbox" checked={s.overlay} onChange={(e) => s.setOverlay(e.target.checked)} />
        overlay on the input
      </label>
      <label className="row">
        opacity
        <input data-testid="opacity" type="range" min={0} max={1} step={0.05} value={s.opacity} disabled={!s.overlay} onChange={(e) => s.setOpacity(Number(e.target.value))} />
      </label>
      <label className="row">
        upsampling
        <select data-testid="upsampling" value={s.upsampling} onChange={(e) => s.setUpsampling(e.target.value as Upsampling)}>
          {UPSAMPLING.map((u) => (
            <option key={u} value={u}>
              {u}
            </option>
          ))}
        </select>
      </label>
    </section>
  );
}
