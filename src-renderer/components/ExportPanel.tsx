import { useState, type DragEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp, useAppStore } from '../store';
import { timmPython } from '../../src-shared/export/timmPython';
import { parseSession } from '../../src-shared/export/session';
import { displaysFor } from '../view/usePaneDisplays';
import { composeViewPng } from '../export/composePng';
import { downloadBlob, downloadJson, featureInfoJson, fileSafe } from '../export/downloads';

/** Files out (PNG, feature_info, session, timm code) and a session file in. */
export function ExportPanel() {
  const store = useAppStore();
  const s = useApp(
    useShallow((st) => ({
      result: st.result,
      imageLabel: st.imageLabel,
      sessionError: st.sessionError,
      compareOn: st.compareOn,
      compareResult: st.compareResult,
    })),
  );
  const [code, setCode] = useState<string>();
  const [copied, setCopied] = useState(false);
  const r = s.result;

  const importText = (text: string) => {
    try {
      store.getState().importSession(parseSession(text));
    } catch (e) {
      store.getState().setSessionError(e instanceof Error ? e.message : String(e));
    }
  };
  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    e.stopPropagation(); // the window's own drop handler must not take it too
    const f = e.dataTransfer.files[0];
    if (f) importText(await f.text());
  };

  const exportPng = () => {
    const st = store.getState();
    if (!r) return;
    const displays = displaysFor(st);
    const panes = [{ title: `A · ${r.model} · output_stride ${r.outputStride} · ${st.imageLabel}`, result: r, geometry: st.geometry, displays: displays.a }];
    if (st.compareOn && st.compareResult && displays.b) {
      panes.push({ title: `B · ${st.compareResult.model} · output_stride ${st.compareResult.outputStride} · ${st.compare?.imageLabel ?? ''}`, result: st.compareResult, geometry: st.compareGeometry, displays: displays.b });
    }
    const title = `Pyramidscope · ${r.model} · ${r.weightsLabel} · ${st.viewMode}${st.viewMode === 'channel' ? ` ${st.channel}` : ''} · ${st.valueSign} · ${st.normScope}`;
    const canvas = composeViewPng(panes, { colormap: st.colormap, overlay: st.overlay, opacity: st.opacity, upsampling: st.upsampling, title });
    canvas.toBlob((blob) => blob && downloadBlob(`${fileSafe(r.model)}_view.png`, blob), 'image/png');
  };

  const timmCode = () => {
    if (!r) return '';
    const w = r.weights;
    return timmPython({
      model: r.model,
      outIndices: r.outIndices,
      outputStride: r.outputStride,
      inputSize: r.inputSize,
      pretrainedTag: w?.kind === 'pretrained' ? w.tag : undefined,
      weightsFile: w?.kind === 'file' ? w.name : undefined,
      imageName: s.imageLabel,
    });
  };

  return (
    <section className="panel" data-testid="export-panel" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
      <h2>Export</h2>
      <div className="buttons">
        <button data-testid="export-png" disabled={!r} onClick={exportPng}>
          View as PNG
        </button>
        <button data-testid="export-feature-info" disabled={!r} onClick={() => r && downloadJson(`${fileSafe(r.model)}_feature_info.json`, featureInfoJson(r, s.imageLabel))}>
          feature_info JSON
        </button>
        <button
          data-testid="export-session"
          disabled={!r}
          onClick={() => {
            const session = store.getState().exportSession();
            if (session) downloadJson(`${fileSafe(session.model)}.pyramidscope.json`, session);
          }}
        >
          Session file
        </button>
        <button
          data-testid="copy-timm-python"
          disabled={!r}
          onClick={async () => {
            const text = timmCode();
            setCode(text);
            try {
              await navigator.clipboard.writeText(text);
              setCopied(true);
            } catch {
              setCopied(false); // no clipboard permission: the code is shown below to copy by hand
            }
          }}
        >
          Copy as timm Python
        </button>
      </div>
      <label className="file-pick">
        Open a session file (or drop it here)
        <input
          data-testid="import-session"
          type="file"
          accept="application/json,.json"
          onChange={async (e) => {
            const f = e.target.files?.[0];
            if (f) importText(await f.text());
            e.target.value = '';
          }}
        />
      </label>
      {s.sessionError && (
        <p className="error-text" data-testid="session-error" role="alert">
          {s.sessionError}
        </p>
      )}
      {code && (
        <>
          <p className="muted">{copied ? 'Copied to the clipboard:' : 'Copy this:'}</p>
          <pre className="code" data-testid="timm-python">
            {code}
          </pre>
        </>
      )}
    </section>
  );
}
