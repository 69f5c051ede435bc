import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../store';

const formatParams = (n: number) => `${(n / 1e6).toFixed(1)}M`;

export function ModelPicker() {
  const { models, search, selected, setSearch, selectModel } = useApp(
    useShallow((s) => ({ models: s.models, search: s.search, selected: s.selected, setSearch: s.setSearch, selectModel: s.selectModel })),
  );
  const shown = useMemo(() => {
    const q = search.trim().toLowerCase();
    return q ? models.filter((m) => m.name.includes(q) || m.family.includes(q)) : models;
  }, [models, search]);
  return (
    <section className="panel">
      <h2>Model</h2>
      <input data-testid="model-search" type="search" placeholder="Search models…" value={search} onChange={(e) => setSearch(e.target.value)} aria-label="Search models" />
      <ul className="model-list" role="listbox" aria-label="Models">
        {shown.map((m) => (
          <li
            key={m.name}
            data-testid={`model-option-${m.name}`}
            role="option"
            aria-selected={m.name === selected}
            className={m.name === selected ? 'selected' : undefined}
            onClick={() => selectModel(m.name)}
            tabIndex={0}
            onKeyDown={(e) => e.key === 'Enter' && selectModel(m.name)}
          >
            <span className="model-name">{m.name}</span>
            <span className="model-meta">
              {m.family} · {formatParams(m.paramCount)}
            </span>
          </li>
        ))}
        {shown.length === 0 && <li className="empty">No model matches “{search}”.</li>}
      </ul>
      <div className="current">
        Selected: <strong data-testid="current-model">{selected}</strong>
      </div>
    </section>
  );
}
