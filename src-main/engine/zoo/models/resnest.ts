/** timm `resnest.py` (port in progress). */
import type { ModelEntry } from '../model';

export const resnestEntries: ModelEntry[] = [];
