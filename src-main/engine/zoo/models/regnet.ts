/** timm `regnet.py` (port in progress). */
import type { ModelEntry } from '../model';

export const regnetEntries: ModelEntry[] = [];
