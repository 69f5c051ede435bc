/** timm `xception.py` (port in progress). */
import type { ModelEntry } from '../model';

export const xceptionEntries: ModelEntry[] = [];
