/** Every model family, registered explicitly (no import side effects). */
import type { ModelEntry } from '../model';
import { resnetEntries } from './resnet';
import { resnestEntries } from './resnest';
import { densenetEntries } from './densenet';
import { vovnetEntries } from './vovnet';
import { regnetEntries } from './regnet';
import { xceptionEntries } from './xception';

export const allEntries: readonly ModelEntry[] = [
  ...resnetEntries,
  ...resnestEntries,
  ...densenetEntries,
  ...vovnetEntries,
  ...regnetEntries,
  ...xceptionEntries,
];
