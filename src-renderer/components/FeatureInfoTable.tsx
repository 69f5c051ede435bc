import { useApp } from '../store';

export function FeatureInfoTable() {
  const result = useApp((s) => s.result);
  if (!result) return null;
  const branches = result.levels.filter((l) => l.branch !== undefined).length;
  return (
    <table data-testid="feature-info-table" className="feature-info">
      <caption>
        feature_info of <code>{result.model}</code> · output_stride {result.outputStride} · input {result.inputSize[0]}×{result.inputSize[1]}
        {branches > 0 && (
          <span data-testid="fi-parallel-note">
            {' '}
            · {branches} levels are parallel branches that run side by side and finish together, not steps of a chain
          </span>
        )}
      </caption>
      <thead>
        <tr>
          <th>index</th>
          <th>module</th>
          <th>channels</th>
          <th>reduction</th>
          <th>output shape</th>
          {branches > 0 && <th>branch</th>}
        </tr>
      </thead>
      <tbody>
        {result.levels.map((l) => (
          <tr key={l.index} data-testid={`feature-info-row-${l.index}`}>
            <td>{l.index}</td>
            <td data-testid="fi-module">
              <code>{l.module}</code>
            </td>
            <td data-testid="fi-channels">{l.numChs}</td>
            <td data-testid="fi-reduction">{l.reduction}</td>
            <td data-testid="fi-shape">{l.shape.join('×')}</td>
            {branches > 0 && <td data-testid="fi-branch">{l.branch === undefined ? '—' : `parallel ${l.branch}`}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
