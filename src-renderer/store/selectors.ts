import type { ModelSummary } from '../../src-shared/contract';
import type { AppState } from './types';

/** The selected model's summary (undefined until the zoo has loaded). */
export const selectedModel = (s: Pick<AppState, 'models' | 'selected'>): ModelSummary | undefined => s.models.find((m) => m.name === s.selected);
