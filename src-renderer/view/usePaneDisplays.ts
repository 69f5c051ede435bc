/** The displays of pane A (and B when comparing), recomputed only when data or view settings change. */
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../store';
import { paneDisplays, type DisplayOptions, type LevelDisplay } from './levelDisplays';

export function useDisplayOptions(): DisplayOptions {
  return useApp(
    useShallow((s) => ({
      mode: s.viewMode,
      channel: s.channel,
      sign: s.valueSign,
      normScope: s.normScope,
      fixedRange: s.fixedRange,
      zeroCentre: s.zeroCentre,
      pcaFit: s.pcaFit,
    })),
  );
}

export function usePaneDisplays(): { a: LevelDisplay[]; b?: LevelDisplay[] } {
  const o = useDisplayOptions();
  const { result, compareResult, compareOn, shared } = useApp(
    useShallow((s) => ({ result: s.result, compareResult: s.compareResult, compareOn: s.compareOn, shared: s.compareSharedScale })),
  );
  return useMemo(() => {
    if (!result) return { a: [] };
    const comparing = compareOn && compareResult !== undefined;
    const panes = comparing ? [result.levels, compareResult.levels] : [result.levels];
    const [a, b] = paneDisplays(panes, o, comparing && shared);
    return { a, b };
  }, [result, compareResult, compareOn, shared, o]);
}
