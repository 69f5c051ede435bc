/** Every model family, registered explicitly (no import side effects). */
import type { ModelEntry } from '../model';
import { resnetEntries } from './resnet';

export const allEntries: readonly ModelEntry[] = [...resnetEntries];
