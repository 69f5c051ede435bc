/** Every model family, registered explicitly (no import side effects). */
import type { ModelEntry } from '../model';
import { resnetEntries } from './resnet';
import { resnestEntries } from './resnest';
import { densenetEntries } from './densenet';
import { vovnetEntries } from './vovnet';
import { regnetEntries } from './regnet';
import { xceptionEntries } from './xception';
import { convnextEntries } from './convnext';
import { vggEntries } from './vgg';
import { efficientnetEntries } from './efficientnet';
import { mobilenetv3Entries } from './mobilenetv3';

export const allEntries: readonly ModelEntry[] = [
  ...resnetEntries,
  ...resnestEntries,
  ...densenetEntries,
  ...vovnetEntries,
  ...regnetEntries,
  ...xceptionEntries,
  ...convnextEntries,
  ...vggEntries,
  ...efficientnetEntries,
  ...mobilenetv3Entries,
];
