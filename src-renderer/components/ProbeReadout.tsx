import { useShallow } from 'zustand/react/shallow';
import { cellAt } from '../../src-shared/maps/alignment';
import { topChannelsAt } from '../../src-shared/maps/channelStats';
import { useApp } from '../store';
import { usePaneDisplays } from '../view/usePaneDisplays';
import { geometryOf } from '../view/geometryOf';
import { formatValue } from '../view/paint';

/** The linked probe's numbers: per level, the cell under the pointer, the shown value and the strongest channels there. */
export function ProbeReadout() {
  const { result, geometry, probe, locked, openDetail, setBrowserLevel } = useApp(
    useShallow((s) => ({ result: s.result, geometry: s.geometry, probe: s.probe, locked: s.probeLocked, openDetail: s.openDetail, setBrowserLevel: s.setBrowserLevel })),
  );
  const { a } = usePaneDisplays();
  if (!result) return null;
  const x = probe ? probe.u * result.input.width : 0;
  const y = probe ? probe.v * result.input.height : 0;
  return (
    <section className="probe-readout" data-testid="probe-readout">
      <h2>
        Probe{' '}
        {probe ? (
          <span data-testid="probe-position" data-x={x} data-y={y}>
            at input pixel ({Math.floor(y)}, {Math.floor(x)}){locked ? ' · locked (click a map to release)' : ''}
          </span>
        ) : (
          <span className="muted">— hover any map or the input; click to lock</span>
        )}
      </h2>
      {probe && (
        <table>
          <thead>
            <tr>
              <th>level</th>
              <th>cell (row, col)</th>
              <th>shown value</th>
              <th>top channels at this cell</th>
            </tr>
          </thead>
          <tbody>
            {result.levels.map((l) => {
              const g = geometryOf(result, geometry, l.index);
              const cell = cellAt(g, l.shape[1], l.shape[2], x, y);
              const d = a.find((dd) => dd.index === l.index);
              const value = d?.kind === 'scalar' ? d.values[cell.row * l.shape[2] + cell.col] : undefined;
              const top = topChannelsAt(l, cell.row, cell.col, 5);
              return (
                <tr key={l.index} data-testid={`probe-level-${l.index}`} data-row={cell.row} data-col={cell.col} data-value={value ?? ''}>
                  <td>{l.index}</td>
                  <td>
                    ({cell.row}, {cell.col})
                  </td>
                  <td>{value === undefined ? '—' : formatValue(value)}</td>
                  <td className="top-channels">
                    {top.map((t) => (
                      <button
                        key={t.channel}
                        className="chip"
                        data-testid={`probe-top-${l.index}-${t.channel}`}
                        title="open in the channel browser"
                        onClick={() => {
                          setBrowserLevel(l.index);
                          openDetail(l.index, t.channel);
                        }}
                      >
                        #{t.channel} {formatValue(t.value)}
                      </button>
                    ))}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
