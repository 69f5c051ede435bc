/**
 * What every timm architecture shares — timm's FeatureListNet plumbing and
 * classifier handling written once: the parameter registry, feature levels run
 * as a list of steps (step i yields level i), forward_features as every level
 * plus an optional tail (EfficientNet's conv_head + bn2), the head (timm's
 * create_classifier by default, or a family's own), forward_head and
 * reset_classifier. A family declares its layers, `steps` and `featureInfo`;
 * its allowed output strides are stated once, on its registry entry.
 */
import type { Ops } from '../ops/ops';
import type { FeatureLevelInfo, LevelTap, TimmModel } from './model';
import { runLevelSteps } from './model';
import { ParamRegistry, Scope } from './paramRegistry';
import { ClassifierHead, type Head } from './layers/classifier';

export abstract class TimmModelBase implements TimmModel {
  readonly registry = new ParamRegistry();
  protected readonly root = new Scope(this.registry);
  abstract readonly featureInfo: readonly FeatureLevelInfo[];
  abstract readonly numFeatures: number;
  /** The classifier head; set by createHead or by a family with its own head class. */
  protected head?: Head;

  /**
   * The network as steps: step i maps level i−1's value (the input for i = 0) to level i.
   * Families whose levels are not a chain override forwardLevels instead.
   */
  protected steps<T>(_ops: Ops<T>): Array<(x: T) => T> {
    throw new Error(`${this.constructor.name} declares neither steps nor forwardLevels`);
  }

  forwardLevels<T>(ops: Ops<T>, x: T, levels: readonly number[], tap?: LevelTap<T>): T[] {
    return runLevelSteps(ops, x, this.steps(ops), levels, tap);
  }

  /** What forward_features does after the deepest feature level (identity for most families). */
  protected featuresTail<T>(_ops: Ops<T>, x: T): T {
    return x;
  }

  forwardFeatures<T>(ops: Ops<T>, x: T, tap?: LevelTap<T>): T {
    const deepest = this.forwardLevels(ops, x, [this.featureInfo.length - 1], tap)[0];
    return ops.scope(() => this.featuresTail(ops, deepest));
  }

  /** timm's create_classifier (global pool → Linear) with the Linear at `path`, e.g. 'fc' or 'head.fc'. Call once numFeatures is set. */
  protected createHead(path: string, numClasses: number, globalPool: string): void {
    const scope = path.split('.').reduce((s, part) => s.child(part), this.root);
    this.head = new ClassifierHead(scope, this.numFeatures, numClasses, globalPool);
  }

  private requireHead(): Head {
    if (!this.head) throw new Error(`${this.constructor.name} has no head: createHead was not called`);
    return this.head;
  }

  get numClasses(): number {
    return this.requireHead().numClasses;
  }

  forwardHead<T>(ops: Ops<T>, x: T, preLogits = false): T {
    return this.requireHead().forward(ops, x, preLogits);
  }

  /**
   * timm's reset_classifier without a global_pool: 'avg' for ResNet/DenseNet,
   * the current pool for the families whose ClassifierHead.reset keeps it.
   */
  protected readonly resetKeepsPool: boolean = false;

  resetClassifier(numClasses: number, globalPool?: string): void {
    const head = this.requireHead();
    head.reset(numClasses, globalPool ?? (this.resetKeepsPool ? head.pool : 'avg'));
  }
}
