/**
 * How a family builds its feature hierarchy, for the Learn panel: what its
 * blocks do to stride and receptive field, with this model's own numbers
 * (from the op layer's receptive-field run, so they hold at any input size).
 */
import type { GeometryResult, LevelGeometry } from '../../src-shared/contract';

const rf = (l: LevelGeometry) => `${Math.round(l.rfSize[0])} px`;

/** The level whose receptive field grows most over the one before it, with the growth. */
function biggestGrowth(levels: readonly LevelGeometry[]): { level: LevelGeometry; from: number } | undefined {
  let best: { level: LevelGeometry; from: number } | undefined;
  for (let i = 1; i < levels.length; i++) {
    const from = levels[i - 1].rfSize[0];
    if (!best || levels[i].rfSize[0] - from > best.level.rfSize[0] - best.from) best = { level: levels[i], from };
  }
  return best;
}

function mobileStory(g: GeometryResult): string[] {
  const grow = biggestGrowth(g.levels);
  return [
    'Built from inverted residuals (MBConv): a 1×1 conv widens the channels (typically 4–6×), a depthwise k×k conv — one filter per channel — does all the spatial mixing, ' +
      'and a 1×1 conv projects back down, with a skip connection when the shape is unchanged. Only the depthwise conv grows the receptive field, by (k − 1) × the current stride, ' +
      'and a stride-2 depthwise conv is where the map halves; the 1×1 convs cost most of the compute but see one cell. Depthwise-separable blocks (the first stage) are the same without the widening.',
    'Squeeze-excite rescales every channel by a gate computed from the whole map’s average: it adds nothing to the theoretical field drawn here (a cell’s footprint is unchanged), ' +
      'yet every value now depends on global context.',
    grow
      ? `Here the field grows ${g.levels.map(rf).join(' → ')}; the largest step is into ${grow.level.module} (level ${grow.level.index}, ${Math.round(grow.from)} → ${rf(grow.level)}), ` +
        `where ${grow.level.stageStride > 1 ? `a stride-${grow.level.stageStride} stage with large depthwise kernels` : 'large depthwise kernels'} work at a stride of ${grow.level.jump[0]} input pixels per cell.`
      : '',
  ].filter(Boolean);
}

const STORIES: Record<string, (g: GeometryResult) => string[]> = {
  efficientnet: mobileStory,
  mobilenet: mobileStory,
  convnext: (g) => {
    const [first] = g.levels;
    return [
      `A “patchify” stem: one 4×4 conv with stride 4, so level 0 (${first.module}) already steps ${first.jump[0]} px per cell and sees ${rf(first)}. ` +
        'Each block is a 7×7 depthwise conv (the only spatial mixing: +6 × stride per block), a LayerNorm over channels, an MLP of two 1×1 layers (4× wider inside) with GELU (ConvNeXt-V2 adds a global response norm there), and in V1 a learned per-channel scale, added to the skip.',
      'Between stages a LayerNorm and a non-overlapping 2×2 conv with stride 2 halve the map. At output_stride 16 or 8 that conv keeps stride 1 and dilates instead, with TensorFlow-style “same” padding (when the total padding is odd, the extra pixel goes bottom and right).',
      `Field growth here: ${g.levels.map(rf).join(' → ')}.`,
    ];
  },
  vgg: (g) => [
    `A plain stack of 3×3 convs with ReLU, each adding 2 × stride to the receptive field; a 2×2 max pool halves the map between blocks. Level 0 (${g.levels[0].module}) comes before the first pool, at stride ${g.levels[0].jump[0]}: full resolution, a ${rf(g.levels[0])} field.`,
    `Field growth here: ${g.levels.map(rf).join(' → ')} — slow at first, then doubling per block as the stride does.`,
  ],
  resnet: (g) => [`Residual bottlenecks (1×1 → 3×3 → 1×1 with a skip); the 3×3 convs grow the field, the first block of each stage strides. Field growth: ${g.levels.map(rf).join(' → ')}.`],
  resnest: (g) => [`ResNet trunk with split attention: each 3×3 is split into radix groups whose outputs are weighted by a softmax over a global pool — global context, no extra footprint. Field growth: ${g.levels.map(rf).join(' → ')}.`],
  densenet: (g) => [`Dense blocks concatenate every layer’s output to its input, so channels grow inside a block; transitions (1×1 conv + 2×2 average pool) halve the map. Field growth: ${g.levels.map(rf).join(' → ')}.`],
  vovnet: (g) => [`One-shot aggregation: a chain of 3×3 convs whose outputs are all concatenated once at the end of the block, mixing small and large fields in one level. Field growth: ${g.levels.map(rf).join(' → ')}.`],
  regnet: (g) => [`Stage widths from RegNet’s linear rule, blocks of grouped 3×3 bottlenecks (with squeeze-excite in RegNetY). Field growth: ${g.levels.map(rf).join(' → ')}.`],
  xception_aligned: (g) => [`Depthwise-separable convs throughout (depthwise 3×3 then 1×1), striding in the last separable conv of a block. Field growth: ${g.levels.map(rf).join(' → ')}.`],
};

export function familyStory(family: string | undefined, g: GeometryResult): string[] {
  const story = family ? STORIES[family] : undefined;
  return story ? story(g) : [];
}
