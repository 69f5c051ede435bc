"""Regenerates src-main/engine/zoo/pretrainedCfgs.json from timm's own default_cfgs.

Run with a timm checkout on the path (no weights are fetched; only the registry is read):
  PYTHONPATH=<timm> python3 scripts/timm/pretrainedCfgs.py [ARCH ...]
It rewrites the rows of every architecture already in the file plus any named,
each as timm lists its tags (default first). Rows hold the facts the app uses:
hub id (null where timm publishes none), mean, std, input size, crop, interpolation,
class count, licence.
"""
import json
import os
import sys

import timm
from timm.models import _registry as registry

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'src-main', 'engine', 'zoo', 'pretrainedCfgs.json')


def rows(arch):
    names = registry._model_with_tags.get(arch)
    if not names:
        raise SystemExit(f"timm {timm.__version__} has no architecture '{arch}'")
    out = []
    for full in names:
        cfg = registry._model_pretrained_cfgs[full]
        tag = full.split('.', 1)[1] if '.' in full else ''
        row = {
            'name': full,
            'tag': tag,
            'hfHubId': cfg.hf_hub_id or None,
            'mean': list(cfg.mean),
            'std': list(cfg.std),
            'inputSize': list(cfg.input_size),
            'cropPct': cfg.crop_pct,
            'cropMode': cfg.crop_mode,
            'interpolation': cfg.interpolation,
            'numClasses': cfg.num_classes,
        }
        if cfg.license:
            row['license'] = cfg.license
        out.append(row)
    return out


def main():
    with open(OUT) as f:
        table = json.load(f)
    archs = list(table.keys()) + [a for a in sys.argv[1:] if a not in table]
    new = {arch: rows(arch) for arch in archs}
    tmp = OUT + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(new, f, separators=(',', ':'))
        f.write('\n')
    os.replace(tmp, OUT)
    print(f'{len(new)} architectures written to {os.path.normpath(OUT)}')


if __name__ == '__main__':
    main()
