import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../store';
import { selectedModel } from '../store/selectors';

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** Random init, a pretrained tag from the hub (with progress and cancel), or a local .safetensors file. */
export function WeightsPicker() {
  const s = useApp(
    useShallow((st) => ({
      model: selectedModel(st),
      weights: st.weights,
      download: st.download,
      cached: st.cachedWeights,
      cacheDir: st.cacheDir,
      useRandomWeights: st.useRandomWeights,
      usePretrained: st.usePretrained,
      useWeightsFile: st.useWeightsFile,
      cancelDownload: st.cancelDownload,
      removeCached: st.removeCached,
      local: st.localWeights,
      localDir: st.localDir,
      useStoredWeights: st.useStoredWeights,
      removeLocal: st.removeLocal,
    })),
  );
  if (!s.model) return null;
  const tags = s.model.pretrained;
  const mode = s.weights.kind;
  const tag = s.weights.kind === 'pretrained' ? (s.weights.tag ?? tags[0]?.name ?? '') : '';
  return (
    <section className="panel">
      <h2>Weights</h2>
      <label className="row">
        source
        <select
          data-testid="weights-mode"
          value={mode}
          onChange={(e) => {
            if (e.target.value === 'random') s.useRandomWeights();
            else if (e.target.value === 'pretrained') s.usePretrained();
          }}
        >
          <option value="random">random init</option>
          <option value="pretrained" disabled={tags.length === 0}>
            pretrained{tags.length === 0 ? ' (none published)' : ''}
          </option>
          <option value="file" disabled={mode !== 'file'}>
            local file
          </option>
        </select>
      </label>
      {mode === 'pretrained' && (
        <label className="row">
          tag
          <select data-testid="weights-tag" value={tag} onChange={(e) => s.usePretrained(e.target.value)}>
            {tags.map((t) => (
              <option key={t.name} value={t.name}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {s.download && (
        <div className="download" data-testid="download-progress" data-bytes={s.download.bytes} data-total={s.download.total ?? ''}>
          <progress max={s.download.total ?? undefined} value={s.download.bytes} />
          <span>
            {s.download.repoId}: {mb(s.download.bytes)}
            {s.download.total ? ` / ${mb(s.download.total)}` : ''} · {mb(s.download.rate)}/s
            {s.download.etaSeconds !== null ? ` · ${Math.ceil(s.download.etaSeconds)} s left` : ''}
          </span>
          <button data-testid="download-cancel" onClick={() => void s.cancelDownload()}>
            Cancel
          </button>
        </div>
      )}
      <label className="file-pick">
        <span>Load a .safetensors file…</span>
        <input
          data-testid="weights-file"
          type="file"
          accept=".safetensors"
          onChange={async (e) => {
            const file = e.target.files?.[0];
            if (file) s.useWeightsFile(file.name, new Uint8Array(await file.arrayBuffer()));
            e.target.value = '';
          }}
        />
      </label>
      <details data-testid="weights-cache">
        <summary>Cache ({s.cached.length + s.local.length})</summary>
        <p className="muted">{s.cacheDir}</p>
        <ul className="cache-list">
          {s.cached.map((r) => (
            <li key={r.repoId}>
              <code>{r.repoId}</code> {mb(r.sizeBytes)}{' '}
              <button onClick={() => void s.removeCached(r.repoId)} aria-label={`Remove ${r.repoId}`}>
                Remove
              </button>
            </li>
          ))}
        </ul>
        {s.local.length > 0 && (
          <>
            <p className="muted">
              Local files, kept by content in {s.localDir}: load once, then reuse (session files name them by sha256).
            </p>
            <ul className="cache-list" data-testid="local-weights">
              {s.local.map((f) => {
                const inUse = s.weights.kind === 'file' && s.weights.sha256 === f.sha256;
                return (
                  <li key={f.sha256} data-testid="local-weights-item" data-sha256={f.sha256} data-in-use={inUse}>
                    <code title={`sha256 ${f.sha256}`}>{f.name}</code> {mb(f.sizeBytes)}{' '}
                    <button disabled={inUse} onClick={() => s.useStoredWeights(f.name, f.sha256)}>
                      Use
                    </button>{' '}
                    <button onClick={() => void s.removeLocal(f.sha256)} aria-label={`Remove ${f.name}`}>
                      Remove
                    </button>
                  </li>
                );
              })}
            </ul>
          </>
        )}
      </details>
    </section>
  );
}
