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
  cspnet: (g) => [
    'Each stage halves the map with a strided 3×3 conv, then makes a cross-stage partial split: a 1×1 conv widens the channels and they are cut in two. ' +
      'Only one half runs through the stage’s residual blocks; the other half bypasses them and is concatenated back before a 1×1 transition conv mixes both — half the compute, and every level mixes fresh and deeply processed features. ' +
      'DarkNet-53 has the same stages without the split.',
    g.levels[0].jump[0] === 1
      ? `Level 0 (${g.levels[0].module}) is a stride-1 stem conv: full resolution, a ${rf(g.levels[0])} field. Field growth here: ${g.levels.map(rf).join(' → ')}.`
      : `Field growth here: ${g.levels.map(rf).join(' → ')}.`,
  ],
  dla: (g) => [
    'Deep layer aggregation: blocks are arranged in trees, and an aggregation node (a 1×1 conv over the concatenation) merges the outputs of a tree’s children — shallow and deep features of the same resolution — ' +
      'before they move on; each level also takes the previous level’s output, max-pooled to its size (iterative aggregation).',
    `So a level mixes several depths, not just the last block. Field growth here: ${g.levels.map(rf).join(' → ')}.`,
  ],
  dpn: (g) => [
    'Dual path: every block splits its output in two — one part is added to a residual path (ResNet’s feature re-use), the other is concatenated to a densely growing path (DenseNet’s new features) — ' +
      'and the next block reads both, concatenated, through BatchNorm and ReLU before its grouped 3×3 conv.',
    `Channels therefore grow inside a stage, like DenseNet. Field growth here: ${g.levels.map(rf).join(' → ')}.`,
  ],
  res2net: (g) => [
    'A hierarchy inside each block: the bottleneck’s channels are cut into scales, and each scale’s 3×3 conv also receives the previous scale’s output, ' +
      'so the later scales see through two, three or more stacked 3×3 convs. Concatenated again, one block mixes small, medium and large receptive fields; the stages then reduce resolution as ResNet does.',
    `Field growth here (the largest path through each block): ${g.levels.map(rf).join(' → ')}.`,
  ],
  sknet: (g) => [
    'Selective kernels: each block runs a 3×3 and a dilated 3×3 (a 5×5 footprint) side by side; their sum is pooled into a small descriptor, and a softmax over the two paths chooses, per channel, ' +
      'how much of the small and the large field to keep — so the effective field adapts to the image while the theoretical one drawn here is the larger path’s.',
    `Field growth here: ${g.levels.map(rf).join(' → ')}.`,
  ],
  inception: (g) => [
    'Each “Mixed” module looks at the same map through parallel branches — a 1×1, a 5×5 (or a 7×7 split into 1×7 then 7×1), two stacked 3×3s and a pooled 1×1 — and concatenates them along the channels.',
    `Its stem convs and reduction modules use no padding, so every stride-2 step loses a pixel: the maps here are ${g.levels.map((l) => `${l.shape[1]}×${l.shape[2]}`).join(' → ')} rather than exact halvings (299 gives 147, 71, 35, 17, 8). ` +
      `Field growth: ${g.levels.map(rf).join(' → ')}.`,
  ],
  ghostnet: (g) => [
    'Many feature maps are near-copies of each other, so a ghost module makes only half its channels with a real 1×1 conv and the other half — the “ghosts” — with a cheap 3×3 depthwise conv on those. ' +
      'Two ghost modules form a bottleneck (widen, then narrow), with squeeze-excite on some blocks; a depthwise stride-2 conv between them halves the map.',
    `Level 0 is the stem conv’s raw output, as timm reports it. Field growth here: ${g.levels.map(rf).join(' → ')}.`,
  ],
  rexnet: (g) => [
    'Instead of keeping a stage’s width fixed and jumping at each stride, ReXNet widens a little at every block (inverted bottlenecks: expand, depthwise 3×3, squeeze-excite, project); ' +
      'as a block’s output is wider than its input, the shortcut is added to the first channels only and the new ones pass through.',
    `Levels are taken just before each stride-2 block. Field growth here: ${g.levels.map(rf).join(' → ')}.`,
  ],
  hrnet: (g) => {
    const branches = g.levels.filter((l) => l.branch !== undefined);
    return [
      'HRNet does not build its hierarchy as a chain that downsamples. After the stem it keeps a high-resolution branch from start to end and adds lower-resolution branches stage by stage; ' +
        'all branches run in parallel, and fuse layers repeatedly exchange information between them (strided convs down, 1×1 convs and nearest upsampling up).',
      branches.length
        ? `The levels ${branches.map((l) => l.index).join(', ')} here are those parallel branches finishing together (strides ${branches.map((l) => l.jump[0]).join(', ')}), each passed through its own “incre” bottleneck as timm’s features_only reports them; ` +
          `even the stride-${branches[0].jump[0]} branch has a ${rf(branches[0])} field, because the fusions bring in what the coarse branches saw.`
        : `Field growth here: ${g.levels.map(rf).join(' → ')}.`,
    ];
  },
  hgnet: (g) => [
    'RT-DETR’s backbone. The stem runs a small conv branch beside a max pool and concatenates them. Inside each HG block a chain of convs runs one after another and every conv’s output, with the block’s input, is concatenated once at the end (like VoVNet’s one-shot aggregation), ' +
      'then two 1×1 convs squeeze and excite that stack back to the block’s width; later stages use “light” convs (1×1 then depthwise 5×5), and a strided depthwise conv halves the map between stages.',
    `Field growth here: ${g.levels.map(rf).join(' → ')}.`,
  ],
  byobnet: (g) => [
    'Built from a stage table (timm’s “bring your own blocks”). RepVGG trains each 3×3 conv with a parallel 1×1 conv and an identity BatchNorm branch, summed; at deployment they fold into one 3×3 conv, so the network is a plain VGG-like stack (the weights here are the unfused training branches). ' +
      'GERNet puts basic 3×3 blocks in the early, high-resolution stages and bottlenecks in the late ones, for GPU speed.',
    `Field growth here: ${g.levels.map(rf).join(' → ')}.`,
  ],
};

export function familyStory(family: string | undefined, g: GeometryResult): string[] {
  const story = family ? STORIES[family] : undefined;
  return story ? story(g) : [];
}
