import { useApp } from '../store';

/** Top-5 ImageNet-1k classes, when the weights carry the classifier. */
export function Predictions() {
  const predictions = useApp((s) => s.result?.predictions);
  if (!predictions?.length) return null;
  return (
    <ol className="predictions" data-testid="predictions">
      {predictions.map((p, k) => (
        <li key={p.classIndex} data-testid={`prediction-${k}`}>
          <span className="bar" style={{ width: `${Math.round(p.probability * 100)}%` }} />
          <span className="label">{p.label}</span> <span className="prob">{(p.probability * 100).toFixed(1)}%</span>
        </li>
      ))}
    </ol>
  );
}
