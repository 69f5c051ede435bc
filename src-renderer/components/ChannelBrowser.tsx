import { useLayoutEffect, useMemo, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ShownLevel } from '../store/shown';
import { RANK_BY, channelStats, histogram, topK, type RankBy } from '../../src-shared/maps/channelStats';
import { downsampleMap, scalarMap, type ValueSign } from '../../src-shared/maps/display';
import { minMax } from '../../src-shared/maps/reduce';
import type { ColormapName } from '../../src-shared/maps/colormaps';
import { useApp } from '../store';
import { cachedOn } from '../view/levelDisplays';
import { formatValue, paintScalar } from '../view/paint';

const RANK_LABELS: Record<RankBy, string> = { mean: 'mean', max: 'max', energy: 'energy (mean x²)', sparsity: 'sparsity (Hoyer)' };

const statsOf = (level: ShownLevel) => cachedOn(level.data, 'channel-stats', () => channelStats(level));

/** One channel painted with its own range; large maps are block-averaged to about twice the shown size first. */
function ChannelCanvas({ level, channel, sign, colormap, size, testId }: { level: ShownLevel; channel: number; sign: ValueSign; colormap: ColormapName; size: number; testId?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [, fh, fw] = level.shape;
  const small = cachedOn(level.data, `thumb|${channel}|${sign}|${size}`, () => {
    const m = downsampleMap(scalarMap(level, 'channel', channel, sign), fh, fw, 2 * size);
    return { ...m, range: minMax(m.values) };
  });
  const { h, w } = small;
  useLayoutEffect(() => {
    if (ref.current) paintScalar(ref.current, small.values, h, w, small.range, colormap);
  }, [small, colormap, h, w]);
  return <canvas ref={ref} width={w} height={h} data-testid={testId} className="thumb-canvas" style={{ width: size, height: (size * h) / w }} />;
}

function Histogram({ values }: { values: Float32Array }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const hist = useMemo(() => histogram(values, 40), [values]);
  useLayoutEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx || !ref.current) return;
    const { width, height } = ref.current;
    ctx.clearRect(0, 0, width, height);
    const peak = Math.max(1, ...hist.counts);
    const bw = width / hist.counts.length;
    ctx.fillStyle = getComputedStyle(ref.current).color || '#3a5ccc';
    hist.counts.forEach((c, i) => {
      const bh = (c / peak) * (height - 2);
      ctx.fillRect(i * bw + 0.5, height - bh, Math.max(1, bw - 1), bh);
    });
    // Where zero falls, when it is inside the range: ReLU's cut-off.
    if (hist.min < 0 && hist.max > 0) {
      ctx.fillStyle = '#d33';
      ctx.fillRect(((0 - hist.min) / (hist.max - hist.min)) * width, 0, 1, height);
    }
  }, [hist]);
  return (
    <figure className="histogram">
      <canvas ref={ref} width={320} height={90} data-testid="channel-histogram" data-bins={hist.counts.length} data-total={hist.counts.reduce((s, c) => s + c, 0)} data-min={hist.min} data-max={hist.max} />
      <figcaption>
        histogram of {values.length} values · [{formatValue(hist.min)}, {formatValue(hist.max)}]
      </figcaption>
    </figure>
  );
}

function ChannelDetail({ level, channel }: { level: ShownLevel; channel: number }) {
  const s = useApp(
    useShallow((st) => ({
      sign: st.valueSign,
      colormap: st.colormap,
      pinned: st.pinned.some((p) => p.level === level.index && p.channel === channel),
      togglePin: st.togglePin,
      closeDetail: st.closeDetail,
      setViewMode: st.setViewMode,
      setChannel: st.setChannel,
    })),
  );
  const values = useMemo(() => scalarMap(level, 'channel', channel, s.sign), [level, channel, s.sign]);
  const stats = statsOf(level);
  return (
    <div className="channel-detail" data-testid="channel-detail" data-level={level.index} data-channel={channel}>
      <h3>
        level {level.index} · channel {channel}
        <button className="small" onClick={s.closeDetail} aria-label="close">
          ×
        </button>
      </h3>
      <div className="detail-body">
        <ChannelCanvas level={level} channel={channel} sign={s.sign} colormap={s.colormap} size={224} testId="channel-detail-map" />
        <div>
          <Histogram values={values} />
          <p className="muted">
            mean {formatValue(stats.mean[channel])} · max {formatValue(stats.max[channel])} · energy {formatValue(stats.energy[channel])} · sparsity {formatValue(stats.sparsity[channel])}
          </p>
          <button data-testid="pin-channel" onClick={() => s.togglePin(level.index, channel)}>
            {s.pinned ? 'Unpin' : 'Pin'} this channel
          </button>{' '}
          <button
            data-testid="show-channel"
            onClick={() => {
              s.setViewMode('channel');
              s.setChannel(channel);
            }}
          >
            Show in the pyramid
          </button>
        </div>
      </div>
    </div>
  );
}

/** Per level: the channels that matter for this image, ranked, as thumbnails; a large view with its histogram; pins that follow across images. */
export function ChannelBrowser() {
  const s = useApp(
    useShallow((st) => ({
      result: st.result,
      browserLevel: st.browserLevel,
      rankBy: st.rankBy,
      k: st.topK,
      detail: st.detail,
      pinned: st.pinned,
      sign: st.valueSign,
      colormap: st.colormap,
      setBrowserLevel: st.setBrowserLevel,
      setRankBy: st.setRankBy,
      setTopK: st.setTopK,
      openDetail: st.openDetail,
    })),
  );
  const levels = s.result?.levels ?? [];
  const level = levels.find((l) => l.index === s.browserLevel) ?? levels[0];
  const ranked = useMemo(() => (level ? topK(statsOf(level)[s.rankBy], s.k) : []), [level, s.rankBy, s.k]);
  if (!level) return null;
  const scores = statsOf(level)[s.rankBy];
  const detailLevel = s.detail ? levels.find((l) => l.index === s.detail?.level) : undefined;
  const pinnedHere = s.pinned.filter((p) => levels.some((l) => l.index === p.level));
  return (
    <section className="channel-browser" data-testid="channel-browser">
      <h2>Channels</h2>
      <div className="browser-controls">
        <label>
          level{' '}
          <select data-testid="browser-level" value={level.index} onChange={(e) => s.setBrowserLevel(Number(e.target.value))}>
            {levels.map((l) => (
              <option key={l.index} value={l.index}>
                {l.index}: {l.module} ({l.numChs} ch)
              </option>
            ))}
          </select>
        </label>{' '}
        <label>
          rank by{' '}
          <select data-testid="rank-by" value={s.rankBy} onChange={(e) => s.setRankBy(e.target.value as RankBy)}>
            {RANK_BY.map((r) => (
              <option key={r} value={r}>
                {RANK_LABELS[r]}
              </option>
            ))}
          </select>
        </label>{' '}
        <label>
          top{' '}
          <input data-testid="top-k" type="number" min={1} max={256} value={s.k} onChange={(e) => s.setTopK(Number(e.target.value))} />
        </label>
      </div>
      <div className="thumbs" data-testid="channel-thumbs">
        {ranked.map((c, rank) => (
          <button key={c} className="thumb" data-testid={`channel-thumb-${level.index}-${c}`} data-rank={rank} data-score={scores[c]} onClick={() => s.openDetail(level.index, c)} title={`channel ${c}: ${s.rankBy} ${formatValue(scores[c])}`}>
            <ChannelCanvas level={level} channel={c} sign={s.sign} colormap={s.colormap} size={72} />
            <span>
              #{c} · {formatValue(scores[c])}
            </span>
          </button>
        ))}
      </div>
      {detailLevel && s.detail && <ChannelDetail level={detailLevel} channel={Math.min(s.detail.channel, detailLevel.numChs - 1)} />}
      {pinnedHere.length > 0 && (
        <div className="pinned" data-testid="pinned-channels">
          <h3>Pinned (they follow every image and model with this level)</h3>
          <div className="thumbs">
            {pinnedHere.map((p) => {
              const l = levels.find((x) => x.index === p.level) as ShownLevel;
              if (p.channel >= l.numChs) return null;
              return (
                <button key={`${p.level}-${p.channel}`} className="thumb" data-testid={`pinned-${p.level}-${p.channel}`} onClick={() => s.openDetail(p.level, p.channel)}>
                  <ChannelCanvas level={l} channel={p.channel} sign={s.sign} colormap={s.colormap} size={72} />
                  <span>
                    L{p.level} #{p.channel}
                  </span>
                </button>
              );
            })}
          </div>
        </div>
      )}
    </section>
  );
}
