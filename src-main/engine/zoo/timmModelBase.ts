/**
 * What every timm architecture shares: its parameter registry, the classifier
 * head (timm's create_classifier at the model's `classifier` path),
 * forward_features as the deepest feature level, forward_head and
 * reset_classifier. A family writes its layers and `forwardLevels`.
 */
import type { Ops } from '../ops/ops';
import type { FeatureLevelInfo, LevelTap, TimmModel } from './model';
import { ParamRegistry, Scope } from './paramRegistry';
import { Classifier } from './layers/classifier';

export abstract class TimmModelBase implements TimmModel {
  readonly registry = new ParamRegistry();
  protected readonly root = new Scope(this.registry);
  abstract readonly featureInfo: readonly FeatureLevelInfo[];
  abstract readonly numFeatures: number;
  private head?: { scope: Scope; classifier: Classifier };

  abstract forwardLevels<T>(ops: Ops<T>, x: T, levels: readonly number[], tap?: LevelTap<T>): T[];

  /** Declares the classifier at timm's path for it, e.g. 'fc', 'classifier' or 'head.fc'. Call once numFeatures is set. */
  protected createHead(path: string, numClasses: number, globalPool: string): void {
    const scope = path.split('.').reduce((s, part) => s.child(part), this.root);
    this.head = { scope, classifier: new Classifier(scope, this.numFeatures, numClasses, globalPool) };
  }

  private classifier(): Classifier {
    if (!this.head) throw new Error('model has no head: createHead was not called');
    return this.head.classifier;
  }

  get numClasses(): number {
    return this.classifier().numClasses;
  }

  forwardFeatures<T>(ops: Ops<T>, x: T, tap?: LevelTap<T>): T {
    return this.forwardLevels(ops, x, [this.featureInfo.length - 1], tap)[0];
  }

  forwardHead<T>(ops: Ops<T>, x: T, preLogits = false): T {
    return this.classifier().forward(ops, x, preLogits);
  }

  /**
   * timm's reset_classifier without a global_pool: 'avg' for ResNet/DenseNet,
   * the current pool for the families whose ClassifierHead.reset keeps it.
   */
  protected readonly resetKeepsPool: boolean = false;

  resetClassifier(numClasses: number, globalPool?: string): void {
    const head = this.head;
    if (!head) throw new Error('model has no head: createHead was not called');
    const pool = globalPool ?? (this.resetKeepsPool ? head.classifier.pool : 'avg');
    this.registry.removePrefix(`${head.scope.prefix}.`);
    this.head = { scope: head.scope, classifier: new Classifier(head.scope, this.numFeatures, numClasses, pool) };
  }
}
