/** timm `densenet.py` (port in progress). */
import type { ModelEntry } from '../model';

export const densenetEntries: ModelEntry[] = [];
