import { useShallow } from 'zustand/react/shallow';
import type { GeometryResult, LevelGeometry } from '../../src-shared/contract';
import { useApp } from '../store';
import { selectedModel } from '../store/selectors';
import { familyStory } from '../view/familyStory';

const px = (n: number) => `${Math.round(n)} px`;

/** Sentences about what output_stride does to this model, with its own numbers. */
function strideStory(byStride: Record<number, GeometryResult>): string[] {
  const base = byStride[32];
  if (!base) return [];
  const lines: string[] = [];
  for (const os of [16, 8]) {
    const g = byStride[os];
    if (!g) continue;
    const changed = g.levels.filter((l) => l.dilation > 1);
    if (!changed.length) continue;
    const names = changed.map((l) => `${l.module} (level ${l.index})`).join(' and ');
    const sizes = changed.map((l) => `${l.shape[1]}×${l.shape[2]} instead of ${base.levels[l.index].shape[1]}×${base.levels[l.index].shape[2]}`).join(', ');
    const dil = changed.map((l) => l.dilation).join(' and ');
    lines.push(
      `At output_stride ${os}, ${names} stop downsampling and dilate their convolutions by ${dil} instead: the maps are ${sizes}, ` +
        `while the receptive field keeps growing (deepest level: ${px(g.levels[g.levels.length - 1].rfSize[0])} vs ${px(base.levels[base.levels.length - 1].rfSize[0])} at 32).`,
    );
  }
  if (!lines.length) lines.push(`This model only runs at output_stride 32: it has no dilated variant in timm.`);
  return lines;
}

function cellText(l: LevelGeometry | undefined): string {
  if (!l) return '—';
  return `stride ${l.jump[0]}${l.dilation > 1 ? ` · dilation ${l.dilation}` : ''} · RF ${l.rfSize[0]} · ${l.shape[1]}×${l.shape[2]}`;
}

/** Reduction, stride, dilation and receptive field for the current model, at every output stride it supports. */
export function LearnPanel() {
  const { learn, load, model, family } = useApp(useShallow((s) => ({ learn: s.learnGeometry, load: s.loadLearnGeometry, model: s.selected, family: selectedModel(s)?.family })));
  const strides = Object.keys(learn)
    .map(Number)
    .sort((a, b) => b - a);
  const ref = learn[32] ?? learn[strides[0]];
  const current = ref?.model === model ? ref : undefined;
  return (
    <details className="learn" data-testid="learn-panel" onToggle={(e) => (e.currentTarget as HTMLDetailsElement).open && void load()}>
      <summary>Learn: reduction, stride, dilation and receptive field of {model}</summary>
      {!current ? (
        <p className="muted">loading…</p>
      ) : (
        <>
          <p>
            A level's <b>reduction</b> (timm's <code>feature_info.reduction()</code>) is how many input pixels one step between its cells covers: the map is the input size divided by it. Its{' '}
            <b>receptive field</b> is the input square that can influence one cell — it grows by (k − 1) × the current stride with every k×k convolution or pool. The input here is{' '}
            {current.inputSize[0]}×{current.inputSize[1]}.
          </p>
          <table data-testid="learn-table">
            <thead>
              <tr>
                <th>level</th>
                <th>module</th>
                {strides.map((os) => (
                  <th key={os}>output_stride {os}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {current.levels.map((l) => (
                <tr key={l.index} data-testid={`learn-row-${l.index}`} data-rf={l.rfSize[0]} data-stride={l.jump[0]}>
                  <td>{l.index}</td>
                  <td>
                    <code>{l.module}</code>
                  </td>
                  {strides.map((os) => (
                    <td key={os} data-testid={`learn-${l.index}-os${os}`} data-dilation={learn[os]?.levels[l.index]?.dilation}>
                      {cellText(learn[os]?.levels[l.index])}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <p data-testid="learn-rf-growth">
            Receptive field, level by level: {current.levels.map((l) => l.rfSize[0]).join(' → ')} px.
            {current.levels.some((l) => l.rfSize[0] > Math.max(...current.inputSize)) &&
              ` From level ${current.levels.find((l) => l.rfSize[0] > Math.max(...current.inputSize))?.index} on it is larger than the ${current.inputSize[0]}×${current.inputSize[1]} input: a cell sees the whole image plus zero padding (the theoretical field; the effective one is much smaller and centred).`}
          </p>
          {familyStory(family, current).map((line, i) => (
            <p key={`f${i}`} data-testid="learn-family">
              {line}
            </p>
          ))}
          {strideStory(learn).map((line, i) => (
            <p key={i} data-testid="learn-stride-story">
              {line}
            </p>
          ))}
        </>
      )}
    </details>
  );
}
