/** timm `vovnet.py` (port in progress). */
import type { ModelEntry } from '../model';

export const vovnetEntries: ModelEntry[] = [];
