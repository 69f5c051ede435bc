/** Every model family, registered explicitly (no import side effects). */
import type { ModelEntry } from '../model';
import { resnetEntries } from './resnet';
import { resnestEntries } from './resnest';
import { res2netEntries } from './res2net';
import { sknetEntries } from './sknet';
import { densenetEntries } from './densenet';
import { vovnetEntries } from './vovnet';
import { regnetEntries } from './regnet';
import { xceptionEntries } from './xception';
import { convnextEntries } from './convnext';
import { vggEntries } from './vgg';
import { efficientnetEntries } from './efficientnet';
import { mobilenetv3Entries } from './mobilenetv3';
import { hgnetEntries } from './hgnet';
import { cspnetEntries } from './cspnet';
import { dlaEntries } from './dla';
import { dpnEntries } from './dpn';
import { hrnetEntries } from './hrnet';
import { byobnetEntries } from './byobnet';
import { inceptionV3Entries } from './inception_v3';
import { ghostnetEntries } from './ghostnet';
import { rexnetEntries } from './rexnet';

export const allEntries: readonly ModelEntry[] = [
  ...resnetEntries,
  ...resnestEntries,
  ...res2netEntries,
  ...sknetEntries,
  ...densenetEntries,
  ...vovnetEntries,
  ...regnetEntries,
  ...xceptionEntries,
  ...convnextEntries,
  ...vggEntries,
  ...efficientnetEntries,
  ...mobilenetv3Entries,
  ...hgnetEntries,
  ...cspnetEntries,
  ...dlaEntries,
  ...dpnEntries,
  ...hrnetEntries,
  ...byobnetEntries,
  ...inceptionV3Entries,
  ...ghostnetEntries,
  ...rexnetEntries,
];
