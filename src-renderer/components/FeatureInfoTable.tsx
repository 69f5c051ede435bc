import { useApp } from '../store';

export function FeatureInfoTable() {
  const result = useApp((s) => s.result);
  if (!result) return null;
  return (
    <table data-testid="feature-info-table" className="feature-info">
      <caption>
        feature_info of <code>{result.model}</code> · output_stride {result.outputStride} · input {result.inputSize[0]}×{result.inputSize[1]}
      </caption>
      <thead>
        <tr>
          <th>index</th>
          <th>module</th>
          <th>channels</th>
          <th>reduction</th>
          <th>output shape</th>
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
          </tr>
        ))}
      </tbody>
    </table>
  );
}
