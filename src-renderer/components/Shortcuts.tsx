import { useEffect, useState } from 'react';
import { useAppStore } from '../store';
import { SHORTCUTS, shortcutFor } from '../view/shortcuts';

/** Binds the keyboard shortcuts to the window and shows them on '?'. */
export function Shortcuts() {
  const store = useAppStore();
  const [help, setHelp] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === '?' && !(e.target instanceof HTMLInputElement)) {
        setHelp((h) => !h);
        return;
      }
      if (e.key === 'Escape') setHelp(false);
      const s = shortcutFor(e.key, e.target, e.ctrlKey || e.metaKey || e.altKey);
      if (!s) return;
      e.preventDefault();
      s.run(store.getState());
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);
  return (
    <>
      <button className="help-button" data-testid="shortcuts-button" onClick={() => setHelp((h) => !h)} title="Keyboard shortcuts (?)">
        ?
      </button>
      {help && (
        <div className="shortcuts-help" data-testid="shortcuts-help" role="dialog" aria-label="Keyboard shortcuts">
          <h2>Keyboard shortcuts</h2>
          <table>
            <tbody>
              {SHORTCUTS.map((s) => (
                <tr key={s.keys.join()}>
                  <td>
                    {s.keys.map((k) => (
                      <kbd key={k}>{k.replace('Arrow', '')}</kbd>
                    ))}
                  </td>
                  <td>{s.does}</td>
                </tr>
              ))}
              <tr>
                <td>
                  <kbd>?</kbd>
                </td>
                <td>this help</td>
              </tr>
            </tbody>
          </table>
          <button onClick={() => setHelp(false)}>Close</button>
        </div>
      )}
    </>
  );
}
