/** "Copy as timm Python": the create_model call that reproduces the features shown. */

export interface TimmCallSettings {
  model: string;
  outIndices: readonly number[];
  outputStride: number;
  /** Square input side actually used. */
  inputSize: readonly [number, number];
  /** The pretrained tag (e.g. 'resnet50.a1_in1k') or undefined for random init. */
  pretrainedTag?: string;
  /** A local weights file, when the weights came from one. */
  weightsFile?: string;
  imageName?: string;
}

const tuple = (xs: readonly number[]) => (xs.length === 1 ? `(${xs[0]},)` : `(${xs.join(', ')})`);

export function timmPython(s: TimmCallSettings): string {
  const name = s.pretrainedTag ?? s.model;
  const pretrained = s.pretrainedTag ? 'True' : 'False';
  const args = [`'${name}'`, `pretrained=${pretrained}`, 'features_only=True', `out_indices=${tuple(s.outIndices)}`];
  if (s.outputStride !== 32) args.push(`output_stride=${s.outputStride}`);
  const lines = [
    'import timm',
    'import torch',
    'from PIL import Image',
    'from timm.data import create_transform, resolve_data_config',
    '',
    `model = timm.create_model(${args.join(', ')})`,
  ];
  if (s.weightsFile) {
    lines.push(`# weights from a local file, as Pyramidscope loaded them`, `from safetensors.torch import load_file`, `model.load_state_dict(load_file('${s.weightsFile}'), strict=False)`);
  } else if (!s.pretrainedTag) {
    lines.push(`# Pyramidscope showed random init (formula-v1) weights: numbers differ from pretrained=True.`);
  }
  lines.push(
    'model.eval()',
    `config = resolve_data_config(model=model)`,
    `config['input_size'] = (3, ${s.inputSize[0]}, ${s.inputSize[1]})`,
    'transform = create_transform(**config)',
    `x = transform(Image.open('${s.imageName ?? 'image.png'}').convert('RGB')).unsqueeze(0)`,
    'with torch.no_grad():',
    '    features = model(x)',
    'for info, f in zip(model.feature_info.get_dicts(), features):',
    "    print(info['module'], info['reduction'], tuple(f.shape))",
  );
  return lines.join('\n') + '\n';
}
