import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../store';
import { Shortcuts } from './Shortcuts';
import { heldBytes, type ShownResult } from '../store/shown';
import { useSyncExternalStore } from 'react';
import { isPrewarmed, onPrewarmChange, prewarmVersion } from '../view/prewarm';
import { isTestMode } from '../testMode';

const TEST_MODE = isTestMode();

/** In test mode `ready` waits for the idle-time aggregate passes, so a test never races them. */
function useShownStatus(status: string, result: ShownResult | undefined): string {
  useSyncExternalStore(onPrewarmChange, prewarmVersion);
  return TEST_MODE && status === 'ready' && result && !isPrewarmed(result.levels) ? 'running' : status;
}

/** How much feature data the window holds, and whether it is float16 (large inputs). */
function HeldFeatures({ result }: { result: ShownResult }) {
  const half = result.levels.some((l) => l.dtype === 'float16');
  const bytes = heldBytes(result);
  const mib = bytes / 2 ** 20;
  return (
    <span className="timing" data-testid="held-features" data-bytes={bytes} title={half ? 'Large pyramid: levels are held as float16 (about 3 significant digits); .npy exports fetch exact float32 from the engine.' : 'Levels are held as exact float32.'}>
      {' '}
      · {mib < 10 ? mib.toFixed(1) : Math.round(mib)} MiB {half ? 'float16' : 'float32'}
    </span>
  );
}

export function StatusBar() {
  const { status, error, engine, result, theme, setTheme } = useApp(
    useShallow((s) => ({ status: s.status, error: s.error, engine: s.engine, result: s.result, theme: s.theme, setTheme: s.setTheme })),
  );
  const shown = useShownStatus(status, result);
  return (
    <header className="status-bar">
      <h1>Pyramidscope</h1>
      <span className={`status status-${status}`}>
        <span data-testid="run-status">{shown}</span>
        {status === 'ready' && result && <span className="timing"> · {Math.round(result.timings.forwardMs)} ms forward</span>}
        {status === 'ready' && result && <HeldFeatures result={result} />}
      </span>
      <span className="backend" title={engine?.skipped.map((s) => `${s.choice}: ${s.reason}`).join('\n')}>
        backend: <span data-testid="backend">{engine?.backend ?? '…'}</span>
      </span>
      <span className="bar-tools">
        <button data-testid="theme-toggle" data-theme={theme} onClick={() => setTheme(theme === 'light' ? 'dark' : 'light')} title="Light or dark theme (t)">
          {theme === 'light' ? '☾ dark' : '☀ light'}
        </button>
        <Shortcuts />
      </span>
      {status === 'error' && error && (
        <div className="error" role="alert">
          <span data-testid="error-message">{error.message}</span>
        </div>
      )}
    </header>
  );
}
