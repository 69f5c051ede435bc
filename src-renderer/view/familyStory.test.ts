import { describe, expect, it } from 'vitest';
import type { GeometryResult, LevelGeometry } from '../../src-shared/contract';
import { familyStory } from './familyStory';

const level = (index: number, module: string, jump: number, rf: number, stageStride: number): LevelGeometry => ({
  index,
  module,
  numChs: 8,
  reduction: jump,
  shape: [8, 224 / jump, 224 / jump],
  jump: [jump, jump],
  rfSize: [rf, rf],
  rfStart: [0, 0],
  dilation: 1,
  stageStride,
});

const geometry = (levels: LevelGeometry[]): GeometryResult => ({ model: 'm', outputStride: 32, inputSize: [224, 224], levels });

describe('family story in the Learn panel', () => {
  it('MBConv families: names the depthwise conv, squeeze-excite and the largest field step with its numbers', () => {
    const g = geometry([level(0, 'blocks.0', 2, 7, 2), level(1, 'blocks.1', 4, 19, 2), level(2, 'blocks.2', 8, 67, 2), level(3, 'blocks.4', 16, 99, 2)]);
    const text = familyStory('efficientnet', g).join(' ');
    expect(text).toContain('depthwise');
    expect(text).toContain('Squeeze-excite');
    expect(text).toContain('7 px → 19 px → 67 px → 99 px');
    expect(text).toContain('into blocks.2 (level 2, 19 → 67 px)');
  });

  it('VGG: the stride-1 first level with its own field', () => {
    const text = familyStory('vgg', geometry([level(0, 'features.3', 1, 5, 1), level(1, 'features.8', 2, 16, 2)])).join(' ');
    expect(text).toContain('Level 0 (features.3) comes before the first pool, at stride 1');
    expect(text).toContain('5 px → 16 px');
  });

  it('an unknown family tells nothing rather than something wrong', () => {
    expect(familyStory('nosuchfamily', geometry([level(0, 'a', 2, 3, 2)]))).toEqual([]);
    expect(familyStory(undefined, geometry([level(0, 'a', 2, 3, 2)]))).toEqual([]);
  });
});
